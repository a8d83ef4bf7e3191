/*
 * Client stubs: Timer session (include/ferry/iface/timer.h).
 */
#include "../client.h"

long timer_sigh(uint32_t timer, uint32_t signal)
{
    rpc_send_cap(FERRY_TIMER_SIGH_CAP_SIGNAL, signal, FERRY_RIGHTS_ALL);
    return rpc_call(timer, FERRY_TIMER_SIGH, 0, 1, NULL);
}

long timer_oneshot(uint32_t timer, uint64_t us)
{
    FERRY_RPC_MSG(ferry_timer_oneshot_in, rpc_mr())->us = us;
    return rpc_call(timer, FERRY_TIMER_ONESHOT, FERRY_RPC_WORDS(ferry_timer_oneshot_in), 0, NULL);
}

long timer_periodic(uint32_t timer, uint64_t period_us)
{
    FERRY_RPC_MSG(ferry_timer_periodic_in, rpc_mr())->period_us = period_us;
    return rpc_call(timer, FERRY_TIMER_PERIODIC, FERRY_RPC_WORDS(ferry_timer_periodic_in), 0, NULL);
}

long timer_stop(uint32_t timer)
{
    return rpc_call(timer, FERRY_TIMER_STOP, 0, 0, NULL);
}

long timer_elapsed_us(uint32_t timer, uint64_t *us)
{
    long err = rpc_call(timer, FERRY_TIMER_ELAPSED, 0, 0, NULL);
    if (!err)
        *us = FERRY_RPC_MSG(ferry_timer_elapsed_out, rpc_mr())->us;
    return err;
}
