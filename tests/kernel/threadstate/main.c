/*
 * Thread state transfer: a thread's state, read and written back unchanged
 * into a thread of another task with the same memory contents, continues
 * bit for bit the same computation, integer and floating point registers,
 * rounding mode and UTCB included.
 *
 * A worker runs a long deterministic computation (integer LCG mixed into
 * double and single precision recurrences, rounding mode set to round-down).
 * Its result from an uninterrupted run is the reference. Then the same
 * computation is suspended midway and moved: task A -> new task B -> new
 * task C, each time by THREAD_READ, a copy of the writable memory and
 * THREAD_WRITE into a new thread; and once more only read and written back
 * into the same thread several times. Both must end with the reference
 * result, compared as 64-bit words. regs.c has the exact-register, error
 * and FPU-sharing parts.
 */
#include "threadstate.h"
#include <stdio.h>
#include <string.h>

#define ARG_SEED     0
#define ARG_ITERS    1
#define ARG_PROGRESS 2 /* written by the worker: iterations done, roughly */
#define SEED         0x9e3779b97f4a7c15ull
#define ITERS        3000000ul
#define UTCB_MARK    0x7c8b0000cafe0000ull
#define FRM_RDN      2 /* round towards -infinity; the default is 0 (to nearest) */
#define RESULT_WORDS 14

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

/*
 * The computation. All recurrences are contracting, so values stay finite
 * and every rounding difference propagates: a lost register, rounding mode
 * or flag changes the result. Runs without TLS (see worker.h).
 */
static void compute_worker(struct worker_start *s)
{
    __asm__ volatile("fsrm %0" ::"r"((uint64_t)FRM_RDN) : "memory");
    s->utcb->user[0] = UTCB_MARK ^ s->arg[ARG_SEED]; /* must travel with the state */
    uint64_t z = s->arg[ARG_SEED], n = s->arg[ARG_ITERS];
    double x = 1.0 + (double)(z & 0xff), y = 0.5, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
    float g = 1.0f;
    for (uint64_t i = 0; i < n; i++) {
        z = z * 6364136223846793005ull + 1442695040888963407ull;
        double r = (double)(z >> 11) * 0x1p-53;
        x = x * 1.0000001 + r;
        if (x > 1e6)
            x *= 0x1p-20;
        y = y * 0.999 + x * 1e-7 - r * 0.3;
        a = a * 0.9 + r * y;
        b = b * 0.8 - a * r + 0.1;
        c = c * 0.7 + b * x * 1e-6;
        d = d * 0.6 - c + r;
        e = e * 0.5 + d * 0.25;
        f = f / 1.0000003 + e;
        g = g * 0.99f + (float)(r * a);
        z ^= bits(f) >> 13;
        z += (uint64_t)(int64_t)(g * 1024.0f);
        if ((i & 0xfff) == 0)
            ((volatile uint64_t *)s->arg)[ARG_PROGRESS] = i;
    }
    uint64_t fcsr;
    __asm__ volatile("frcsr %0" : "=r"(fcsr)::"memory");
    uint64_t gbits = 0;
    memcpy(&gbits, &g, sizeof(g));
    uint64_t result[RESULT_WORDS] = {z,       bits(x),          bits(y), bits(a), bits(b),
                                     bits(c), bits(d),          bits(e), bits(f), gbits,
                                     fcsr,    s->utcb->user[0], n,       0};
    worker_report(s, result, RESULT_WORDS);
    worker_park();
}

static void compute_start(struct worker *w)
{
    worker_create(w, compute_worker, PRIO_LOW);
    w->start->arg[ARG_SEED] = SEED;
    w->start->arg[ARG_ITERS] = ITERS;
    worker_run(w);
}

/* Waits (sleeping, so the low priority worker runs) for its result. */
static void compute_result(uint64_t *result)
{
    CHECK(report_wait(20 * TIMEOUT_US, result, RESULT_WORDS) == RESULT_WORDS, "short result");
    report_none();
}

/* Lets the worker run (we sleep) until it has done `iters` iterations,
 * then suspends it mid-computation. Progress, not time, decides: the
 * worker is never suspended too late however fast or slow it runs. */
static void run_then_suspend(const struct worker *w, uint64_t iters, struct ferry_thread_state *st)
{
    volatile uint64_t *progress = &w->start->arg[ARG_PROGRESS];
    for (unsigned ms = 0; *progress < iters; ms++) {
        CHECK(ms < 20000, "worker stuck at iteration %lu", (unsigned long)*progress);
        CHECK_ERR(sys_sleep(1000), FERRY_OK);
    }
    CHECK_ERR(sys_thread_suspend(w->thread), FERRY_OK);
    CHECK(*progress < ITERS - 0x1000, "suspended too late, at iteration %lu",
          (unsigned long)*progress);
    state_read(w->thread, st);
    /* still computing: runnable, in no call, with its FP state live */
    CHECK(st->run.state == FERRY_RUN_READY, "worker finished early (run_state %lu)",
          (unsigned long)st->run.state);
    CHECK(st->run.blocked_call == 0, "blocked_call %lu", (unsigned long)st->run.blocked_call);
    CHECK(st->run.suspended == 1, "not reported suspended");
    CHECK(st->fp_used, "FP use not recorded");
    CHECK(((st->fcsr >> 5) & 7) == FRM_RDN, "fcsr 0x%lx lost the rounding mode",
          (unsigned long)st->fcsr);
    report_none();
}

static void check_same_result(const uint64_t *got, const uint64_t *ref, const char *what)
{
    for (unsigned i = 0; i < RESULT_WORDS; i++)
        CHECK(got[i] == ref[i], "%s: result word %u is 0x%lx, reference 0x%lx", what, i,
              (unsigned long)got[i], (unsigned long)ref[i]);
}

/* Computes the reference result; returns how long that took. */
static uint64_t reference_run(uint64_t *ref)
{
    struct worker w;
    uint64_t t0 = sys_clock_us();
    compute_start(&w);
    compute_result(ref);
    uint64_t us = sys_clock_us() - t0;
    CHECK(ref[10] >> 5 == FRM_RDN, "reference fcsr 0x%lx", (unsigned long)ref[10]);
    CHECK(ref[11] == (UTCB_MARK ^ SEED), "reference UTCB mark");
    return us;
}

/* Moves the computation twice, A -> B -> C, each time midway. */
static void test_moved(const uint64_t *ref)
{
    struct worker a, b, c;
    struct ferry_thread_state st;
    compute_start(&a);
    run_then_suspend(&a, ITERS / 3, &st);
    worker_move(&a, &st, &b);
    run_then_suspend(&b, 2 * ITERS / 3, &st);
    worker_move(&b, &st, &c);
    uint64_t result[RESULT_WORDS];
    compute_result(result);
    check_same_result(result, ref, "moved");
    /* the threads left behind stayed where they were suspended */
    struct ferry_thread_state old;
    state_read(a.thread, &old);
    CHECK(old.run.suspended && old.run.state == FERRY_RUN_READY, "thread in task A moved on");
    printf("threadstate: computation moved A->B->C matches the reference bit for bit\n");
}

/* Suspends, reads and writes back the same state a few times. */
static void test_in_place(const uint64_t *ref)
{
    struct worker w;
    struct ferry_thread_state st, again;
    compute_start(&w);
    for (int i = 0; i < 3; i++) {
        run_then_suspend(&w, (i + 1) * ITERS / 5, &st);
        CHECK_ERR(state_write(w.thread, &st), FERRY_OK);
        state_read(w.thread, &again);
        CHECK(!memcmp(&again, &st, sizeof(st)), "state changed by writing it back");
        CHECK_ERR(sys_thread_resume(w.thread), FERRY_OK);
    }
    uint64_t result[RESULT_WORDS];
    compute_result(result);
    check_same_result(result, ref, "in place");
    printf("threadstate: state written back in place 3 times matches the reference\n");
}

int root_main(const struct ferry_bootinfo *bi)
{
    (void)bi;
    worker_lib_init();
    uint64_t ref[RESULT_WORDS];
    uint64_t us = reference_run(ref);
    printf("threadstate: reference run of %lu iterations took %lu ms\n", (unsigned long)ITERS,
           (unsigned long)(us / 1000));
    test_moved(ref);
    test_in_place(ref);
    test_write_read_exact();
    test_errors();
    test_selections();
    test_fp_interleave();
    printf("threadstate: all tests passed\n");
    return 0;
}
