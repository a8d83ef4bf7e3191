/*
 * CPU session: threads of a PD. A thread is an RPC object of its own.
 *
 * Message layouts below (include/ferry/rpc.h); in short:
 *
 * CPU_CREATE_THREAD: in cap PD (session), prio (0..FERRY_CPU_PRIO_MAX), utcb (the
 *                       UTCB address to use, FERRY_CPU_UTCB_ANY: the PD's next free
 *                       one; a restored thread's UTCB sits where it was), name
 *                    out cap[0] thread, utcb (address), kobj_id (kernel object id)
 *                    errors of a requested utcb: E_ALIGN (not page aligned), E_RANGE
 *                       (outside [FERRY_COMP_UTCB_BASE, FERRY_COMP_UTCB_END)),
 *                       E_OCCUPIED (a live thread of the PD has it)
 * CPU_KILL_THREAD:   in cap THREAD (stops it for good and frees its account)
 * CPU_EXCEPTION_SIGH: in cap SIGNAL, triggered when a thread of this session
 *                    halts on a fault core cannot resolve (THREAD_INFO tells which)
 *
 * Thread:
 * THREAD_START:      in pc, sp   the thread begins with a0 = its UTCB
 * THREAD_PAUSE:      suspend (at a restartable point; see docs/kernel.md)
 * THREAD_RESUME:
 * THREAD_STATE_GET:  in sel (FERRY_TS_*, utcb.h), cap DS, a RAM dataspace: core writes
 *                       the header and the selected parts of a struct ferry_thread_state
 *                       at its offset 0, no other byte (the thread must be paused: else
 *                       E_BUSY; a bad selection: E_INVAL)
 * THREAD_STATE_SET:  in sel, cap DS, a RAM dataspace holding a struct ferry_thread_state:
 *                       only its selected parts are written into the thread
 * THREAD_INFO:       out utcb, kobj_id, paused (1 if paused), fault_kind
 *                        (FERRY_THREAD_FAULT_*), fault_addr, fault_pc
 *
 * A thread halted on an unresolved fault stays paused with its state intact
 * (it could be repaired, then resumed: it re-executes the instruction).
 */
#ifndef FERRY_IFACE_CPU_H
#define FERRY_IFACE_CPU_H

#include <ferry/rpc.h>

#define FERRY_THREAD_FAULT_NONE      0
#define FERRY_THREAD_FAULT_PAGE      1 /* access to an address with nothing attached */
#define FERRY_THREAD_FAULT_EXCEPTION 2 /* illegal instruction, misaligned access, ... */

#define FERRY_CPU_PRIO_MAX 200 /* core's own threads run above every component */

#define FERRY_CPU_UTCB_ANY 0 /* CPU_CREATE_THREAD: core picks the UTCB address */

struct ferry_cpu_create_thread_in {
    uint64_t prio;
    uint64_t utcb; /* FERRY_CPU_UTCB_ANY, or the page-aligned address to put it at */
    uint64_t name[FERRY_NAME_WORDS]; /* a string: rpc_put_string, rpc_get_string */
};
struct ferry_cpu_create_thread_out {
    uint64_t utcb;    /* address of its UTCB in the PD */
    uint64_t kobj_id; /* kernel object id of the thread */
};
FERRY_RPC_LAYOUT(ferry_cpu_create_thread_in);
FERRY_RPC_LAYOUT(ferry_cpu_create_thread_out);
enum { FERRY_CPU_CREATE_THREAD_CAP_PD = 0 };

enum { FERRY_CPU_KILL_THREAD_CAP_THREAD = 0 };
enum { FERRY_CPU_EXCEPTION_SIGH_CAP_SIGNAL = 0 };

#define FERRY_CPU_RPCS(RPC)                                                                        \
    RPC(FERRY_CPU_CREATE_THREAD, 1, FERRY_RPC_WORDS(ferry_cpu_create_thread_in), 1)                \
    RPC(FERRY_CPU_KILL_THREAD, 2, 0, 1)                                                            \
    RPC(FERRY_CPU_EXCEPTION_SIGH, 3, 0, 1)
FERRY_RPC_ENUM(FERRY_CPU_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_cpu_sigs, FERRY_CPU_RPCS);

struct ferry_thread_start_in {
    uint64_t pc;
    uint64_t sp;
};
FERRY_RPC_LAYOUT(ferry_thread_start_in);

struct ferry_thread_state_get_in {
    uint64_t sel; /* FERRY_TS_*: the parts to read */
};
struct ferry_thread_state_set_in {
    uint64_t sel; /* FERRY_TS_*: the parts to write */
};
FERRY_RPC_LAYOUT(ferry_thread_state_get_in);
FERRY_RPC_LAYOUT(ferry_thread_state_set_in);
enum { FERRY_THREAD_STATE_GET_CAP_DS = 0 };
enum { FERRY_THREAD_STATE_SET_CAP_DS = 0 };

struct ferry_thread_info_out {
    uint64_t utcb;
    uint64_t kobj_id;
    uint64_t paused;     /* 1 if paused or halted */
    uint64_t fault_kind; /* FERRY_THREAD_FAULT_* */
    uint64_t fault_addr;
    uint64_t fault_pc;
};
FERRY_RPC_LAYOUT(ferry_thread_info_out);

#define FERRY_THREAD_RPCS(RPC)                                                                     \
    RPC(FERRY_THREAD_START, 1, FERRY_RPC_WORDS(ferry_thread_start_in), 0)                          \
    RPC(FERRY_THREAD_PAUSE, 2, 0, 0)                                                               \
    RPC(FERRY_THREAD_RESUME, 3, 0, 0)                                                              \
    RPC(FERRY_THREAD_STATE_GET, 4, FERRY_RPC_WORDS(ferry_thread_state_get_in), 1)                  \
    RPC(FERRY_THREAD_STATE_SET, 5, FERRY_RPC_WORDS(ferry_thread_state_set_in), 1)                  \
    RPC(FERRY_THREAD_INFO, 6, 0, 0)
FERRY_RPC_ENUM(FERRY_THREAD_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_thread_sigs, FERRY_THREAD_RPCS);

#endif
