/*
 * Victims: threads and tasks the random calls aim at, so that thread control,
 * IPC and memory calls meet objects in every state (ready, spinning, blocked
 * in each kind of wait, waiting for a reply, faulted without a pager,
 * inactive). Plus the infrastructure the storm itself needs: an echo server
 * (the only receiver the root ever makes blocking calls to, since a reply is
 * awaited forever) and a watchdog that reports a stalled storm.
 */
#include <ferry/macros.h>
#include "stress.h"
#include <stdio.h>

volatile uint64_t stress_progress;
volatile bool stress_running;
volatile uint64_t stress_last_call[7];

/* ---- raw loops: run in victim tasks (no TLS, no globals, no stack) ---- */

#define RAW __attribute__((noinline, noreturn, used))

static RAW void raw_server(uint64_t timeout)
{
    for (;;)
        if (sys_call6(FERRY_SYS_IPC_REPLY_WAIT, 0, FERRY_TAG(1, 0, 1), timeout, 0, 0, 0).err)
            sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, timeout, 0, 0, 0);
}

static RAW void raw_caller(uint64_t gate)
{
    for (;;)
        sys_call6(FERRY_SYS_IPC_CALL, gate, FERRY_TAG(2, 0, 2), 1000, 0, 0, 0);
}

static RAW void raw_sleeper(uint64_t us)
{
    for (;;)
        sys_call6(FERRY_SYS_THREAD_SLEEP, us, 0, 0, 0, 0, 0);
}

static RAW void raw_irq_waiter(uint64_t irq)
{
    for (;;)
        sys_call6(FERRY_SYS_IRQ_WAIT, irq, 1000, 0, 0, 0, 0);
}

static RAW void raw_irq_trigger(uint64_t irq)
{
    for (;;) {
        sys_call6(FERRY_SYS_IRQ_TRIGGER, irq, 0, 0, 0, 0, 0);
        sys_call6(FERRY_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
    }
}

static RAW void raw_spin(uint64_t unused)
{
    (void)unused;
    for (;;)
        __asm__ volatile("" ::: "memory");
}

static RAW void raw_yield(uint64_t unused)
{
    (void)unused;
    for (;;)
        sys_call6(FERRY_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0);
}

static RAW void raw_fault(uint64_t addr)
{
    for (;;)
        (void)*(volatile uint64_t *)(addr | 0x1000);
}

static const uint64_t raw_entries[] = {
    (uint64_t)raw_server,     (uint64_t)raw_caller, (uint64_t)raw_sleeper,
    (uint64_t)raw_irq_waiter, (uint64_t)raw_irq_trigger, (uint64_t)raw_spin,
    (uint64_t)raw_yield,      (uint64_t)raw_fault,
};
static const unsigned raw_entry_count = ARRAY_SIZE(raw_entries);

uint64_t victim_random_pc(void)
{
    switch (rnd_below(10)) {
    case 0: case 1: case 2: case 3:
        return raw_entries[rnd_below(raw_entry_count)];
    case 4: case 5: /* anywhere in the image: code, data, mid-instruction */
        return (image_start + rnd_below(image_end - image_start)) & ~1ul;
    case 6:
        return 0;
    case 7:
        return 0x80200000ul + rnd_below(0x1000) * 4; /* kernel text (U=0) */
    case 8:
        return 0x70000000ul;
    default:
        return rnd();
    }
}

/* ---- victims in the root task (full runtime, TLS) ---- */

static void v_server(void *arg)
{
    (void)arg;
    for (;;)
        if (sys_ipc_reply_wait(FERRY_TAG(3, 0, 3), 2000, 0, 0))
            sys_ipc_wait(2000, 0, 0);
}

static void v_waiter(void *arg)
{
    (void)arg;
    for (;;)
        sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
}

static void v_sleeper(void *arg)
{
    (void)arg;
    for (;;)
        sys_sleep(300);
}

static void v_irq_waiter(void *arg)
{
    for (;;)
        sys_irq_wait((uint64_t)arg, 1000);
}

static void v_spinner(void *arg)
{
    (void)arg;
    for (;;)
        __asm__ volatile("" ::: "memory");
}

static void v_caller(void *arg)
{
    for (;;)
        sys_ipc_call((uint64_t)arg, FERRY_TAG(4, 0, 4), 1000, 0);
}

/* Takes a call and sits on it: its caller stays in REPLY_WAIT until the next
 * message arrives and cancels it. */
static void v_hoarder(void *arg)
{
    (void)arg;
    for (;;) {
        sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
        sys_sleep(20000);
    }
}

static void v_faulter(void *arg)
{
    (void)arg;
    for (;;)
        (void)*(volatile uint64_t *)0x70000000ul; /* never mapped in the root */
}

static void v_yielder(void *arg)
{
    (void)arg;
    for (;;)
        sys_yield();
}

/* ---- infrastructure ---- */

static void echo_server(void *arg)
{
    (void)arg;
    for (;;)
        if (sys_ipc_reply_wait(FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_NEVER, 0, 0))
            sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
}

#define WATCH_PERIOD_US 1000000ul
#define WATCH_STALL_PERIODS 5

static void watchdog(void *arg)
{
    (void)arg;
    uint64_t last = 0, still = 0;
    for (;;) {
        sys_sleep(WATCH_PERIOD_US);
        if (!stress_running)
            continue;
        still = stress_progress == last ? still + 1 : 0;
        last = stress_progress;
        const volatile uint64_t *c = stress_last_call;
        CHECK(still < WATCH_STALL_PERIODS,
              "storm stalled at call %lu: nr %lu args %lx %lx %lx %lx %lx %lx",
              (unsigned long)last, (unsigned long)c[0], (unsigned long)c[1],
              (unsigned long)c[2], (unsigned long)c[3], (unsigned long)c[4],
              (unsigned long)c[5], (unsigned long)c[6]);
    }
}

/* ---- setup ---- */

static uint64_t victims_last;

unsigned victims_restore(void)
{
    unsigned restored = 0;
    for (uint64_t sel = VICTIM_FIRST; sel <= victims_last; sel++)
        if (sys_task_map(FERRY_ROOT_SEL_TASK, MASTER_FIRST + sel, sel, FERRY_RIGHTS_ALL) ==
            FERRY_OK)
            restored++;
    return restored;
}

unsigned victims_destroy(void)
{
    unsigned destroyed = 0;
    for (uint64_t sel = MASTER_FIRST + VICTIM_FIRST; sel <= MASTER_FIRST + victims_last; sel++) {
        struct sys_cap_info info;
        if (sys_task_cap_info(FERRY_ROOT_SEL_TASK, sel, &info) != FERRY_OK ||
            (info.flags & FERRY_CAP_DEAD) || !destroy_allowed(FERRY_ROOT_SEL_TASK, sel))
            continue;
        long err = sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, sel, FERRY_UNMAP_DESTROY);
        CHECK(err == FERRY_OK || err == FERRY_E_INVAL, "destroying victim master %lu: %s",
              (unsigned long)sel, ferry_error_name(err));
        destroyed += err == FERRY_OK;
    }
    return destroyed;
}

static uint64_t spawn(void (*fn)(void *), uint64_t arg, unsigned prio, bool protect)
{
    uint64_t sel = runtime_thread_spawn(fn, (void *)arg, prio);
    CHECK(sel, "spawning a victim thread failed");
    if (protect)
        reg_protect_thread(sel);
    else
        reg_created(FERRY_OBJ_THREAD, sel, reg_root_task_id(), 0);
    return sel;
}

static uint64_t make_gate(uint64_t dest, uint64_t receiver_sel, uint64_t label)
{
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, dest, receiver_sel, label),
              FERRY_OK);
    reg_created(FERRY_OBJ_GATE, dest, 0, sel_id(receiver_sel));
    return dest;
}

struct victim_task {
    uint64_t task_sel;
    unsigned threads;
};

static void victim_task_create(struct victim_task *vt, const struct ferry_bootinfo *bi,
                               unsigned index, const uint64_t caps[VSEL_COUNT])
{
    vt->task_sel = runtime_alloc_sel();
    vt->threads = 0;
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, vt->task_sel, 0, 0), FERRY_OK);
    reg_created(FERRY_OBJ_TASK, vt->task_sel, 0, 0);
    /* the root's image, read-only: victims run its code but cannot write its data */
    CHECK_ERR(sys_mem_map(vt->task_sel, FERRY_ROOT_SEL_IMAGE, 0, bi->image_vaddr,
                          bi->image_size / FERRY_PAGE_SIZE, FERRY_RIGHT_R | FERRY_RIGHT_X),
              FERRY_OK);
    uint64_t stack_offset = victim_window_offset + index * 4 * FERRY_PAGE_SIZE;
    CHECK_ERR(sys_mem_map(vt->task_sel, bi->ram[0].sel, stack_offset, VICTIM_STACK_VA, 4,
                          FERRY_RIGHT_R | FERRY_RIGHT_W),
              FERRY_OK);
    for (uint64_t slot = 1; slot < VSEL_COUNT; slot++)
        if (caps[slot])
            CHECK_ERR(sys_task_map(vt->task_sel, caps[slot], slot, FERRY_RIGHTS_ALL), FERRY_OK);
}

/* A thread of a victim task at `pc` (0: left INACTIVE), below the root's priority. */
static uint64_t victim_thread(struct victim_task *vt, uint64_t pc, uint64_t a0, unsigned prio)
{
    uint64_t sel = runtime_alloc_sel();
    uint64_t utcb = VICTIM_UTCB_VA + vt->threads * FERRY_PAGE_SIZE;
    uint64_t sp = VICTIM_STACK_VA + 4 * FERRY_PAGE_SIZE - vt->threads * 256;
    vt->threads++;
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, sel, vt->task_sel, utcb),
              FERRY_OK);
    reg_created(FERRY_OBJ_THREAD, sel, sel_id(vt->task_sel), 0);
    CHECK_ERR(sys_thread_configure(sel, 0, 0, prio, 0), FERRY_OK);
    if (pc)
        CHECK_ERR(sys_thread_start(sel, pc, sp, a0), FERRY_OK);
    return sel;
}

void victims_setup(const struct ferry_bootinfo *bi)
{
    /* the test's own helpers first: protected wherever random calls move them */
    uint64_t echo = spawn(echo_server, 0, ECHO_PRIO, true);
    reg_set_echo(sel_id(echo));
    spawn(watchdog, 0, WATCH_PRIO, true);
    uint64_t echo_gate = make_gate(INFRA_FIRST, echo, 0xec40);

    uint64_t irq = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, irq, 0, 0x1f), FERRY_OK);
    reg_created(FERRY_OBJ_IRQ, irq, 0, 0);

    uint64_t server = spawn(v_server, 0, 40, false);
    spawn(v_waiter, 0, 30, false);
    spawn(v_sleeper, 0, 50, false);
    spawn(v_irq_waiter, irq, 45, false);
    spawn(v_spinner, 0, 5, false);
    spawn(v_faulter, 0, 60, false);
    spawn(v_yielder, 0, 6, false);
    uint64_t server_gate = make_gate(runtime_alloc_sel(), server, 0x5e);
    spawn(v_caller, server_gate, 35, false);
    uint64_t hoarder = spawn(v_hoarder, 0, 33, false);
    uint64_t hoard_gate = make_gate(runtime_alloc_sel(), hoarder, 0x40a);
    spawn(v_caller, hoard_gate, 34, false);
    make_gate(runtime_alloc_sel(), echo, 0xec41); /* an echo gate random calls can hit */
    uint64_t root_gate = make_gate(runtime_alloc_sel(), FERRY_ROOT_SEL_THREAD, 0x7007);

    /* victim task A: IPC between its own threads and with the root task */
    struct victim_task a, b, c;
    uint64_t caps[VSEL_COUNT] = {0, server_gate, irq, 0, echo_gate, root_gate, hoard_gate};
    uint64_t peer_gate = runtime_alloc_sel();
    victim_task_create(&a, bi, 0, caps);
    uint64_t a_server = victim_thread(&a, (uint64_t)raw_server, 1000, 42);
    caps[VSEL_PEER_GATE] = make_gate(peer_gate, a_server, 0xa5);
    CHECK_ERR(sys_task_map(a.task_sel, peer_gate, VSEL_PEER_GATE, FERRY_RIGHTS_ALL), FERRY_OK);
    victim_thread(&a, (uint64_t)raw_caller, VSEL_PEER_GATE, 41);
    victim_thread(&a, (uint64_t)raw_caller, VSEL_ROOT_SERVER_GATE, 39);
    victim_thread(&a, (uint64_t)raw_caller, VSEL_ROOT_GATE, 38);
    victim_thread(&a, (uint64_t)raw_caller, VSEL_HOARD_GATE, 37);
    victim_thread(&a, (uint64_t)raw_irq_waiter, VSEL_IRQ, 44);
    victim_thread(&a, (uint64_t)raw_sleeper, 200, 55);

    /* victim task B: spinning, yielding, faulting, inactive, garbage pcs */
    victim_task_create(&b, bi, 1, caps);
    victim_thread(&b, (uint64_t)raw_spin, 0, 4);
    victim_thread(&b, (uint64_t)raw_yield, 0, 7);
    victim_thread(&b, (uint64_t)raw_fault, 0, 65);
    victim_thread(&b, (uint64_t)raw_caller, VSEL_ECHO_GATE, 20);
    victim_thread(&b, (uint64_t)raw_irq_trigger, VSEL_IRQ, 3);
    victim_thread(&b, 0, 0, 25);                    /* never started */
    victim_thread(&b, 0x80200000ul, 0, 26);         /* kernel address */
    victim_thread(&b, bi->image_vaddr + 0x802, 0, 27); /* mid-function */

    /* victim task C: threads started at random pcs */
    victim_task_create(&c, bi, 2, caps);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t pc = victim_random_pc();
        victim_thread(&c, pc ? pc : 4, rnd(), 10 + i);
    }

    victims_last = runtime_alloc_sel() - 1;
    CHECK(victims_last <= VICTIM_LAST, "victims overflow their slots");
    for (uint64_t sel = VICTIM_FIRST; sel <= victims_last; sel++)
        CHECK_ERR(sys_task_map(FERRY_ROOT_SEL_TASK, sel, MASTER_FIRST + sel, FERRY_RIGHTS_ALL),
                  FERRY_OK);
    /* the final check's allocations go far above anything random calls fill */
    while (runtime_alloc_sel() < 200)
        ;
}
