/*
 * Time: the `time` CSR in ticks of the device tree's timebase-frequency, and
 * one SBI one-shot timer programmed for the nearest event (end of the current
 * time slice or the earliest timeout). No periodic tick.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>

struct thread;

void timer_init(uint64_t timebase_hz);
uint64_t timer_now(void);
/* Saturating: FERRY_TIMEOUT_NEVER and overflows give UINT64_MAX. */
uint64_t timer_us_to_ticks(uint64_t us);
uint64_t timer_ticks_to_us(uint64_t ticks);

/* Timeouts of blocked threads, sorted by deadline. Caller: thread.c only. */
void timeout_add(struct thread *t, uint64_t deadline);
void timeout_remove(struct thread *t);

/* Timer interrupt: wakes every thread whose deadline has passed. */
void timer_expire(void);
/* Programs the hardware for min(slice_end, earliest deadline). */
void timer_program(uint64_t slice_end);

#endif
