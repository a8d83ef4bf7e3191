/*
 * Virtual sessions (rtcr.h): each is an RPC object of rtcr that forwards
 * every operation to the real session with the interface table's signature
 * (include/ferry/ifaces.h: no layout restated here) and records what the
 * child created: dataspaces, attachments, threads, gates, signals, managed
 * region maps, and the Timer's configuration. Capabilities the child passes
 * that are rtcr's own virtual objects are replaced by the real ones on the
 * way. A managed region map and its dataspace are virtual objects too
 * (struct rtcr_vobj); the other capabilities core hands back (dataspaces,
 * threads, gates, signals) go to the child directly, and rtcr keeps a
 * reference in the record.
 */
#include "rtcr.h"
#include <client.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/log.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/timer.h>
#include <ferry/ifaces.h>
#include <ferry/macros.h>
#include <stdio.h>
#include <string.h>

static long vs_dispatch(void *self, struct rpc_request *req);

static struct rpc_iface vs_ifaces[FERRY_IFACE_COUNT];

static const struct rpc_iface *iface_of(unsigned id)
{
    struct rpc_iface *i = &vs_ifaces[id];
    if (!i->dispatch)
        *i = (struct rpc_iface){ferry_ifaces[id].name, ferry_ifaces[id].sigs,
                                ferry_ifaces[id].count, vs_dispatch};
    return i;
}

int virt_iface_of(const char *service)
{
    for (unsigned i = 0; i < FERRY_IFACE_COUNT; i++)
        if (ferry_ifaces[i].name && !strcmp(ferry_ifaces[i].name, service))
            return (int)i;
    return -1;
}

/* ---- forwarding ---- */

/* The real object for a capability of c (badge, in rtcr's `slot`): rtcr's
 * reference when it is one of rtcr's virtual objects (c's session, thread;
 * any child's dataspace or managed map: a sibling's shared memory), else
 * slot itself. */
static uint32_t real_of(struct rtcr_child *c, uint64_t badge, uint32_t slot)
{
    struct rtcr_child *owner;
    struct rtcr_session *v = model_session_by_badge(c, badge);
    struct rtcr_rm *m = v ? NULL : model_any_rm_by_badge(badge, true, &owner);
    struct rtcr_ds *ds = v || m ? NULL : model_any_ds_by_badge(badge, &owner);
    struct rtcr_thread *t = v || m || ds ? NULL : model_thread_by_badge(c, badge);
    if (v)
        return v->real;
    if (m)
        return m->map.badge == badge ? m->map.real : m->ds.real;
    if (ds && ds->v.gate && ds->v.badge == badge)
        return ds->slot;
    if (t && t->v.gate && t->v.badge == badge)
        return t->slot;
    return slot;
}

/* Sends the request as it came (its words are still in the UTCB) to `to`,
 * with rtcr's virtual objects among its capabilities replaced by the real ones. */
static long forward(struct rtcr_child *c, struct rpc_request *req, uint32_t to,
                    struct rpc_result *res)
{
    for (unsigned i = 0; i < req->caps; i++)
        rpc_send_cap(i, real_of(c, req->cap_badge[i], req->cap_slot[i]), FERRY_RIGHTS_ALL);
    return rpc_call(to, req->opcode, req->words, req->caps, res);
}

/* Answers with the real server's reply: its words as they are, its
 * capabilities handed on (rtcr keeps a reference: kept[i], 0 if none). */
static void reply_as(struct rpc_request *req, const struct rpc_result *res, uint32_t *kept)
{
    req->reply_words = res->words;
    for (unsigned i = 0; i < res->caps && i < FERRY_MSG_CAPS; i++) {
        uint32_t slot = res->cap_slot[i] ? env_cap_import(res->cap_slot[i], res->cap_badge[i]) : 0;
        if (kept)
            kept[i] = slot;
        if (slot)
            rpc_reply_cap(req, slot, FERRY_RIGHTS_ALL);
    }
}

static unsigned map_rights(uint64_t flags)
{
    return 1u | (flags & FERRY_RM_WRITE ? 2u : 0u) | (flags & FERRY_RM_EXEC ? 4u : 0u);
}

/* ---- virtual objects (struct rtcr_vobj) ---- */

static long vram_dispatch(void *self, struct rpc_request *req);
static long vthread_dispatch(void *self, struct rpc_request *req);
static long vrm_dispatch(void *self, struct rpc_request *req);
static long vds_dispatch(void *self, struct rpc_request *req);

/* One interface per kind of virtual object: interface `id`'s table with `dispatch`. */
static struct rpc_iface ram_iface, thread_iface, map_iface, managed_ds_iface;
static const struct rpc_iface *vobj_iface(struct rpc_iface *i, unsigned id,
                                          long (*dispatch)(void *, struct rpc_request *))
{
    if (!i->dispatch)
        *i = (struct rpc_iface){ferry_ifaces[id].name, ferry_ifaces[id].sigs,
                                ferry_ifaces[id].count, dispatch};
    return i;
}

/* Registers o as rtcr's object (self) of child c standing for `real`
 * (rtcr's reference, taken over; 0: the record keeps it). */
static long vobj_register(struct rtcr_vobj *o, const struct rpc_iface *iface, void *self,
                          struct rtcr_child *c, uint32_t real)
{
    long err = FERRY_OK;
    o->real = real;
    o->real_badge = real ? env_cap_badge(real) : 0;
    o->child = c;
    o->obj = (struct rpc_object){.iface = iface, .self = self};
    o->gate = env_rpc_register(rtcr.env, &o->obj, &err);
    if (!o->gate)
        return err ? err : FERRY_E_CAPQUOTA;
    o->badge = env_cap_badge(o->gate);
    return FERRY_OK;
}

void virt_vobj_drop(struct rtcr_vobj *o)
{
    if (o->gate)
        env_rpc_unregister(rtcr.env, &o->obj);
    if (o->real)
        env_cap_release(o->real_badge);
    *o = (struct rtcr_vobj){0};
}

long virt_ds_wrap(struct rtcr_child *c, struct rtcr_ds *ds)
{
    return ds->v.gate ? FERRY_OK
                      : vobj_register(&ds->v, vobj_iface(&ram_iface, FERRY_IFACE_DS, vram_dispatch),
                                      ds, c, 0);
}

long virt_thread_wrap(struct rtcr_child *c, struct rtcr_thread *t)
{
    return t->v.gate
               ? FERRY_OK
               : vobj_register(&t->v,
                               vobj_iface(&thread_iface, FERRY_IFACE_THREAD, vthread_dispatch), t,
                               c, 0);
}

/* An operation on a virtual object: forwarded to `real`, answered as it was answered. */
static long vobj_forward(struct rtcr_child *c, uint32_t real, struct rpc_request *req)
{
    struct rpc_result res;
    long err = forward(c, req, real, &res);
    if (!err)
        reply_as(req, &res, NULL);
    return err;
}

static long vram_dispatch(void *self, struct rpc_request *req)
{
    struct rtcr_ds *ds = self;
    return ds->used ? vobj_forward(ds->v.child, ds->slot, req) : FERRY_E_BADOBJ;
}

static long vthread_dispatch(void *self, struct rpc_request *req)
{
    struct rtcr_thread *t = self;
    return t->used ? vobj_forward(t->v.child, t->slot, req) : FERRY_E_BADOBJ;
}

/*
 * Answers a request core answered with a dataspace or thread (res, the
 * reply words in the UTCB) with rtcr's virtual object for it: the record is
 * found (asked for again: the report page) or made by `add` (size, session,
 * flags for a dataspace), then wrapped. Without a record (the table is
 * full) the child gets core's capability: the checkpoint then fails on it.
 */
enum reply_kind { REPLY_DS, REPLY_THREAD };
struct reply_args {
    enum reply_kind kind;
    uint64_t size; /* dataspace: 0 asks core (DS_INFO) */
    uint32_t session;
    unsigned flags;
    const char *name; /* thread */
    unsigned prio;
};
static void reply_object(struct rtcr_child *c, struct rpc_request *req,
                         const struct rpc_result *res, const struct reply_args *a)
{
    uint64_t words[FERRY_MSG_WORDS];
    memcpy(words, rpc_mr(), sizeof(words)); /* the calls below use the message words */
    req->reply_words = res->words;
    uint64_t badge = res->caps ? res->cap_badge[0] : 0;
    uint32_t slot = res->caps && res->cap_slot[0] ? env_cap_import(res->cap_slot[0], badge) : 0;
    uint32_t give = slot;
    if (slot && a->kind == REPLY_DS) {
        struct rtcr_ds *ds = model_ds_by_badge(c, badge);
        struct ferry_ds_info_out info = {.size = a->size};
        if (ds)
            env_cap_release(badge); /* recorded already: one reference */
        else if (a->size || ds_info(slot, &info) == FERRY_OK)
            ds = model_ds_add(c, 0, slot, badge, info.size, a->session, a->flags);
        if (ds && virt_ds_wrap(c, ds) == FERRY_OK)
            give = ds->v.gate;
    } else if (slot) {
        struct rtcr_thread *t = model_thread_add(
            c, 0, slot, badge, FERRY_RPC_MSG(ferry_cpu_create_thread_out, words)->utcb, a->prio,
            a->name);
        if (t && virt_thread_wrap(c, t) == FERRY_OK)
            give = t->v.gate;
    }
    memcpy(rpc_mr(), words, sizeof(words));
    if (give)
        rpc_reply_cap(req, give, FERRY_RIGHTS_ALL);
}

/* ---- per interface: what is recorded ---- */

static long pd_op(struct rtcr_session *v, struct rpc_request *req)
{
    struct rtcr_child *c = v->child;
    uint64_t arg_badge = req->caps ? req->cap_badge[0] : 0;
    struct rpc_result res;
    uint32_t kept[FERRY_MSG_CAPS] = {0};
    switch (req->opcode) {
    case FERRY_PD_ADDRESS_SPACE: /* the virtual one */
        rpc_reply_cap(req, c->sessions[RTCR_S_RM].gate, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    case FERRY_PD_NATIVE:
        return FERRY_E_DENIED; /* the child's capability space is rtcr's to manage */
    }
    struct rtcr_thread *thread =
        req->opcode == FERRY_PD_ALLOC_RPC_CAP ? model_thread_by_badge(c, arg_badge) : NULL;
    long err = forward(c, req, v->real, &res);
    if (err)
        return err;
    if (req->opcode == FERRY_PD_ALLOC_RAM || req->opcode == FERRY_PD_REPORT) {
        bool report = req->opcode == FERRY_PD_REPORT;
        struct reply_args a = {
            .kind = REPLY_DS,
            .size = report ? 4096 : FERRY_RPC_MSG(ferry_pd_alloc_ram_out, rpc_mr())->size,
            .session = v->id,
            .flags = report ? IMAGE_DS_REPORT : 0};
        reply_object(c, req, &res, &a);
        return FERRY_OK;
    }
    reply_as(req, &res, kept);
    switch (req->opcode) {
    case FERRY_PD_ALLOC_RPC_CAP:
        if (kept[0])
            model_gate_add(c, 0, thread ? thread->id : 0, kept[0], res.cap_badge[0]);
        break;
    case FERRY_PD_ALLOC_SIGNAL:
        if (kept[0])
            model_signal_add(c, 0, kept[0], res.cap_badge[0]);
        break;
    case FERRY_PD_FREE_RAM: {
        struct rtcr_ds *ds = model_ds_by_badge(c, arg_badge);
        if (ds)
            model_ds_free(ds);
        break;
    }
    case FERRY_PD_FREE_RPC_CAP: {
        struct rtcr_gate *g = model_gate_by_badge(c, arg_badge);
        if (g)
            model_gate_free(g);
        break;
    }
    case FERRY_PD_FREE_SIGNAL: {
        struct rtcr_signal *s = model_signal_by_badge(c, arg_badge);
        if (s)
            model_signal_free(s);
        break;
    }
    }
    return FERRY_OK;
}

static long cpu_op(struct rtcr_session *v, struct rpc_request *req)
{
    struct rtcr_child *c = v->child;
    struct rpc_result res;
    uint32_t kept[FERRY_MSG_CAPS] = {0};
    struct ferry_cpu_create_thread_in in = {0};
    if (req->opcode == FERRY_CPU_CREATE_THREAD)
        RPC_COPY_MSG(&in, FERRY_RPC_MSG(ferry_cpu_create_thread_in, req->mr));
    uint64_t arg_badge = req->caps ? req->cap_badge[0] : 0;
    long err = forward(c, req, v->real, &res);
    if (err)
        return err;
    if (req->opcode == FERRY_CPU_CREATE_THREAD) {
        char name[FERRY_NAME_MAX];
        rpc_get_string(in.name, FERRY_NAME_WORDS, name);
        struct reply_args a = {.kind = REPLY_THREAD, .name = name, .prio = (unsigned)in.prio};
        reply_object(c, req, &res, &a);
        return FERRY_OK;
    }
    reply_as(req, &res, kept);
    if (req->opcode == FERRY_CPU_KILL_THREAD) {
        struct rtcr_thread *t = model_thread_by_badge(c, arg_badge);
        if (t && !t->borrowed)
            model_thread_free(t);
    }
    return FERRY_OK;
}

/* An operation on a region map of c: its address space (rm = c->rm_id, real
 * `to`) or a managed map (rm = its id). Attachments are recorded in the map. */
static long rm_op(struct rtcr_child *c, uint32_t rm, uint32_t to, struct rpc_request *req)
{
    struct rpc_result res;
    struct ferry_rm_attach_in at = {0};
    struct ferry_rm_detach_in dt = {0};
    if (req->opcode == FERRY_RM_ATTACH)
        at = *FERRY_RPC_MSG(ferry_rm_attach_in, req->mr);
    if (req->opcode == FERRY_RM_DETACH)
        dt = *FERRY_RPC_MSG(ferry_rm_detach_in, req->mr);
    uint64_t ds_badge =
        req->opcode == FERRY_RM_ATTACH && req->caps ? req->cap_badge[FERRY_RM_ATTACH_CAP_DS] : 0;
    struct rtcr_child *owner;
    struct rtcr_ds *ds = ds_badge ? model_any_ds_by_badge(ds_badge, &owner) : NULL;
    /* a managed map's dataspace (into an address space only: core refuses nesting) */
    struct rtcr_rm *managed =
        ds_badge && !ds ? model_any_rm_by_badge(ds_badge, true, &owner) : NULL;
    if (managed && managed->ds.badge != ds_badge)
        managed = NULL; /* the map itself is no dataspace */
    long err = forward(c, req, to, &res);
    if (err)
        return err;
    reply_as(req, &res, NULL);
    if (req->opcode == FERRY_RM_ATTACH) {
        uint64_t addr = FERRY_RPC_MSG(ferry_rm_attach_out, rpc_mr())->at;
        uint64_t whole = ds ? ds->size : managed ? managed->size : 0;
        uint64_t size = at.size ? at.size : (whole > at.offset ? whole - at.offset : 0);
        size = (size + 4095) & ~4095ul;
        /* an attachment of a dataspace rtcr did not see created: id 0, the
         * checkpoint fails on it */
        uint32_t target = ds ? ds->id : managed ? managed->id : 0;
        model_attach_add(c, rm, target, addr, size, at.offset, map_rights(at.flags));
    } else if (req->opcode == FERRY_RM_DETACH) {
        model_detach(c, rm, dt.at);
    }
    return FERRY_OK;
}

/* ---- managed region maps ---- */

struct rtcr_rm *virt_rm_new(struct rtcr_child *c, uint32_t id, uint32_t session, uint64_t size,
                            uint32_t real, long *err)
{
    struct rtcr_rm *m = model_rm_add(c, id, session, size);
    if (!m) {
        env_cap_release(env_cap_badge(real));
        *err = FERRY_E_NOMEM;
        return NULL;
    }
    uint32_t ds = 0;
    *err = vobj_register(&m->map, vobj_iface(&map_iface, FERRY_IFACE_RM, vrm_dispatch), m, c, real);
    if (!*err)
        *err = rm_dataspace(real, &ds); /* imported by the stub */
    if (!*err)
        *err = vobj_register(&m->ds, vobj_iface(&managed_ds_iface, FERRY_IFACE_DS, vds_dispatch), m,
                             c, ds);
    else if (ds)
        env_cap_release(env_cap_badge(ds));
    if (*err) {
        if (!m->map.real)
            env_cap_release(env_cap_badge(real));
        model_rm_free(m);
        return NULL;
    }
    return m;
}

static long vrm_dispatch(void *self, struct rpc_request *req)
{
    struct rtcr_rm *m = self;
    if (!m->used)
        return FERRY_E_BADOBJ;
    if (req->opcode == FERRY_RM_DATASPACE) { /* the virtual one */
        rpc_reply_cap(req, m->ds.gate, FERRY_RIGHTS_ALL);
        req->reply_words = 0;
        return FERRY_OK;
    }
    return rm_op(m->child, m->id, m->map.real, req);
}

static long vds_dispatch(void *self, struct rpc_request *req)
{
    struct rtcr_rm *m = self;
    return m->used ? vobj_forward(m->child, m->ds.real, req) : FERRY_E_BADOBJ;
}

/* The RM session: RM_CREATE answers with a virtual managed map, RM_DESTROY
 * drops it (the real one replaced on the way, by forward). */
static long rm_session_op(struct rtcr_session *v, struct rpc_request *req)
{
    struct rtcr_child *c = v->child;
    struct rpc_result res;
    uint64_t size =
        req->opcode == FERRY_RM_CREATE ? FERRY_RPC_MSG(ferry_rm_create_in, req->mr)->size : 0;
    struct rtcr_child *owner;
    struct rtcr_rm *gone =
        req->opcode == FERRY_RM_DESTROY && req->caps
            ? model_any_rm_by_badge(req->cap_badge[FERRY_RM_DESTROY_CAP_RM], false, &owner)
            : NULL;
    long err = forward(c, req, v->real, &res);
    if (err)
        return err;
    if (req->opcode != FERRY_RM_CREATE || !res.caps || !res.cap_slot[0]) {
        reply_as(req, &res, NULL);
        if (gone)
            model_rm_free(gone);
        return FERRY_OK;
    }
    uint32_t real = env_cap_import(res.cap_slot[0], res.cap_badge[0]);
    struct rtcr_rm *m = virt_rm_new(c, 0, v->id, size, real, &err);
    if (!m) {
        rm_destroy(v->real, real);
        return err;
    }
    req->reply_words = 0;
    rpc_reply_cap(req, m->map.gate, FERRY_RIGHTS_ALL);
    return FERRY_OK;
}

static long timer_op(struct rtcr_session *v, struct rpc_request *req)
{
    struct rtcr_child *c = v->child;
    struct rpc_result res;
    uint64_t word = req->words ? req->mr[0] : 0;
    struct rtcr_signal *sig = req->opcode == FERRY_TIMER_SIGH && req->caps
                                  ? model_signal_by_badge(c, req->cap_badge[0])
                                  : NULL;
    long err = forward(c, req, v->real, &res);
    if (err)
        return err;
    reply_as(req, &res, NULL);
    switch (req->opcode) {
    case FERRY_TIMER_SIGH:
        v->timer_signal = sig ? sig->id : 0;
        break;
    case FERRY_TIMER_PERIODIC:
        v->timer_mode = RTCR_TIMER_PERIODIC;
        v->timer_us = word;
        break;
    case FERRY_TIMER_ONESHOT:
        v->timer_mode = RTCR_TIMER_ONESHOT;
        v->timer_us = word;
        break;
    case FERRY_TIMER_STOP:
        v->timer_mode = RTCR_TIMER_STOPPED;
        break;
    }
    return FERRY_OK;
}

static long log_op(struct rtcr_session *v, struct rpc_request *req)
{
    struct rpc_result res;
    char text[FERRY_MSG_WORDS * 8];
    uint64_t len = 0;
    if (req->opcode == FERRY_LOG_WRITE) {
        len = FERRY_RPC_MSG(ferry_log_write_in, req->mr)->len;
        uint64_t room = (req->words - 1) * 8;
        len = len < room ? len : room;
        memcpy(text, FERRY_RPC_MSG(ferry_log_write_in, req->mr)->text, len);
    }
    long err = forward(v->child, req, v->real, &res);
    if (err)
        return err;
    reply_as(req, &res, NULL);
    if (len)
        rtcr_child_logged(v->child, text, len); /* after the answer's words are set */
    return FERRY_OK;
}

/* Any other interface (ROM, Block, ...): forwarded; what it hands out is
 * kept (ROM dataspaces are recorded, with their session). */
static long plain_op(struct rtcr_session *v, struct rpc_request *req)
{
    struct rpc_result res;
    uint32_t kept[FERRY_MSG_CAPS] = {0};
    long err = forward(v->child, req, v->real, &res);
    if (err)
        return err;
    if (v->iface == FERRY_IFACE_ROM && res.caps) { /* a ROM dataspace: virtual */
        struct reply_args a = {.kind = REPLY_DS, .session = v->id};
        reply_object(v->child, req, &res, &a);
        return FERRY_OK;
    }
    reply_as(req, &res, kept);
    return FERRY_OK;
}

static long vs_dispatch(void *self, struct rpc_request *req)
{
    struct rtcr_session *v = self;
    if (!v->used || !v->real)
        return FERRY_E_BADOBJ;
    switch (v->iface) {
    case FERRY_IFACE_PD:
        return pd_op(v, req);
    case FERRY_IFACE_CPU:
        return cpu_op(v, req);
    case FERRY_IFACE_RM: /* the address space */
        return rm_op(v->child, v->child->rm_id, v->real, req);
    case FERRY_IFACE_RM_SESSION:
        return rm_session_op(v, req);
    case FERRY_IFACE_TIMER:
        return timer_op(v, req);
    case FERRY_IFACE_LOG:
        return log_op(v, req);
    default:
        return plain_op(v, req);
    }
}

/* ---- sessions ---- */

static struct rtcr_session *session_new(struct rtcr_child *c, unsigned index, unsigned iface,
                                        uint32_t id)
{
    struct rtcr_session *v = NULL;
    if (index < RTCR_SESSIONS)
        v = &c->sessions[index];
    for (unsigned i = RTCR_S_INITIAL; i < RTCR_SESSIONS && !v; i++)
        if (!c->sessions[i].used)
            v = &c->sessions[i];
    if (!v || v->used)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->used = true;
    v->id = id ? id : model_id();
    v->child = c;
    v->iface = iface;
    v->obj.iface = iface_of(iface);
    v->obj.self = v;
    long err;
    v->gate = env_rpc_register(rtcr.env, &v->obj, &err);
    if (!v->gate) {
        v->used = false;
        return NULL;
    }
    v->badge = env_cap_badge(v->gate);
    return v;
}

static void session_drop(struct rtcr_session *v)
{
    if (!v->used)
        return;
    if (v->gate) /* a direct session has no object of rtcr's */
        env_rpc_unregister(rtcr.env, &v->obj);
    v->used = false;
}

struct rtcr_session *virt_direct(struct rtcr_child *c, uint32_t real, uint64_t badge, uint32_t id)
{
    for (unsigned i = RTCR_S_INITIAL; i < RTCR_SESSIONS; i++) {
        struct rtcr_session *v = &c->sessions[i];
        if (v->used)
            continue;
        memset(v, 0, sizeof(*v));
        *v = (struct rtcr_session){.used = true,
                                   .id = id ? id : model_id(),
                                   .child = c,
                                   .iface = FERRY_IFACE_COUNT,
                                   .real = real,
                                   .badge = badge};
        return v;
    }
    return NULL;
}

long virt_prepare(struct rtcr_child *c, struct child_config *cfg)
{
    static const struct {
        unsigned index, iface, cap;
        const char *service;
    } initial[] = {
        {RTCR_S_PD, FERRY_IFACE_PD, CHILD_CAP_PD, "PD"},
        {RTCR_S_CPU, FERRY_IFACE_CPU, CHILD_CAP_CPU, "CPU"},
        {RTCR_S_LOG, FERRY_IFACE_LOG, CHILD_CAP_LOG, "LOG"},
        {RTCR_S_RM, FERRY_IFACE_RM, CHILD_CAP_RM, "RM"},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(initial); i++) {
        struct rtcr_session *v = session_new(c, initial[i].index, initial[i].iface, 0);
        if (!v) {
            virt_release(c);
            return FERRY_E_CAPQUOTA;
        }
        snprintf(v->service, sizeof(v->service), "%s", initial[i].service);
        snprintf(v->label, sizeof(v->label), "%s", c->name);
        cfg->initial_cap[initial[i].cap] = v->gate;
        cfg->initial_badge[initial[i].cap] = v->badge;
    }
    c->rm_id = c->sessions[RTCR_S_RM].id; /* the address space is named by its session's id */
    c->sessions[RTCR_S_PD].ram = cfg->ram;
    c->sessions[RTCR_S_PD].caps = cfg->caps;
    /* the main thread: its virtual object now, core's thread at virt_bind */
    struct rtcr_thread *t = model_thread_add(c, 0, 0, 0, 0, CHILD_PRIO, "main");
    long err = t ? virt_thread_wrap(c, t) : FERRY_E_NOMEM;
    if (err) {
        virt_release(c);
        return err;
    }
    t->borrowed = true;
    cfg->initial_cap[CHILD_CAP_THREAD] = t->v.gate;
    cfg->initial_badge[CHILD_CAP_THREAD] = t->v.badge;
    return FERRY_OK;
}

long virt_bind(struct rtcr_child *c)
{
    struct child *ch = &c->pc->child;
    c->sessions[RTCR_S_PD].real = ch->pd;
    c->sessions[RTCR_S_CPU].real = ch->cpu;
    c->sessions[RTCR_S_LOG].real = ch->log;
    c->sessions[RTCR_S_RM].real = ch->rm;
    uint32_t pd = c->sessions[RTCR_S_PD].id;
    for (unsigned i = 0; i < ch->region_count; i++) {
        const struct child_region *r = &ch->regions[i];
        struct rtcr_ds *ds = model_ds_add(c, 0, r->ds, env_cap_badge(r->ds), r->size, pd, 0);
        if (!ds || !model_attach_add(c, c->rm_id, ds->id, r->vaddr, r->size, 0, 7))
            return FERRY_E_NOMEM;
        ds->borrowed = true;
    }
    struct ferry_thread_info_out info;
    long err = thread_info(ch->thread, &info);
    if (err)
        return err;
    for (unsigned i = 0; i < RTCR_THREADS; i++) {
        struct rtcr_thread *t = &c->threads[i];
        if (t->used && t->borrowed) { /* virt_prepare's */
            t->slot = ch->thread;
            t->badge = env_cap_badge(ch->thread);
            t->utcb = info.utcb;
            return FERRY_OK;
        }
    }
    return FERRY_E_NOENT;
}

struct rtcr_session *virt_wrap(struct rtcr_child *c, unsigned iface, uint32_t real, uint32_t id,
                               uint32_t *gate)
{
    struct rtcr_session *v = session_new(c, RTCR_SESSIONS, iface, id);
    if (!v)
        return NULL;
    v->real = real;
    *gate = v->gate;
    return v;
}

long virt_session(struct parent_server *ps, struct ps_child *client, struct ps_session *s,
                  uint32_t *gate)
{
    (void)ps;
    struct rtcr_child *c = client->policy_data;
    int iface = virt_iface_of(s->request.service);
    /* a service without an interface table entry: the child holds the real
     * session, recorded by its badge */
    struct rtcr_session *v = iface < 0 ? virt_direct(c, s->slot, s->badge, 0)
                                       : virt_wrap(c, (unsigned)iface, s->slot, 0, gate);
    if (!v)
        return FERRY_E_CAPQUOTA;
    v->ps = s;
    snprintf(v->service, sizeof(v->service), "%s", s->request.service);
    snprintf(v->label, sizeof(v->label), "%s", s->request.label);
    snprintf(v->args, sizeof(v->args), "%s", s->request.args);
    v->ram = s->request.ram;
    v->caps = s->request.caps;
    s->virt_badge = v->gate ? v->badge : 0;
    s->virt = v;
    return FERRY_OK;
}

void virt_session_end(struct parent_server *ps, struct ps_child *client, struct ps_session *s)
{
    (void)ps;
    (void)client;
    if (s->virt)
        session_drop(s->virt);
}

/* c's record of the service `name` it announced, or NULL. */
static struct rtcr_session *announced(struct rtcr_child *c, const char *name)
{
    for (unsigned i = RTCR_S_INITIAL; i < RTCR_SESSIONS; i++)
        if (c->sessions[i].used && c->sessions[i].server == c->id &&
            !strcmp(c->sessions[i].service, name))
            return &c->sessions[i];
    return NULL;
}

long virt_sync_links(struct rtcr_child *c)
{
    struct ps_child *pc = c->pc;
    for (unsigned i = 0; i < PS_CHILD_SERVICES; i++) {
        if (!pc->services[i].used || announced(c, pc->services[i].name))
            continue;
        struct rtcr_session *v = virt_direct(c, 0, 0, 0);
        if (!v)
            return FERRY_E_NOMEM;
        v->server = c->id;
        snprintf(v->service, sizeof(v->service), "%s", pc->services[i].name);
    }
    for (unsigned i = 0; i < PS_SESSIONS; i++) {
        struct ps_session *s = &pc->ps->sessions[i];
        if (s->state != PS_SESSION_OPEN || s->client != pc || !s->server || !s->server->alive ||
            !s->slot || s->virt)
            continue; /* not with a living sibling, or recorded already */
        struct rtcr_session *v = virt_direct(c, 0, 0, 0);
        if (!v)
            return FERRY_E_NOMEM;
        v->server = ((struct rtcr_child *)s->server->policy_data)->id;
        v->ps = s;
        s->virt = v; /* dropped when the session ends (virt_session_end) */
        snprintf(v->service, sizeof(v->service), "%s", s->request.service);
        snprintf(v->label, sizeof(v->label), "%s", s->request.label);
        snprintf(v->args, sizeof(v->args), "%s", s->request.args);
        v->ram = s->request.ram;
        v->caps = s->request.caps;
    }
    return FERRY_OK;
}

void virt_release(struct rtcr_child *c)
{
    for (unsigned i = 0; i < RTCR_S_INITIAL; i++)
        session_drop(&c->sessions[i]);
    for (unsigned i = RTCR_S_INITIAL; i < RTCR_SESSIONS; i++)
        if (c->sessions[i].used && !c->sessions[i].ps)
            session_drop(&c->sessions[i]); /* announcements: no session of the parent server */
    model_clear_objects(c);
}
