/*
 * ckpt-counter: a counter on periodic Timer signals whose count lives in
 * three places at once: a local of the long-lived frame of
 * component_construct (on the stack), a malloc'd block (on the heap, with a
 * buffer of words that every tick adds to) and globals. Each tick prints
 *
 *     NAME: tick N (stack N, heap N, global N)
 *
 * and checks that the three agree and that the heap buffer's sum is what the
 * globals say it must be (INCONSISTENT otherwise). `NAME: started` is printed
 * only in component_construct, so a component restarted from its entry point
 * instead of restored prints it twice.
 *
 * Arguments: ticks (stop after that many, 0 = never; default 0), period_ms
 * (default 20), heap_kb (size of the heap buffer, default 64).
 */
#include <client.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

struct heap_state {
    uint64_t ticks;
    uint64_t words;
    uint64_t buf[]; /* buf[t % words] += t for every tick t */
};

static uint64_t global_ticks;
static uint64_t global_sum; /* sum of every tick number so far */

/* Whether the heap buffer holds what the ticks so far put there. */
static int heap_consistent(const struct heap_state *h)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < h->words; i++)
        sum += h->buf[i];
    return sum == global_sum;
}

void component_construct(struct env *env)
{
    ckpt_init(env);
    uint64_t want = ckpt_arg("ticks", 0);
    uint64_t period_ms = ckpt_arg("period_ms", 20);
    uint64_t words = ckpt_arg("heap_kb", 64) * 1024 / 8;
    printf("%s: started\n", ckpt_name);

    uint32_t timer, signal;
    long err;
    signal = ckpt_timer_signal(&timer);
    struct heap_state *heap = calloc(1, sizeof(*heap) + words * 8);
    if (!heap || !words)
        ckpt_fail("heap buffer", FERRY_E_QUOTA);
    heap->words = words;
    if ((err = timer_periodic(timer, period_ms * 1000)))
        ckpt_fail("TIMER_PERIODIC", err);

    volatile uint64_t stack_ticks = 0; /* in this frame's memory, not a register */
    while (!want || stack_ticks < want) {
        if ((err = sys_irq_wait(signal, FERRY_TIMEOUT_NEVER)))
            ckpt_fail("waiting for the timer signal", err);
        uint64_t t = stack_ticks + 1;
        stack_ticks = t;
        heap->ticks++;
        heap->buf[t % heap->words] += t;
        global_ticks++;
        global_sum += t;
        uint64_t on_stack = stack_ticks;
        int ok = on_stack == t && heap->ticks == t && global_ticks == t && heap_consistent(heap);
        printf("%s: tick %lu (stack %lu, heap %lu, global %lu)%s\n", ckpt_name, (unsigned long)t,
               (unsigned long)on_stack, (unsigned long)heap->ticks, (unsigned long)global_ticks,
               ok ? "" : " INCONSISTENT");
    }
    timer_stop(timer);
    printf("%s: done after %lu ticks\n", ckpt_name, (unsigned long)stack_ticks);
    env_exit(ckpt_env, 0);
}
