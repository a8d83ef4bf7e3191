/*
 * Timer session: timeouts delivered as signals, and monotonic time.
 *
 * TIMER_SIGH:     in cap[0] signal to trigger on each timeout
 * TIMER_ONESHOT:  in mr[0] microseconds from now (replaces any pending timeout)
 * TIMER_PERIODIC: in mr[0] period in microseconds (>= FERRY_TIMER_MIN_PERIOD_US)
 * TIMER_STOP:     cancel the pending timeout
 * TIMER_ELAPSED:  out mr[0] microseconds since boot (monotonic)
 */
#ifndef FERRY_IFACE_TIMER_H
#define FERRY_IFACE_TIMER_H

#include <ferry/rpc.h>

#define FERRY_TIMER_MIN_PERIOD_US 1000ul

#define FERRY_TIMER_RPCS(RPC)                                                                      \
    RPC(FERRY_TIMER_SIGH, 1, 0, 1)                                                                 \
    RPC(FERRY_TIMER_ONESHOT, 2, 1, 0)                                                              \
    RPC(FERRY_TIMER_PERIODIC, 3, 1, 0)                                                             \
    RPC(FERRY_TIMER_STOP, 4, 0, 0)                                                                 \
    RPC(FERRY_TIMER_ELAPSED, 5, 0, 0)
FERRY_RPC_ENUM(FERRY_TIMER_RPCS);

#endif
