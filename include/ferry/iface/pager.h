/*
 * Pager: the messages the kernel sends, on a faulting thread's behalf, to
 * its pager gate (page faults) and exception handler gate (docs/kernel.md,
 * "Faults and exceptions"). Core's pager serves both for every PD. The
 * opcodes are the tag protocols the kernel uses; both carry the same words.
 *
 * PAGE_FAULT / EXCEPTION: in addr (stval), access (R=1, W=2, X=4, the
 *                         FERRY_RIGHT_* bits), pc, cause (scause), thread_id
 *                         (the faulting thread's kernel object id)
 *                         any reply: the thread retries the instruction
 */
#ifndef FERRY_IFACE_PAGER_H
#define FERRY_IFACE_PAGER_H

#include <ferry/rpc.h>
#include <ferry/syscall.h>

struct ferry_fault_in {
    uint64_t addr;      /* faulting address (stval) */
    uint64_t access;    /* FERRY_RIGHT_R / _W / _X */
    uint64_t pc;        /* of the faulting instruction */
    uint64_t cause;     /* scause */
    uint64_t thread_id; /* kernel object id of the faulting thread */
};
FERRY_RPC_LAYOUT(ferry_fault_in);

#define FERRY_PAGER_RPCS(RPC)                                                                      \
    RPC(FERRY_PAGER_PAGE_FAULT, FERRY_PROTO_PAGE_FAULT, FERRY_RPC_WORDS(ferry_fault_in), 0)        \
    RPC(FERRY_PAGER_EXCEPTION, FERRY_PROTO_EXCEPTION, FERRY_RPC_WORDS(ferry_fault_in), 0)
FERRY_RPC_ENUM(FERRY_PAGER_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_pager_sigs, FERRY_PAGER_RPCS);

#endif
