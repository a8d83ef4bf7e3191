/*
 * Timer session: timeouts delivered as signals, and monotonic time.
 *
 * TIMER_SIGH:     in cap SIGNAL to trigger on each timeout
 * TIMER_ONESHOT:  in us from now (replaces any pending timeout)
 * TIMER_PERIODIC: in period_us (>= FERRY_TIMER_MIN_PERIOD_US)
 * TIMER_STOP:     cancel the pending timeout
 * TIMER_ELAPSED:  out us since boot (monotonic)
 */
#ifndef FERRY_IFACE_TIMER_H
#define FERRY_IFACE_TIMER_H

#include <ferry/rpc.h>

#define FERRY_TIMER_MIN_PERIOD_US 1000ul

enum { FERRY_TIMER_SIGH_CAP_SIGNAL = 0 };

struct ferry_timer_oneshot_in {
    uint64_t us; /* from now */
};
FERRY_RPC_LAYOUT(ferry_timer_oneshot_in);

struct ferry_timer_periodic_in {
    uint64_t period_us;
};
FERRY_RPC_LAYOUT(ferry_timer_periodic_in);

struct ferry_timer_elapsed_out {
    uint64_t us; /* since boot */
};
FERRY_RPC_LAYOUT(ferry_timer_elapsed_out);

#define FERRY_TIMER_RPCS(RPC)                                                                      \
    RPC(FERRY_TIMER_SIGH, 1, 0, 1)                                                                 \
    RPC(FERRY_TIMER_ONESHOT, 2, FERRY_RPC_WORDS(ferry_timer_oneshot_in), 0)                        \
    RPC(FERRY_TIMER_PERIODIC, 3, FERRY_RPC_WORDS(ferry_timer_periodic_in), 0)                      \
    RPC(FERRY_TIMER_STOP, 4, 0, 0)                                                                 \
    RPC(FERRY_TIMER_ELAPSED, 5, 0, 0)
FERRY_RPC_ENUM(FERRY_TIMER_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_timer_sigs, FERRY_TIMER_RPCS);

#endif
