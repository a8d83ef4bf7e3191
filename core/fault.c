/*
 * The pager: page faults and exceptions of component threads arrive as
 * messages through their PD's pager gate (docs/kernel.md, "Faults"):
 *   mr[0] address, mr[1] access (R=1, W=2, X=4), mr[2] pc, mr[3] scause,
 *   mr[4] the faulting thread's kernel object id.
 * A reply makes the thread retry the instruction. A fault core cannot resolve
 * now is not answered: core suspends the thread first, because waiting again
 * without a reply makes the kernel re-run the faulting instruction, and
 * returns RPC_NO_REPLY. The thread then stays halted with its state intact.
 */
#include "core.h"
#include <ferry/iface/cpu.h>
#include <ferry/iface/rm.h>
#include <stdio.h>

static long pager_dispatch(void *object, struct rpc_request *req);
static const struct ferry_rpc_sig pager_sigs[] = {
    {FERRY_PROTO_PAGE_FAULT, 5, 0},
    {FERRY_PROTO_EXCEPTION, 5, 0},
};
const struct rpc_iface pager_iface = {"pager", pager_sigs, ARRAY_SIZE(pager_sigs), pager_dispatch};

static unsigned rm_fault_type(uint64_t access)
{
    if (access & FERRY_RIGHT_X)
        return FERRY_RM_FAULT_EXEC;
    if (access & FERRY_RIGHT_W)
        return FERRY_RM_FAULT_WRITE;
    return FERRY_RM_FAULT_READ;
}

static const char *access_name(uint64_t access)
{
    static const char *const names[] = {"?", "read", "write", "exec"};
    return names[rm_fault_type(access)];
}

/* Stops the thread for good (until resumed) and tells whoever listens. */
static long fault_unresolved(struct session *pd, struct cpu_thread *t, const uint64_t *mr,
                             bool exception)
{
    uint64_t addr = mr[0], access = mr[1], pc = mr[2], cause = mr[3];
    if (exception)
        printf("core: [%s] exception cause %lu at pc 0x%lx, thread '%s' halted\n", pd->label, cause,
               pc, t->name);
    else
        printf("core: [%s] unresolved page fault at 0x%lx (%s) pc 0x%lx, thread '%s' halted\n",
               pd->label, addr, access_name(access), pc, t->name);
    cpu_thread_halt(t, exception ? FERRY_THREAD_FAULT_EXCEPTION : FERRY_THREAD_FAULT_PAGE,
                    exception ? 0 : rm_fault_type(access), addr, pc,
                    exception ? NULL : pd->pd.space, addr);
    signal_trigger(t->cpu->cpu.exception_sigh);
    if (!exception)
        signal_trigger(pd->pd.space->fault_sigh);
    return RPC_NO_REPLY;
}

static long pager_dispatch(void *object, struct rpc_request *req)
{
    struct session *pd = container_of((struct core_obj *)object, struct session, pd.pager);
    const uint64_t *mr = req->mr;
    struct cpu_thread *t = cpu_thread_by_kobj(pd, mr[4]);
    if (!t) {
        /* every thread of a PD's task is created here: this cannot happen */
        printf("core: [%s] fault of unknown thread %lu ignored\n", pd->label, mr[4]);
        return RPC_NO_REPLY;
    }
    if (req->opcode == FERRY_PROTO_EXCEPTION)
        return fault_unresolved(pd, t, mr, true);

    struct region_map *pending = NULL;
    uint64_t offset = 0;
    switch (region_map_resolve(pd->pd.space, mr[0], (unsigned)mr[1], &pending, &offset)) {
    case REGION_MAP_MAPPED:
        return FERRY_OK;
    case REGION_MAP_PENDING:
        cpu_thread_halt(t, FERRY_THREAD_FAULT_PAGE, rm_fault_type(mr[1]), mr[0], mr[2], pending,
                        offset);
        signal_trigger(pending->fault_sigh);
        return RPC_NO_REPLY;
    case REGION_MAP_UNRESOLVED:
        break;
    }
    return fault_unresolved(pd, t, mr, false);
}
