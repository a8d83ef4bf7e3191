/*
 * Encode (docs/rtcr.md, "Checkpoint" step 5): the cut as a lib/image image
 * in memory, records by type in key order, the pages to store.
 */
#include "ckpt.h"
#include <ferry/ifaces.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t sequence; /* of the images encoded here */

struct keyed {
    uint64_t key;
    unsigned index;
};

/* qsort order of struct keyed: ascending key. */
static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
    return x < y ? -1 : x > y;
}

static struct keyed order[CKPT_MAX_CAPS > CKPT_MAX_DS ? CKPT_MAX_CAPS : CKPT_MAX_DS];

/* Copies the string src into dst (size bytes, always terminated): snprintf's
 * format machinery costs more than a session's other encoding. */
static void copy_string(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* The ids of the objects a restore hands the parent server for v, a
 * session served by a sibling (the server's session object) or a service c
 * announced (its request gate and signal); 0 where rtcr has no record. */
static void link_ids(struct rtcr_child *c, const struct rtcr_session *v, uint32_t *gate,
                     uint32_t *signal)
{
    struct rtcr_child *owner;
    const struct rtcr_gate *g;
    const struct rtcr_signal *sig;
    *gate = *signal = 0;
    if (v->server != c->id) {
        g = v->ps ? model_any_gate_by_badge(v->ps->badge, &owner) : NULL;
        *gate = g ? g->id : 0;
        return;
    }
    g = model_gate_by_badge(c, c->pc->request_gate_badge);
    sig = model_signal_by_badge(c, c->pc->request_signal_badge);
    *gate = g ? g->id : 0;
    *signal = sig ? sig->id : 0;
}

/* The session record of v (Timer state a restore replays, the objects of a
 * link with a sibling appended to args). */
static void session_record(struct rtcr_child *c, const struct rtcr_session *v,
                           struct image_session *s)
{
    *s = (struct image_session){.id = v->id,
                                .component = c->id,
                                .server = v->server,
                                .ram_quota = v->ram,
                                .cap_quota = v->caps};
    copy_string(s->service, sizeof(s->service), v->service);
    copy_string(s->label, sizeof(s->label), v->label);
    const char *comma = v->args[0] ? "," : "";
    uint32_t gate, signal;
    if (v->iface == FERRY_IFACE_TIMER && (v->timer_signal || v->timer_mode)) {
        snprintf(s->args, sizeof(s->args), "%s%s" TIMER_TAG "%u:%lu:%u", v->args, comma,
                 v->timer_mode, (unsigned long)v->timer_us, v->timer_signal);
    } else if (v->server) {
        link_ids(c, v, &gate, &signal);
        snprintf(s->args, sizeof(s->args), "%s%s" LINK_TAG "%u:%u", v->args, comma, gate, signal);
    } else {
        copy_string(s->args, sizeof(s->args), v->args);
    }
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

/* The object records of the cut (components, sessions, region maps,
 * dataspaces, threads, gates, signals), each type in id order. */
static long encode_objects(struct image_encoder *enc, struct encode_totals *tot)
{
    long err = IMAGE_OK;
    unsigned n;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        if (!c->used)
            continue;
        struct image_component rec = {c->id, c->cfg->ram, c->cfg->caps, {0}};
        copy_string(rec.name, sizeof(rec.name), c->name);
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
    /* region maps: each child's address space (index RTCR_REGION_MAPS) and managed maps */
    n = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j <= RTCR_REGION_MAPS; j++)
            if (j == RTCR_REGION_MAPS || c->rms[j].used)
                order[n++] =
                    (struct keyed){j == RTCR_REGION_MAPS ? c->rm_id : c->rms[j].id, i << 16 | j};
    }
    qsort(order, n, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        unsigned j = RECORD_AT(order[i]);
        struct image_region_map rm = {c->rm_id, c->id, IMAGE_RM_ADDRESS_SPACE, 0, RTCR_AS_SIZE};
        if (j < RTCR_REGION_MAPS)
            rm = (struct image_region_map){c->rms[j].id, c->id, IMAGE_RM_MANAGED, c->rms[j].session,
                                           c->rms[j].size};
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
    for (unsigned i = 0; i < cut.thread_count; i++)
        order[i] = (struct keyed){cut.threads[i].t->id, i};
    qsort(order, cut.thread_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < cut.thread_count && !err; i++) {
        const struct thread_entry *e = &cut.threads[order[i].index];
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
        copy_string(rec.name, sizeof(rec.name), e->t->name);
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
                                   cut.signal_pending[order[i].index >> 16][j]};
        err = image_encode_signal(enc, &rec);
    }
    return err;
}

/* The records that name objects (attachments, capabilities, badge-table
 * entries), each type in key order. */
static long encode_refs(struct image_encoder *enc)
{
    long err = IMAGE_OK;
    unsigned n = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_ATTACHMENTS; j++)
            if (c->attach[j].used)
                order[n++] = (struct keyed){
                    (uint64_t)c->attach[j].rm << 40 | c->attach[j].addr >> 12, i << 16 | j};
    }
    qsort(order, n, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < n && !err; i++) {
        struct rtcr_child *c = CHILD_AT(order[i]);
        const struct rtcr_attach *a = &c->attach[RECORD_AT(order[i])];
        struct image_attachment rec = {a->rm, a->ds, a->rights, a->addr, a->size, a->offset};
        err = image_encode_attachment(enc, &rec);
    }
    for (unsigned i = 0; i < cut.cap_count; i++)
        order[i] =
            (struct keyed){(uint64_t)cut.caps[i].cap.component << 32 | cut.caps[i].cap.slot, i};
    qsort(order, cut.cap_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < cut.cap_count && !err; i++)
        err = image_encode_cap(enc, &cut.caps[order[i].index].cap);
    for (unsigned i = 0; i < cut.table_count; i++)
        order[i] = (struct keyed){(uint64_t)cut.table[i].component << 40 |
                                      (uint64_t)cut.table[i].table << 32 | cut.table[i].slot,
                                  i};
    qsort(order, cut.table_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < cut.table_count && !err; i++)
        err = image_encode_table(enc, &cut.table[order[i].index]);
    return err;
}

/* The PAGE records, by dataspace id and page: their contents are in place
 * (snapshot_take wrote them), hashed and framed where they lie. */
static long encode_pages(struct image_encoder *enc, struct encode_totals *tot)
{
    long err = IMAGE_OK;
    size_t stride = image_record_size(IMAGE_PAGE);
    for (unsigned i = 0; i < cut.ds_count; i++)
        order[i] = (struct keyed){cut.dss[i].ds->id, i};
    qsort(order, cut.ds_count, sizeof(order[0]), by_key);
    for (unsigned i = 0; i < cut.ds_count && !err; i++) {
        const struct ds_entry *e = &cut.dss[order[i].index];
        const uint8_t *page = e->snap; /* its stored pages, in page order */
        for (uint64_t p = 0; p < e->ds->size / PAGE && !err; p++) {
            if (!(e->dirty[p / 64] >> (p % 64) & 1)) {
                *(tot->incremental ? &tot->clean : &tot->zero) += 1;
                continue;
            }
            err = image_encode_page(enc, e->ds->id, p, page);
            page += stride;
            tot->pages++;
        }
    }
    return err;
}

/* Used records of one array of a child. */
#define USED(c, field)                                                                             \
    ({                                                                                             \
        size_t n_ = 0;                                                                             \
        for (unsigned j_ = 0; j_ < ARRAY_SIZE((c)->field); j_++)                                   \
            n_ += (c)->field[j_].used;                                                             \
        n_;                                                                                        \
    })

/* Bytes of the image before its first PAGE record: the header and the
 * records encode_objects and encode_refs write, counted as they count them
 * (every record of a type has one size). */
static size_t prefix_size(void)
{
    size_t n[IMAGE_PAGE] = {0}, bytes = IMAGE_HEADER_SIZE;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        const struct rtcr_child *c = &rtcr.children[i];
        if (!c->used)
            continue;
        n[IMAGE_COMPONENT]++;
        n[IMAGE_SESSION] += USED(c, sessions) - c->sessions[RTCR_S_RM].used;
        n[IMAGE_REGION_MAP] += 1 + USED(c, rms); /* the address space and managed maps */
        n[IMAGE_DATASPACE] += USED(c, ds);
        n[IMAGE_GATE] += USED(c, gates);
        n[IMAGE_SIGNAL] += USED(c, signals);
        n[IMAGE_ATTACHMENT] += USED(c, attach);
    }
    n[IMAGE_THREAD] = cut.thread_count;
    n[IMAGE_CAP] = cut.cap_count;
    n[IMAGE_TABLE] = cut.table_count;
    for (uint16_t t = IMAGE_COMPONENT; t < IMAGE_PAGE; t++)
        bytes += n[t] * image_record_size(t);
    return bytes;
}

/* Bytes of the whole image: the prefix, the pages, STATS and END. */
static size_t image_size(void)
{
    return cut.prefix + pages_to_store() * image_record_size(IMAGE_PAGE) +
           image_record_size(IMAGE_STATS) + image_record_size(IMAGE_END);
}

long encode_reserve(const char *name)
{
    long err;
    cut.prefix = prefix_size();
    cut.image = stored_new(name, image_size(), &err);
    return cut.image ? FERRY_OK : err;
}

long encode_cut(const char *name, struct encode_totals *tot, struct image_stats *stats,
                size_t *bytes)
{
    struct stored_image *im = cut.image;
    long err;
    struct image_buffer sink = {im->buf, image_size(), 0};
    static struct image_encoder enc;
    struct image_header header = {0, rtcr.ecu, ++sequence, {0, 0}};
    if (tot->incremental)
        header =
            (struct image_header){IMAGE_FLAG_INCREMENTAL, rtcr.ecu, sequence, ckpt_last_digest};
    err = image_encode_begin(&enc, image_buffer_sink, &sink, &header);
    if (!err)
        err = encode_objects(&enc, tot);
    if (!err)
        err = encode_refs(&enc);
    if (!err && enc.offset != cut.prefix) {
        printf("rtcr: checkpoint '%s': encoding failed: the records before the pages took %lu "
               "bytes, the snapshot placed them after %lu\n",
               name, (unsigned long)enc.offset, (unsigned long)cut.prefix);
        return FERRY_E_INVAL; /* snapshot_drop frees the image */
    }
    if (!err)
        err = encode_pages(&enc, tot);
    stats->pages_stored = tot->pages;
    stats->pages_zero = tot->zero;
    stats->pages_clean = tot->clean;
    for (unsigned i = 0; i < cut.ds_count; i++)
        stats->memory_bytes += cut.dss[i].ds->size;
    if (!err)
        err = image_encode_stats(&enc, stats);
    if (!err)
        err = image_encode_end(&enc, &im->digest);
    if (err) {
        printf("rtcr: checkpoint '%s': encoding failed: %s\n", name, image_error_name(err));
        return FERRY_E_INVAL; /* snapshot_drop frees the image */
    }
    cut.image = NULL; /* kept */
    im->len = *bytes = sink.len;
    im->known = true;
    base_from_cut(&im->digest);
    return FERRY_OK;
}
