/*
 * rtcr's recorded model (model.h): ids, lookups, records.
 */
#include "rtcr.h"
#include <badge_runtime.h>
#include <ferry/macros.h>
#include <string.h>

static uint32_t next_id = 1;

uint32_t model_id(void)
{
    return next_id++;
}

void model_id_seen(uint32_t id)
{
    if (id >= next_id)
        next_id = id + 1;
}

/* Lookups of one array by a field: the first used record whose `field` is `value`. */
#define MODEL_FIND(array, field, value)                                                            \
    do {                                                                                           \
        for (unsigned i_ = 0; i_ < ARRAY_SIZE(array); i_++)                                        \
            if ((array)[i_].used && (array)[i_].field == (value))                                  \
                return &(array)[i_];                                                               \
        return NULL;                                                                               \
    } while (0)

struct rtcr_session *model_session_by_badge(struct rtcr_child *c, uint64_t badge)
{
    if (!badge)
        return NULL; /* sessions served by a sibling, announcements: no badge of rtcr's */
    MODEL_FIND(c->sessions, badge, badge);
}

/* The first used record of the array whose object or virtual object has `badge`. */
#define MODEL_FIND_EITHER(array, badge)                                                            \
    do {                                                                                           \
        for (unsigned i_ = 0; badge && i_ < ARRAY_SIZE(array); i_++)                               \
            if ((array)[i_].used &&                                                                \
                ((array)[i_].badge == (badge) || (array)[i_].v.badge == (badge)))                  \
                return &(array)[i_];                                                               \
        return NULL;                                                                               \
    } while (0)

struct rtcr_ds *model_ds_by_badge(struct rtcr_child *c, uint64_t badge)
{
    MODEL_FIND_EITHER(c->ds, badge);
}

struct rtcr_thread *model_thread_by_badge(struct rtcr_child *c, uint64_t badge)
{
    MODEL_FIND_EITHER(c->threads, badge);
}

struct rtcr_gate *model_gate_by_badge(struct rtcr_child *c, uint64_t badge)
{
    MODEL_FIND(c->gates, badge, badge);
}

struct rtcr_signal *model_signal_by_badge(struct rtcr_child *c, uint64_t badge)
{
    MODEL_FIND(c->signals, badge, badge);
}

struct rtcr_signal *model_signal_by_id(struct rtcr_child *c, uint32_t id)
{
    MODEL_FIND(c->signals, id, id);
}

/* The first living child with a record of `badge` found by `find`. */
#define MODEL_FIND_ANY(find, badge, owner)                                                         \
    do {                                                                                           \
        for (unsigned i_ = 0; i_ < RTCR_MAX_CHILDREN; i_++) {                                      \
            struct rtcr_child *c_ = &rtcr.children[i_];                                            \
            __typeof__(find(c_, badge)) r_ = c_->used ? find(c_, badge) : NULL;                    \
            if (r_) {                                                                              \
                *(owner) = c_;                                                                     \
                return r_;                                                                         \
            }                                                                                      \
        }                                                                                          \
        return NULL;                                                                               \
    } while (0)

struct rtcr_ds *model_any_ds_by_badge(uint64_t badge, struct rtcr_child **owner)
{
    MODEL_FIND_ANY(model_ds_by_badge, badge, owner);
}

struct rtcr_gate *model_any_gate_by_badge(uint64_t badge, struct rtcr_child **owner)
{
    MODEL_FIND_ANY(model_gate_by_badge, badge, owner);
}

struct rtcr_signal *model_any_signal_by_badge(uint64_t badge, struct rtcr_child **owner)
{
    MODEL_FIND_ANY(model_signal_by_badge, badge, owner);
}

/* A free record of the array (zeroed and marked used), or NULL. */
#define MODEL_ALLOC(array)                                                                         \
    ({                                                                                             \
        __typeof__(&(array)[0]) r_ = NULL;                                                         \
        for (unsigned i_ = 0; i_ < ARRAY_SIZE(array) && !r_; i_++)                                 \
            if (!(array)[i_].used)                                                                 \
                r_ = &(array)[i_];                                                                 \
        if (r_) {                                                                                  \
            memset(r_, 0, sizeof(*r_));                                                            \
            r_->used = true;                                                                       \
        }                                                                                          \
        r_;                                                                                        \
    })

static uint32_t id_or_new(uint32_t id)
{
    return id ? id : model_id();
}

struct rtcr_ds *model_ds_add(struct rtcr_child *c, uint32_t id, uint32_t slot, uint64_t badge,
                             uint64_t size, uint32_t session, unsigned flags)
{
    struct rtcr_ds *ds = MODEL_ALLOC(c->ds);
    if (ds)
        *ds = (struct rtcr_ds){.used = true,
                               .id = id_or_new(id),
                               .slot = slot,
                               .badge = badge,
                               .size = size,
                               .session = session,
                               .flags = flags};
    return ds;
}

struct rtcr_attach *model_attach_add(struct rtcr_child *c, uint32_t rm, uint32_t ds, uint64_t addr,
                                     uint64_t size, uint64_t offset, unsigned rights)
{
    struct rtcr_attach *a = MODEL_ALLOC(c->attach);
    if (a)
        *a = (struct rtcr_attach){true, rm, ds, addr, size, offset, rights};
    return a;
}

struct rtcr_rm *model_rm_add(struct rtcr_child *c, uint32_t id, uint32_t session, uint64_t size)
{
    struct rtcr_rm *m = MODEL_ALLOC(c->rms);
    if (m) {
        m->id = id_or_new(id);
        m->session = session;
        m->size = size;
        m->child = c;
    }
    return m;
}

struct rtcr_rm *model_any_rm_by_badge(uint64_t badge, bool ds_too, struct rtcr_child **owner)
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_REGION_MAPS; j++) {
            struct rtcr_rm *m = &c->rms[j];
            if (m->used && badge && (m->map.badge == badge || (ds_too && m->ds.badge == badge))) {
                *owner = c;
                return m;
            }
        }
    }
    return NULL;
}

void model_rm_free(struct rtcr_rm *m)
{
    struct rtcr_child *c = m->child;
    for (unsigned i = 0; i < RTCR_ATTACHMENTS; i++) {
        struct rtcr_attach *a = &c->attach[i];
        if (a->used && (a->rm == m->id || (a->rm == c->rm_id && a->ds == m->id)))
            a->used = false; /* core detached it everywhere */
    }
    virt_vobj_drop(&m->map);
    virt_vobj_drop(&m->ds);
    m->used = false;
}

struct rtcr_thread *model_thread_add(struct rtcr_child *c, uint32_t id, uint32_t slot,
                                     uint64_t badge, uint64_t utcb, unsigned prio, const char *name)
{
    struct rtcr_thread *t = MODEL_ALLOC(c->threads);
    if (!t)
        return NULL;
    *t = (struct rtcr_thread){.used = true,
                              .id = id_or_new(id),
                              .slot = slot,
                              .badge = badge,
                              .utcb = utcb,
                              .prio = prio};
    strncpy(t->name, name, sizeof(t->name) - 1);
    return t;
}

struct rtcr_gate *model_gate_add(struct rtcr_child *c, uint32_t id, uint32_t thread, uint32_t slot,
                                 uint64_t badge)
{
    struct rtcr_gate *g = MODEL_ALLOC(c->gates);
    if (g)
        *g = (struct rtcr_gate){true, id_or_new(id), thread, slot, badge};
    return g;
}

struct rtcr_signal *model_signal_add(struct rtcr_child *c, uint32_t id, uint32_t slot,
                                     uint64_t badge)
{
    struct rtcr_signal *s = MODEL_ALLOC(c->signals);
    if (s)
        *s = (struct rtcr_signal){true, id_or_new(id), slot, badge};
    return s;
}

static void release(uint32_t slot, uint64_t badge, bool borrowed)
{
    if (slot && !borrowed)
        env_cap_release(badge);
}

void model_ds_free(struct rtcr_ds *ds)
{
    virt_vobj_drop(&ds->v);
    release(ds->slot, ds->badge, ds->borrowed);
    ds->used = false;
}

void model_thread_free(struct rtcr_thread *t)
{
    virt_vobj_drop(&t->v);
    release(t->slot, t->badge, t->borrowed);
    t->used = false;
}

void model_gate_free(struct rtcr_gate *g)
{
    release(g->slot, g->badge, false);
    g->used = false;
}

void model_signal_free(struct rtcr_signal *s)
{
    release(s->slot, s->badge, false);
    s->used = false;
}

void model_detach(struct rtcr_child *c, uint32_t rm, uint64_t addr)
{
    for (unsigned i = 0; i < RTCR_ATTACHMENTS; i++) {
        struct rtcr_attach *a = &c->attach[i];
        if (a->used && a->rm == rm && addr >= a->addr && addr - a->addr < a->size)
            a->used = false;
    }
}

void model_clear_objects(struct rtcr_child *c)
{
    for (unsigned i = 0; i < RTCR_DATASPACES; i++)
        if (c->ds[i].used)
            model_ds_free(&c->ds[i]);
    for (unsigned i = 0; i < RTCR_THREADS; i++)
        if (c->threads[i].used)
            model_thread_free(&c->threads[i]);
    for (unsigned i = 0; i < RTCR_GATES; i++)
        if (c->gates[i].used)
            model_gate_free(&c->gates[i]);
    for (unsigned i = 0; i < RTCR_SIGNALS; i++)
        if (c->signals[i].used)
            model_signal_free(&c->signals[i]);
    for (unsigned i = 0; i < RTCR_REGION_MAPS; i++)
        if (c->rms[i].used)
            model_rm_free(&c->rms[i]);
    memset(c->attach, 0, sizeof(c->attach));
}
