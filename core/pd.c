/*
 * PD sessions: a kernel task, its address space, its accounts, the signals and
 * RPC gates its component allocates, and the native PD (the capability space
 * of the task, for the session's owner: init, later the checkpointer).
 * Closing destroys the task, the threads, the pager gate, the signals and the
 * RPC gates in the kernel (their memory goes back to the kernel pool).
 *
 * A PD session costs, from its donation: the session (CORE_SESSION_COST_RAM +
 * 1 cap), the address space (1 cap), the pager gate (1 cap) and the
 * report page (1 page + 1 cap): PD_OPEN_COST_RAM / PD_OPEN_COST_CAPS.
 */
#include "core.h"
#include <ferry/iface/dataspace.h>
#include <ferry/iface/pd.h>
#include <string.h>

static struct list pd_caps = {&pd_caps, &pd_caps}; /* every live signal and RPC gate */

static long pd_dispatch(void *object, struct rpc_request *req);
static long npd_dispatch(void *object, struct rpc_request *req);
static long never_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface pd_iface = {"PD", ferry_pd_sigs, ARRAY_SIZE(ferry_pd_sigs), pd_dispatch};
const struct rpc_iface npd_iface = {"native PD", ferry_npd_sigs, ARRAY_SIZE(ferry_npd_sigs),
                                    npd_dispatch};
/* No message reaches these through core (no gate of core carries their badges):
 * they are in the pool only so that a received capability can be identified. */
const struct rpc_iface signal_iface = {"signal", NULL, 0, never_dispatch};
const struct rpc_iface rpc_cap_iface = {"rpc cap", NULL, 0, never_dispatch};

static long never_dispatch(void *object, struct rpc_request *req)
{
    (void)object;
    (void)req;
    return FERRY_E_BADOP;
}

/* ---- signals and RPC gates ---- */

/* A signal (software IRQ) or a gate to one of the PD's threads, charged 1 cap
 * and its slice. */
static long pd_cap_alloc(struct session *pd, enum obj_kind kind, uint64_t receiver_sel,
                         struct pd_cap **out)
{
    struct pd_cap *c;
    long err = meta_alloc(&pd->account, 0, 1, sizeof(*c), (void **)&c);
    if (err)
        return err;
    if (kind == OBJ_SIGNAL)
        err = obj_publish_irq(&c->obj, OBJ_SIGNAL, &signal_iface, 0);
    else
        err = obj_publish_gate(&c->obj, OBJ_RPC_CAP, &rpc_cap_iface, receiver_sel);
    if (err) {
        meta_free(&pd->account, 0, 1, c);
        return err;
    }
    c->pd = pd;
    list_push_back(&pd_caps, &c->link);
    *out = c;
    return FERRY_OK;
}

/* Destroys the kernel object: waiters on a signal, callers of an RPC gate get E_DEAD. */
static void pd_cap_free(struct pd_cap *c)
{
    struct session *pd = c->pd;
    if (c->obj.kind == OBJ_SIGNAL)
        timer_forget_signal(c->obj.sel);
    list_remove(&c->link);
    obj_destroy(&c->obj);
    meta_free(&pd->account, 0, 1, c);
}

void signal_trigger(uint64_t badge)
{
    struct core_obj *o = badge ? obj_find(badge, OBJ_SIGNAL) : NULL;
    if (o)
        sys_irq_trigger(o->sel);
}

struct pd_cap *signal_from_cap(const struct rpc_request *req, unsigned i)
{
    struct core_obj *o = obj_from_cap(req, i, OBJ_SIGNAL);
    return o ? container_of(o, struct pd_cap, obj) : NULL;
}

/* ---- session ---- */

long pd_open(struct session *s, const char *args)
{
    (void)args;
    struct pd_state *pd = &s->pd;
    pd->task_sel = rpc_slot_alloc();
    long err = pd->task_sel ? FERRY_OK : FERRY_E_NOMEM;
    if (!err && sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, pd->task_sel, 0, 0)) {
        rpc_slot_release(pd->task_sel);
        pd->task_sel = 0;
        err = FERRY_E_NOMEM;
    }
    /* the component's runtime unmaps initial slots it does not keep through it */
    if (!err)
        err = sys_task_map(pd->task_sel, pd->task_sel, FERRY_COMP_SEL_TASK,
                           FERRY_RIGHT_R | FERRY_RIGHT_W);
    if (!err && !(err = account_charge(&s->account, 0, 1))) {
        err = obj_publish_gate(&pd->pager, OBJ_PAGER, &pager_iface, FERRY_ROOT_SEL_THREAD);
        if (err)
            account_release(&s->account, 0, 1);
    }
    if (!err)
        err = region_map_create_space(s, &pd->space);
    if (!err)
        err = ds_alloc_ram(s, FERRY_PAGE_SIZE, FERRY_DS_WRITABLE, &pd->report);
    if (err)
        pd_close(s); /* undoes what was done: it copes with a half-built PD */
    return err;
}

void pd_close(struct session *s)
{
    struct pd_state *pd = &s->pd;
    cpu_kill_threads_of_pd(s); /* nothing runs in the task while its memory goes */
    for (struct list *l = pd_caps.next, *next; l != &pd_caps; l = next) {
        next = l->next; /* freeing one frees no other */
        struct pd_cap *c = container_of(l, struct pd_cap, link);
        if (c->pd == s)
            pd_cap_free(c);
    }
    region_map_destroy_owned_by(s); /* the address space: unmaps everything */
    ds_free_owned_by(s);
    if (pd->native.kind != OBJ_FREE) {
        account_release(&s->account, 0, 1);
        obj_retire(&pd->native);
    }
    if (pd->pager.kind != OBJ_FREE) {
        account_release(&s->account, 0, 1);
        obj_destroy(&pd->pager);
    }
    /* the task goes with its capability space, page tables and whatever threads a
     * holder of the native PD may have put into it behind core's back */
    core_destroy_kernel_object(pd->task_sel);
    pd->task_sel = 0;
}

/* ---- RPC: PD ---- */

static long pd_op_alloc_ram(struct session *s, struct rpc_request *req)
{
    struct dataspace *ds;
    uint64_t bytes = FERRY_RPC_MSG(ferry_pd_alloc_ram_in, req->mr)->bytes;
    long err = ds_alloc_ram(s, bytes, FERRY_DS_WRITABLE, &ds);
    if (err)
        return err;
    rpc_reply_cap(req, ds->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
    FERRY_RPC_MSG(ferry_pd_alloc_ram_out, req->mr)->size = ds->size;
    req->reply_words = FERRY_RPC_WORDS(ferry_pd_alloc_ram_out);
    return FERRY_OK;
}

static long pd_op_free_ram(struct session *s, struct rpc_request *req)
{
    struct core_obj *o = obj_from_cap(req, FERRY_PD_FREE_RAM_CAP_DS, OBJ_DATASPACE);
    struct dataspace *ds = o ? container_of(o, struct dataspace, obj) : NULL;
    if (!ds)
        return obj_cap_error(req, FERRY_PD_FREE_RAM_CAP_DS);
    if (ds->kind != DS_RAM || ds == s->pd.report)
        return FERRY_E_INVAL;
    if (ds->owner != s)
        return FERRY_E_DENIED;
    ds_free(ds);
    return FERRY_OK;
}

static long pd_op_alloc_rpc_cap(struct session *s, struct rpc_request *req)
{
    struct core_obj *o = obj_from_cap(req, FERRY_PD_ALLOC_RPC_CAP_CAP_THREAD, OBJ_THREAD);
    struct cpu_thread *t = o ? container_of(o, struct cpu_thread, obj) : NULL;
    if (!t)
        return obj_cap_error(req, FERRY_PD_ALLOC_RPC_CAP_CAP_THREAD);
    if (t->pd != s)
        return FERRY_E_INVAL;
    struct pd_cap *c;
    long err = pd_cap_alloc(s, OBJ_RPC_CAP, t->ksel, &c);
    if (err)
        return err;
    rpc_reply_cap(req, c->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
    FERRY_RPC_MSG(ferry_pd_alloc_rpc_cap_out, req->mr)->badge = c->obj.badge;
    req->reply_words = FERRY_RPC_WORDS(ferry_pd_alloc_rpc_cap_out);
    return FERRY_OK;
}

static long pd_op_alloc_signal(struct session *s, struct rpc_request *req)
{
    struct pd_cap *c;
    long err = pd_cap_alloc(s, OBJ_SIGNAL, 0, &c);
    if (err)
        return err;
    rpc_reply_cap(req, c->obj.sel, FERRY_RIGHT_R | FERRY_RIGHT_W);
    FERRY_RPC_MSG(ferry_pd_alloc_signal_out, req->mr)->badge = c->obj.badge;
    req->reply_words = FERRY_RPC_WORDS(ferry_pd_alloc_signal_out);
    return FERRY_OK;
}

/* PD_FREE_RPC_CAP / PD_FREE_SIGNAL (the capability argument at the same index) */
_Static_assert((int)FERRY_PD_FREE_RPC_CAP_CAP_GATE == (int)FERRY_PD_FREE_SIGNAL_CAP_SIGNAL,
               "PD_FREE_RPC_CAP and PD_FREE_SIGNAL take their capability at the same index");
static long pd_op_free_cap(struct session *s, struct rpc_request *req, enum obj_kind kind)
{
    struct core_obj *o = obj_from_cap(req, FERRY_PD_FREE_RPC_CAP_CAP_GATE, kind);
    struct pd_cap *c = o ? container_of(o, struct pd_cap, obj) : NULL;
    if (!c)
        return obj_cap_error(req, FERRY_PD_FREE_RPC_CAP_CAP_GATE);
    if (c->pd != s)
        return FERRY_E_DENIED;
    pd_cap_free(c);
    return FERRY_OK;
}

static long pd_op_native(struct session *s, struct rpc_request *req)
{
    if (s->pd.native_given)
        return FERRY_E_DENIED;
    long err = account_charge(&s->account, 0, 1);
    if (err)
        return err;
    err = obj_publish_gate(&s->pd.native, OBJ_NATIVE_PD, &npd_iface, FERRY_ROOT_SEL_THREAD);
    if (err) {
        account_release(&s->account, 0, 1);
        return err;
    }
    s->pd.native_given = true;
    rpc_reply_cap(req, s->pd.native.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
    return FERRY_OK;
}

static long pd_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_PD_ALLOC_RAM:
        return pd_op_alloc_ram(s, req);
    case FERRY_PD_FREE_RAM:
        return pd_op_free_ram(s, req);
    case FERRY_PD_ALLOC_RPC_CAP:
        return pd_op_alloc_rpc_cap(s, req);
    case FERRY_PD_FREE_RPC_CAP:
        return pd_op_free_cap(s, req, OBJ_RPC_CAP);
    case FERRY_PD_ALLOC_SIGNAL:
        return pd_op_alloc_signal(s, req);
    case FERRY_PD_FREE_SIGNAL:
        return pd_op_free_cap(s, req, OBJ_SIGNAL);
    case FERRY_PD_QUOTA:
        *FERRY_RPC_MSG(ferry_pd_quota_out, req->mr) = (struct ferry_pd_quota_out){
            s->account.ram_quota, s->account.ram_used, s->account.cap_quota, s->account.cap_used};
        req->reply_words = FERRY_RPC_WORDS(ferry_pd_quota_out);
        return FERRY_OK;
    case FERRY_PD_ADDRESS_SPACE:
        rpc_reply_cap(req, s->pd.space->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        return FERRY_OK;
    case FERRY_PD_REPORT:
        rpc_reply_cap(req, s->pd.report->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        return FERRY_OK;
    case FERRY_PD_NATIVE:
        return pd_op_native(s, req);
    }
    return FERRY_E_BADOP;
}

/* ---- RPC: native PD ---- */

static long npd_cap_info(uint32_t task, struct rpc_request *req)
{
    uint64_t slot = FERRY_RPC_MSG(ferry_npd_cap_info_in, req->mr)->slot;
    struct ferry_npd_cap_info_out *out = FERRY_RPC_MSG(ferry_npd_cap_info_out, req->mr);
    long err = sys_task_obj_info(task, slot, &out->obj);
    if (err)
        return err;
    out->type = out->obj.type;
    out->rights = out->obj.rights;
    out->label = out->obj.label;
    out->id = out->obj.id;
    req->reply_words = FERRY_RPC_WORDS(ferry_npd_cap_info_out);
    return FERRY_OK;
}

/* NPD_CAP_BATCH: the kernel's TASK_CAP_BATCH of the PD's task, its entries
 * copied from core's UTCB buf into the reply's words (header and `count`
 * entries only). Kernel errors (E_RANGE: a bad start slot) pass through. */
static long npd_cap_batch(uint32_t task, struct rpc_request *req)
{
    uint64_t slot = FERRY_RPC_MSG(ferry_npd_cap_batch_in, req->mr)->slot;
    struct ferry_npd_cap_batch_out *out = FERRY_RPC_MSG(ferry_npd_cap_batch_out, req->mr);
    struct sys_cap_batch b;
    long err = sys_task_cap_batch(task, slot, FERRY_NPD_CAP_BATCH_MAX, &b);
    if (err)
        return err;
    out->head = (struct ferry_npd_cap_batch_head){b.count, b.next, b.version};
    for (uint64_t i = 0; i < b.count; i++)
        out->entry[i] = b.entry[i];
    req->reply_words = (unsigned)(FERRY_RPC_WORDS(ferry_npd_cap_batch_head) +
                                  b.count * (sizeof(struct ferry_cap_entry) / 8));
    return FERRY_OK;
}

static long npd_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = container_of((struct core_obj *)object, struct session, pd.native);
    uint32_t task = s->pd.task_sel;
    switch (req->opcode) {
    case FERRY_NPD_MAP: {
        const struct ferry_npd_map_in *in = FERRY_RPC_MSG(ferry_npd_map_in, req->mr);
        if (!req->cap_slot[FERRY_NPD_MAP_CAP_CAP])
            return FERRY_E_INVAL;
        return sys_task_map(task, req->cap_slot[FERRY_NPD_MAP_CAP_CAP], in->slot, in->rights);
    }
    case FERRY_NPD_UNMAP:
        return sys_task_unmap(task, FERRY_RPC_MSG(ferry_npd_unmap_in, req->mr)->slot);
    case FERRY_NPD_CAP_INFO:
        return npd_cap_info(task, req);
    case FERRY_NPD_CAP_NEXT: {
        uint64_t next;
        long err =
            sys_task_cap_next(task, FERRY_RPC_MSG(ferry_npd_cap_next_in, req->mr)->slot, &next);
        if (err)
            return err;
        FERRY_RPC_MSG(ferry_npd_cap_next_out, req->mr)->slot = next;
        req->reply_words = FERRY_RPC_WORDS(ferry_npd_cap_next_out);
        return FERRY_OK;
    }
    case FERRY_NPD_CAP_BATCH:
        return npd_cap_batch(task, req);
    case FERRY_NPD_REPORT:
        rpc_reply_cap(req, s->pd.report->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        return FERRY_OK;
    }
    return FERRY_E_BADOP;
}
