/*
 * CPU sessions and their threads. A thread is a kernel thread in the task of
 * a PD, with its UTCB at the PD's next UTCB page, core's pager gate of that PD
 * as pager and exception handler, and an RPC object of its own (THREAD_*).
 *
 * Two reasons keep a thread suspended in the kernel, tracked apart so neither
 * undoes the other: `paused` (THREAD_PAUSE by the client) and `halted` (core
 * stopped it on a fault it could not resolve, fault.c). A fault inside a
 * managed dataspace halts the thread until the map's owner attaches something
 * (cpu_wake_waiters); then it runs again unless the client paused it too.
 */
#include "core.h"
#include <ferry/iface/cpu.h>
#include <ferry/iface/dataspace.h>
#include <stdio.h>
#include <string.h>

static struct list threads = {&threads, &threads}; /* every live thread */
static uint64_t fault_seq; /* orders recorded faults: RM_STATE reports the oldest */

static long cpu_dispatch(void *object, struct rpc_request *req);
static long cpu_thread_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface cpu_iface = {"CPU", ferry_cpu_sigs, ARRAY_SIZE(ferry_cpu_sigs),
                                    cpu_dispatch};
const struct rpc_iface cpu_thread_iface = {"thread", ferry_thread_sigs,
                                           ARRAY_SIZE(ferry_thread_sigs), cpu_thread_dispatch};

static struct cpu_thread *thread_of(struct list *l)
{
    return container_of(l, struct cpu_thread, link);
}

/* A free UTCB address of the PD (marked used), or 0 when all are taken. */
static uint64_t utcb_alloc_any(struct pd_state *pd)
{
    for (uint64_t i = 0; i < CORE_UTCB_PAGES; i++)
        if (!(pd->utcb_used[i / 64] & (1ull << (i % 64)))) {
            pd->utcb_used[i / 64] |= 1ull << (i % 64);
            return FERRY_COMP_UTCB_BASE + i * FERRY_PAGE_SIZE;
        }
    return 0;
}

/*
 * Decode: the UTCB address a thread may get. FERRY_CPU_UTCB_ANY is fine
 * (E_NOMEM comes later if none is left); a requested one must be page aligned
 * (E_ALIGN), inside [FERRY_COMP_UTCB_BASE, FERRY_COMP_UTCB_END) (E_RANGE) and
 * not a live thread's of the PD (E_OCCUPIED).
 */
static long utcb_check(const struct pd_state *pd, uint64_t want)
{
    if (want == FERRY_CPU_UTCB_ANY)
        return FERRY_OK;
    if (!PAGE_ALIGNED(want))
        return FERRY_E_ALIGN;
    if (want < FERRY_COMP_UTCB_BASE || want >= FERRY_COMP_UTCB_END)
        return FERRY_E_RANGE;
    uint64_t i = (want - FERRY_COMP_UTCB_BASE) / FERRY_PAGE_SIZE;
    return pd->utcb_used[i / 64] & (1ull << (i % 64)) ? FERRY_E_OCCUPIED : FERRY_OK;
}

/* Invoke: marks the UTCB address utcb_check accepted as used; 0 when ANY found none. */
static uint64_t utcb_alloc(struct pd_state *pd, uint64_t want)
{
    if (want == FERRY_CPU_UTCB_ANY)
        return utcb_alloc_any(pd);
    uint64_t i = (want - FERRY_COMP_UTCB_BASE) / FERRY_PAGE_SIZE;
    pd->utcb_used[i / 64] |= 1ull << (i % 64);
    return want;
}

/* Caller must have destroyed the kernel thread that used the page. */
static void utcb_free(struct pd_state *pd, uint64_t utcb)
{
    uint64_t i = (utcb - FERRY_COMP_UTCB_BASE) / FERRY_PAGE_SIZE;
    if (utcb >= FERRY_COMP_UTCB_BASE && i < CORE_UTCB_PAGES)
        pd->utcb_used[i / 64] &= ~(1ull << (i % 64));
}

/*
 * Destroyed in the kernel: its UTCB goes back to the kernel pool, a fault it
 * had pending at core's pager is withdrawn, RPC gates bound to it die; then
 * its UTCB address is free for the PD's next thread.
 */
static void cpu_thread_kernel_destroy(struct cpu_thread *t, struct session *pd)
{
    core_destroy_kernel_object(t->ksel);
    t->ksel = 0;
    utcb_free(&pd->pd, t->utcb);
    t->utcb = 0;
}

/* The kernel thread: created in the PD's task with its UTCB at `want` (checked by
 * utcb_check) or anywhere, configured; fills ksel, utcb, kobj_id. */
static long cpu_thread_kernel_create(struct cpu_thread *t, struct session *pd, uint64_t prio,
                                     uint64_t want)
{
    uint64_t utcb = utcb_alloc(&pd->pd, want);
    if (!utcb)
        return FERRY_E_NOMEM;
    t->ksel = rpc_slot_alloc();
    long err = t->ksel ? sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, t->ksel,
                                    pd->pd.task_sel, utcb)
                       : FERRY_E_NOMEM;
    if (err) {
        rpc_slot_release(t->ksel);
        utcb_free(&pd->pd, utcb);
        return err == FERRY_E_OCCUPIED ? err : FERRY_E_NOMEM;
    }
    t->utcb = utcb;
    struct sys_cap_info info;
    if (prio > FERRY_CPU_PRIO_MAX)
        prio = FERRY_CPU_PRIO_MAX;
    err = sys_task_cap_info(FERRY_ROOT_SEL_TASK, t->ksel, &info);
    if (!err)
        err = sys_thread_configure(t->ksel, pd->pd.pager.sel, pd->pd.pager.sel, prio, 0);
    if (err) {
        cpu_thread_kernel_destroy(t, pd);
        return err;
    }
    t->kobj_id = info.id;
    return FERRY_OK;
}

long cpu_session_create_thread(struct session *cpu, struct session *pd, uint64_t prio,
                               uint64_t utcb, const char *name, struct cpu_thread **out)
{
    struct cpu_thread *t;
    long err = utcb_check(&pd->pd, utcb);
    if (err)
        return err;
    err = meta_alloc(&cpu->account, CORE_THREAD_COST_RAM, 1, sizeof(*t), (void **)&t);
    if (err)
        return err;
    err = cpu_thread_kernel_create(t, pd, prio, utcb);
    if (!err) {
        err = obj_publish_gate(&t->obj, OBJ_THREAD, &cpu_thread_iface, FERRY_ROOT_SEL_THREAD);
        if (err)
            cpu_thread_kernel_destroy(t, pd);
    }
    if (err) {
        meta_free(&cpu->account, CORE_THREAD_COST_RAM, 1, t);
        return err;
    }
    t->cpu = cpu;
    t->pd = pd;
    list_push_back(&threads, &t->link);
    snprintf(t->name, sizeof(t->name), "%s", name);
    *out = t;
    return FERRY_OK;
}

void cpu_session_kill_thread(struct cpu_thread *t)
{
    struct session *cpu = t->cpu;
    cpu_thread_kernel_destroy(t, t->pd);
    list_remove(&t->link);
    obj_retire(&t->obj);
    meta_free(&cpu->account, CORE_THREAD_COST_RAM, 1, t);
}

/* Kills every thread of the PD (pd != NULL) or of the CPU session (cpu != NULL). */
static void cpu_kill_threads_of(const struct session *pd, const struct session *cpu)
{
    /* killing a thread kills no other: the saved next one stays valid */
    for (struct list *l = threads.next, *next; l != &threads; l = next) {
        next = l->next;
        struct cpu_thread *t = thread_of(l);
        if ((pd && t->pd == pd) || (cpu && t->cpu == cpu))
            cpu_session_kill_thread(t);
    }
}

void cpu_kill_threads_of_pd(struct session *pd)
{
    cpu_kill_threads_of(pd, NULL);
}

long cpu_thread_start(struct cpu_thread *t, uint64_t pc, uint64_t sp)
{
    if (t->started)
        return FERRY_E_BUSY;
    long err = sys_thread_start(t->ksel, pc, sp, t->utcb);
    if (!err)
        t->started = true;
    return err;
}

struct cpu_thread *cpu_thread_by_kobj(struct session *pd, uint64_t kobj_id)
{
    for (struct list *l = threads.next; l != &threads; l = l->next)
        if (thread_of(l)->pd == pd && thread_of(l)->kobj_id == kobj_id)
            return thread_of(l);
    return NULL;
}

void cpu_thread_halt(struct cpu_thread *t, unsigned kind, unsigned access, uint64_t addr,
                     uint64_t pc, struct region_map *waiting_on, uint64_t offset)
{
    sys_thread_suspend(t->ksel);
    t->halted = true;
    t->fault_kind = kind;
    t->fault_access = access;
    t->fault_addr = addr;
    t->fault_pc = pc;
    t->fault_seq = ++fault_seq;
    t->waiting_on = waiting_on;
    t->fault_offset = offset;
}

static void cpu_thread_clear_fault(struct cpu_thread *t)
{
    t->halted = false;
    t->waiting_on = NULL;
    t->fault_kind = FERRY_THREAD_FAULT_NONE;
    t->fault_access = 0;
    t->fault_addr = t->fault_pc = t->fault_offset = 0;
}

void cpu_wake_waiters(struct region_map *rm)
{
    for (struct list *l = threads.next; l != &threads; l = l->next) {
        struct cpu_thread *t = thread_of(l);
        if (t->waiting_on != rm || !t->halted)
            continue;
        cpu_thread_clear_fault(t);
        if (!t->paused)
            sys_thread_resume(t->ksel); /* it faults again: resolved now, or recorded again */
    }
}

struct cpu_thread *cpu_oldest_waiter(struct region_map *rm)
{
    struct cpu_thread *oldest = NULL;
    for (struct list *l = threads.next; l != &threads; l = l->next) {
        struct cpu_thread *t = thread_of(l);
        if (t->waiting_on == rm && (!oldest || t->fault_seq < oldest->fault_seq))
            oldest = t;
    }
    return oldest;
}

void cpu_forget_rm(struct region_map *rm)
{
    for (struct list *l = threads.next; l != &threads; l = l->next)
        if (thread_of(l)->waiting_on == rm)
            thread_of(l)->waiting_on = NULL;
}

/* ---- RPC: thread ---- */

/* The RAM dataspace a state is exchanged through: writable, large enough. */
_Static_assert((int)FERRY_THREAD_STATE_GET_CAP_DS == (int)FERRY_THREAD_STATE_SET_CAP_DS,
               "THREAD_STATE_GET and _SET take their dataspace at the same index");
#define STATE_CAP_DS FERRY_THREAD_STATE_GET_CAP_DS
static struct dataspace *state_dataspace(const struct rpc_request *req)
{
    struct core_obj *o = obj_from_cap(req, STATE_CAP_DS, OBJ_DATASPACE);
    struct dataspace *ds = o ? container_of(o, struct dataspace, obj) : NULL;
    if (!ds || ds->kind != DS_RAM || !(ds->flags & FERRY_DS_WRITABLE) ||
        ds->size < sizeof(struct ferry_thread_state))
        return NULL;
    return ds;
}

/* Copies the header and the parts sel names of a struct ferry_thread_state
 * from src to dst; dst's other bytes stay as they were. */
static void state_copy_parts(void *dst, const void *src, uint64_t sel)
{
    memcpy(dst, src, __builtin_offsetof(struct ferry_thread_state, x)); /* magic, version */
    for (uint64_t part = 1; part <= sel; part <<= 1) {
        if (!(sel & part))
            continue;
        struct ferry_ts_range r = ferry_ts_part_range(part);
        memcpy((uint8_t *)dst + r.off, (const uint8_t *)src + r.off, r.len);
    }
}

/* THREAD_STATE_GET / _SET: the dataspace, the selection and the thread's
 * state, checked in that order. */
static long state_op_check(struct cpu_thread *t, struct rpc_request *req, uint64_t sel,
                           struct dataspace **ds)
{
    *ds = state_dataspace(req);
    if (!*ds)
        return obj_find(req->cap_badge[STATE_CAP_DS], OBJ_DATASPACE)
                   ? FERRY_E_INVAL
                   : obj_cap_error(req, STATE_CAP_DS);
    if (!ferry_ts_sel_valid(sel))
        return FERRY_E_INVAL;
    if (!t->paused && !t->halted)
        return FERRY_E_BUSY;
    return FERRY_OK;
}

static long cpu_thread_op_state_get(struct cpu_thread *t, struct rpc_request *req)
{
    uint64_t sel = FERRY_RPC_MSG(ferry_thread_state_get_in, req->mr)->sel;
    struct dataspace *ds;
    long err = state_op_check(t, req, sel, &ds);
    if (!err)
        err = sys_thread_read_sel(t->ksel, sel);
    if (!err)
        state_copy_parts(ds->core_addr, sys_utcb()->buf, sel);
    return err;
}

static long cpu_thread_op_state_set(struct cpu_thread *t, struct rpc_request *req)
{
    uint64_t sel = FERRY_RPC_MSG(ferry_thread_state_set_in, req->mr)->sel;
    struct dataspace *ds;
    long err = state_op_check(t, req, sel, &ds);
    if (err)
        return err;
    state_copy_parts(sys_utcb()->buf, ds->core_addr, sel & ~FERRY_TS_RUN);
    return sys_thread_write_sel(t->ksel, sel);
}

static long cpu_thread_op_info(struct cpu_thread *t, struct rpc_request *req)
{
    *FERRY_RPC_MSG(ferry_thread_info_out, req->mr) = (struct ferry_thread_info_out){
        .utcb = t->utcb,
        .kobj_id = t->kobj_id,
        .paused = t->paused || t->halted,
        .fault_kind = t->fault_kind,
        .fault_addr = t->fault_addr,
        .fault_pc = t->fault_pc,
    };
    req->reply_words = FERRY_RPC_WORDS(ferry_thread_info_out);
    return FERRY_OK;
}

static long cpu_thread_dispatch(void *object, struct rpc_request *req)
{
    struct cpu_thread *t = container_of((struct core_obj *)object, struct cpu_thread, obj);
    switch (req->opcode) {
    case FERRY_THREAD_START: {
        const struct ferry_thread_start_in *in = FERRY_RPC_MSG(ferry_thread_start_in, req->mr);
        return cpu_thread_start(t, in->pc, in->sp);
    }
    case FERRY_THREAD_PAUSE:
        t->paused = true;
        return sys_thread_suspend(t->ksel);
    case FERRY_THREAD_RESUME:
        t->paused = false;
        cpu_thread_clear_fault(t); /* a halted thread retries its faulting instruction */
        return sys_thread_resume(t->ksel);
    case FERRY_THREAD_STATE_GET:
        return cpu_thread_op_state_get(t, req);
    case FERRY_THREAD_STATE_SET:
        return cpu_thread_op_state_set(t, req);
    case FERRY_THREAD_INFO:
        return cpu_thread_op_info(t, req);
    }
    return FERRY_E_BADOP;
}

/* ---- RPC: CPU session ---- */

long cpu_open(struct session *s, const char *args)
{
    (void)s;
    (void)args;
    return FERRY_OK;
}

void cpu_close(struct session *s)
{
    cpu_kill_threads_of(NULL, s);
}

static long cpu_op_create_thread(struct session *s, struct rpc_request *req)
{
    struct session *pd = session_from_cap(req, FERRY_CPU_CREATE_THREAD_CAP_PD, SVC_PD);
    if (!pd)
        return obj_cap_error(req, FERRY_CPU_CREATE_THREAD_CAP_PD);
    const struct ferry_cpu_create_thread_in *in =
        FERRY_RPC_MSG(ferry_cpu_create_thread_in, req->mr);
    char name[FERRY_NAME_MAX];
    rpc_get_string(in->name, FERRY_NAME_WORDS, name);
    struct cpu_thread *t;
    long err = cpu_session_create_thread(s, pd, in->prio, in->utcb, name, &t);
    if (err)
        return err;
    rpc_reply_cap(req, t->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
    struct ferry_cpu_create_thread_out *out = FERRY_RPC_MSG(ferry_cpu_create_thread_out, req->mr);
    out->utcb = t->utcb;
    out->kobj_id = t->kobj_id;
    req->reply_words = FERRY_RPC_WORDS(ferry_cpu_create_thread_out);
    return FERRY_OK;
}

static long cpu_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_CPU_CREATE_THREAD:
        return cpu_op_create_thread(s, req);
    case FERRY_CPU_KILL_THREAD: {
        struct core_obj *o = obj_from_cap(req, FERRY_CPU_KILL_THREAD_CAP_THREAD, OBJ_THREAD);
        struct cpu_thread *t = o ? container_of(o, struct cpu_thread, obj) : NULL;
        if (!t)
            return obj_cap_error(req, FERRY_CPU_KILL_THREAD_CAP_THREAD);
        if (t->cpu != s)
            return FERRY_E_DENIED;
        cpu_session_kill_thread(t);
        return FERRY_OK;
    }
    case FERRY_CPU_EXCEPTION_SIGH: {
        struct pd_cap *signal = signal_from_cap(req, FERRY_CPU_EXCEPTION_SIGH_CAP_SIGNAL);
        if (!signal)
            return obj_cap_error(req, FERRY_CPU_EXCEPTION_SIGH_CAP_SIGNAL);
        s->cpu.exception_sigh = signal->obj.badge;
        return FERRY_OK;
    }
    }
    return FERRY_E_BADOP;
}
