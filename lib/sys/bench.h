/*
 * Guest-instruction benchmarks, shared by the kernel benchmark
 * (tests/kernel/bench) and the framework's (components/bench-rpc).
 *
 * Each operation runs BENCH_WARMUP times unmeasured, then BENCH_ITERATIONS
 * times between two rdinstret reads. Under QEMU -icount shift=0 the counter
 * is exact and counts every instruction of every privilege level and task an
 * operation passes through; the cost of the two reads (an empty measurement,
 * bench_calibrate) is subtracted. Results are kept in a table and printed
 * after all measurements, so output cannot shift anything.
 *
 * Header-only: include it in exactly one file of a program.
 */
#ifndef FERRY_SYS_BENCH_H
#define FERRY_SYS_BENCH_H

#include "sys.h"
#include <stdint.h>
#include <stdio.h>

#define BENCH_WARMUP     100u
#define BENCH_ITERATIONS 1000u
#define BENCH_MAX        10

typedef void (*bench_op)(void);

struct bench_result {
    const char *name;
    uint64_t avg, min;
};

struct bench_table {
    struct bench_result results[BENCH_MAX];
    unsigned count;
    uint64_t read_overhead; /* instructions of an empty measurement */
};

static inline uint64_t bench_measure_once(bench_op op)
{
    uint64_t before = sys_instret();
    op();
    uint64_t after = sys_instret();
    return after - before;
}

static void bench_empty_op(void)
{
}

/* The cost of a measurement of nothing: the least of BENCH_WARMUP tries. */
static void bench_calibrate(struct bench_table *t)
{
    t->read_overhead = UINT64_MAX;
    for (unsigned i = 0; i < BENCH_WARMUP; i++) {
        uint64_t n = bench_measure_once(bench_empty_op);
        t->read_overhead = n < t->read_overhead ? n : t->read_overhead;
    }
}

/* Measures op; reset (may be NULL) runs unmeasured after each op. Returns the
 * table entry, or NULL if the table is full (nothing is measured then). */
static const struct bench_result *bench_run(struct bench_table *t, const char *name, bench_op op,
                                            bench_op reset)
{
    if (t->count == BENCH_MAX)
        return NULL;
    for (unsigned i = 0; i < BENCH_WARMUP; i++) {
        op();
        if (reset)
            reset();
    }
    uint64_t sum = 0, min = UINT64_MAX;
    for (unsigned i = 0; i < BENCH_ITERATIONS; i++) {
        uint64_t n = bench_measure_once(op) - t->read_overhead;
        if (reset)
            reset();
        sum += n;
        min = n < min ? n : min;
    }
    t->results[t->count] = (struct bench_result){name, sum / BENCH_ITERATIONS, min};
    return &t->results[t->count++];
}

/* The mean of the benchmark called `name` (the same pointer), 0 if none. */
static uint64_t bench_result_of(const struct bench_table *t, const char *name)
{
    for (unsigned i = 0; i < t->count; i++)
        if (t->results[i].name == name)
            return t->results[i].avg;
    return 0;
}

static void bench_print(const struct bench_table *t)
{
    printf("bench: %u iterations per operation after %u warm-up; %lu instr of rdinstret "
           "overhead subtracted\n",
           BENCH_ITERATIONS, BENCH_WARMUP, (unsigned long)t->read_overhead);
    for (unsigned i = 0; i < t->count; i++)
        printf("bench: %-34s %6lu instr/op (min %lu)\n", t->results[i].name,
               (unsigned long)t->results[i].avg, (unsigned long)t->results[i].min);
}

/* a / b with two decimals, without floating point; "n/a" when b is 0. */
static void bench_print_ratio(const char *what, uint64_t a, uint64_t b)
{
    if (!b) {
        printf("bench: ratio %s n/a\n", what);
        return;
    }
    uint64_t centi = (a * 100 + b / 2) / b;
    printf("bench: ratio %s %lu.%02lu\n", what, (unsigned long)(centi / 100),
           (unsigned long)(centi % 100));
}

#endif
