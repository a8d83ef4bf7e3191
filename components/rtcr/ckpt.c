/*
 * Checkpoint and restore (rtcr.h; the protocol in docs/rtcr.md).
 *
 * Checkpoint: freeze every thread of every protected child (one cut), read
 * each thread's state, walk each capability space (NPD_CAP_NEXT/INFO) and
 * resolve every slot to a recorded object, read the capability map through
 * the PD's report page, then encode everything with lib/image: records by
 * type in id order, each dataspace's non-zero pages once. Then thaw.
 *
 * Restore: validate the whole image first; then per component construct a
 * fresh child (new PD from the real core), re-create every object (new
 * badges), attach at the same addresses, map every capability into its
 * slot (NPD_MAP), rewrite the capability map old -> new badge, set the
 * threads' states, compare the capability space slot by slot, resume. Any
 * failure tears the new child down (quota back).
 */
#include "rtcr.h"
#include <capmap.h>
#include <tables.h>
#include <client.h>
#include <ferry/component.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/timer.h>
#include <ferry/ifaces.h>
#include <ferry/macros.h>
#include <ferry/object.h>
#include <ferry/utcb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CKPT_MAX_IMAGES     4
#define CKPT_MAX_CAPS       512 /* occupied slots of all children of one cut */
#define CKPT_MAX_TABLE      512
#define CKPT_MAX_THREADS    (RTCR_MAX_CHILDREN * RTCR_THREADS)
#define CKPT_MAX_DS         (RTCR_MAX_CHILDREN * RTCR_DATASPACES)
#define CKPT_REPLY_BOUND_US (200ul * 1000) /* a thread waiting for a reply from outside */
#define PAGE                4096ul
#define RTCR_AS_SIZE        0x80000000ul /* a component's address space (2 GiB user half) */
#define TIMER_TAG           "rtcr.timer="
/* The capability map badge of a stale slot: unique per slot, above any badge core hands out. */
#define RTCR_STALE_BADGE(slot) (~0ull - (slot))

struct stored_image {
    bool used;
    char name[32];
    uint8_t *buf;
    uint32_t ds;
    size_t len;
    bool known;                 /* digest: encoded here, or validated */
    struct image_digest digest; /* what an incremental image names as its parent */
};
/* The parent of the next incremental checkpoint: the last image taken or
 * restored (the cut whose memory the dirty bits are relative to). */
static struct image_digest last_digest;
static bool have_last;
static struct stored_image images[CKPT_MAX_IMAGES];
static uint64_t sequence;

/* The cut being captured. */
struct cap_entry {
    struct rtcr_child *c;
    struct image_cap cap;
    uint64_t label; /* the badge the slot held */
};
static struct cap_entry caps[CKPT_MAX_CAPS];
static unsigned cap_count;
static struct image_table_entry table[CKPT_MAX_TABLE];
static unsigned table_count;
struct thread_entry {
    struct rtcr_child *c;
    struct rtcr_thread *t;
    struct ferry_thread_state state;
};
static struct thread_entry threads[CKPT_MAX_THREADS];
static unsigned thread_count;
struct ds_entry {
    struct rtcr_child *c;
    struct rtcr_ds *ds;
    uint64_t local;  /* attached in rtcr */
    uint64_t *dirty; /* a bit per page written since the last cut (into dirty_bits); for a
                        full image then: a bit per page to store (not zero) */
};
#define CKPT_DIRTY_PAGES (64ul * 1024) /* pages of all dataspaces of one cut (256 MiB) */
static uint64_t dirty_bits[CKPT_DIRTY_PAGES / 64];
static struct ds_entry dss[CKPT_MAX_DS];
static unsigned ds_count;
static uint32_t signal_pending[RTCR_MAX_CHILDREN][RTCR_SIGNALS];

static uint32_t state_ds; /* a RAM dataspace thread states pass through */
static struct ferry_thread_state *state_page;

static const char *type_name(uint64_t type)
{
    static const char *const names[] = {"empty", "task",    "thread", "gate",
                                        "IRQ",   "factory", "memory"};
    return type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

long ckpt_init(void)
{
    if (state_ds)
        return FERRY_OK;
    long err;
    state_page = env_alloc_attached(rtcr.env, sizeof(struct ferry_thread_state), &state_ds, &err);
    return state_page ? FERRY_OK : err;
}

/* ---- images in memory ---- */

static struct stored_image *image_named(const char *name)
{
    for (unsigned i = 0; i < CKPT_MAX_IMAGES; i++)
        if (images[i].used && !strcmp(images[i].name, name))
            return &images[i];
    return NULL;
}

static void image_drop(struct stored_image *im)
{
    if (im->buf)
        env_free_attached(rtcr.env, im->buf, im->ds);
    memset(im, 0, sizeof(*im));
}

/* A slot for image `name` with room for `len` bytes (an older one of the name goes). */
static struct stored_image *image_new(const char *name, size_t len, long *err)
{
    struct stored_image *im = image_named(name);
    if (im)
        image_drop(im);
    for (unsigned i = 0; i < CKPT_MAX_IMAGES && !im; i++)
        if (!images[i].used)
            im = &images[i];
    if (!im) {
        *err = FERRY_E_NOMEM;
        return NULL;
    }
    im->buf = env_alloc_attached(rtcr.env, len, &im->ds, err);
    if (!im->buf)
        return NULL;
    im->used = true;
    snprintf(im->name, sizeof(im->name), "%s", name);
    return im;
}

const uint8_t *ckpt_image(const char *name, size_t *len)
{
    struct stored_image *im = image_named(name);
    if (!im)
        return NULL;
    *len = im->len;
    return im->buf;
}

long ckpt_image_room(const char *name, size_t len, uint8_t **buf)
{
    long err;
    struct stored_image *im = image_new(name, len, &err);
    if (!im)
        return err;
    im->len = len;
    *buf = im->buf;
    return FERRY_OK;
}

void ckpt_image_set_digest(const char *name, const struct image_digest *digest)
{
    struct stored_image *im = image_named(name);
    if (im) {
        im->digest = *digest;
        im->known = true;
    }
}

void ckpt_image_truncate(const char *name, size_t len)
{
    struct stored_image *im = image_named(name);
    if (im && len < im->len)
        im->len = len;
}

void ckpt_image_forget(const char *name)
{
    struct stored_image *im = image_named(name);
    if (im)
        image_drop(im);
}

/* ---- freeze ---- */

void ckpt_pause_all(void)
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_THREADS; j++)
            if (c->threads[j].used)
                thread_pause(c->threads[j].slot);
    }
}

void ckpt_thaw(void)
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_THREADS; j++)
            if (c->threads[j].used)
                thread_resume(c->threads[j].slot);
    }
}

/* Reads a paused thread's state into *out. */
static long read_state(struct rtcr_thread *t, struct ferry_thread_state *out)
{
    long err = thread_state_get(t->slot, state_ds);
    if (!err)
        memcpy(out, state_page, sizeof(*out));
    return err;
}

/* Pauses every thread of the cut and reads each one's state; the first one
 * waiting for a reply (REPLY_WAIT: not restartable), or NULL. */
static struct thread_entry *pause_all(long *err)
{
    struct thread_entry *waiting = NULL;
    *err = FERRY_OK;
    for (unsigned i = 0; i < thread_count; i++)
        thread_pause(threads[i].t->slot);
    for (unsigned i = 0; i < thread_count && !*err; i++) {
        *err = read_state(threads[i].t, &threads[i].state);
        if (!waiting && threads[i].state.run.state == FERRY_RUN_REPLY_WAIT)
            waiting = &threads[i];
    }
    return waiting;
}

/*
 * Pauses every thread of every protected child and reads its state. While a
 * thread waits for a reply (REPLY_WAIT: its call was taken, the answer is
 * owed), everything runs on for a millisecond and is paused again: a server
 * inside the cut answers, one outside has CKPT_REPLY_BOUND_US; past that the
 * checkpoint fails naming the thread and what it waits on.
 */
static long freeze(void)
{
    thread_count = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_THREADS; j++)
            if (c->threads[j].used) {
                if (thread_count == CKPT_MAX_THREADS)
                    return FERRY_E_NOMEM;
                threads[thread_count++] = (struct thread_entry){.c = c, .t = &c->threads[j]};
            }
    }
    uint64_t deadline = sys_clock_us() + CKPT_REPLY_BOUND_US;
    long err;
    struct thread_entry *e;
    while ((e = pause_all(&err)) && !err) {
        if (sys_clock_us() > deadline) {
            printf("rtcr: checkpoint failed: thread '%s' of '%s' waits for a reply from "
                   "object %lu beyond %lu ms\n",
                   e->t->name, e->c->name, (unsigned long)e->state.run.blocked_on,
                   CKPT_REPLY_BOUND_US / 1000);
            return FERRY_E_TIMEOUT;
        }
        for (unsigned i = 0; i < thread_count; i++)
            thread_resume(threads[i].t->slot);
        sys_sleep(1000);
    }
    return err;
}

/* ---- capture ---- */

/* A sibling's gate, dataspace or signal in a slot (the role and the id). */
static bool resolve_sibling(const struct ferry_npd_cap_info_out *info, struct image_cap *cap)
{
    struct rtcr_child *owner;
    struct rtcr_gate *g;
    struct rtcr_ds *ds;
    struct rtcr_signal *s;
    if (info->type == FERRY_OBJ_GATE && (g = model_any_gate_by_badge(info->label, &owner))) {
        cap->role = IMAGE_ROLE_GATE;
        cap->object = g->id;
    } else if (info->type == FERRY_OBJ_GATE && (ds = model_any_ds_by_badge(info->label, &owner))) {
        cap->role = IMAGE_ROLE_DATASPACE;
        cap->object = ds->id;
    } else if (info->type == FERRY_OBJ_IRQ &&
               (s = model_any_signal_by_badge(info->label, &owner))) {
        cap->role = IMAGE_ROLE_SIGNAL;
        cap->object = s->id;
    } else {
        return false;
    }
    return true;
}

/* What slot `slot` of c holds, as a CAP record; false (reported) if rtcr cannot account for it. */
static bool resolve(struct rtcr_child *c, uint32_t slot, const struct ferry_npd_cap_info_out *info,
                    struct image_cap *cap)
{
    *cap = (struct image_cap){.component = c->id,
                              .slot = slot,
                              .type = (uint8_t)info->type,
                              .rights = (uint8_t)info->rights};
    uint64_t label = info->label;
    struct rtcr_session *v;
    struct rtcr_ds *ds;
    struct rtcr_thread *t;
    struct rtcr_gate *g;
    struct rtcr_signal *s;
    if (info->type == FERRY_OBJ_TASK && slot == FERRY_COMP_SEL_TASK) {
        cap->role = IMAGE_ROLE_TASK;
        cap->object = c->id;
    } else if (info->type == FERRY_OBJ_GATE && label == env_cap_badge(c->pc->child.parent_gate)) {
        cap->role = IMAGE_ROLE_PARENT;
    } else if (info->type == FERRY_OBJ_GATE && (v = model_session_by_badge(c, label))) {
        bool as = v == &c->sessions[RTCR_S_RM];
        cap->role = as ? IMAGE_ROLE_REGION_MAP : IMAGE_ROLE_SESSION;
        cap->object = as ? c->rm_id : v->id;
    } else if (info->type == FERRY_OBJ_GATE && (ds = model_ds_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_DATASPACE;
        cap->object = ds->id;
    } else if (info->type == FERRY_OBJ_GATE && (t = model_thread_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_THREAD;
        cap->object = t->id;
    } else if (info->type == FERRY_OBJ_GATE && (g = model_gate_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_GATE;
        cap->object = g->id;
    } else if (info->type == FERRY_OBJ_IRQ && (s = model_signal_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_SIGNAL;
        cap->object = s->id;
        signal_pending[c - rtcr.children][s - c->signals] = (uint32_t)info->obj.irq.pending;
    } else if (resolve_sibling(info, cap)) {
        /* a sibling's object: its RPC object (a session), a shared dataspace or signal */
    } else if (rtcr.config.policy_stale) {
        cap->role = info->type == FERRY_OBJ_IRQ ? IMAGE_ROLE_SIGNAL : IMAGE_ROLE_GATE;
        cap->flags = IMAGE_CAP_STALE;
        printf("rtcr: slot %u of '%s': a %s capability rtcr cannot account for: recorded stale\n",
               slot, c->name, type_name(info->type));
    } else {
        printf("rtcr: checkpoint failed: slot %u of '%s': cannot account for a %s capability\n",
               slot, c->name, type_name(info->type));
        return false;
    }
    return true;
}

static long capture_caps(struct rtcr_child *c)
{
    uint32_t npd = c->pc->child.npd;
    uint64_t slot = 1, next;
    while (npd_cap_next(npd, slot, &next) == FERRY_OK) {
        struct ferry_npd_cap_info_out info;
        long err = npd_cap_info(npd, next, &info);
        if (err)
            return err;
        if (cap_count == CKPT_MAX_CAPS)
            return FERRY_E_NOMEM;
        struct cap_entry *e = &caps[cap_count];
        if (!resolve(c, (uint32_t)next, &info, &e->cap))
            return FERRY_E_BADOBJ;
        e->c = c;
        e->label = info.label;
        cap_count++;
        slot = next + 1;
    }
    return FERRY_OK;
}

static const struct cap_entry *cap_of(const struct rtcr_child *c, uint32_t slot)
{
    for (unsigned i = 0; i < cap_count; i++)
        if (caps[i].c == c && caps[i].cap.slot == slot)
            return &caps[i];
    return NULL;
}

/* Where the child's address `addr` (len bytes) is in rtcr: through the
 * attachment holding it, mapped with the dataspaces (dss). 0 if nowhere. */
static uint64_t local_addr(struct rtcr_child *c, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < RTCR_ATTACHMENTS; i++) {
        const struct rtcr_attach *a = &c->attach[i];
        if (!a->used || addr < a->addr || addr - a->addr > a->size ||
            len > a->size - (addr - a->addr))
            continue;
        for (unsigned j = 0; j < ds_count; j++)
            if (dss[j].c == c && dss[j].ds->id == a->ds)
                return dss[j].local + a->offset + (addr - a->addr);
    }
    return 0;
}

/* The child's report page (struct ferry_report: its badge tables), checked. */
static long find_report(struct rtcr_child *c, const struct ferry_report **out)
{
    for (unsigned j = 0; j < ds_count; j++) {
        if (dss[j].c != c || !(dss[j].ds->flags & IMAGE_DS_REPORT))
            continue;
        const struct ferry_report *r = (const void *)dss[j].local;
        struct tables_failure f;
        if (r->magic != FERRY_REPORT_MAGIC)
            return FERRY_E_NOENT;
        if (tables_report_validate(r, &f) != TABLES_OK)
            return FERRY_E_INVAL;
        *out = r;
        return FERRY_OK;
    }
    return FERRY_E_NOENT;
}

/* rtcr's view of every table the report names: copies[i] for table[i]. */
static long map_tables(struct rtcr_child *c, const struct ferry_report *report,
                       struct tables_copy *copies)
{
    for (unsigned i = 0; i < report->count; i++) {
        const struct ferry_report_table *t = &report->table[i];
        uint64_t at = local_addr(c, t->vaddr, t->size);
        if (!at || (at & 7))
            return FERRY_E_RANGE;
        copies[i] = (struct tables_copy){(void *)at, t->size};
    }
    return FERRY_OK;
}

/* The child's badge tables as TABLE records (by slot and object): every badge
 * of every table must be what one of its slots holds. */
static long capture_tables(struct rtcr_child *c)
{
    const struct ferry_report *report;
    struct tables_copy copies[FERRY_REPORT_MAX_TABLES];
    long err = find_report(c, &report);
    if (!err)
        err = map_tables(c, report, copies);
    if (err) {
        printf("rtcr: checkpoint failed: badge tables of '%s' not found: %s\n", c->name,
               ferry_error_name(err));
        return err;
    }
    for (unsigned i = 0; i < report->count; i++) {
        const struct ferry_report_table *t = &report->table[i];
        int detail = 0;
        if (tables_validate(t->kind, t->version, copies[i].data, copies[i].size, &detail)) {
            printf("rtcr: checkpoint failed: badge table %u of '%s': %s\n", t->kind, c->name,
                   capmap_error_name(detail));
            return FERRY_E_INVAL;
        }
        struct capmap *map = copies[i].data;
        for (struct capmap_entry *e = capmap_first(map); e; e = capmap_next(map, e)) {
            const struct cap_entry *cap = NULL;
            if (t->kind == FERRY_TABLE_CAPMAP)
                cap = cap_of(c, e->slot);
            for (unsigned k = 0; k < cap_count && t->kind != FERRY_TABLE_CAPMAP && !cap; k++)
                if (caps[k].c == c && caps[k].label == e->link.key)
                    cap = &caps[k];
            if (!cap || cap->label != e->link.key) {
                printf("rtcr: checkpoint failed: badge table %u of '%s': badge %lu is in no "
                       "slot\n",
                       t->kind, c->name, (unsigned long)e->link.key);
                return FERRY_E_INVAL;
            }
            if (table_count == CKPT_MAX_TABLE)
                return FERRY_E_NOMEM;
            uint16_t kind =
                t->kind == FERRY_TABLE_CAPMAP ? IMAGE_TABLE_CAPMAP : IMAGE_TABLE_RPC_POOL;
            table[table_count++] =
                (struct image_table_entry){c->id, kind, cap->cap.slot, cap->cap.object,
                                           t->kind == FERRY_TABLE_CAPMAP ? e->refcount : 1};
        }
    }
    return FERRY_OK;
}

static void unmap_dataspaces(void)
{
    for (unsigned i = 0; i < ds_count; i++)
        if (dss[i].local)
            env_detach(rtcr.env, dss[i].local);
    ds_count = 0;
}

static long map_dataspaces(void)
{
    ds_count = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_DATASPACES; j++) {
            if (!c->ds[j].used)
                continue;
            struct ds_entry *e = &dss[ds_count++];
            *e = (struct ds_entry){c, &c->ds[j], 0, NULL};
            long err =
                env_attach(rtcr.env, c->ds[j].slot, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &e->local);
            if (err) {
                e->local = 0;
                return err;
            }
        }
    }
    return FERRY_OK;
}

/*
 * The pages of every dataspace written through its child's address space
 * since the last cut (core's RM_DIRTY on each attachment), re-armed for the
 * next one: each ds_entry's dirty bitmap.
 */
static long harvest_dirty(void)
{
    uint64_t used = 0;
    memset(dirty_bits, 0, sizeof(dirty_bits));
    for (unsigned i = 0; i < ds_count; i++) {
        struct ds_entry *e = &dss[i];
        uint64_t pages = e->ds->size / PAGE;
        if (used + pages > CKPT_DIRTY_PAGES)
            return FERRY_E_NOMEM;
        e->dirty = &dirty_bits[used / 64];
        used += (pages + 63) & ~63ul;
        for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++) {
            const struct rtcr_attach *a = &e->c->attach[k];
            if (!a->used || a->ds != e->ds->id)
                continue;
            for (uint64_t done = 0; done < a->size / PAGE;) {
                uint64_t n = a->size / PAGE - done;
                n = n < FERRY_RM_DIRTY_MAX_PAGES ? n : FERRY_RM_DIRTY_MAX_PAGES;
                static struct ferry_rm_dirty_out out;
                long err = rm_dirty(e->c->pc->child.rm, a->addr + done * PAGE, n,
                                    FERRY_RM_DIRTY_CLEAR, &out);
                if (err)
                    return err;
                for (uint64_t b = 0; b < n; b++)
                    if (out.bits[b / 64] >> (b % 64) & 1) {
                        uint64_t page = a->offset / PAGE + done + b;
                        e->dirty[page / 64] |= 1ull << (page % 64);
                    }
                done += n;
            }
        }
    }
    return FERRY_OK;
}

/* For a full image: each dataspace's bitmap becomes its non-zero pages. */
static void mark_nonzero(void)
{
    for (unsigned i = 0; i < ds_count; i++) {
        struct ds_entry *e = &dss[i];
        uint64_t pages = e->ds->size / PAGE;
        for (uint64_t p = 0; p < pages; p++) {
            uint64_t bit = 1ull << (p % 64);
            if (image_page_is_zero((const void *)(e->local + p * PAGE)))
                e->dirty[p / 64] &= ~bit;
            else
                e->dirty[p / 64] |= bit;
        }
    }
}

/* Pages the image will hold (the bits set). */
static uint64_t pages_to_store(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < ds_count; i++)
        for (uint64_t w = 0; w < (dss[i].ds->size / PAGE + 63) / 64; w++)
            n += (uint64_t)__builtin_popcountll(dss[i].dirty[w]);
    return n;
}

/* Copies words where it can: picolibc's memcpy moves one byte per iteration. */
static void copy_bytes(void *dst, const void *src, size_t len)
{
    if (!(((uintptr_t)dst | (uintptr_t)src | len) & 7)) {
        uint64_t *d = dst;
        const uint64_t *s = src;
        for (size_t i = 0; i < len / 8; i++)
            d[i] = s[i];
    } else {
        memcpy(dst, src, len);
    }
}

static void zero_bytes(void *dst, size_t len)
{
    uint64_t *d = dst;
    for (size_t i = 0; i < len / 8; i++)
        d[i] = 0;
}

/* image_buffer_sink with word copies. */
static long buffer_sink(void *ctx, const void *data, size_t len)
{
    struct image_buffer *b = ctx;
    if (len > b->cap - b->len)
        return 1;
    copy_bytes(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

/* ---- encode ---- */

struct keyed {
    uint64_t key;
    unsigned index;
};

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
    return x < y ? -1 : x > y;
}

static struct keyed order[CKPT_MAX_CAPS > CKPT_MAX_DS ? CKPT_MAX_CAPS : CKPT_MAX_DS];

/* The session record of v (Timer state a restore replays appended to args). */
static void session_record(const struct rtcr_child *c, const struct rtcr_session *v,
                           struct image_session *s)
{
    *s = (struct image_session){
        .id = v->id, .component = c->id, .ram_quota = v->ram, .cap_quota = v->caps};
    snprintf(s->service, sizeof(s->service), "%s", v->service);
    snprintf(s->label, sizeof(s->label), "%s", v->label);
    if (v->iface == FERRY_IFACE_TIMER && (v->timer_signal || v->timer_mode))
        snprintf(s->args, sizeof(s->args), "%s%s" TIMER_TAG "%u:%lu:%u", v->args,
                 v->args[0] ? "," : "", v->timer_mode, (unsigned long)v->timer_us, v->timer_signal);
    else
        snprintf(s->args, sizeof(s->args), "%s", v->args);
}

/* Every object of one kind of every child, as (id, child index, record index). */
#define COLLECT(array_field, count_out)                                                            \
    do {                                                                                           \
        unsigned n_ = 0;                                                                           \
        for (unsigned i_ = 0; i_ < RTCR_MAX_CHILDREN; i_++) {                                      \
            struct rtcr_child *c_ = &rtcr.children[i_];                                            \
            for (unsigned j_ = 0; c_->used && j_ < ARRAY_SIZE(c_->array_field); j_++)              \
                if (c_->array_field[j_].used)                                                      \
                    order[n_++] = (struct keyed){c_->array_field[j_].id, i_ << 16 | j_};           \
        }                                                                                          \
        qsort(order, n_, sizeof(order[0]), by_key);                                                \
        count_out = n_;                                                                            \
    } while (0)
#define CHILD_AT(k)  (&rtcr.children[(k).index >> 16])
#define RECORD_AT(k) ((k).index & 0xffff)

struct encode_totals {
    bool incremental; /* pages: only the dirty ones (zero or not) */
    unsigned components, threads, pages, zero, clean;
};

/* Whether another child attached the dataspace too. */
static bool shared(const struct rtcr_child *owner, const struct rtcr_ds *ds)
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        const struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && c != owner && j < RTCR_ATTACHMENTS; j++)
            if (c->attach[j].used && c->attach[j].ds == ds->id)
                return true;
    }
    return false;
}

static long encode_objects(struct image_encoder *enc, struct encode_totals *tot)
{
    long err = IMAGE_OK;
    unsigned n;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        if (!c->used)
            continue;
        struct image_component rec = {c->id, c->cfg->ram, c->cfg->caps, {0}};
        snprintf(rec.name, sizeof(rec.name), "%s", c->name);
        err = image_encode_component(enc, &rec);
        tot->components++;
    }
    COLLECT(sessions, n);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        const struct rtcr_session *v = &c->sessions[RECORD_AT(order[i])];
        if (v == &c->sessions[RTCR_S_RM])
            continue; /* the address space: a region map */
        struct image_session s;
        session_record(c, v, &s);
        err = image_encode_session(enc, &s);
    }
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        struct image_region_map rm = {c->rm_id, c->id, IMAGE_RM_ADDRESS_SPACE, 0, RTCR_AS_SIZE};
        if (c->used)
            err = image_encode_region_map(enc, &rm);
    }
    COLLECT(ds, n);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        const struct rtcr_ds *ds = &c->ds[RECORD_AT(order[i])];
        struct image_dataspace rec = {ds->id, c->id,
                                      ds->flags | (shared(c, ds) ? IMAGE_DS_SHARED : 0),
                                      ds->session, ds->size};
        err = image_encode_dataspace(enc, &rec);
    }
    for (unsigned i = 0; i < thread_count; i++)
        order[i] = (struct keyed){threads[i].t->id, i};
    qsort(order, thread_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < thread_count && !err; i++) {
        const struct thread_entry *e = &threads[order[i].index];
        struct image_thread rec = {.id = e->t->id,
                                   .component = e->c->id,
                                   .session = e->c->sessions[RTCR_S_CPU].id,
                                   .priority = e->t->prio,
                                   .run_state = (uint32_t)e->state.run.state,
                                   .blocked_call = (uint32_t)e->state.run.blocked_call,
                                   .utcb = e->t->utcb,
                                   .pc = e->state.pc,
                                   .fcsr = e->state.fcsr,
                                   .blob_len = sizeof(e->state),
                                   .blob = (const uint8_t *)&e->state};
        snprintf(rec.name, sizeof(rec.name), "%s", e->t->name);
        memcpy(rec.x, e->state.x, sizeof(rec.x));
        memcpy(rec.f, e->state.f, sizeof(rec.f));
        err = image_encode_thread(enc, &rec);
        tot->threads++;
    }
    COLLECT(gates, n);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        const struct rtcr_gate *g = &c->gates[RECORD_AT(order[i])];
        struct image_gate rec = {g->id, c->id, g->thread, c->sessions[RTCR_S_PD].id};
        err = image_encode_gate(enc, &rec);
    }
    COLLECT(signals, n);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        unsigned j = RECORD_AT(order[i]);
        struct image_signal rec = {c->signals[j].id, c->id, c->sessions[RTCR_S_PD].id,
                                   signal_pending[order[i].index >> 16][j]};
        err = image_encode_signal(enc, &rec);
    }
    return err;
}

static long encode_rest(struct image_encoder *enc, struct encode_totals *tot)
{
    long err = IMAGE_OK;
    unsigned n = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_ATTACHMENTS; j++)
            if (c->attach[j].used)
                order[n++] =
                    (struct keyed){(uint64_t)c->rm_id << 40 | c->attach[j].addr >> 12, i << 16 | j};
    }
    qsort(order, n, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        const struct rtcr_attach *a = &c->attach[RECORD_AT(order[i])];
        struct image_attachment rec = {c->rm_id, a->ds, a->rights, a->addr, a->size, a->offset};
        err = image_encode_attachment(enc, &rec);
    }
    for (unsigned i = 0; i < cap_count; i++)
        order[i] = (struct keyed){(uint64_t)caps[i].cap.component << 32 | caps[i].cap.slot, i};
    qsort(order, cap_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < cap_count && !err; i++)
        err = image_encode_cap(enc, &caps[order[i].index].cap);
    for (unsigned i = 0; i < table_count; i++)
        order[i] = (struct keyed){
            (uint64_t)table[i].component << 40 | (uint64_t)table[i].table << 32 | table[i].slot, i};
    qsort(order, table_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < table_count && !err; i++)
        err = image_encode_table(enc, &table[order[i].index]);
    for (unsigned i = 0; i < ds_count; i++)
        order[i] = (struct keyed){dss[i].ds->id, i};
    qsort(order, ds_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < ds_count && !err; i++) {
        const struct ds_entry *e = &dss[order[i].index];
        for (uint64_t p = 0; p < e->ds->size / PAGE && !err; p++) {
            const void *page = (const void *)(e->local + p * PAGE);
            if (!(e->dirty[p / 64] >> (p % 64) & 1) && tot->incremental) {
                tot->clean++;
                continue;
            }
            if (!(e->dirty[p / 64] >> (p % 64) & 1)) {
                tot->zero++;
                continue;
            }
            err = image_encode_page(enc, e->ds->id, p, page);
            tot->pages++;
        }
    }
    return err;
}

/* An upper bound of the image's size: every record and every page. */
static size_t image_bound(void)
{
    size_t objects = 0, pages = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        const struct rtcr_child *c = &rtcr.children[i];
        if (c->used)
            objects +=
                2 + RTCR_SESSIONS + RTCR_DATASPACES + RTCR_GATES + RTCR_SIGNALS + RTCR_ATTACHMENTS;
    }
    pages = pages_to_store();
    return IMAGE_HEADER_SIZE + objects * (IMAGE_RECORD_HEADER + 0x100) +
           thread_count * (IMAGE_RECORD_HEADER + 0x1250) +
           (cap_count + table_count) * (IMAGE_RECORD_HEADER + 0x18) +
           pages * (IMAGE_RECORD_HEADER + 0x1010) + 4 * (IMAGE_RECORD_HEADER + 0x40);
}

static long encode(const char *name, struct encode_totals *tot, struct image_stats *stats,
                   size_t *bytes)
{
    long err;
    size_t bound = image_bound();
    struct stored_image *im = image_new(name, bound, &err);
    if (!im)
        return err;
    struct image_buffer sink = {im->buf, bound, 0};
    static struct image_encoder enc;
    struct image_header header = {0, rtcr.ecu, ++sequence, {0, 0}};
    if (tot->incremental)
        header = (struct image_header){IMAGE_FLAG_INCREMENTAL, rtcr.ecu, sequence, last_digest};
    err = image_encode_begin(&enc, buffer_sink, &sink, &header);
    if (!err)
        err = encode_objects(&enc, tot);
    if (!err)
        err = encode_rest(&enc, tot);
    stats->pages_stored = tot->pages;
    stats->pages_zero = tot->zero;
    stats->pages_clean = tot->clean;
    for (unsigned i = 0; i < ds_count; i++)
        stats->memory_bytes += dss[i].ds->size;
    if (!err)
        err = image_encode_stats(&enc, stats);
    if (!err)
        err = image_encode_end(&enc, &im->digest);
    if (err) {
        printf("rtcr: checkpoint '%s': encoding failed: %s\n", name, image_error_name(err));
        image_drop(im);
        return FERRY_E_INVAL;
    }
    im->len = *bytes = sink.len;
    im->known = true;
    last_digest = im->digest;
    have_last = true;
    return FERRY_OK;
}

long ckpt_checkpoint(const char *name, bool incremental, bool stop)
{
    if (incremental && !have_last) {
        printf("rtcr: checkpoint '%s': no earlier image to be incremental on\n", name);
        return FERRY_E_NOENT;
    }
    long err = ckpt_init();
    if (err)
        return err;
    cap_count = table_count = 0;
    memset(signal_pending, 0, sizeof(signal_pending));
    struct image_stats stats = {0};
    uint64_t t0 = sys_instret();
    err = freeze();
    uint64_t t1 = sys_instret();
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++)
        if (rtcr.children[i].used)
            err = capture_caps(&rtcr.children[i]);
    if (!err)
        err = map_dataspaces();
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++)
        if (rtcr.children[i].used)
            err = capture_tables(&rtcr.children[i]);
    if (!err)
        err = harvest_dirty();
    if (!err && !incremental)
        mark_nonzero();
    uint64_t t2 = sys_instret();
    struct encode_totals tot = {.incremental = incremental};
    size_t bytes = 0;
    stats.capture_instret = t2 - t1;
    if (!err)
        err = encode(name, &tot, &stats, &bytes);
    uint64_t t3 = sys_instret();
    unmap_dataspaces();
    if (err || !stop)
        ckpt_thaw();
    uint64_t t4 = sys_instret();
    if (err || rtcr.quiet)
        return err;
    if (incremental)
        printf("rtcr: checkpoint '%s' (incremental): %u components, %u threads, %u slots, %u "
               "dirty pages (%u clean), %lu bytes\n",
               name, tot.components, tot.threads, cap_count, tot.pages, tot.clean,
               (unsigned long)bytes);
    else
        printf("rtcr: checkpoint '%s': %u components, %u threads, %u slots, %u pages (%u zero "
               "elided), %lu bytes\n",
               name, tot.components, tot.threads, cap_count, tot.pages, tot.zero,
               (unsigned long)bytes);
    printf("rtcr: checkpoint '%s' statistics: freeze %lu, capture %lu, encode %lu, thaw %lu "
           "instructions; %lu of %lu memory bytes stored\n",
           name, (unsigned long)(t1 - t0), (unsigned long)(t2 - t1), (unsigned long)(t3 - t2),
           (unsigned long)(t4 - t3), (unsigned long)(tot.pages * PAGE),
           (unsigned long)stats.memory_bytes);
    return FERRY_OK;
}

/* ---- restore ---- */

/* An object of the image, re-created: rtcr's slot and the new badge. */
struct made {
    uint32_t id;
    uint8_t role;
    uint32_t slot;
    uint64_t badge;
};
static struct made made[CKPT_MAX_CAPS];
static unsigned made_count;

static void made_add(uint32_t id, uint8_t role, uint32_t slot, uint64_t badge)
{
    if (made_count < CKPT_MAX_CAPS)
        made[made_count++] = (struct made){id, role, slot, badge};
}

static const struct made *made_find(uint32_t id, uint8_t role)
{
    for (unsigned i = 0; i < made_count; i++)
        if (made[i].id == id && made[i].role == role)
            return &made[i];
    return NULL;
}

/* The CAP record of (component, slot), or false. */
static bool cap_record(const struct image_view *view, uint32_t comp, uint32_t slot,
                       struct image_cap *cap)
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

#define CKPT_MAX_CHAIN 8 /* images of an incremental chain, base included */

struct restore {
    const struct image_view *view;  /* the newest image: every object */
    const struct image_view *chain; /* chain[0] = view .. chain[chain_len - 1] = the base */
    unsigned chain_len;
    uint32_t rm_image; /* the image's id of the component's address space */
    struct image_component comp;
    struct rtcr_child *c;
    char fail[160]; /* what failed, for the message */
};

#define RESTORE_FAIL(r, ...) snprintf((r)->fail, sizeof((r)->fail), __VA_ARGS__)

/* The sessions: the initial ones are the new child's; others are re-opened. */
static long restore_sessions(struct restore *r)
{
    struct rtcr_child *c = r->c;
    struct child *ch = &c->pc->child;
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
            made_add(cap.object, IMAGE_ROLE_SESSION, v->gate, v->badge);
        }
    }
    struct rtcr_session *as = &c->sessions[RTCR_S_RM];
    made_add(r->rm_image, IMAGE_ROLE_REGION_MAP, as->gate, as->badge);
    uint32_t n = image_count(r->view, IMAGE_SESSION);
    for (uint32_t i = 0; i < n; i++) {
        struct image_session s;
        image_get(r->view, IMAGE_SESSION, i, &s, sizeof(s));
        if (s.component != r->comp.id || made_find(s.id, IMAGE_ROLE_SESSION))
            continue;
        int iface = virt_iface_of(s.service);
        char *timer = strstr(s.args, TIMER_TAG);
        unsigned mode = 0, signal = 0;
        unsigned long us = 0;
        if (timer) {
            char *p = timer + strlen(TIMER_TAG);
            mode = (unsigned)strtoul(p, &p, 10);
            us = strtoul(p + 1, &p, 10);
            signal = (unsigned)strtoul(p + 1, NULL, 10);
            *timer = 0;
            if (timer > s.args && timer[-1] == ',')
                timer[-1] = 0;
        }
        uint32_t real, gate;
        long err = rtcr_core_service(s.service)
                       ? env_session_paid(rtcr.env, s.service, s.label, s.args, s.ram_quota,
                                          s.cap_quota, ch->pd, &real)
                       : env_session(rtcr.env, s.service, s.label, s.args, s.ram_quota, s.cap_quota,
                                     &real);
        if (err) {
            RESTORE_FAIL(r, "re-opening its %s session: %s", s.service, ferry_error_name(err));
            return err;
        }
        uint64_t real_badge = env_cap_badge(real);
        struct rtcr_session *v = iface >= 0
                                     ? virt_wrap(c, (unsigned)iface, real, NEW_ID(s.id), &gate)
                                     : virt_direct(c, real, real_badge, NEW_ID(s.id));
        if (v && !v->gate)
            gate = real; /* held directly */
        if (!v) {
            env_session_close(rtcr.env, real);
            RESTORE_FAIL(r, "its %s session: too many sessions", s.service);
            return FERRY_E_INVAL;
        }
        snprintf(v->service, sizeof(v->service), "%s", s.service);
        snprintf(v->label, sizeof(v->label), "%s", s.label);
        snprintf(v->args, sizeof(v->args), "%s", s.args);
        v->ram = s.ram_quota;
        v->caps = s.cap_quota;
        v->timer_mode = mode;
        v->timer_us = us;
        v->timer_signal = NEW_ID(signal);
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
        made_add(s.id, IMAGE_ROLE_SESSION, gate, v->badge);
    }
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

/* The dataspaces: the construction's regions where the image's lie at the
 * same place with the same size, the new PD's report page, fresh RAM else. */
static long restore_dataspaces(struct restore *r)
{
    struct rtcr_child *c = r->c;
    struct child *ch = &c->pc->child;
    uint32_t n = image_count(r->view, IMAGE_DATASPACE);
    for (uint32_t i = 0; i < n; i++) {
        struct image_dataspace d;
        image_get(r->view, IMAGE_DATASPACE, i, &d, sizeof(d));
        if (d.component != r->comp.id)
            continue;
        struct image_attachment a;
        bool attached = attachment_of(r, d.id, &a);
        struct rtcr_ds *ds = NULL;
        for (unsigned j = 0; attached && j < RTCR_DATASPACES && !ds; j++) {
            struct rtcr_ds *cand = &c->ds[j];
            if (!cand->used || !cand->borrowed || cand->size != d.size)
                continue;
            for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++)
                if (c->attach[k].used && c->attach[k].ds == cand->id && c->attach[k].addr == a.addr)
                    ds = cand;
        }
        if (ds) { /* a region of the construction: renamed, its attachment too */
            for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++)
                if (c->attach[k].used && c->attach[k].ds == ds->id)
                    c->attach[k].ds = NEW_ID(d.id);
            ds->id = NEW_ID(d.id);
            ds->session = NEW_ID(d.session);
        } else {
            uint32_t slot;
            long err = d.flags & IMAGE_DS_REPORT ? pd_report(ch->pd, &slot)
                                                 : pd_alloc_ram(ch->pd, d.size, &slot);
            if (err) {
                RESTORE_FAIL(r, "dataspace %u (%lu bytes): %s", d.id, (unsigned long)d.size,
                             ferry_error_name(err));
                return err;
            }
            ds = model_ds_add(c, NEW_ID(d.id), slot, env_cap_badge(slot), d.size, NEW_ID(d.session),
                              d.flags & ~IMAGE_DS_SHARED);
            if (!ds) {
                env_cap_release(env_cap_badge(slot));
                RESTORE_FAIL(r, "too many dataspaces");
                return FERRY_E_NOMEM;
            }
        }
        made_add(d.id, IMAGE_ROLE_DATASPACE, ds->slot, ds->badge);
    }
    return FERRY_OK;
}

/* Fills every dataspace: zero, then the image's pages. */
static long restore_contents(struct restore *r)
{
    long err = map_dataspaces();
    if (err) {
        RESTORE_FAIL(r, "mapping its memory: %s", ferry_error_name(err));
        return err;
    }
    for (unsigned i = 0; i < ds_count; i++)
        if (dss[i].c == r->c)
            zero_bytes((void *)dss[i].local, dss[i].ds->size);
    /* the base's pages, then each increment's over them */
    for (unsigned k = r->chain_len; k-- > 0;) {
        const struct image_view *v = &r->chain[k];
        uint32_t n = image_count(v, IMAGE_PAGE);
        for (uint32_t i = 0; i < n; i++) {
            struct image_page p;
            image_get(v, IMAGE_PAGE, i, &p, sizeof(p));
            for (unsigned j = 0; j < ds_count; j++)
                if (dss[j].c == r->c && dss[j].ds->id == NEW_ID(p.dataspace) &&
                    p.index < dss[j].ds->size / PAGE)
                    copy_bytes((void *)(dss[j].local + p.index * PAGE), p.data, PAGE);
        }
    }
    return FERRY_OK;
}

/* Threads: the main thread is the construction's; the others are created in
 * their order, which gives each its UTCB at the same address. */
static long restore_threads(struct restore *r)
{
    struct rtcr_child *c = r->c;
    struct child *ch = &c->pc->child;
    struct image_cap main_cap;
    uint32_t main_id =
        cap_record(r->view, r->comp.id, FERRY_COMP_SEL_THREAD, &main_cap) ? main_cap.object : 0;
    uint32_t n = image_count(r->view, IMAGE_THREAD);
    for (uint32_t i = 0; i < n; i++) {
        struct image_thread t;
        image_get(r->view, IMAGE_THREAD, i, &t, sizeof(t));
        if (t.component != r->comp.id)
            continue;
        struct rtcr_thread *nt = NULL;
        if (t.id == main_id) {
            for (unsigned j = 0; j < RTCR_THREADS && !nt; j++)
                if (c->threads[j].used && c->threads[j].borrowed)
                    nt = &c->threads[j];
            if (nt)
                nt->id = NEW_ID(t.id);
        } else {
            uint32_t slot;
            struct ferry_thread_info_out info;
            long err = cpu_create_thread_at(ch->cpu, ch->pd, t.name, t.priority, t.utcb, &slot);
            if (!err && (err = thread_info(slot, &info)))
                env_cap_release(env_cap_badge(slot));
            if (err) {
                RESTORE_FAIL(r, "thread '%s': %s", t.name, ferry_error_name(err));
                return err;
            }
            nt = model_thread_add(c, NEW_ID(t.id), slot, env_cap_badge(slot), info.utcb, t.priority,
                                  t.name);
            if (!nt) {
                env_cap_release(env_cap_badge(slot));
                RESTORE_FAIL(r, "too many threads");
                return FERRY_E_NOMEM;
            }
            if (info.utcb != t.utcb) {
                RESTORE_FAIL(r, "thread '%s': UTCB at 0x%lx, not 0x%lx", t.name,
                             (unsigned long)info.utcb, (unsigned long)t.utcb);
                return FERRY_E_RANGE;
            }
        }
        if (!nt) {
            RESTORE_FAIL(r, "no main thread");
            return FERRY_E_INVAL;
        }
        made_add(t.id, IMAGE_ROLE_THREAD, nt->slot, nt->badge);
    }
    return FERRY_OK;
}

static long restore_gates_signals(struct restore *r)
{
    struct rtcr_child *c = r->c;
    struct child *ch = &c->pc->child;
    uint32_t n = image_count(r->view, IMAGE_GATE);
    for (uint32_t i = 0; i < n; i++) {
        struct image_gate g;
        image_get(r->view, IMAGE_GATE, i, &g, sizeof(g));
        if (g.component != r->comp.id)
            continue;
        const struct made *t = made_find(g.thread, IMAGE_ROLE_THREAD);
        uint32_t slot;
        uint64_t badge;
        long err = t ? pd_alloc_rpc_cap(ch->pd, t->slot, &slot, &badge) : FERRY_E_NOENT;
        if (!err && !model_gate_add(c, NEW_ID(g.id), NEW_ID(g.thread), slot, badge)) {
            env_cap_release(badge);
            err = FERRY_E_NOMEM;
        }
        if (err) {
            RESTORE_FAIL(r, "gate %u: %s", g.id, ferry_error_name(err));
            return err;
        }
        made_add(g.id, IMAGE_ROLE_GATE, slot, badge);
    }
    n = image_count(r->view, IMAGE_SIGNAL);
    for (uint32_t i = 0; i < n; i++) {
        struct image_signal s;
        image_get(r->view, IMAGE_SIGNAL, i, &s, sizeof(s));
        if (s.component != r->comp.id)
            continue;
        uint32_t slot;
        uint64_t badge;
        long err = pd_alloc_signal(ch->pd, &slot, &badge); /* imported by the stub */
        if (!err && !model_signal_add(c, NEW_ID(s.id), slot, badge)) {
            env_cap_release(badge);
            err = FERRY_E_NOMEM;
        }
        if (err) {
            RESTORE_FAIL(r, "signal %u: %s", s.id, ferry_error_name(err));
            return err;
        }
        for (uint32_t k = 0; k < s.pending; k++)
            sys_irq_trigger(slot);
        made_add(s.id, IMAGE_ROLE_SIGNAL, slot, badge);
    }
    /* the Timer sessions' configuration, replayed on the new signals */
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

static long restore_attachments(struct restore *r)
{
    struct rtcr_child *c = r->c;
    uint32_t n = image_count(r->view, IMAGE_ATTACHMENT);
    for (uint32_t i = 0; i < n; i++) {
        struct image_attachment a;
        image_get(r->view, IMAGE_ATTACHMENT, i, &a, sizeof(a));
        if (a.rm != r->rm_image)
            continue;
        bool done = false;
        for (unsigned k = 0; k < RTCR_ATTACHMENTS && !done; k++)
            done = c->attach[k].used && c->attach[k].ds == NEW_ID(a.target) &&
                   c->attach[k].addr == a.addr;
        if (done)
            continue; /* a region of the construction */
        const struct made *ds = made_find(a.target, IMAGE_ROLE_DATASPACE);
        uint64_t at = 0;
        unsigned flags = (a.rights & 2 ? FERRY_RM_WRITE : 0) | (a.rights & 4 ? FERRY_RM_EXEC : 0);
        long err = ds ? rm_attach(c->pc->child.rm, ds->slot, a.addr, a.size, a.offset, flags, &at)
                      : FERRY_E_NOENT;
        if (!err && at != a.addr)
            err = FERRY_E_RANGE;
        if (err || !model_attach_add(c, NEW_ID(a.target), a.addr, a.size, a.offset, a.rights)) {
            RESTORE_FAIL(r, "attachment at 0x%lx: %s", (unsigned long)a.addr,
                         ferry_error_name(err ? err : FERRY_E_NOMEM));
            return err ? err : FERRY_E_NOMEM;
        }
    }
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

/* Every capability into its slot. Slots 1..7 the construction filled; a stale
 * one becomes a dead gate. */
static long restore_caps(struct restore *r)
{
    struct child *ch = &r->c->pc->child;
    uint32_t n = image_count(r->view, IMAGE_CAP);
    for (uint32_t i = 0; i < n; i++) {
        struct image_cap cap;
        image_get(r->view, IMAGE_CAP, i, &cap, sizeof(cap));
        if (cap.component != r->comp.id || cap.slot < FERRY_COMP_SEL_FREE)
            continue;
        uint32_t dead = 0;
        const struct made *m = made_of(r, &cap);
        long err = cap.flags & IMAGE_CAP_STALE ? dead_gate(&dead) : FERRY_OK;
        if (!err)
            err = dead ? npd_map(ch->npd, dead, cap.slot, cap.rights)
                  : m  ? npd_map(ch->npd, m->slot, cap.slot, cap.rights)
                       : FERRY_E_NOENT;
        if (err) {
            RESTORE_FAIL(r, "slot %u (%s %u): %s", cap.slot, image_role_name(cap.role), cap.object,
                         ferry_error_name(err));
            return err;
        }
    }
    return FERRY_OK;
}

/* The new badge of the object the image's slot `slot` held (parent: the new parent object). */
static bool new_badge(const struct restore *r, uint32_t slot, uint64_t *badge)
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

static long restore_states(struct restore *r)
{
    uint32_t n = image_count(r->view, IMAGE_THREAD);
    for (uint32_t i = 0; i < n; i++) {
        struct image_thread t;
        image_get(r->view, IMAGE_THREAD, i, &t, sizeof(t));
        if (t.component != r->comp.id)
            continue;
        const struct made *m = made_find(t.id, IMAGE_ROLE_THREAD);
        if (t.blob_len != sizeof(struct ferry_thread_state)) {
            RESTORE_FAIL(r, "thread '%s': kernel state of %u bytes, not %lu", t.name, t.blob_len,
                         (unsigned long)sizeof(struct ferry_thread_state));
            return FERRY_E_INVAL;
        }
        memcpy(state_page, t.blob, sizeof(*state_page));
        long err = thread_pause(m->slot);
        if (!err)
            err = thread_state_set(m->slot, state_ds);
        if (err) {
            RESTORE_FAIL(r, "thread '%s' state: %s", t.name, ferry_error_name(err));
            return err;
        }
    }
    return FERRY_OK;
}

/* The restored capability space against the image, slot by slot: type,
 * rights, and the object (its new badge). Returns the number of mismatches. */
static unsigned compare(struct restore *r, unsigned *slots)
{
    struct child *ch = &r->c->pc->child;
    unsigned bad = 0;
    *slots = 0;
    uint64_t slot = 1, next;
    while (npd_cap_next(ch->npd, slot, &next) == FERRY_OK) {
        struct ferry_npd_cap_info_out info;
        struct image_cap cap;
        uint64_t badge = 0;
        bool ok =
            npd_cap_info(ch->npd, next, &info) == FERRY_OK &&
            cap_record(r->view, r->comp.id, (uint32_t)next, &cap) &&
            ((cap.flags & IMAGE_CAP_STALE) || (info.type == cap.type && info.rights == cap.rights));
        if (ok && cap.role != IMAGE_ROLE_TASK && !(cap.flags & IMAGE_CAP_STALE))
            ok = new_badge(r, (uint32_t)next, &badge) && badge == info.label;
        if (!ok) {
            printf("rtcr: slot %lu of '%s' differs from the image\n", (unsigned long)next,
                   r->c->name);
            bad++;
        }
        ++*slots;
        slot = next + 1;
    }
    return bad;
}

/* The configured child a component of an image is an instance of: the one of
 * its name, else (an instance restored `as NAME2`) the one whose name it
 * extends by digits. */
static const struct init_child *configured(const char *name)
{
    const struct init_child *cfg = config_child(&rtcr.config, name);
    for (unsigned i = 0; i < rtcr.config.child_count && !cfg; i++) {
        const struct init_child *c = &rtcr.config.children[i];
        size_t n = strlen(c->name);
        bool digits = !strncmp(name, c->name, n) && name[n];
        for (const char *p = name + n; digits && *p; p++)
            digits = *p >= '0' && *p <= '9';
        if (digits)
            cfg = c;
    }
    return cfg;
}

/* Phase one of a component: a fresh child and every object of it (new badges). */
static long restore_objects(struct restore *r, const char *as)
{
    const struct image_component *comp = &r->comp;
    const char *name = as ? as : comp->name;
    const struct init_child *cfg = configured(comp->name);
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
        r->c->rm_id = r->c->sessions[RTCR_S_RM].id = NEW_ID(rm_cap.object);
    }
    err = restore_sessions(r);
    if (!err)
        err = restore_dataspaces(r);
    if (!err)
        err = restore_threads(r);
    if (!err)
        err = restore_gates_signals(r);
    return err;
}

/* Phase two, once every component's objects exist (capabilities and
 * attachments may name a sibling's): memory, slots, tables, threads. */
static long restore_finish(struct restore *r, unsigned *slots)
{
    long err = restore_attachments(r);
    if (!err)
        err = restore_contents(r);
    if (!err)
        err = restore_tables(r);
    unmap_dataspaces();
    if (!err)
        err = restore_caps(r);
    if (!err)
        err = restore_states(r);
    unsigned bad = 0;
    if (!err && (bad = compare(r, slots))) {
        RESTORE_FAIL(r, "%u slots differ", bad);
        err = FERRY_E_INVAL;
    }
    return err;
}

/*
 * Before anything is created: every component of the image has a configured
 * child, whose RAM quota holds the image's dataspaces, and rtcr can give all
 * of those quotas (and the loan of a construction) now.
 */
static long check_quota(const char *name, const struct image_view *view)
{
    uint64_t give = CHILD_ROM_RAM, caps = 0;
    uint32_t n = image_count(view, IMAGE_COMPONENT);
    for (uint32_t i = 0; i < n; i++) {
        struct image_component comp;
        image_get(view, IMAGE_COMPONENT, i, &comp, sizeof(comp));
        const struct init_child *cfg = configured(comp.name);
        if (!cfg) {
            printf("rtcr: cannot restore '%s': no child of that name in rtcr.cfg\n", comp.name);
            return FERRY_E_NOENT;
        }
        uint64_t memory = 0;
        for (uint32_t k = 0; k < image_count(view, IMAGE_DATASPACE); k++) {
            struct image_dataspace d;
            image_get(view, IMAGE_DATASPACE, k, &d, sizeof(d));
            if (d.component == comp.id)
                memory += d.size;
        }
        if (memory > cfg->ram) {
            printf("rtcr: image '%s' refused: '%s' has %lu bytes of memory, its RAM quota is "
                   "%lu\n",
                   name, comp.name, (unsigned long)memory, (unsigned long)cfg->ram);
            return FERRY_E_QUOTA;
        }
        give += cfg->ram; /* its PD's donation; CPU and LOG are paid by the PD */
        caps += cfg->caps;
    }
    struct ferry_pd_quota_out q;
    long err = pd_quota(rtcr.env->pd, &q);
    if (err)
        return err;
    if (give > q.ram_quota - q.ram_used || caps > q.cap_quota - q.cap_used) {
        printf("rtcr: image '%s' refused: its components need %lu bytes and %lu capabilities, "
               "rtcr has %lu and %lu\n",
               name, (unsigned long)give, (unsigned long)caps,
               (unsigned long)(q.ram_quota - q.ram_used),
               (unsigned long)(q.cap_quota - q.cap_used));
        return FERRY_E_QUOTA;
    }
    return FERRY_OK;
}

static struct stored_image *image_by_digest(const struct image_digest *d)
{
    for (unsigned i = 0; i < CKPT_MAX_IMAGES; i++)
        if (images[i].used && images[i].known && images[i].digest.lo == d->lo &&
            images[i].digest.hi == d->hi)
            return &images[i];
    return NULL;
}

static void rejected(const char *name, long err, const struct image_fault *fault)
{
    if (fault->record == IMAGE_AT_HEADER)
        printf("rtcr: image '%s' rejected: %s in the header (offset %lu)\n", name,
               image_error_name(err), (unsigned long)fault->offset);
    else
        printf("rtcr: image '%s' rejected: %s at record %u (offset %lu)\n", name,
               image_error_name(err), fault->record, (unsigned long)fault->offset);
}

/* The chain ending in `im`, validated from the base on (each against its
 * parent's digest): views[0] is im. Returns the count, 0 if rejected. */
static unsigned validate_chain(struct stored_image *im, struct image_view *views)
{
    struct stored_image *chain[CKPT_MAX_CHAIN];
    unsigned n = 0;
    for (struct stored_image *cur = im; cur;) {
        struct image_header h;
        long err = image_read_header(cur->buf, cur->len, &h);
        if (err) {
            struct image_fault f = {err, IMAGE_AT_HEADER, 0};
            rejected(cur->name, err, &f);
            return 0;
        }
        if (n == CKPT_MAX_CHAIN) {
            printf("rtcr: image '%s' rejected: a chain longer than %u images\n", im->name,
                   CKPT_MAX_CHAIN);
            return 0;
        }
        chain[n++] = cur;
        if (!(h.flags & IMAGE_FLAG_INCREMENTAL))
            break;
        if (!(cur = image_by_digest(&h.parent))) {
            printf("rtcr: image '%s' rejected: its parent image is not here\n", chain[n - 1]->name);
            return 0;
        }
    }
    for (unsigned k = n; k-- > 0;) {
        struct image_fault fault;
        long err = image_validate(chain[k]->buf, chain[k]->len,
                                  k + 1 < n ? &views[k + 1].digest : NULL, &views[k], &fault);
        if (err) {
            rejected(chain[k]->name, err, &fault);
            return 0;
        }
        chain[k]->digest = views[k].digest;
        chain[k]->known = true;
    }
    return n;
}

long ckpt_restore(const char *name, const char *as)
{
    struct stored_image *im = image_named(name);
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
    if ((err = check_quota(name, view)))
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
    last_digest = view->digest; /* the next increment builds on this cut */
    have_last = true;
    for (unsigned k = 0; k < restored; k++)
        for (unsigned i = 0; i < RTCR_THREADS; i++)
            if (rs[k].c->threads[i].used)
                thread_resume(rs[k].c->threads[i].slot);
    return FERRY_OK;
}
