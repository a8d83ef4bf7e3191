/*
 * Time: the `time` CSR in ticks of the device tree's timebase-frequency, and
 * one SBI one-shot timer programmed for the nearest event (end of the current
 * time slice or the earliest timeout). No periodic tick.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "arch/riscv/csr.h"
#include <stdint.h>

struct thread;

void timer_init(uint64_t timebase_hz);
static inline uint64_t timer_now(void)
{
    return read_time();
}
/* Saturating: FERRY_TIMEOUT_NEVER and overflows give UINT64_MAX. */
uint64_t timer_us_to_ticks(uint64_t us);
uint64_t timer_ticks_to_us(uint64_t ticks);

/* Timeouts of blocked threads, sorted by deadline. Caller: thread.c only. */
void timeout_add(struct thread *t, uint64_t deadline);
void timeout_remove(struct thread *t);

/* Timer interrupt: wakes every thread whose deadline has passed. */
void timer_expire(void);
/*
 * Programs the hardware for min(slice_end, earliest deadline). An SBI call
 * costs hundreds of instructions, so the timer only ever moves earlier: one
 * armed for a later event than needed just interrupts early, and
 * timer_expire() then disarms it (timer_armed 0) so that the next call arms
 * it again. timer_first is the earliest deadline (UINT64_MAX: none).
 * Private to timer.c but for this inline check, which every switch makes.
 */
extern uint64_t timer_armed, timer_first;
void timer_arm(uint64_t when);
static inline void timer_program(uint64_t slice_end)
{
    uint64_t next = slice_end < timer_first ? slice_end : timer_first;
    if (timer_armed - 1 >= next) /* disarmed (0), or armed later than next */
        timer_arm(next);
}

#endif
