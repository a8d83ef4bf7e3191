/*
 * CPU session: threads of a PD. A thread is an RPC object of its own.
 *
 * CPU_CREATE_THREAD: in cap[0] PD session, mr[0] priority (0..FERRY_CPU_PRIO_MAX),
 *                       mr[1..4] name
 *                    out cap[0] thread, mr[0] UTCB address, mr[1] kernel object id
 * CPU_KILL_THREAD:   in cap[0] thread (stops it for good and frees its account)
 * CPU_EXCEPTION_SIGH: in cap[0] signal, triggered when a thread of this session
 *                    halts on a fault core cannot resolve (THREAD_INFO tells which)
 *
 * Thread:
 * THREAD_START:      in mr[0] pc, mr[1] sp   the thread begins with a0 = its UTCB
 * THREAD_PAUSE:      suspend (at a restartable point; see docs/kernel.md)
 * THREAD_RESUME:
 * THREAD_STATE_GET:  in cap[0] RAM dataspace: core writes struct ferry_thread_state
 *                       at its offset 0 (the thread must be paused: else E_BUSY)
 * THREAD_STATE_SET:  in cap[0] RAM dataspace holding a struct ferry_thread_state
 * THREAD_INFO:       out mr[0] UTCB address, mr[1] kernel object id, mr[2] 1 if paused,
 *                        mr[3] FERRY_THREAD_FAULT_*, mr[4] fault address, mr[5] fault pc
 *
 * A thread halted on an unresolved fault stays paused with its state intact
 * (it could be repaired, then resumed: it re-executes the instruction).
 */

#define FERRY_THREAD_FAULT_NONE      0
#define FERRY_THREAD_FAULT_PAGE      1 /* access to an address with nothing attached */
#define FERRY_THREAD_FAULT_EXCEPTION 2 /* illegal instruction, misaligned access, ... */
#ifndef FERRY_IFACE_CPU_H
#define FERRY_IFACE_CPU_H

#include <ferry/rpc.h>

#define FERRY_CPU_PRIO_MAX 200 /* core's own threads run above every component */

#define FERRY_CPU_RPCS(RPC)                                                                        \
    RPC(FERRY_CPU_CREATE_THREAD, 1, 5, 1)                                                          \
    RPC(FERRY_CPU_KILL_THREAD, 2, 0, 1)                                                            \
    RPC(FERRY_CPU_EXCEPTION_SIGH, 3, 0, 1)
FERRY_RPC_ENUM(FERRY_CPU_RPCS);

#define FERRY_THREAD_RPCS(RPC)                                                                     \
    RPC(FERRY_THREAD_START, 1, 2, 0)                                                               \
    RPC(FERRY_THREAD_PAUSE, 2, 0, 0)                                                               \
    RPC(FERRY_THREAD_RESUME, 3, 0, 0)                                                              \
    RPC(FERRY_THREAD_STATE_GET, 4, 0, 1)                                                           \
    RPC(FERRY_THREAD_STATE_SET, 5, 0, 1)                                                           \
    RPC(FERRY_THREAD_INFO, 6, 0, 0)
FERRY_RPC_ENUM(FERRY_THREAD_RPCS);

#endif
