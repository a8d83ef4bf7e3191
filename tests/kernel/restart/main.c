/*
 * The restart invariant: every blocking point is restartable.
 *
 * For each way a thread can block (IPC_WAIT, IPC_CALL/IPC_SEND to a busy
 * receiver, IRQ_WAIT, the wait part of IPC_REPLY_WAIT) a worker blocks, is
 * suspended and its state read: it must report the blocked call and sit on
 * the ecall that re-issues it. Then it either resumes in place, or its state
 * is written into a new thread of a new task with the same memory and
 * capabilities (what a restore does) while the old thread stays suspended.
 * Either way the event it waited for then arrives and the call must complete
 * as if it had been issued just once, by the thread that carries on.
 * Last, a call whose server has the request (REPLY_WAIT) is not restartable:
 * it cannot be rewritten, and a suspended caller receives its reply in place.
 */
#include "worker.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PRIO_WORKER 150 /* above the root thread (100): a started worker runs until it blocks */
#define TIMEOUT_US  1000000ul

#define LABEL_RECEIVER 0xace1
#define LABEL_SERVICE  0xace2
#define LABEL_SERVER   0xace3
#define LABEL_IRQ      0xace4
#define PROTO_REQUEST  0x1234
#define PROTO_REPLY    0x4321

/* Worker argument slots */
#define ARG_OBJ  0 /* gate or IRQ the worker blocks on */
#define ARG_CALL 1 /* IPC_CALL or IPC_SEND */
#define ARG_WORD 2 /* first of 4 message words */

static const uint64_t message[4] = {0x1111000011110000ull, 0x2222, 0xfffffffffffffffeull, 42};

/* ---- workers (no TLS: see worker.h) ---- */

/* Receives one message and reports error, tag, label and 4 words. */
static void receiver_worker(struct worker_start *s)
{
    struct sys_result r = worker_call(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER);
    const uint64_t *mr = s->utcb->mr;
    uint64_t report[7] = {(uint64_t)r.err, r.r1, r.r2, mr[0], mr[1], mr[2], mr[3]};
    worker_report(s, report, 7);
    worker_park();
}

/* Composes 4 words, then calls or sends them; reports error, tag, 2 words. */
static void caller_worker(struct worker_start *s)
{
    for (unsigned i = 0; i < 4; i++)
        s->utcb->mr[i] = s->arg[ARG_WORD + i];
    struct sys_result r = worker_call(s->arg[ARG_CALL], s->arg[ARG_OBJ],
                                      FERRY_TAG(4, 0, PROTO_REQUEST), FERRY_TIMEOUT_NEVER);
    const uint64_t *mr = s->utcb->mr;
    uint64_t report[4] = {(uint64_t)r.err, r.r1, mr[0], mr[1]};
    worker_report(s, report, 4);
    worker_park();
}

static void irq_worker(struct worker_start *s)
{
    struct sys_result r = worker_call(FERRY_SYS_IRQ_WAIT, s->arg[ARG_OBJ], FERRY_TIMEOUT_NEVER, 0);
    uint64_t report[1] = {(uint64_t)r.err};
    worker_report(s, report, 1);
    worker_park();
}

/* A server: replies to each request with its words + 1 and the gate label,
 * then waits for the next in the same REPLY_WAIT. Reports only failures. */
static void server_worker(struct worker_start *s)
{
    struct sys_result r = worker_call(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER);
    for (;;) {
        if (r.err) {
            uint64_t report[2] = {(uint64_t)r.err, 0xbad};
            worker_report(s, report, 2);
            worker_park();
        }
        unsigned n = FERRY_TAG_WORDS(r.r1);
        for (unsigned i = 0; i < n; i++)
            s->utcb->mr[i] += 1;
        s->utcb->mr[n] = r.r2;
        r = worker_call(FERRY_SYS_IPC_REPLY_WAIT, 0, FERRY_TAG(n + 1, 0, PROTO_REPLY),
                        FERRY_TIMEOUT_NEVER);
    }
}

/* ---- helpers ---- */

static uint64_t new_gate(uint64_t receiver, uint64_t label)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, sel, receiver, label), FERRY_OK);
    return sel;
}

static void compose(const uint64_t *words, unsigned n)
{
    memcpy(sys_utcb()->mr, words, n * sizeof(uint64_t));
}

static void check_ecall_at(uint64_t pc)
{
    CHECK(*(const uint32_t *)pc == INSN_ECALL, "pc 0x%lx is not at an ecall", (unsigned long)pc);
}

/* Word i of the UTCB message area carried in a thread state. */
static uint64_t state_mr(const struct ferry_thread_state *st, unsigned i)
{
    uint64_t word;
    memcpy(&word, st->utcb + offsetof(struct ferry_utcb, mr) + i * sizeof(uint64_t), sizeof(word));
    return word;
}

/* Kernel object id of a slot of ours (0 for slot 0: "none"). */
static uint64_t id_of(uint64_t sel)
{
    return sel ? runtime_cap_info(FERRY_ROOT_SEL_TASK, sel).id : 0;
}

/* Suspends a worker blocked in `call` on the object in our slot `on` (0:
 * none) with a timeout of timeout_us; checks its state says so and that it
 * sits on the ecall that re-issues the call. */
static void suspend_blocked(const struct worker *w, uint64_t call, uint64_t on, uint64_t timeout_us,
                            struct ferry_thread_state *st)
{
    CHECK_ERR(sys_thread_suspend(w->thread), FERRY_OK);
    state_read(w->thread, st);
    CHECK(st->run.state == FERRY_RUN_BLOCKED, "run_state %lu", (unsigned long)st->run.state);
    CHECK(st->run.blocked_call == call, "blocked_call %lu, expected %lu",
          (unsigned long)st->run.blocked_call, (unsigned long)call);
    CHECK(st->run.blocked_fault == 0, "blocked_fault 0x%lx", (unsigned long)st->run.blocked_fault);
    CHECK(st->run.blocked_on == id_of(on), "blocked_on %lu, expected %lu",
          (unsigned long)st->run.blocked_on, (unsigned long)id_of(on));
    if (timeout_us == FERRY_TIMEOUT_NEVER)
        CHECK(st->run.timeout_left_us == FERRY_TIMEOUT_NEVER, "timeout left %lu without one",
              (unsigned long)st->run.timeout_left_us);
    else
        CHECK(st->run.timeout_left_us > 0 && st->run.timeout_left_us < timeout_us,
              "timeout left %lu of %lu", (unsigned long)st->run.timeout_left_us,
              (unsigned long)timeout_us);
    CHECK(st->run.suspended == 1, "not reported suspended");
    CHECK(st->x[17] == call, "a7 = %lu", (unsigned long)st->x[17]);
    check_ecall_at(st->pc);
}

/* Lets the suspended worker carry on: the same thread resumed, or its state
 * in a new thread of a new task (the old thread stays suspended). */
static void carry_on(const struct worker *w, const struct ferry_thread_state *st, bool move,
                     struct worker *now)
{
    if (move) {
        worker_move(w, st, now);
        return;
    }
    *now = *w;
    CHECK_ERR(sys_thread_resume(w->thread), FERRY_OK);
}

/* After a move: the old thread is still suspended exactly where it was. */
static void check_left_behind(const struct worker *old, const struct ferry_thread_state *then)
{
    struct ferry_thread_state st;
    state_read(old->thread, &st);
    CHECK(st.run.suspended == 1, "old thread no longer suspended");
    CHECK(st.pc == then->pc && st.x[10] == then->x[10], "old thread moved on");
    CHECK(st.run.state == FERRY_RUN_BLOCKED, "old thread run_state %lu",
          (unsigned long)st.run.state);
}

static const char *how(bool move)
{
    return move ? "moved to a new task" : "resumed in place";
}

/* ---- blocking kinds ---- */

static void test_ipc_wait(bool move)
{
    struct worker w, now;
    worker_create(&w, receiver_worker, PRIO_WORKER);
    uint64_t gate = new_gate(w.thread, LABEL_RECEIVER);
    worker_run(&w);

    struct ferry_thread_state st;
    suspend_blocked(&w, FERRY_SYS_IPC_WAIT, 0, FERRY_TIMEOUT_NEVER, &st);
    /* suspension cancelled the wait: nobody receives on the gate now */
    compose(message, 4);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(4, 0, PROTO_REQUEST), FERRY_TIMEOUT_POLL),
              FERRY_E_TIMEOUT);

    carry_on(&w, &st, move, &now);
    if (move) /* a restore binds the receiver's gates (same label) to the new thread */
        gate = new_gate(now.thread, LABEL_RECEIVER);
    report_none();
    /* a polling send succeeds only if the thread waits again */
    compose(message, 4);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(4, 0, PROTO_REQUEST), FERRY_TIMEOUT_POLL), FERRY_OK);

    uint64_t r[7];
    CHECK(report_wait(TIMEOUT_US, r, 7) == 7, "short report");
    CHECK_ERR((long)r[0], FERRY_OK);
    CHECK(r[1] == FERRY_TAG(4, 0, PROTO_REQUEST), "tag 0x%lx", (unsigned long)r[1]);
    CHECK(r[2] == LABEL_RECEIVER, "label 0x%lx", (unsigned long)r[2]);
    CHECK(!memcmp(&r[3], message, sizeof(message)), "message words differ");
    report_none();
    if (move)
        check_left_behind(&w, &st);
    printf("restart: IPC_WAIT %s ok\n", how(move));
}

/* The root thread is the receiver, busy (not waiting) while the worker sends. */
static void test_send_busy(uint64_t call, bool move)
{
    const char *name = call == FERRY_SYS_IPC_CALL ? "IPC_CALL" : "IPC_SEND";
    uint64_t gate = new_gate(FERRY_ROOT_SEL_THREAD, LABEL_SERVICE);
    struct worker w, now;
    worker_create(&w, caller_worker, PRIO_WORKER);
    worker_use_cap(&w, gate);
    w.start->arg[ARG_OBJ] = gate;
    w.start->arg[ARG_CALL] = call;
    memcpy(&w.start->arg[ARG_WORD], message, sizeof(message));
    worker_run(&w);

    struct ferry_thread_state st;
    suspend_blocked(&w, call, gate, FERRY_TIMEOUT_NEVER, &st);
    for (unsigned i = 0; i < 4; i++) /* the composed message is part of the state */
        CHECK(state_mr(&st, i) == message[i], "UTCB word %u not in the state", i);
    report_none(); /* suspension took the worker off our send queue */

    carry_on(&w, &st, move, &now);
    /* the re-issued send is queued again: a polling receive gets it */
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &label), FERRY_OK);
    CHECK(label == LABEL_SERVICE, "label 0x%lx", (unsigned long)label);
    CHECK(tag == FERRY_TAG(4, 0, PROTO_REQUEST), "tag 0x%lx", (unsigned long)tag);
    CHECK(!memcmp(sys_utcb()->mr, message, sizeof(message)), "message words differ");

    uint64_t reply[2] = {0xfeed0001, 0xfeed0002};
    if (call == FERRY_SYS_IPC_CALL) {
        compose(reply, 2);
        CHECK_ERR(sys_ipc_reply(FERRY_TAG(2, 0, PROTO_REPLY)), FERRY_OK);
    } else {
        memcpy(reply, message, sizeof(reply)); /* its own words stay */
    }
    uint64_t r[4];
    CHECK(report_wait(TIMEOUT_US, r, 4) == 4, "short report");
    CHECK_ERR((long)r[0], FERRY_OK);
    if (call == FERRY_SYS_IPC_CALL)
        CHECK(r[1] == FERRY_TAG(2, 0, PROTO_REPLY), "reply tag 0x%lx", (unsigned long)r[1]);
    CHECK(r[2] == reply[0] && r[3] == reply[1], "reply words 0x%lx 0x%lx", (unsigned long)r[2],
          (unsigned long)r[3]);
    report_none(); /* delivered exactly once */
    if (move)
        check_left_behind(&w, &st);
    printf("restart: %s to a busy receiver %s ok\n", name, how(move));
}

static void test_irq_wait(bool move)
{
    uint64_t irq = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, irq, 0, LABEL_IRQ), FERRY_OK);
    struct worker w, now;
    worker_create(&w, irq_worker, PRIO_WORKER);
    worker_use_cap(&w, irq);
    w.start->arg[ARG_OBJ] = irq;
    worker_run(&w);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_BUSY); /* the worker waits */

    struct ferry_thread_state st;
    suspend_blocked(&w, FERRY_SYS_IRQ_WAIT, irq, FERRY_TIMEOUT_NEVER, &st);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT); /* nobody waits */

    carry_on(&w, &st, move, &now);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_BUSY); /* waits again */
    report_none();
    CHECK_ERR(sys_irq_trigger(irq), FERRY_OK);
    uint64_t r[1];
    CHECK(report_wait(TIMEOUT_US, r, 1) == 1, "short report");
    CHECK_ERR((long)r[0], FERRY_OK);
    /* the worker consumed the signal: none is left counted */
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT);
    report_none();
    if (move)
        check_left_behind(&w, &st);
    printf("restart: IRQ_WAIT %s ok\n", how(move));
}

/* Calls the server with two words from `base`; checks its reply. */
static void call_server(uint64_t gate, uint64_t base)
{
    uint64_t words[2] = {base, base + 100}, rtag;
    compose(words, 2);
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(2, 0, PROTO_REQUEST), TIMEOUT_US, &rtag), FERRY_OK);
    CHECK(rtag == FERRY_TAG(3, 0, PROTO_REPLY), "reply tag 0x%lx", (unsigned long)rtag);
    const uint64_t *mr = sys_utcb()->mr;
    CHECK(mr[0] == base + 1 && mr[1] == base + 101 && mr[2] == LABEL_SERVER, "reply %lx %lx %lx",
          (unsigned long)mr[0], (unsigned long)mr[1], (unsigned long)mr[2]);
}

/* A server blocked in the wait part of REPLY_WAIT has already replied: it
 * must restart as a plain wait. Re-sending the reply would fail (E_NOREPLY),
 * which the server reports. */
static void test_reply_wait_server(bool move)
{
    struct worker w, now;
    worker_create(&w, server_worker, PRIO_WORKER);
    uint64_t gate = new_gate(w.thread, LABEL_SERVER);
    worker_run(&w);
    call_server(gate, 1000); /* the server replies and waits in REPLY_WAIT */

    struct ferry_thread_state st;
    suspend_blocked(&w, FERRY_SYS_IPC_WAIT, 0, FERRY_TIMEOUT_NEVER, &st);
    compose(message, 2);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(2, 0, PROTO_REQUEST), FERRY_TIMEOUT_POLL),
              FERRY_E_TIMEOUT);

    carry_on(&w, &st, move, &now);
    if (move)
        gate = new_gate(now.thread, LABEL_SERVER);
    report_none(); /* no error: the reply was not sent again */
    call_server(gate, 2000);
    call_server(gate, 3000);
    report_none();
    if (move)
        check_left_behind(&w, &st);
    printf("restart: REPLY_WAIT server %s ok\n", how(move));
}

/* A caller whose call the server holds cannot restart: REPLY_WAIT in its
 * state, not writable; suspended, it still takes its reply, and stays put. */
static void test_reply_wait_caller(void)
{
    uint64_t gate = new_gate(FERRY_ROOT_SEL_THREAD, LABEL_SERVICE);
    struct worker w;
    worker_create(&w, caller_worker, PRIO_WORKER);
    w.start->arg[ARG_OBJ] = gate;
    w.start->arg[ARG_CALL] = FERRY_SYS_IPC_CALL;
    memcpy(&w.start->arg[ARG_WORD], message, sizeof(message));
    worker_run(&w);
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &label), FERRY_OK); /* we hold its call */
    CHECK(label == LABEL_SERVICE, "label 0x%lx", (unsigned long)label);

    CHECK_ERR(sys_thread_suspend(w.thread), FERRY_OK);
    struct ferry_thread_state st;
    state_read(w.thread, &st);
    CHECK(st.run.state == FERRY_RUN_REPLY_WAIT, "run_state %lu", (unsigned long)st.run.state);
    CHECK(st.run.blocked_call == 0 && st.run.blocked_on == id_of(FERRY_ROOT_SEL_THREAD),
          "REPLY_WAIT: blocked_call %lu on %lu, not on its server",
          (unsigned long)st.run.blocked_call, (unsigned long)st.run.blocked_on);
    CHECK(st.run.suspended == 1, "not reported suspended");
    CHECK(st.x[17] == FERRY_SYS_IPC_CALL, "a7 = %lu", (unsigned long)st.x[17]);
    check_ecall_at(st.pc);
    CHECK_ERR(state_write(w.thread, &st), FERRY_E_BUSY);

    uint64_t reply[2] = {0xabc0001, 0xabc0002};
    compose(reply, 2);
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(2, 0, PROTO_REPLY)), FERRY_OK);
    report_none(); /* suspended: it did not run on */

    struct ferry_thread_state after;
    state_read(w.thread, &after);
    CHECK(after.run.suspended == 1, "suspension lost");
    CHECK(after.run.state == FERRY_RUN_READY, "run_state %lu", (unsigned long)after.run.state);
    CHECK(after.x[10] == FERRY_OK, "a0 = %lu", (unsigned long)after.x[10]);
    CHECK(after.x[11] == FERRY_TAG(2, 0, PROTO_REPLY), "a1 = 0x%lx", (unsigned long)after.x[11]);
    CHECK(after.pc == st.pc + 4, "pc 0x%lx, call at 0x%lx", (unsigned long)after.pc,
          (unsigned long)st.pc);
    CHECK(state_mr(&after, 0) == reply[0] && state_mr(&after, 1) == reply[1],
          "reply words not in the UTCB");
    CHECK_ERR(state_write(w.thread, &after), FERRY_OK); /* completed: writable again */

    CHECK_ERR(sys_thread_resume(w.thread), FERRY_OK);
    uint64_t r[4];
    CHECK(report_wait(TIMEOUT_US, r, 4) == 4, "short report");
    CHECK(r[0] == FERRY_OK && r[1] == FERRY_TAG(2, 0, PROTO_REPLY), "call result %lu 0x%lx",
          (unsigned long)r[0], (unsigned long)r[1]);
    CHECK(r[2] == reply[0] && r[3] == reply[1], "reply words");
    report_none();
    printf("restart: suspended caller in REPLY_WAIT keeps its reply ok\n");
}

static void sleeper_worker(struct worker_start *s)
{
    struct sys_result r = worker_call(FERRY_SYS_THREAD_SLEEP, s->arg[ARG_OBJ], 0, 0);
    uint64_t report[1] = {(uint64_t)r.err};
    worker_report(s, report, 1);
    worker_park();
}

/* A suspended block reports the time left of its timeout; its record is read
 * only: THREAD_WRITE of a state saying otherwise leaves it as it was. */
static void test_blocked_record(void)
{
    const uint64_t sleep_us = 300000;
    struct worker w;
    worker_create(&w, sleeper_worker, PRIO_WORKER);
    w.start->arg[ARG_OBJ] = sleep_us;
    worker_run(&w);
    CHECK_ERR(sys_sleep(20000), FERRY_OK);
    struct ferry_thread_state st, back;
    suspend_blocked(&w, FERRY_SYS_THREAD_SLEEP, 0, sleep_us, &st);
    CHECK(st.run.timeout_left_us <= sleep_us - 20000, "timeout left %lu after 20 ms of %lu",
          (unsigned long)st.run.timeout_left_us, (unsigned long)sleep_us);

    struct ferry_thread_state other = st;
    memset(&other.run, 0, sizeof(other.run)); /* READY, in no call */
    CHECK_ERR(state_write(w.thread, &other), FERRY_OK);
    state_read(w.thread, &back);
    CHECK(!memcmp(&back.run, &st.run, sizeof(st.run)),
          "THREAD_WRITE changed the read-only run record (state %lu, call %lu)",
          (unsigned long)back.run.state, (unsigned long)back.run.blocked_call);

    CHECK_ERR(sys_thread_resume(w.thread), FERRY_OK); /* sleeps its full time again */
    uint64_t r[1];
    CHECK(report_wait(2 * sleep_us, r, 1) == 1, "short report");
    CHECK_ERR((long)r[0], FERRY_OK);
    report_none();

    /* parked in IPC_WAIT now; running, then suspended: READY, no call */
    CHECK_ERR(sys_thread_suspend(w.thread), FERRY_OK);
    state_read(w.thread, &st);
    CHECK(st.run.state == FERRY_RUN_BLOCKED && st.run.blocked_call == FERRY_SYS_IPC_WAIT,
          "parked worker: run_state %lu call %lu", (unsigned long)st.run.state,
          (unsigned long)st.run.blocked_call);
    printf("restart: blocked record (object, timeout left) is read only ok\n");
}

int root_main(const struct ferry_bootinfo *bi)
{
    (void)bi;
    worker_lib_init();
    for (int move = 0; move <= 1; move++) {
        test_ipc_wait(move);
        test_send_busy(FERRY_SYS_IPC_CALL, move);
        test_send_busy(FERRY_SYS_IPC_SEND, move);
        test_irq_wait(move);
        test_reply_wait_server(move);
    }
    test_reply_wait_caller();
    test_blocked_record();
    printf("restart: all tests passed\n");
    return 0;
}
