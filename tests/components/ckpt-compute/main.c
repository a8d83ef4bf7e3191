/*
 * ckpt-compute: several threads doing floating-point and integer work long
 * enough to be interrupted, each ending in a digest of its registers' worth
 * of state; the digests combine into one. Afterwards the main thread does
 * the same work again, uninterrupted and alone, and compares:
 *
 *     NAME: thread I halfway                       (each thread, once)
 *     NAME: digest 0x..., uninterrupted reference 0x...: equal
 *
 * A checkpoint/restore anywhere in between must leave the digest bit for bit
 * the same. The work touches what a restore must carry over exactly: double
 * and single FP registers, the FP control and status register (odd threads
 * round towards zero; the accrued exception flags enter the digest) and
 * integer registers.
 *
 * Arguments: threads (default 4, at most 8), rounds (per thread, default
 * 300000), yield (sys_yield every that many rounds, 0 = never; default 0).
 */
#include <env.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../ckpt.h"

#define MAX_THREADS 8
#define THREAD_PRIO 90 /* below the entrypoint's default, equal among workers */
#define FRM_RTZ     1  /* fcsr.frm: round towards zero */

struct work {
    unsigned index;
    uint64_t rounds, yield;
    uint64_t digest;
    unsigned done;
    int report; /* print "halfway" */
};

static struct work works[MAX_THREADS];

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

/* The work of thread `w->index`: a logistic map, a square-root sum, a single
 * precision recurrence and an integer hash, in the thread's rounding mode. */
static uint64_t compute(struct work *w)
{
    uint64_t frm = (w->index & 1) ? FRM_RTZ : 0, fcsr;
    __asm__ volatile("fsrm %0" ::"r"(frm));
    __asm__ volatile("csrw fflags, zero");
    double x = 0.1 + 0.01 * w->index, r = 3.7 + 0.05 * w->index, y = 0;
    float f = 1.0f + (float)w->index;
    uint64_t h = 0xcbf29ce484222325ull ^ w->index;
    for (uint64_t i = 1; i <= w->rounds; i++) {
        x = r * x * (1.0 - x);
        y = y * 0.999 + __builtin_sqrt(x);
        f = f * 1.0001f + (float)x;
        if (f > 1e6f)
            f *= 1e-3f;
        h = mix(h, i ^ bits(x));
        if (w->report && i == w->rounds / 2)
            printf("%s: thread %u halfway\n", ckpt_name, w->index);
        if (w->yield && i % w->yield == 0)
            sys_yield();
    }
    __asm__ volatile("frcsr %0" : "=r"(fcsr));
    __asm__ volatile("fsrm zero");
    uint32_t fbits;
    memcpy(&fbits, &f, sizeof(fbits));
    return mix(mix(mix(h, bits(x)), bits(y)), ((uint64_t)fbits << 8) | fcsr);
}

static void worker(void *arg)
{
    struct work *w = arg;
    w->digest = compute(w);
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

void component_construct(struct env *env)
{
    ckpt_init(env);
    uint64_t threads = ckpt_arg("threads", 4);
    uint64_t rounds = ckpt_arg("rounds", 300000);
    uint64_t yield = ckpt_arg("yield", 0);
    if (!threads || threads > MAX_THREADS || !rounds) {
        printf("%s: bad arguments: threads 1..%u, rounds > 0\n", ckpt_name, MAX_THREADS);
        env_exit(ckpt_env, 1);
    }
    printf("%s: started, %lu threads of %lu rounds\n", ckpt_name, (unsigned long)threads,
           (unsigned long)rounds);
    for (unsigned i = 0; i < threads; i++) {
        works[i] = (struct work){.index = i, .rounds = rounds, .yield = yield, .report = 1};
        long err;
        if (!env_thread_spawn(ckpt_env, "compute", THREAD_PRIO, worker, &works[i], &err)) {
            printf("%s: thread %u: %s\n", ckpt_name, i, ferry_error_name(err));
            env_exit(ckpt_env, 1);
        }
    }
    uint64_t digest = 0;
    for (unsigned i = 0; i < threads; i++) {
        while (!__atomic_load_n(&works[i].done, __ATOMIC_ACQUIRE))
            sys_sleep(2000);
        digest = mix(digest, works[i].digest);
    }

    uint64_t reference = 0; /* the same work, alone and uninterrupted */
    for (unsigned i = 0; i < threads; i++) {
        struct work w = {.index = i, .rounds = rounds};
        reference = mix(reference, compute(&w));
    }
    printf("%s: digest 0x%016lx, uninterrupted reference 0x%016lx: %s\n", ckpt_name,
           (unsigned long)digest, (unsigned long)reference,
           digest == reference ? "equal" : "DIFFERENT");
    env_exit(ckpt_env, digest != reference);
}
