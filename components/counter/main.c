/*
 * counter: ticks on periodic Timer signals. The tick count lives on the
 * stack of the waiting loop, the history of tick times on the heap; both
 * must agree at the end. Argument "ticks" (default 5).
 */
#include <ferry/iface/timer.h>
#include <client.h>
#include <stdio.h>
#include <stdlib.h>

#define COUNTER_PERIOD_US 20000ul

static void fail(struct env *env, const char *what, long err)
{
    printf("%s failed: %s\n", what, ferry_error_name(err));
    env_exit(env, 1);
}

void component_construct(struct env *env)
{
    const char *arg = env_arg(env, "ticks");
    unsigned want = arg ? (unsigned)strtoul(arg, NULL, 10) : 5;
    uint32_t timer, signal;
    long err;
    if ((err = env_session(env, "Timer", "", NULL, 8192, 4, &timer)))
        fail(env, "Timer session", err);
    if ((err = env_signal_alloc(env, &signal)))
        fail(env, "signal", err);
    if ((err = timer_sigh(timer, signal)))
        fail(env, "TIMER_SIGH", err);

    uint64_t *history = malloc(want * sizeof(uint64_t)); /* heap state */
    if (!history)
        fail(env, "malloc", FERRY_E_QUOTA);
    if ((err = timer_periodic(timer, COUNTER_PERIOD_US)))
        fail(env, "TIMER_PERIODIC", err);
    unsigned ticks = 0; /* stack state */
    while (ticks < want) {
        if ((err = sys_irq_wait(signal, FERRY_TIMEOUT_NEVER)))
            fail(env, "waiting for the signal", err);
        if ((err = timer_elapsed_us(timer, &history[ticks++])))
            fail(env, "TIMER_ELAPSED", err);
        printf("tick %u\n", ticks);
    }
    timer_stop(timer);

    unsigned ordered = 1;
    for (unsigned i = 1; i < ticks; i++)
        ordered &= history[i] - history[i - 1] >= COUNTER_PERIOD_US / 2;
    printf("%u ticks on the stack, %u spaced timestamps on the heap: %s\n", ticks, ticks,
           ordered ? "consistent" : "INCONSISTENT");

    if ((err = timer_oneshot(timer, 5000)))
        fail(env, "TIMER_ONESHOT", err);
    if ((err = sys_irq_wait(signal, 1000 * 1000)))
        fail(env, "one-shot timeout", err);
    printf("one-shot timeout fired\n");
    free(history);
    env_exit(env, ordered ? 0 : 1);
}
