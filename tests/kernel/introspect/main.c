/*
 * Object introspection (TASK_CAP_INFO with FERRY_CAP_INFO_OBJECT): what a
 * checkpointer must read to re-create objects, read without changing them.
 *  - IRQ: pending count (reading does not consume it), source, the waiter;
 *  - gate: receiver, the threads queued to send through it, in FIFO order,
 *    without senders of the receiver's other gates; reading leaves the queue;
 *  - thread: task, UTCB address, pager, exception handler, priority, time
 *    slice, and live (not suspended) what it is blocked on and the time left;
 *  - task: its live threads; memory: range and kind;
 *  - dead objects and empty slots: the header only; errors and rights.
 */
#include <runtime.h>
#include <stdio.h>
#include <string.h>

#define OWN       FERRY_ROOT_SEL_TASK
#define HIGH_PRIO 150 /* above the root thread: runs until it blocks */
#define LABEL_A   0xa1
#define LABEL_B   0xb2
#define LABEL_IRQ 0x1e
#define SENDERS   5 /* on gate A; one more on gate B in between */

static void test_ok(const char *what)
{
    printf("introspect: %s ok\n", what);
}

static struct ferry_obj_info info_of(uint64_t task, uint64_t sel)
{
    struct ferry_obj_info info;
    CHECK_ERR(sys_task_obj_info(task, sel, &info), FERRY_OK);
    CHECK(info.magic == FERRY_OBJ_INFO_MAGIC && info.version == FERRY_OBJ_INFO_VERSION,
          "slot %lu: magic 0x%lx version %lu", (unsigned long)sel, (unsigned long)info.magic,
          (unsigned long)info.version);
    struct sys_cap_info cap = runtime_cap_info(task, sel);
    CHECK(info.type == cap.type && info.rights == cap.rights && info.id == cap.id &&
              info.label == cap.label && info.flags == cap.flags,
          "slot %lu: header differs from TASK_CAP_INFO's results", (unsigned long)sel);
    return info;
}

static uint64_t id_of(uint64_t sel)
{
    return runtime_cap_info(OWN, sel).id;
}

/* The type-specific words are all zero. */
static void check_no_type_words(const struct ferry_obj_info *info, const char *what)
{
    for (unsigned i = 0; i < FERRY_OBJ_INFO_TYPE_WORDS; i++)
        CHECK(info->word[i] == 0, "%s: type word %u is 0x%lx", what, i,
              (unsigned long)info->word[i]);
}

/* ---- IRQ ---- */

struct irq_waiter {
    uint64_t irq;
    volatile long result;
    volatile int done;
};

static void irq_waiter_fn(void *arg)
{
    struct irq_waiter *w = arg;
    w->result = sys_irq_wait(w->irq, FERRY_TIMEOUT_NEVER);
    w->done = 1;
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

static void test_irq(void)
{
    uint64_t irq = runtime_create(FERRY_OBJ_IRQ, 0, LABEL_IRQ);
    struct ferry_obj_info info = info_of(OWN, irq);
    CHECK(info.type == FERRY_OBJ_IRQ && info.label == LABEL_IRQ, "type %lu label 0x%lx",
          (unsigned long)info.type, (unsigned long)info.label);
    CHECK(info.irq.pending == 0 && info.irq.source == 0 && info.irq.waiter == 0,
          "fresh IRQ: pending %lu", (unsigned long)info.irq.pending);
    for (int i = 0; i < 3; i++)
        CHECK_ERR(sys_irq_trigger(irq), FERRY_OK);
    for (int i = 0; i < 3; i++) { /* reading never consumes */
        info = info_of(OWN, irq);
        CHECK(info.irq.pending == 3, "pending %lu after 3 triggers and %d reads",
              (unsigned long)info.irq.pending, i);
    }
    /* read-only access to the IRQ is enough to read it, through a task with R */
    uint64_t irq_r = runtime_copy_cap(irq, FERRY_RIGHT_R);
    CHECK(info_of(OWN, irq_r).irq.pending == 3, "through a copy");
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_OK);
    CHECK(info_of(OWN, irq).irq.pending == 2, "one consumed");
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_OK);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_OK);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT);

    /* a waiter: the IRQ names it, the thread says it waits there (live) */
    static struct irq_waiter w;
    w.irq = irq;
    uint64_t thread = runtime_thread_spawn(irq_waiter_fn, &w, HIGH_PRIO);
    CHECK(thread, "spawn");
    info = info_of(OWN, irq);
    CHECK(info.irq.pending == 0 && info.irq.waiter == id_of(thread), "waiter %lu, thread %lu",
          (unsigned long)info.irq.waiter, (unsigned long)id_of(thread));
    struct ferry_obj_info t = info_of(OWN, thread);
    CHECK(t.thread.run.state == FERRY_RUN_BLOCKED && t.thread.run.suspended == 0 &&
              t.thread.run.blocked_call == FERRY_SYS_IRQ_WAIT &&
              t.thread.run.blocked_on == id_of(irq) && t.thread.run.blocked_fault == 0 &&
              t.thread.run.timeout_left_us == FERRY_TIMEOUT_NEVER,
          "waiter: run state %lu call %lu on %lu", (unsigned long)t.thread.run.state,
          (unsigned long)t.thread.run.blocked_call, (unsigned long)t.thread.run.blocked_on);
    CHECK(!w.done, "the waiter did not wait");
    CHECK_ERR(sys_irq_trigger(irq), FERRY_OK); /* wakes it: runs at once (higher) */
    CHECK(w.done && w.result == FERRY_OK, "waiter: done %d result %ld", w.done, w.result);
    info = info_of(OWN, irq);
    CHECK(info.irq.pending == 0 && info.irq.waiter == 0, "after the wakeup: pending %lu",
          (unsigned long)info.irq.pending);
    test_ok("IRQ: pending count read without consuming it, waiter named");
}

/* ---- gate ---- */

struct sender {
    uint64_t gate;
    uint64_t word;
    volatile long result;
};

static void sender_fn(void *arg)
{
    struct sender *s = arg;
    sys_utcb()->mr[0] = s->word;
    s->result = sys_ipc_send(s->gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_NEVER);
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

static void test_gate(void)
{
    uint64_t gate_a = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, LABEL_A);
    uint64_t gate_b = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, LABEL_B);
    struct ferry_obj_info info = info_of(OWN, gate_a);
    CHECK(info.gate.receiver == id_of(FERRY_ROOT_SEL_THREAD) && info.gate.senders == 0,
          "fresh gate: receiver %lu senders %lu", (unsigned long)info.gate.receiver,
          (unsigned long)info.gate.senders);

    /* SENDERS threads queue on A, one on B after the second: the root is busy */
    static struct sender s[SENDERS + 1];
    uint64_t thread[SENDERS + 1];
    for (unsigned i = 0; i <= SENDERS; i++) {
        s[i].gate = i == 2 ? gate_b : gate_a;
        s[i].word = 0x5e00 + i;
        s[i].result = -1;
        thread[i] = runtime_thread_spawn(sender_fn, &s[i], HIGH_PRIO);
        CHECK(thread[i], "spawn sender %u", i);
    }
    for (int round = 0; round < 2; round++) { /* reading leaves the queue as it is */
        info = info_of(OWN, gate_a);
        CHECK(info.gate.senders == SENDERS, "gate A: %lu senders",
              (unsigned long)info.gate.senders);
        for (unsigned i = 0, k = 0; i <= SENDERS; i++) {
            if (i == 2)
                continue;
            CHECK(info.gate.sender[k] == id_of(thread[i]), "gate A sender %u is %lu, not %lu", k,
                  (unsigned long)info.gate.sender[k], (unsigned long)id_of(thread[i]));
            k++;
        }
        for (unsigned k = SENDERS; k < FERRY_OBJ_INFO_IDS; k++)
            CHECK(info.gate.sender[k] == 0, "gate A: sender word %u set", k);
        info = info_of(OWN, gate_b);
        CHECK(info.gate.senders == 1 && info.gate.sender[0] == id_of(thread[2]),
              "gate B: %lu senders, first %lu", (unsigned long)info.gate.senders,
              (unsigned long)info.gate.sender[0]);
        struct ferry_obj_info t = info_of(OWN, thread[0]);
        CHECK(t.thread.run.state == FERRY_RUN_BLOCKED &&
                  t.thread.run.blocked_call == FERRY_SYS_IPC_SEND &&
                  t.thread.run.blocked_on == id_of(gate_a),
              "sender 0: run state %lu call %lu on %lu", (unsigned long)t.thread.run.state,
              (unsigned long)t.thread.run.blocked_call, (unsigned long)t.thread.run.blocked_on);
    }
    /* the messages arrive in the order the queue said */
    for (unsigned i = 0; i <= SENDERS; i++) {
        uint64_t tag, label;
        CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &label), FERRY_OK);
        CHECK(sys_utcb()->mr[0] == s[i].word && label == (i == 2 ? LABEL_B : LABEL_A),
              "message %u: word 0x%lx label 0x%lx", i, (unsigned long)sys_utcb()->mr[0],
              (unsigned long)label);
    }
    CHECK(info_of(OWN, gate_a).gate.senders == 0, "queue not empty after receiving");
    test_ok("gate: queued senders counted and named in FIFO order, queue left alone");
}

/* ---- thread, task, memory ---- */

static void sleeper_fn(void *arg)
{
    (void)arg;
    for (;;)
        sys_sleep(2000000);
}

static void test_thread_task_memory(const struct ferry_bootinfo *bi)
{
    uint64_t task = runtime_create(FERRY_OBJ_TASK, 0, 0);
    CHECK(info_of(OWN, task).task.threads == 0, "a new task has threads");
    uint64_t utcb_va = 0x200000;
    uint64_t thread = runtime_create(FERRY_OBJ_THREAD, task, utcb_va);
    uint64_t second = runtime_create(FERRY_OBJ_THREAD, task, utcb_va + FERRY_PAGE_SIZE);
    uint64_t second_id = id_of(second);
    /* a thread no capability names any more is still listed */
    CHECK_ERR(sys_task_unmap(OWN, second), FERRY_OK);
    struct ferry_obj_info k = info_of(OWN, task);
    CHECK(k.task.threads == 2 && k.task.thread[0] == id_of(thread) &&
              k.task.thread[1] == second_id && k.task.thread[2] == 0,
          "task: %lu threads: %lu %lu", (unsigned long)k.task.threads,
          (unsigned long)k.task.thread[0], (unsigned long)k.task.thread[1]);

    uint64_t pager = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, 1);
    uint64_t exc = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, 2);
    CHECK_ERR(sys_thread_configure(thread, pager, exc, 77, 2500), FERRY_OK);
    struct ferry_obj_info t = info_of(OWN, thread);
    CHECK(t.thread.task == id_of(task) && t.thread.utcb_va == utcb_va &&
              t.thread.pager == id_of(pager) && t.thread.exc_handler == id_of(exc),
          "thread: task %lu utcb 0x%lx pager %lu exc %lu", (unsigned long)t.thread.task,
          (unsigned long)t.thread.utcb_va, (unsigned long)t.thread.pager,
          (unsigned long)t.thread.exc_handler);
    CHECK(t.thread.prio == 77 && t.thread.slice_us == 2500 && t.thread.reply_to == 0,
          "thread: prio %lu slice %lu us", (unsigned long)t.thread.prio,
          (unsigned long)t.thread.slice_us);
    CHECK(t.thread.run.state == FERRY_RUN_INACTIVE && t.thread.run.suspended == 0,
          "never started: run state %lu", (unsigned long)t.thread.run.state);

    /* a sleeping thread of ours: the time left of its sleep, live */
    uint64_t sleeper = runtime_thread_spawn(sleeper_fn, 0, HIGH_PRIO);
    CHECK_ERR(sys_sleep(10000), FERRY_OK);
    t = info_of(OWN, sleeper);
    CHECK(t.thread.run.state == FERRY_RUN_BLOCKED &&
              t.thread.run.blocked_call == FERRY_SYS_THREAD_SLEEP && t.thread.run.blocked_on == 0 &&
              t.thread.run.timeout_left_us < 2000000 - 5000 && t.thread.run.timeout_left_us > 0,
          "sleeper: run state %lu call %lu left %lu us", (unsigned long)t.thread.run.state,
          (unsigned long)t.thread.run.blocked_call, (unsigned long)t.thread.run.timeout_left_us);

    struct ferry_obj_info m = info_of(OWN, FERRY_ROOT_SEL_RAM);
    CHECK(m.type == FERRY_OBJ_MEMORY && m.memory.paddr == bi->ram[0].paddr &&
              m.memory.size == bi->ram[0].size && m.memory.device == 0,
          "RAM: 0x%lx + 0x%lx", (unsigned long)m.memory.paddr, (unsigned long)m.memory.size);
    if (bi->device_count) {
        m = info_of(OWN, bi->devices[0].sel);
        CHECK(m.memory.device == 1 && m.memory.paddr == bi->devices[0].paddr, "device window");
    }
    struct ferry_obj_info f = info_of(OWN, FERRY_ROOT_SEL_FACTORY);
    check_no_type_words(&f, "factory");
    test_ok("thread configuration and live block, task threads, memory range");
}

/* ---- dead, empty, errors ---- */

static void test_dead_empty_errors(void)
{
    uint64_t gate = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, 0xdead);
    uint64_t copy = runtime_copy_cap(gate, FERRY_RIGHTS_ALL);
    CHECK_ERR(sys_task_unmap_flags(OWN, gate, FERRY_UNMAP_DESTROY), FERRY_OK);
    struct ferry_obj_info info = info_of(OWN, copy);
    CHECK(info.type == FERRY_OBJ_GATE && (info.flags & FERRY_CAP_DEAD) && info.label == 0xdead,
          "dead gate: type %lu flags 0x%lx", (unsigned long)info.type, (unsigned long)info.flags);
    check_no_type_words(&info, "dead gate");

    uint64_t empty = runtime_alloc_sel();
    info = info_of(OWN, empty);
    CHECK(info.type == FERRY_OBJ_NONE && info.id == 0 && info.rights == 0, "empty slot");
    check_no_type_words(&info, "empty slot");

    /* without the flag the UTCB buf stays as it was */
    uint8_t *buf = sys_utcb()->buf;
    memset(buf, 0x5a, sizeof(struct ferry_obj_info));
    struct sys_cap_info cap;
    CHECK_ERR(sys_task_cap_info(OWN, FERRY_ROOT_SEL_THREAD, &cap), FERRY_OK);
    for (unsigned i = 0; i < sizeof(struct ferry_obj_info); i++)
        CHECK(buf[i] == 0x5a, "TASK_CAP_INFO without the flag wrote the UTCB buf at %u", i);

    CHECK_ERR(sys_call6(FERRY_SYS_TASK_CAP_INFO, OWN, FERRY_ROOT_SEL_THREAD, 0x2, 0, 0, 0).err,
              FERRY_E_INVAL);
    CHECK_ERR(sys_task_obj_info(OWN, 0, NULL), FERRY_E_RANGE);
    uint64_t own_w = runtime_copy_cap(OWN, FERRY_RIGHT_W);
    CHECK_ERR(sys_task_obj_info(own_w, FERRY_ROOT_SEL_THREAD, NULL), FERRY_E_NORIGHTS);
    test_ok("dead object and empty slot: header only; flags, range and rights errors");
}

int root_main(const struct ferry_bootinfo *bi)
{
    test_irq();
    test_gate();
    test_thread_task_memory(bi);
    test_dead_empty_errors();
    printf("introspect: all tests passed\n");
    return 0;
}
