/*
 * RPC objects: badge, kernel object, object-pool entry.
 *
 * The pool holds every live object core created, including those no message
 * ever reaches (signals, RPC gates to component threads): then one lookup by
 * the badge a received capability carries answers "which of my objects is
 * this, and what kind" for every kind. Only core creates gates and IRQs, each
 * with a fresh badge, so a label names at most one object.
 */
#include "core.h"

static struct rpc_pool pool;
static RPC_POOL_STORAGE(CORE_POOL_CAPACITY) pool_storage __attribute__((aligned(8)));

void obj_pool_init(void)
{
    rpc_pool_init(&pool, &pool_storage.index.header, sizeof(pool_storage.index),
                  pool_storage.objects, CORE_POOL_CAPACITY);
}

struct rpc_pool *obj_pool(void)
{
    return &pool;
}

/* Common tail: register under a fresh badge whose kernel object is in `sel`. */
static long obj_register(struct core_obj *o, enum obj_kind kind, const struct rpc_iface *iface,
                         uint64_t badge, uint32_t sel)
{
    o->badge = badge;
    o->rpc.iface = iface;
    o->rpc.self = o;
    o->kind = kind;
    o->sel = sel;
    if (rpc_pool_insert(&pool, &o->rpc, badge) < 0) {
        rpc_slot_release(sel);
        o->kind = OBJ_FREE;
        o->sel = 0;
        return FERRY_E_NOMEM;
    }
    return FERRY_OK;
}

static long obj_publish(struct core_obj *o, enum obj_kind kind, const struct rpc_iface *iface,
                        uint64_t type, uint64_t a3)
{
    if (rpc_pool_full(&pool))
        return FERRY_E_NOMEM; /* checked first: a kernel object would be lost */
    uint32_t sel = rpc_slot_alloc();
    if (!sel)
        return FERRY_E_NOMEM;
    uint64_t badge = badge_alloc();
    long err = sys_create(FERRY_ROOT_SEL_FACTORY, type, sel, a3, badge);
    if (err) {
        rpc_slot_release(sel);
        return err == FERRY_E_BUSY ? err : FERRY_E_NOMEM;
    }
    return obj_register(o, kind, iface, badge, sel);
}

long obj_publish_gate(struct core_obj *o, enum obj_kind kind, const struct rpc_iface *iface,
                      uint64_t receiver_sel)
{
    return obj_publish(o, kind, iface, FERRY_OBJ_GATE, receiver_sel);
}

long obj_publish_irq(struct core_obj *o, enum obj_kind kind, const struct rpc_iface *iface,
                     uint64_t source)
{
    return obj_publish(o, kind, iface, FERRY_OBJ_IRQ, source);
}

void core_destroy_kernel_object(uint32_t sel)
{
    if (!sel)
        return;
    sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, sel, FERRY_UNMAP_DESTROY);
    rpc_slot_release(sel); /* the slot is empty now: this only frees it */
}

void obj_retire(struct core_obj *o)
{
    if (o->kind == OBJ_FREE)
        return;
    rpc_pool_remove(&pool, &o->rpc);
    rpc_slot_release(o->sel);
    o->kind = OBJ_FREE;
    o->sel = 0;
}

void obj_destroy(struct core_obj *o)
{
    if (o->kind == OBJ_FREE)
        return;
    rpc_pool_remove(&pool, &o->rpc);
    core_destroy_kernel_object(o->sel);
    o->kind = OBJ_FREE;
    o->sel = 0;
}

struct core_obj *obj_find(uint64_t badge, enum obj_kind kind)
{
    struct rpc_object *r = rpc_pool_find(&pool, badge);
    if (!r)
        return NULL;
    struct core_obj *o = r->self;
    return o->kind == kind ? o : NULL;
}

struct core_obj *obj_from_cap(const struct rpc_request *req, unsigned i, enum obj_kind kind)
{
    if (i >= req->caps || !req->cap_slot[i])
        return NULL;
    uint64_t want = kind == OBJ_SIGNAL ? FERRY_OBJ_IRQ : FERRY_OBJ_GATE;
    if (req->cap_type[i] != want)
        return NULL;
    return obj_find(req->cap_badge[i], kind);
}

long obj_cap_error(const struct rpc_request *req, unsigned i)
{
    if (i >= req->caps || !req->cap_slot[i])
        return FERRY_E_INVAL;
    bool ours = req->cap_type[i] == FERRY_OBJ_GATE || req->cap_type[i] == FERRY_OBJ_IRQ;
    return ours && !rpc_pool_find(&pool, req->cap_badge[i]) ? FERRY_E_BADOBJ : FERRY_E_INVAL;
}
