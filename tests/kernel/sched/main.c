/*
 * Scheduling and software IRQs (tests/kernel/sched): priority preemption,
 * round robin by time slice within a priority, sleeping, yielding, and the
 * semaphore semantics and errors of IRQ objects.
 *
 * The root thread runs at priority 100 (ROOT_PRIO in the kernel). Threads
 * finish by sleeping forever (the runtime's own end loop spins).
 *
 * Time slices are counted in timer time; the scenario runs QEMU with -icount
 * so that time follows the guest's instructions and a busy host cannot take
 * slices away from the spinners (without it, a descheduled QEMU loses many
 * slice ends at once and the switch counts drop).
 */
#include <ferry/macros.h>
#include <runtime.h>
#include <stdio.h>

#define ROOT_PRIO 100
#define LOW_PRIO 50
#define HIGH_PRIO 150
#define TICK_PRIO 250
#define ROOT_SLICE_US 1000000ul /* while checking yield: no slice ends by surprise */

static void test_ok(const char *what)
{
    printf("sched: %s ok\n", what);
}

static void park(void)
{
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

/* Starts fn at prio; the spawn itself runs it at priority 1 until configured. */
static uint64_t spawn(void (*fn)(void *), void *arg, unsigned prio, uint64_t slice_us)
{
    uint64_t sel = runtime_thread_spawn(fn, arg, 1);
    CHECK(sel != 0, "spawn");
    CHECK_ERR(sys_thread_configure(sel, 0, 0, prio, slice_us), FERRY_OK);
    return sel;
}

static uint64_t new_irq(uint64_t hwirq, uint64_t label)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, sel, hwirq, label), FERRY_OK);
    return sel;
}

static uint64_t copy_cap(uint64_t src, uint64_t rights)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(FERRY_ROOT_SEL_TASK, src, sel, rights), FERRY_OK);
    return sel;
}

/* ---- a spinner counts until told to stop ---- */

struct spinner {
    volatile uint64_t count;
    volatile uint64_t switches; /* times it saw the other spinner's count move */
    volatile int stop, finished;
    struct spinner *other;
};

static void spinner_main(void *arg)
{
    struct spinner *s = arg;
    uint64_t seen = s->other ? s->other->count : 0;
    while (!s->stop) {
        s->count++;
        if (s->other && s->other->count != seen) {
            seen = s->other->count;
            s->switches++;
        }
    }
    s->finished = 1;
    park();
}

/* ---- priorities ---- */

static struct {
    struct spinner *low;
    volatile uint64_t slept_us, low_count;
    volatile int low_finished, done;
} waker;

#define WAKER_SLEEP_US 5000

static void waker_main(void *arg)
{
    (void)arg;
    uint64_t start = sys_clock_us();
    sys_sleep(WAKER_SLEEP_US);
    /* runs here while the low thread has not been allowed to stop */
    waker.slept_us = sys_clock_us() - start;
    waker.low_count = waker.low->count;
    waker.low_finished = waker.low->finished;
    waker.done = 1;
    waker.low->stop = 1;
    park();
}

static void test_preemption(void)
{
    static struct spinner low;
    waker.low = &low;
    spawn(waker_main, 0, HIGH_PRIO, 0); /* runs at once and sleeps */
    CHECK(!waker.done, "waker did not sleep");
    spawn(spinner_main, &low, LOW_PRIO, 0);
    CHECK(low.count == 0, "low ran while the root thread was ready");
    CHECK_ERR(sys_sleep(30000), FERRY_OK);
    CHECK(waker.done, "the high thread never ran while low spun");
    CHECK(!waker.low_finished && waker.low_count > 0, "low: count %lu finished %d at wake-up",
          (unsigned long)waker.low_count, waker.low_finished);
    CHECK(waker.slept_us >= WAKER_SLEEP_US && waker.slept_us < WAKER_SLEEP_US + 100000,
          "high woke after %lu us", (unsigned long)waker.slept_us);
    CHECK(low.finished && low.count >= waker.low_count, "low did not finish after the stop");
    test_ok("a woken higher-priority thread preempts a spinning lower one");
}

/* ---- round robin ---- */

/* Two spinners of equal priority for `us`; returns the fewer switches seen. */
static uint64_t round_robin(uint64_t slice_us, uint64_t us)
{
    static struct spinner pair[4];
    static unsigned used;
    CHECK(used + 2 <= 4, "too many spinner pairs");
    struct spinner *a = &pair[used], *b = &pair[used + 1];
    used += 2;
    a->other = b;
    b->other = a;
    spawn(spinner_main, a, LOW_PRIO, slice_us);
    spawn(spinner_main, b, LOW_PRIO, slice_us);
    CHECK_ERR(sys_sleep(us), FERRY_OK);
    a->stop = b->stop = 1;
    CHECK_ERR(sys_sleep(2 * slice_us), FERRY_OK); /* both get to see the stop */
    CHECK(a->finished && b->finished, "spinners did not finish");
    CHECK(a->count > 0 && b->count > 0, "counts %lu and %lu", (unsigned long)a->count,
          (unsigned long)b->count);
    return a->switches < b->switches ? a->switches : b->switches;
}

static void test_round_robin(void)
{
    /* 1 ms slices: each spinner sees the other run every 2 ms, about 30 times */
    uint64_t small = round_robin(1000, 60000);
    CHECK(small >= 20, "1 ms slices over 60 ms: only %lu switches", (unsigned long)small);
    /* 50 ms slices: at most a switch or two in the same time */
    uint64_t large = round_robin(50000, 60000);
    CHECK(large <= 2, "50 ms slices over 60 ms: %lu switches", (unsigned long)large);
    printf("sched: round robin switches in 60 ms: %lu with 1 ms slices, %lu with 50 ms\n",
           (unsigned long)small, (unsigned long)large);
    test_ok("equal priorities share the CPU by time slice");
}

/* ---- sleep ---- */

static void test_sleep(void)
{
    uint64_t t0 = sys_clock_us();
    CHECK_ERR(sys_sleep(20000), FERRY_OK);
    uint64_t slept = sys_clock_us() - t0;
    CHECK(slept >= 20000 && slept < 20000 + 200000, "THREAD_SLEEP(20000) took %lu us",
          (unsigned long)slept);
    t0 = sys_clock_us();
    CHECK_ERR(sys_sleep(0), FERRY_OK);
    CHECK(sys_clock_us() - t0 < 50000, "THREAD_SLEEP(0) took %lu us",
          (unsigned long)(sys_clock_us() - t0));
    test_ok("THREAD_SLEEP(20000) sleeps at least 20 ms, 0 returns at once");
}

/* ---- yield ---- */

static uint64_t tick_irq; /* wakes the tick thread: forces a fresh slice for the root */

static void tick_main(void *arg)
{
    (void)arg;
    for (;;)
        sys_irq_wait(tick_irq, FERRY_TIMEOUT_NEVER);
}

/* The root thread is dispatched anew afterwards, so its slice starts now. */
static void fresh_slice(void)
{
    CHECK_ERR(sys_irq_trigger(tick_irq), FERRY_OK);
}

static void flag_main(void *arg)
{
    *(volatile int *)arg = 1;
    park();
}

static void test_yield(void)
{
    tick_irq = new_irq(0, 0);
    spawn(tick_main, 0, TICK_PRIO, 0);
    CHECK_ERR(sys_thread_configure(FERRY_ROOT_SEL_THREAD, 0, 0, ROOT_PRIO, ROOT_SLICE_US),
              FERRY_OK);
    fresh_slice();

    CHECK_ERR(sys_yield(), FERRY_OK); /* nobody else at our priority: back at once */
    static volatile int lower_ran, equal_ran;
    spawn(flag_main, (void *)&lower_ran, LOW_PRIO, 0);
    CHECK_ERR(sys_yield(), FERRY_OK);
    CHECK(!lower_ran, "yield ran a lower-priority thread");
    spawn(flag_main, (void *)&equal_ran, ROOT_PRIO, 0);
    CHECK(!equal_ran, "an equal-priority thread preempted the root thread");
    CHECK_ERR(sys_yield(), FERRY_OK);
    CHECK(equal_ran, "yield did not run the equal-priority thread");
    CHECK(!lower_ran, "yield ran a lower-priority thread");
    CHECK_ERR(sys_thread_configure(FERRY_ROOT_SEL_THREAD, 0, 0, ROOT_PRIO, 0), FERRY_OK);
    CHECK_ERR(sys_sleep(1000), FERRY_OK);
    CHECK(lower_ran, "the lower thread never ran while the root slept");
    test_ok("yield runs an equal-priority thread, never a lower one");
}

/* ---- software IRQs ---- */

static struct {
    uint64_t irq;
    volatile long err;
    volatile int waiting, done;
} irq_waiter;

static void irq_waiter_main(void *arg)
{
    (void)arg;
    irq_waiter.waiting = 1;
    irq_waiter.err = sys_irq_wait(irq_waiter.irq, FERRY_TIMEOUT_NEVER);
    irq_waiter.done = 1;
    park();
}

static void test_irq_semaphore(void)
{
    uint64_t irq = new_irq(0, 0x1e);
    for (int i = 0; i < 3; i++)
        CHECK_ERR(sys_irq_trigger(irq), FERRY_OK);
    for (int i = 0; i < 3; i++)
        CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_OK);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT);
    uint64_t t0 = sys_clock_us();
    CHECK_ERR(sys_irq_wait(irq, 10000), FERRY_E_TIMEOUT);
    CHECK(sys_clock_us() - t0 >= 10000, "10 ms wait timed out after %lu us",
          (unsigned long)(sys_clock_us() - t0));
    test_ok("software IRQ counts: 3 triggers, 3 polls succeed, the 4th E_TIMEOUT");
}

static void test_irq_waiter(void)
{
    irq_waiter.irq = new_irq(0, 0x2e);
    spawn(irq_waiter_main, 0, HIGH_PRIO, 0);
    CHECK(irq_waiter.waiting && !irq_waiter.done, "waiter did not block");
    CHECK_ERR(sys_sleep(5000), FERRY_OK);
    CHECK(!irq_waiter.done, "waiter woke without a trigger");

    /* one waiter per IRQ: also a poll, also with a signal pending for nobody */
    CHECK_ERR(sys_irq_wait(irq_waiter.irq, FERRY_TIMEOUT_POLL), FERRY_E_BUSY);
    CHECK_ERR(sys_irq_wait(irq_waiter.irq, FERRY_TIMEOUT_NEVER), FERRY_E_BUSY);
    CHECK(!irq_waiter.done, "second waiter disturbed the first");
    test_ok("second waiter on the same IRQ: E_BUSY");

    CHECK_ERR(sys_irq_trigger(irq_waiter.irq), FERRY_OK);
    /* the waiter has the higher priority: it ran before the trigger returned */
    CHECK(irq_waiter.done, "waiter did not run at the trigger");
    CHECK_ERR(irq_waiter.err, FERRY_OK);
    CHECK_ERR(sys_irq_wait(irq_waiter.irq, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT);
    test_ok("a blocked waiter wakes at a trigger from another thread (and preempts it)");
}

static void test_irq_errors(const struct ferry_bootinfo *bi)
{
    uint64_t irq = new_irq(0, 0x3e);
    uint64_t no_w = copy_cap(irq, FERRY_RIGHT_R), no_r = copy_cap(irq, FERRY_RIGHT_W);
    CHECK_ERR(sys_irq_trigger(no_w), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_irq_wait(irq, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT); /* nothing counted */
    CHECK_ERR(sys_irq_wait(no_r, FERRY_TIMEOUT_POLL), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_irq_trigger(no_r), FERRY_OK);
    CHECK_ERR(sys_irq_wait(no_w, FERRY_TIMEOUT_POLL), FERRY_OK);
    test_ok("IRQ_TRIGGER without W, IRQ_WAIT without R: E_NORIGHTS");

    CHECK_ERR(sys_irq_ack(irq), FERRY_E_INVAL);
    CHECK_ERR(sys_irq_trigger(FERRY_ROOT_SEL_TASK), FERRY_E_BADTYPE);
    CHECK_ERR(sys_irq_wait(runtime_alloc_sel(), FERRY_TIMEOUT_POLL), FERRY_E_BADSEL);
    test_ok("IRQ_ACK on a software IRQ: E_INVAL");

    uint64_t sel = runtime_alloc_sel();
    const uint64_t beyond[] = {1023, 1024, 4096, ~0ul};
    for (unsigned i = 0; i < ARRAY_SIZE(beyond); i++)
        CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, sel, beyond[i], 0),
                  FERRY_E_RANGE);
    test_ok("hardware IRQ beyond the PLIC's sources: E_RANGE");

    /* a virtio-mmio slot's interrupt: no device behind it, so it stays quiet */
    CHECK(bi->device_count > 0 && bi->devices[0].irq != 0, "no device interrupt");
    uint64_t hw = new_irq(bi->devices[0].irq, 0x4e);
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, sel, bi->devices[0].irq, 0),
              FERRY_E_BUSY);
    CHECK_ERR(sys_irq_trigger(hw), FERRY_E_INVAL);
    CHECK_ERR(sys_irq_ack(hw), FERRY_OK);
    CHECK_ERR(sys_irq_wait(hw, FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT);
    struct sys_cap_info info;
    CHECK_ERR(sys_task_cap_info(FERRY_ROOT_SEL_TASK, sel, &info), FERRY_OK);
    CHECK(info.type == FERRY_OBJ_NONE, "refused creation filled the slot");
    test_ok("the same hardware IRQ twice: E_BUSY");
}

static void test_configure_errors(void)
{
    static volatile int ran;
    uint64_t thread = spawn(flag_main, (void *)&ran, LOW_PRIO, 0);
    CHECK_ERR(sys_thread_configure(thread, 0, 0, FERRY_PRIO_MAX + 1, 0), FERRY_E_RANGE);
    CHECK_ERR(sys_thread_configure(thread, 0, 0, ~0ul, 0), FERRY_E_RANGE);
    CHECK_ERR(sys_thread_configure(thread, 0, 0, LOW_PRIO, 10000001), FERRY_E_RANGE);
    CHECK(!ran, "refused configure changed the priority");
    CHECK_ERR(sys_thread_configure(thread, 0, 0, FERRY_PRIO_MAX, 10000000), FERRY_OK);
    CHECK(ran, "raised to the top priority, the thread did not preempt the root thread");
    uint64_t no_w = copy_cap(thread, FERRY_RIGHT_R);
    CHECK_ERR(sys_thread_configure(no_w, 0, 0, LOW_PRIO, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_thread_configure(FERRY_ROOT_SEL_TASK, 0, 0, LOW_PRIO, 0), FERRY_E_BADTYPE);
    test_ok("THREAD_CONFIGURE: priority > 255 or slice > 10 s: E_RANGE");
}

int root_main(const struct ferry_bootinfo *bi)
{
    test_preemption();
    test_round_robin();
    test_sleep();
    test_yield();
    test_configure_errors();
    test_irq_semaphore();
    test_irq_waiter();
    test_irq_errors(bi);
    printf("sched: all tests passed\n");
    return 0;
}
