/*
 * Restore (rtcr.h; the steps in docs/rtcr.md): validate the whole image
 * first; then per component construct a fresh child (new PD from the real
 * core), re-create every object (new badges), attach at the same addresses,
 * map every capability into its slot (NPD_MAP), rewrite the badge tables
 * old -> new, set the threads' states, compare, resume. Any failure tears
 * the new children down (quota back).
 */
#include "ckpt.h"
#include <capmap.h>
#include <client.h>
#include <ferry/component.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/timer.h>
#include <ferry/ifaces.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tables.h>

/* An object of the image, re-created: rtcr's slot of what the child gets,
 * its new badge, and rtcr's slot of the real object operations go to (the
 * same as slot unless rtcr hands out a virtual object for it). */
struct made {
    uint32_t id;
    uint8_t role;
    uint32_t slot;
    uint64_t badge;
    uint32_t real;
};
static struct made made[CKPT_MAX_CAPS];
static unsigned made_count;

/* Records a re-created object under (image id, role); past CKPT_MAX_CAPS the
 * object is not found later, and the restore fails on the slot naming it.
 * real 0: the same as slot. */
static void made_add(uint32_t id, uint8_t role, uint32_t slot, uint64_t badge, uint32_t real)
{
    if (made_count < CKPT_MAX_CAPS)
        made[made_count++] = (struct made){id, role, slot, badge, real ? real : slot};
}

/* The re-created object of (image id, role), or NULL. */
static const struct made *made_find(uint32_t id, uint8_t role)
{
    for (unsigned i = 0; i < made_count; i++)
        if (made[i].id == id && made[i].role == role)
            return &made[i];
    return NULL;
}

/* The CAP record of (component, slot), or false. */
bool cap_record(const struct image_view *view, uint32_t comp, uint32_t slot, struct image_cap *cap)
{
    struct image_record rec;
    return image_find_cap(view, comp, slot, &rec) &&
           image_decode(&rec, IMAGE_CAP, cap, sizeof(*cap)) == IMAGE_OK;
}

/* Ids of a restore: the image's, or shifted above every id in use when the
 * image's components live already (a second instance from one image), so
 * that ids stay unique among all protected children. */
static uint32_t id_shift;
#define NEW_ID(id) ((id) ? (id) + id_shift : 0)

/* Records the restore walks are decoded into a union image_any; object
 * records (SESSION .. SIGNAL) begin with their id and component. */

/* Whether the decoded record of `type` belongs to r's component: its
 * `component` (an attachment: its region map is r's address space). */
static bool record_of(const struct restore *r, uint16_t type, const union image_any *rec)
{
    switch (type) {
    case IMAGE_ATTACHMENT: { /* in its address space or one of its managed maps */
        struct image_record found;
        struct image_region_map rm;
        return rec->att.rm == r->rm_image ||
               (image_find(r->view, rec->att.rm, &found) &&
                image_decode(&found, IMAGE_REGION_MAP, &rm, sizeof(rm)) == IMAGE_OK &&
                rm.component == r->comp.id);
    }
    case IMAGE_CAP:
        return rec->cap.component == r->comp.id;
    default:
        return rec->gate.component == r->comp.id; /* id, component: every object record */
    }
}

/* What for_each_record calls: ctx is its caller's. */
typedef long record_fn(struct restore *r, const void *ctx, const union image_any *rec);

/* Calls fn for every record of `type` (its structure `size` bytes) of r's
 * component, in the image's key order; the first error ends the walk. */
static long for_each_record(struct restore *r, uint16_t type, size_t size, record_fn *fn,
                            const void *ctx)
{
    static union image_any rec; /* a thread record is large */
    uint32_t n = image_count(r->view, type);
    for (uint32_t i = 0; i < n; i++) {
        if (!image_get(r->view, type, i, &rec, size))
            return FERRY_E_INVAL; /* a validated image always decodes */
        if (!record_of(r, type, &rec))
            continue;
        long err = fn(r, ctx, &rec);
        if (err)
            return err;
    }
    return FERRY_OK;
}

/*
 * One kind of object the restore re-creates: `make` re-creates the object of
 * one record for r's child (new badge), records it in the model and returns
 * in *m rtcr's slot, the new badge and the real object's slot (0: the same;
 * slot 0: the object was made already, e.g. by the construction).
 * restore_kind records every one under (image id, role) for the
 * capabilities, attachments and badge tables that name it.
 */
struct restore_kind {
    uint16_t type; /* IMAGE_* */
    size_t size;   /* its structure */
    uint8_t role;  /* IMAGE_ROLE_* the capabilities name it by */
    long (*make)(struct restore *r, const union image_any *rec, struct made *m);
};

/* One object of the kind ctx (a struct restore_kind). */
static long make_one(struct restore *r, const void *ctx, const union image_any *rec)
{
    const struct restore_kind *k = ctx;
    struct made m = {0};
    long err = k->make(r, rec, &m);
    if (!err && m.slot) /* id: every object record's first */
        made_add(rec->gate.id, k->role, m.slot, m.badge, m.real);
    return err;
}

/* Re-creates every object of kind k of r's component. */
static long restore_kind(struct restore *r, const struct restore_kind *k)
{
    return for_each_record(r, k->type, k->size, make_one, k);
}

/* The initial sessions are the new child's (its slots 2..5): recorded under
 * the image's ids. */
static void initial_sessions(struct restore *r)
{
    struct rtcr_child *c = r->c;
    static const struct {
        uint32_t slot;
        unsigned index;
    } initial[] = {{FERRY_COMP_SEL_PD, RTCR_S_PD},
                   {FERRY_COMP_SEL_CPU, RTCR_S_CPU},
                   {FERRY_COMP_SEL_LOG, RTCR_S_LOG}};
    for (unsigned i = 0; i < ARRAY_SIZE(initial); i++) {
        struct image_cap cap;
        struct rtcr_session *v = &c->sessions[initial[i].index];
        if (cap_record(r->view, r->comp.id, initial[i].slot, &cap) &&
            cap.role == IMAGE_ROLE_SESSION) {
            v->id = NEW_ID(cap.object);
            made_add(cap.object, IMAGE_ROLE_SESSION, v->gate, v->badge, v->real);
        }
    }
    struct rtcr_session *as = &c->sessions[RTCR_S_RM];
    made_add(r->rm_image, IMAGE_ROLE_REGION_MAP, as->gate, as->badge, as->real);
}

/* Cuts what session_record appended under `tag` off args (args keeps the
 * rest); its value text (after the cut, intact), or NULL if there is none. */
static char *tag_cut(char *args, const char *tag)
{
    char *at = strstr(args, tag);
    if (!at)
        return NULL;
    *at = 0;
    if (at > args && at[-1] == ',')
        at[-1] = 0;
    return at + strlen(tag);
}

/* Splits the Timer state session_record appended to args off. */
static void timer_state(struct rtcr_session *v, char *args)
{
    char *p = tag_cut(args, TIMER_TAG);
    if (!p)
        return;
    v->timer_mode = (unsigned)strtoul(p, &p, 10);
    v->timer_us = strtoul(p + 1, &p, 10);
    v->timer_signal = NEW_ID((uint32_t)strtoul(p + 1, NULL, 10));
}

/* A session served by a sibling of the image, or a service the component
 * announced: not opened, recorded (the objects it names as the image's ids)
 * for adopt_links once every component's objects exist. */
static long make_link(struct restore *r, struct image_session *s)
{
    struct rtcr_session *v = virt_direct(r->c, 0, 0, NEW_ID(s->id));
    if (!v) {
        RESTORE_FAIL(r, "its %s session: too many sessions", s->service);
        return FERRY_E_NOMEM;
    }
    char *p = tag_cut(s->args, LINK_TAG);
    if (p) {
        v->link_gate = (uint32_t)strtoul(p, &p, 10);
        v->link_signal = (uint32_t)strtoul(p + 1, NULL, 10);
    }
    v->server = NEW_ID(s->server);
    snprintf(v->service, sizeof(v->service), "%s", s->service);
    snprintf(v->label, sizeof(v->label), "%s", s->label);
    snprintf(v->args, sizeof(v->args), "%s", s->args);
    v->ram = s->ram_quota;
    v->caps = s->cap_quota;
    return FERRY_OK;
}

/* A session other than the initial ones: re-opened with its recorded
 * arguments (paid by the child's PD for a core service) and wrapped as a
 * virtual session again, or held directly. */
static long make_session(struct restore *r, const union image_any *rec, struct made *m)
{
    struct rtcr_child *c = r->c;
    struct child *ch = &c->pc->child;
    struct image_session s = rec->session;
    if (made_find(s.id, IMAGE_ROLE_SESSION))
        return FERRY_OK; /* an initial one */
    if (s.server)
        return make_link(r, &s);
    struct rtcr_session timer = {0};
    timer_state(&timer, s.args);
    int iface = virt_iface_of(s.service);
    uint32_t real, gate;
    long err =
        rtcr_core_service(s.service)
            ? env_session_paid(rtcr.env, s.service, s.label, s.args, s.ram_quota, s.cap_quota,
                               ch->pd, &real)
            : env_session(rtcr.env, s.service, s.label, s.args, s.ram_quota, s.cap_quota, &real);
    if (err) {
        RESTORE_FAIL(r, "re-opening its %s session: %s", s.service, ferry_error_name(err));
        return err;
    }
    uint64_t real_badge = env_cap_badge(real);
    struct rtcr_session *v = iface >= 0 ? virt_wrap(c, (unsigned)iface, real, NEW_ID(s.id), &gate)
                                        : virt_direct(c, real, real_badge, NEW_ID(s.id));
    if (!v) {
        env_session_close(rtcr.env, real);
        RESTORE_FAIL(r, "its %s session: too many sessions", s.service);
        return FERRY_E_INVAL;
    }
    if (!v->gate)
        gate = real; /* held directly */
    snprintf(v->service, sizeof(v->service), "%s", s.service);
    snprintf(v->label, sizeof(v->label), "%s", s.label);
    snprintf(v->args, sizeof(v->args), "%s", s.args);
    v->ram = s.ram_quota;
    v->caps = s.cap_quota;
    v->timer_mode = timer.timer_mode;
    v->timer_us = timer.timer_us;
    v->timer_signal = timer.timer_signal;
    struct ferry_parent_session_in req = {.ram = s.ram_quota, .caps = s.cap_quota};
    memcpy(req.service, s.service, sizeof(req.service));
    memcpy(req.label, s.label, sizeof(req.label));
    memcpy(req.args, s.args, sizeof(req.args));
    v->ps = parent_server_session_add(c->pc, &req, real, real_badge);
    if (!v->ps) {
        env_session_close(rtcr.env, real);
        RESTORE_FAIL(r, "too many sessions");
        return FERRY_E_CAPQUOTA;
    }
    v->ps->virt = v;
    v->ps->virt_badge = v->gate ? v->badge : 0;
    *m = (struct made){.slot = gate, .badge = v->badge, .real = real};
    return FERRY_OK;
}

/* The attachment of dataspace `id` in the component's address space, or false. */
static bool attachment_of(const struct restore *r, uint32_t id, struct image_attachment *out)
{
    uint32_t n = image_count(r->view, IMAGE_ATTACHMENT);
    for (uint32_t i = 0; i < n; i++) {
        image_get(r->view, IMAGE_ATTACHMENT, i, out, sizeof(*out));
        if (out->target == id && out->rm == r->rm_image)
            return true;
    }
    return false;
}

/* The construction's region (ELF or stack) lying where the image's dataspace
 * d is attached, with its size; NULL if none. */
static struct rtcr_ds *construction_region(struct restore *r, const struct image_dataspace *d)
{
    struct rtcr_child *c = r->c;
    struct image_attachment a;
    if (!attachment_of(r, d->id, &a))
        return NULL;
    for (unsigned j = 0; j < RTCR_DATASPACES; j++) {
        struct rtcr_ds *cand = &c->ds[j];
        if (!cand->used || !cand->borrowed || cand->size != d->size)
            continue;
        for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++)
            if (c->attach[k].used && c->attach[k].ds == cand->id && c->attach[k].addr == a.addr)
                return cand;
    }
    return NULL;
}

/* A dataspace: the construction's region where the image's lies at the same
 * place with the same size (renamed, its attachment too), the new PD's
 * report page, fresh RAM else. */
static long make_dataspace(struct restore *r, const union image_any *rec, struct made *m)
{
    struct rtcr_child *c = r->c;
    const struct image_dataspace *d = &rec->ds;
    struct rtcr_ds *ds = construction_region(r, d);
    if (ds) {
        for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++)
            if (c->attach[k].used && c->attach[k].ds == ds->id)
                c->attach[k].ds = NEW_ID(d->id);
        ds->id = NEW_ID(d->id);
        ds->session = NEW_ID(d->session);
    } else {
        uint32_t s;
        long err = d->flags & IMAGE_DS_REPORT ? pd_report(c->pc->child.pd, &s)
                                              : pd_alloc_ram(c->pc->child.pd, d->size, &s);
        if (err) {
            RESTORE_FAIL(r, "dataspace %u (%lu bytes): %s", d->id, (unsigned long)d->size,
                         ferry_error_name(err));
            return err;
        }
        ds = model_ds_add(c, NEW_ID(d->id), s, env_cap_badge(s), d->size, NEW_ID(d->session),
                          d->flags & ~IMAGE_DS_SHARED);
        if (!ds) {
            env_cap_release(env_cap_badge(s));
            RESTORE_FAIL(r, "too many dataspaces");
            return FERRY_E_NOMEM;
        }
        if ((err = virt_ds_wrap(c, ds))) { /* what the child holds */
            RESTORE_FAIL(r, "dataspace %u: %s", d->id, ferry_error_name(err));
            return err;
        }
    }
    *m = (struct made){.slot = ds->v.gate ? ds->v.gate : ds->slot,
                       .badge = ds->v.gate ? ds->v.badge : ds->badge,
                       .real = ds->slot};
    return FERRY_OK;
}

/* A thread: the main thread is the construction's; the others are created in
 * their order at their recorded UTCB address. */
static long make_thread(struct restore *r, const union image_any *rec, struct made *m)
{
    struct rtcr_child *c = r->c;
    struct child *ch = &c->pc->child;
    const struct image_thread *t = &rec->thread;
    struct image_cap main_cap;
    struct rtcr_thread *nt = NULL;
    if (cap_record(r->view, r->comp.id, FERRY_COMP_SEL_THREAD, &main_cap) &&
        main_cap.object == t->id) {
        for (unsigned j = 0; j < RTCR_THREADS && !nt; j++)
            if (c->threads[j].used && c->threads[j].borrowed)
                nt = &c->threads[j];
        if (!nt) {
            RESTORE_FAIL(r, "no main thread");
            return FERRY_E_INVAL;
        }
        nt->id = NEW_ID(t->id);
    } else {
        uint32_t s;
        struct ferry_thread_info_out info;
        long err = cpu_create_thread_at(ch->cpu, ch->pd, t->name, t->priority, t->utcb, &s);
        if (!err && (err = thread_info(s, &info)))
            env_cap_release(env_cap_badge(s));
        if (err) {
            RESTORE_FAIL(r, "thread '%s': %s", t->name, ferry_error_name(err));
            return err;
        }
        nt = model_thread_add(c, NEW_ID(t->id), s, env_cap_badge(s), info.utcb, t->priority,
                              t->name);
        if (!nt) {
            env_cap_release(env_cap_badge(s));
            RESTORE_FAIL(r, "too many threads");
            return FERRY_E_NOMEM;
        }
        if (info.utcb != t->utcb) {
            RESTORE_FAIL(r, "thread '%s': UTCB at 0x%lx, not 0x%lx", t->name,
                         (unsigned long)info.utcb, (unsigned long)t->utcb);
            return FERRY_E_RANGE;
        }
        if ((err = virt_thread_wrap(c, nt))) { /* what the child holds */
            RESTORE_FAIL(r, "thread '%s': %s", t->name, ferry_error_name(err));
            return err;
        }
    }
    *m = (struct made){.slot = nt->v.gate ? nt->v.gate : nt->slot,
                       .badge = nt->v.gate ? nt->v.badge : nt->badge,
                       .real = nt->slot};
    return FERRY_OK;
}

/* A gate, bound to the new thread of its recorded one. */
static long make_gate(struct restore *r, const union image_any *rec, struct made *m)
{
    const struct image_gate *g = &rec->gate;
    const struct made *t = made_find(g->thread, IMAGE_ROLE_THREAD);
    long err =
        t ? pd_alloc_rpc_cap(r->c->pc->child.pd, t->real, &m->slot, &m->badge) : FERRY_E_NOENT;
    if (!err && !model_gate_add(r->c, NEW_ID(g->id), NEW_ID(g->thread), m->slot, m->badge)) {
        env_cap_release(m->badge);
        err = FERRY_E_NOMEM;
    }
    if (err)
        RESTORE_FAIL(r, "gate %u: %s", g->id, ferry_error_name(err));
    return err;
}

/* A signal, triggered as often as it was pending. */
static long make_signal(struct restore *r, const union image_any *rec, struct made *m)
{
    const struct image_signal *s = &rec->signal;
    long err = pd_alloc_signal(r->c->pc->child.pd, &m->slot, &m->badge); /* imported by the stub */
    if (!err && !model_signal_add(r->c, NEW_ID(s->id), m->slot, m->badge)) {
        env_cap_release(m->badge);
        err = FERRY_E_NOMEM;
    }
    if (err) {
        RESTORE_FAIL(r, "signal %u: %s", s->id, ferry_error_name(err));
        return err;
    }
    for (uint32_t k = 0; k < s->pending; k++)
        sys_irq_trigger(m->slot);
    return FERRY_OK;
}

/* A managed region map, created by its re-opened RM session, virtual again
 * (its dataspace too, made under role MANAGED_DS); the address space is the
 * construction's (initial_sessions). */
static long make_region_map(struct restore *r, const union image_any *rec, struct made *m)
{
    const struct image_region_map *rm = &rec->rm;
    if (!(rm->flags & IMAGE_RM_MANAGED))
        return FERRY_OK;
    const struct made *s = made_find(rm->session, IMAGE_ROLE_SESSION);
    uint32_t real = 0;
    long err = s ? rm_create(s->real, rm->size, &real) : FERRY_E_NOENT; /* imported by the stub */
    struct rtcr_rm *v =
        err ? NULL : virt_rm_new(r->c, NEW_ID(rm->id), NEW_ID(rm->session), rm->size, real, &err);
    if (!v) {
        RESTORE_FAIL(r, "managed region map %u: %s", rm->id, ferry_error_name(err));
        return err;
    }
    made_add(rm->id, IMAGE_ROLE_MANAGED_DS, v->ds.gate, v->ds.badge, v->ds.real);
    *m = (struct made){.slot = v->map.gate, .badge = v->map.badge, .real = v->map.real};
    return FERRY_OK;
}

/* The objects of a component, in an order where each names only objects made before it. */
static const struct restore_kind kinds[] = {
    {IMAGE_SESSION, sizeof(struct image_session), IMAGE_ROLE_SESSION, make_session},
    {IMAGE_REGION_MAP, sizeof(struct image_region_map), IMAGE_ROLE_REGION_MAP, make_region_map},
    {IMAGE_DATASPACE, sizeof(struct image_dataspace), IMAGE_ROLE_DATASPACE, make_dataspace},
    {IMAGE_THREAD, sizeof(struct image_thread), IMAGE_ROLE_THREAD, make_thread},
    {IMAGE_GATE, sizeof(struct image_gate), IMAGE_ROLE_GATE, make_gate},
    {IMAGE_SIGNAL, sizeof(struct image_signal), IMAGE_ROLE_SIGNAL, make_signal},
};

/* The Timer sessions' configuration, replayed on the new signals. */
static long replay_timers(struct restore *r)
{
    struct rtcr_child *c = r->c;
    for (unsigned i = RTCR_S_INITIAL; i < RTCR_SESSIONS; i++) {
        struct rtcr_session *v = &c->sessions[i];
        if (!v->used || v->iface != FERRY_IFACE_TIMER)
            continue;
        struct rtcr_signal *sig = v->timer_signal ? model_signal_by_id(c, v->timer_signal) : NULL;
        long err = sig ? timer_sigh(v->real, sig->slot) : FERRY_OK;
        if (!err && v->timer_mode == RTCR_TIMER_PERIODIC)
            err = timer_periodic(v->real, v->timer_us);
        else if (!err && v->timer_mode == RTCR_TIMER_ONESHOT)
            err = timer_oneshot(v->real, v->timer_us);
        if (err) {
            RESTORE_FAIL(r, "Timer session %u: %s", v->id, ferry_error_name(err));
            return err;
        }
    }
    return FERRY_OK;
}

/* An attachment at its recorded address (a region of the construction is
 * there already): a dataspace or a managed map's dataspace into the address
 * space, a dataspace into a managed map (at its offset there). */
static long attach_one(struct restore *r, const void *ctx, const union image_any *rec)
{
    (void)ctx;
    struct rtcr_child *c = r->c;
    const struct image_attachment *a = &rec->att;
    for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++)
        if (c->attach[k].used && c->attach[k].rm == NEW_ID(a->rm) &&
            c->attach[k].ds == NEW_ID(a->target) && c->attach[k].addr == a->addr)
            return FERRY_OK;
    const struct made *ds = made_find(a->target, IMAGE_ROLE_DATASPACE);
    if (!ds)
        ds = made_find(a->target, IMAGE_ROLE_MANAGED_DS);
    const struct made *rm = made_find(a->rm, IMAGE_ROLE_REGION_MAP);
    uint64_t at = 0;
    unsigned flags = (a->rights & 2 ? FERRY_RM_WRITE : 0) | (a->rights & 4 ? FERRY_RM_EXEC : 0);
    long err = ds && rm ? rm_attach(rm->real, ds->real, a->addr, a->size, a->offset, flags, &at)
                        : FERRY_E_NOENT;
    if (!err && at != a->addr)
        err = FERRY_E_RANGE;
    if (err || !model_attach_add(c, NEW_ID(a->rm), NEW_ID(a->target), a->addr, a->size, a->offset,
                                 a->rights)) {
        RESTORE_FAIL(r, "attachment at 0x%lx of region map %u: %s", (unsigned long)a->addr, a->rm,
                     ferry_error_name(err ? err : FERRY_E_NOMEM));
        return err ? err : FERRY_E_NOMEM;
    }
    return FERRY_OK;
}

/* Zeroes the pages of e that no image of the chain held (bit clear in
 * e->dirty), a run of them with one memset. */
static void zero_unstored(const struct ds_entry *e)
{
    uint64_t pages = e->ds->size / PAGE;
    for (uint64_t p = 0, run; p < pages; p += run + 1) {
        for (run = 0; p + run < pages && !(e->dirty[(p + run) / 64] >> ((p + run) % 64) & 1);)
            run++;
        if (run)
            memset((void *)(e->local + p * PAGE), 0, run * PAGE);
    }
}

/* Fills every dataspace: the image's pages (the base's, then each
 * increment's over them), then zeros in the pages none of them held: one
 * write per byte (a dataspace from the construction is not zero, one
 * PD_ALLOC_RAM gave is, but each is written once either way). e->dirty
 * (cleared by map_dataspaces) marks the pages written. */
static long restore_contents(struct restore *r)
{
    long err = map_dataspaces();
    if (err) {
        RESTORE_FAIL(r, "mapping its memory: %s", ferry_error_name(err));
        return err;
    }
    for (unsigned k = r->chain_len; k-- > 0;) {
        const struct image_view *v = &r->chain[k];
        uint32_t n = image_count(v, IMAGE_PAGE);
        for (uint32_t i = 0; i < n; i++) {
            struct image_page p;
            image_get(v, IMAGE_PAGE, i, &p, sizeof(p));
            for (unsigned j = 0; j < cut.ds_count; j++) {
                struct ds_entry *e = &cut.dss[j];
                if (e->c != r->c || e->ds->id != NEW_ID(p.dataspace) ||
                    p.index >= e->ds->size / PAGE)
                    continue;
                memcpy((void *)(e->local + p.index * PAGE), p.data, PAGE);
                e->dirty[p.index / 64] |= 1ull << (p.index % 64);
            }
        }
    }
    for (unsigned j = 0; j < cut.ds_count; j++)
        if (cut.dss[j].c == r->c)
            zero_unstored(&cut.dss[j]);
    return FERRY_OK;
}

/* The object a CAP record resolves to, as re-created. */
static const struct made *made_of(const struct restore *r, const struct image_cap *cap)
{
    (void)r;
    return cap->object ? made_find(cap->object, cap->role) : NULL;
}

/* A gate whose thread is gone: what a stale capability is restored as (its
 * use gives E_DEAD). Made once: a thread of rtcr's, a gate to it, the thread
 * killed. */
static long dead_gate(uint32_t *out)
{
    static uint32_t gate;
    if (!gate) {
        struct env *env = rtcr.env;
        uint32_t thread, g;
        uint64_t badge;
        long err = cpu_create_thread(env->cpu, env->pd, "dead", 1, &thread);
        if (err)
            return err;
        err = pd_alloc_rpc_cap(env->pd, thread, &g, &badge);
        cpu_kill_thread(env->cpu, thread);
        if (err)
            return err;
        gate = g;
    }
    *out = gate;
    return FERRY_OK;
}

/* A capability into its slot (slots 1..7 the construction filled); a stale
 * one becomes a dead gate. */
static long map_one(struct restore *r, const void *ctx, const union image_any *rec)
{
    (void)ctx;
    const struct image_cap *cap = &rec->cap;
    struct child *ch = &r->c->pc->child;
    if (cap->slot < FERRY_COMP_SEL_FREE)
        return FERRY_OK;
    uint32_t dead = 0;
    const struct made *m = made_of(r, cap);
    long err = cap->flags & IMAGE_CAP_STALE ? dead_gate(&dead) : FERRY_OK;
    if (!err)
        err = dead ? npd_map(ch->npd, dead, cap->slot, cap->rights)
              : m  ? npd_map(ch->npd, m->slot, cap->slot, cap->rights)
                   : FERRY_E_NOENT;
    if (err)
        RESTORE_FAIL(r, "slot %u (%s %u): %s", cap->slot, image_role_name(cap->role), cap->object,
                     ferry_error_name(err));
    return err;
}

/* The new badge of the object the image's slot `slot` held (parent: the new parent object). */
bool new_badge(const struct restore *r, uint32_t slot, uint64_t *badge)
{
    struct image_cap cap;
    if (!cap_record(r->view, r->comp.id, slot, &cap))
        return false;
    if (cap.role == IMAGE_ROLE_PARENT) {
        *badge = env_cap_badge(r->c->pc->child.parent_gate);
        return true;
    }
    if (cap.flags & IMAGE_CAP_STALE) {
        *badge = RTCR_STALE_BADGE(slot);
        return true;
    }
    const struct made *m = made_of(r, &cap);
    if (m)
        *badge = m->badge;
    return m != NULL;
}

/* The badge tables in the restored memory, all or nothing (tables_rekey_all):
 * every badge -> the new one of the object its slot held (the capability
 * map names the slot; the other tables' badges are in it too). */
static long restore_tables(struct restore *r)
{
    static struct badge_translation tr[CKPT_MAX_CAPS];
    const struct ferry_report *report;
    struct tables_copy copies[FERRY_REPORT_MAX_TABLES];
    long err = find_report(r->c, &report);
    if (!err)
        err = map_tables(r->c, report, copies);
    if (err) {
        RESTORE_FAIL(r, "badge tables not found: %s", ferry_error_name(err));
        return err;
    }
    size_t n = 0;
    for (unsigned i = 0; i < report->count; i++) {
        int detail = 0;
        const struct ferry_report_table *t = &report->table[i];
        if (t->kind != FERRY_TABLE_CAPMAP)
            continue;
        if (tables_validate(t->kind, t->version, copies[i].data, copies[i].size, &detail)) {
            RESTORE_FAIL(r, "capability map: %s", capmap_error_name(detail));
            return FERRY_E_INVAL;
        }
        struct capmap *map = copies[i].data;
        for (struct capmap_entry *e = capmap_first(map); e && n < CKPT_MAX_CAPS;
             e = capmap_next(map, e)) {
            uint64_t badge;
            if (!new_badge(r, e->slot, &badge)) {
                RESTORE_FAIL(r, "capability map: slot %u has no object in the image", e->slot);
                return FERRY_E_INVAL;
            }
            if (rtcr.verbose && !rtcr.quiet) {
                struct image_cap cap;
                cap_record(r->view, r->comp.id, e->slot, &cap);
                printf("rtcr: slot %u of '%s': %s, badge %lu -> %lu\n", e->slot, r->c->name,
                       image_role_name(cap.role), (unsigned long)e->link.key, (unsigned long)badge);
            }
            tr[n++] = (struct badge_translation){e->link.key, badge};
        }
    }
    struct tables_failure f;
    int t = tables_rekey_all(report, copies, tr, n, &f);
    if (t != TABLES_OK) {
        RESTORE_FAIL(r, "badge table %u: %s (%s, badge %lu)", f.kind, tables_error_name(t),
                     capmap_error_name(f.detail), (unsigned long)f.badge);
        return FERRY_E_INVAL;
    }
    return FERRY_OK;
}

/* One more reference of rtcr's to the capability in `slot` (badge): what
 * the parent server takes over. False if no slot was left. */
static bool extra_ref(uint32_t slot, uint64_t badge)
{
    uint32_t copy = rpc_slot_alloc();
    if (!copy)
        return false;
    if (sys_task_map(FERRY_COMP_SEL_TASK, slot, copy, FERRY_RIGHTS_ALL) != FERRY_OK) {
        rpc_slot_release(copy);
        return false;
    }
    return env_cap_import(copy, badge) == slot; /* folded into slot, one more reference */
}

/* The parent server's entries of r's links again (make_link): each service
 * it announced, with its request gate and signal (new requests for it are
 * routed to it), each session with a sibling server (the client can close it
 * through its parent). */
static long adopt_links(struct restore *r)
{
    struct rtcr_child *c = r->c;
    for (unsigned i = RTCR_S_INITIAL; i < RTCR_SESSIONS; i++) {
        struct rtcr_session *v = &c->sessions[i];
        if (!v->used || !v->server)
            continue;
        const struct made *gate = made_find(v->link_gate, IMAGE_ROLE_GATE);
        const struct made *signal = made_find(v->link_signal, IMAGE_ROLE_SIGNAL);
        struct rtcr_child *server = NULL;
        for (unsigned k = 0; k < RTCR_MAX_CHILDREN && !server; k++)
            if (rtcr.children[k].used && rtcr.children[k].id == v->server)
                server = &rtcr.children[k];
        long err = FERRY_OK;
        if (!gate || !server || (v->server == c->id && !signal)) {
            /* the image names none of its objects (rtcr had no record of them):
             * the component works on, its parent does not know the link */
            printf("rtcr: %s %s of '%s' not entered again: its objects are not in the image\n",
                   v->server == c->id ? "service" : "session", v->service, c->name);
        } else if (v->server == c->id) {
            if (!extra_ref(gate->slot, gate->badge))
                err = FERRY_E_CAPQUOTA;
            else if (!extra_ref(signal->slot, signal->badge))
                err = FERRY_E_CAPQUOTA, env_cap_release(gate->badge);
            else if ((err = ps_adopt_service(c->pc, v->service, signal->slot, signal->badge,
                                             gate->slot, gate->badge))) {
                env_cap_release(gate->badge);
                env_cap_release(signal->badge);
            }
            if (err == FERRY_E_EXISTS) { /* a second instance next to the first */
                printf("rtcr: '%s' restored without its service %s: another child serves it\n",
                       c->name, v->service);
                err = FERRY_OK;
            }
        } else {
            struct ferry_parent_session_in req = {.ram = v->ram, .caps = v->caps};
            memcpy(req.service, v->service, sizeof(req.service));
            memcpy(req.label, v->label, sizeof(req.label));
            memcpy(req.args, v->args, sizeof(req.args));
            if (!extra_ref(gate->slot, gate->badge))
                err = FERRY_E_CAPQUOTA;
            else if (!(v->ps = ps_adopt_session(c->pc, &req, server->pc, gate->slot, gate->badge)))
                err = FERRY_E_CAPQUOTA, env_cap_release(gate->badge);
            else
                v->ps->virt = v;
        }
        if (err) {
            RESTORE_FAIL(r, "%s %s of '%s': %s", v->server == c->id ? "service" : "session",
                         v->service, server ? server->name : "?", ferry_error_name(err));
            return err;
        }
    }
    return FERRY_OK;
}

/* A thread's recorded state written (the thread paused). */
static long state_one(struct restore *r, const void *ctx, const union image_any *rec)
{
    (void)ctx;
    const struct image_thread *t = &rec->thread;
    const struct made *m = made_find(t->id, IMAGE_ROLE_THREAD);
    if (t->blob_len != sizeof(struct ferry_thread_state)) {
        RESTORE_FAIL(r, "thread '%s': kernel state of %u bytes, not %lu", t->name, t->blob_len,
                     (unsigned long)sizeof(struct ferry_thread_state));
        return FERRY_E_INVAL;
    }
    memcpy(ckpt_state_page, t->blob, sizeof(*ckpt_state_page));
    long err = thread_pause(m->real); /* core's thread, not rtcr's own object for it */
    if (!err)
        err = thread_state_set(m->real, ckpt_state_ds);
    if (err)
        RESTORE_FAIL(r, "thread '%s' state: %s", t->name, ferry_error_name(err));
    return err;
}

/* Phase one of a component: a fresh child and every object of it (new badges). */
static long restore_objects(struct restore *r, const char *as)
{
    const struct image_component *comp = &r->comp;
    const char *name = as ? as : comp->name;
    const struct init_child *cfg = configured_child(comp->name);
    if (!cfg) {
        printf("rtcr: cannot restore '%s': no child of that name in rtcr.cfg\n", comp->name);
        return FERRY_E_NOENT;
    }
    r->c = rtcr_child_new();
    if (!r->c)
        return FERRY_E_NOMEM;
    long err = rtcr_child_create(r->c, cfg, name, false);
    if (err) {
        r->c = NULL;
        return err;
    }
    r->c->id = NEW_ID(comp->id);
    /* the address space keeps its id */
    struct image_cap rm_cap;
    if (cap_record(r->view, comp->id, FERRY_COMP_SEL_RM, &rm_cap)) {
        r->rm_image = rm_cap.object;
        for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++) /* the construction's regions */
            if (r->c->attach[k].used && r->c->attach[k].rm == r->c->rm_id)
                r->c->attach[k].rm = NEW_ID(rm_cap.object);
        r->c->rm_id = r->c->sessions[RTCR_S_RM].id = NEW_ID(rm_cap.object);
    }
    initial_sessions(r);
    for (unsigned k = 0; k < ARRAY_SIZE(kinds) && !err; k++)
        err = restore_kind(r, &kinds[k]);
    if (!err)
        err = replay_timers(r);
    return err;
}

/* Phase two, once every component's objects exist (capabilities and
 * attachments may name a sibling's): memory, slots, tables, threads. */
static long restore_finish(struct restore *r, unsigned *slots)
{
    long err =
        for_each_record(r, IMAGE_ATTACHMENT, sizeof(struct image_attachment), attach_one, NULL);
    if (!err)
        err = restore_contents(r);
    if (!err)
        err = restore_tables(r);
    unmap_dataspaces();
    if (!err)
        err = for_each_record(r, IMAGE_CAP, sizeof(struct image_cap), map_one, NULL);
    if (!err)
        err = for_each_record(r, IMAGE_THREAD, sizeof(struct image_thread), state_one, NULL);
    if (!err)
        err = adopt_links(r);
    unsigned bad = 0;
    if (!err && (bad = compare_caps(r, slots))) {
        RESTORE_FAIL(r, "%u slots differ", bad);
        err = FERRY_E_INVAL;
    }
    return err;
}

/*
 * Before anything is created: no restored child would take the name of a
 * living one, and an `as` name is its configured child's name (or that name
 * and digits), so that a later checkpoint of it restores too.
 */
static long check_names(const char *name, const struct image_view *view, const char *as)
{
    for (uint32_t i = 0; i < image_count(view, IMAGE_COMPONENT); i++) {
        struct image_component comp;
        image_get(view, IMAGE_COMPONENT, i, &comp, sizeof(comp));
        const char *child = as ? as : comp.name;
        const struct init_child *cfg = configured_child(comp.name); /* check_quota: found */
        if (as && configured_child(as) != cfg) {
            printf("rtcr: cannot restore '%s' of image '%s' as '%s': an instance is named "
                   "'%s' or that and digits ('%s2')\n",
                   comp.name, name, as, cfg->name, cfg->name);
            return FERRY_E_INVAL;
        }
        if (rtcr_child_named(child)) {
            printf("rtcr: cannot restore '%s' of image '%s': a child called '%s' lives (kill "
                   "it first, or restore 'as' another name)\n",
                   comp.name, name, child);
            return FERRY_E_EXISTS;
        }
    }
    return FERRY_OK;
}

long ckpt_restore(const char *name, const char *as)
{
    struct stored_image *im = stored_named(name);
    if (!im) {
        printf("rtcr: no image '%s'\n", name);
        return FERRY_E_NOENT;
    }
    long err = ckpt_init();
    if (err)
        return err;
    static struct image_view views[CKPT_MAX_CHAIN];
    uint64_t t0 = sys_instret();
    unsigned chain_len = validate_chain(im, views);
    uint64_t t1 = sys_instret();
    if (!chain_len)
        return FERRY_E_INVAL;
    const struct image_view *view = &views[0];
    uint32_t n = image_count(view, IMAGE_COMPONENT);
    if (as && n != 1) {
        printf("rtcr: image '%s' holds %u components: 'as' names one\n", name, n);
        return FERRY_E_INVAL;
    }
    if ((err = check_quota(name, view)) || (err = check_names(name, view, as)))
        return err;
    /* the image's ids, shifted if one of its components lives; ids drawn
     * from now on lie above them */
    uint32_t max_id = 0;
    for (uint16_t type = IMAGE_COMPONENT; type <= IMAGE_LAST_OBJECT; type++) {
        struct image_record rec;
        for (uint32_t i = 0; i < image_count(view, type); i++)
            if (image_at(view, type, i, &rec) && image_record_id(&rec) > max_id)
                max_id = image_record_id(&rec);
    }
    id_shift = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct image_record rec;
        image_at(view, IMAGE_COMPONENT, i, &rec);
        for (unsigned k = 0; k < RTCR_MAX_CHILDREN; k++)
            if (rtcr.children[k].used && rtcr.children[k].id == image_record_id(&rec))
                id_shift = model_id();
    }
    model_id_seen(max_id + id_shift);
    static struct restore rs[RTCR_MAX_CHILDREN];
    if (n > RTCR_MAX_CHILDREN) {
        printf("rtcr: image '%s' holds %u components, rtcr protects at most %u\n", name, n,
               RTCR_MAX_CHILDREN);
        return FERRY_E_NOMEM;
    }
    made_count = 0;
    unsigned threads = 0, slots = 0, made_n = 0;
    for (uint32_t i = 0; i < n && !err; i++, made_n++) {
        struct restore *r = &rs[i];
        *r = (struct restore){.view = view, .chain = views, .chain_len = chain_len};
        image_get(view, IMAGE_COMPONENT, i, &r->comp, sizeof(r->comp));
        err = restore_objects(r, as);
    }
    uint64_t t2 = sys_instret();
    for (uint32_t i = 0; i < made_n && !err; i++) {
        unsigned s = 0;
        err = restore_finish(&rs[i], &s);
        slots += s;
    }
    uint64_t t3 = sys_instret();
    if (err) {
        for (uint32_t i = 0; i < made_n; i++) {
            if (rs[i].fail[0] || !rs[i].c)
                printf("rtcr: restore of '%s' failed: %s\n", as ? as : rs[i].comp.name,
                       rs[i].fail[0] ? rs[i].fail : ferry_error_name(err));
            if (rs[i].c)
                rtcr_child_kill(rs[i].c);
        }
        return err;
    }
    for (uint32_t i = 0; i < made_n; i++)
        for (unsigned k = 0; k < RTCR_THREADS; k++)
            threads += rs[i].c->threads[k].used;
    unsigned restored = made_n;
    if (!rtcr.quiet) {
        printf("rtcr: restored '%s': %u components, %u threads, %u slots, every slot matches\n",
               name, restored, threads, slots);
        printf("rtcr: restored '%s' statistics: validate %lu, objects %lu, memory and slots %lu "
               "instructions; %u images\n",
               name, (unsigned long)(t1 - t0), (unsigned long)(t2 - t1), (unsigned long)(t3 - t2),
               chain_len);
    }
    /* the next increment builds on this image when it is all that lives (else
     * on the last cut: the other children's dirty bits are relative to it,
     * and the restored dataspaces are not in it) */
    unsigned living = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        living += rtcr.children[i].used;
    if (living == restored)
        base_from_image(view, id_shift);
    for (unsigned k = 0; k < restored; k++)
        for (unsigned i = 0; i < RTCR_THREADS; i++)
            if (rs[k].c->threads[i].used)
                thread_resume(rs[k].c->threads[i].slot);
    return FERRY_OK;
}
