/*
 * The pager: page faults and exceptions of component threads arrive as
 * messages through their PD's pager gate (docs/kernel.md, "Faults"), as
 * struct ferry_fault_in (include/ferry/iface/pager.h).
 * A reply makes the thread retry the instruction. A fault core cannot resolve
 * now is not answered: core suspends the thread first, because waiting again
 * without a reply makes the kernel re-run the faulting instruction, and
 * returns RPC_NO_REPLY. The thread then stays halted with its state intact.
 */
#include "core.h"
#include <ferry/iface/cpu.h>
#include <ferry/iface/pager.h>
#include <ferry/iface/rm.h>
#include <stdio.h>

static long pager_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface pager_iface = {"pager", ferry_pager_sigs, ARRAY_SIZE(ferry_pager_sigs),
                                      pager_dispatch};

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
static long fault_unresolved(struct session *pd, struct cpu_thread *t,
                             const struct ferry_fault_in *f, bool exception)
{
    uint64_t addr = f->addr, access = f->access, pc = f->pc, cause = f->cause;
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
    const struct ferry_fault_in *f = FERRY_RPC_MSG(ferry_fault_in, req->mr);
    struct cpu_thread *t = cpu_thread_by_kobj(pd, f->thread_id);
    if (!t) {
        /* every thread of a PD's task is created here: this cannot happen */
        printf("core: [%s] fault of unknown thread %lu ignored\n", pd->label, f->thread_id);
        return RPC_NO_REPLY;
    }
    if (req->opcode == FERRY_PAGER_EXCEPTION)
        return fault_unresolved(pd, t, f, true);

    struct region_map *pending = NULL;
    uint64_t offset = 0;
    switch (region_map_resolve(pd->pd.space, f->addr, (unsigned)f->access, &pending, &offset)) {
    case REGION_MAP_MAPPED:
        return FERRY_OK;
    case REGION_MAP_PENDING:
        cpu_thread_halt(t, FERRY_THREAD_FAULT_PAGE, rm_fault_type(f->access), f->addr, f->pc,
                        pending, offset);
        signal_trigger(pending->fault_sigh);
        return RPC_NO_REPLY;
    case REGION_MAP_UNRESOLVED:
        break;
    }
    return fault_unresolved(pd, t, f, false);
}
