/*
 * Client stubs: Timer session (include/ferry/iface/timer.h).
 */
#include "../client.h"

long timer_sigh(uint32_t timer, uint32_t signal)
{
    return client_call_cap(timer, FERRY_TIMER_SIGH, FERRY_TIMER_SIGH_CAP_SIGNAL, signal);
}

long timer_oneshot(uint32_t timer, uint64_t us)
{
    FERRY_RPC_MSG(ferry_timer_oneshot_in, rpc_mr())->us = us;
    return client_call(timer, FERRY_TIMER_ONESHOT, FERRY_RPC_WORDS(ferry_timer_oneshot_in), 0, NULL,
                       0, NULL);
}

long timer_periodic(uint32_t timer, uint64_t period_us)
{
    FERRY_RPC_MSG(ferry_timer_periodic_in, rpc_mr())->period_us = period_us;
    return client_call(timer, FERRY_TIMER_PERIODIC, FERRY_RPC_WORDS(ferry_timer_periodic_in), 0,
                       NULL, 0, NULL);
}

long timer_stop(uint32_t timer)
{
    return client_call(timer, FERRY_TIMER_STOP, 0, 0, NULL, 0, NULL);
}

long timer_elapsed_us(uint32_t timer, uint64_t *us)
{
    return client_call(timer, FERRY_TIMER_ELAPSED, 0, 0, us,
                       FERRY_RPC_WORDS(ferry_timer_elapsed_out), NULL);
}
