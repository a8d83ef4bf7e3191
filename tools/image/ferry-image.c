/*
 * ferry-image: inspect checkpoint images and image stores on the host
 * (docs/image.md, "ferry-image").
 *
 *   ferry-image list DISK                 images in the store on DISK
 *   ferry-image show [--json] SRC         one image as text or JSON
 *   ferry-image verify SRC                validate (with its whole chain); exit 1 if invalid
 *   ferry-image diff SRC SRC              differences; exit 1 if there are any
 *   ferry-image format DISK SECTORS       create a store in the file DISK
 *   ferry-image put DISK NAME FILE        write the image in FILE as NAME
 *   ferry-image delete DISK NAME          remove NAME
 *   ferry-image sample FILE [PARENT]      write the sample image (incremental on PARENT;
 *                                         an incremental PARENT needs --parent FILE)
 *
 * SRC is DISK:NAME (an image in a store) or FILE (an image file). An
 * incremental image file is checked against the image file given with
 * --parent FILE; in a store its parent is found by digest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/store.h"
#include "sample.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

static const char *prog = "ferry-image";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---- files and disks ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

static long file_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    FILE *f = ctx;
    if (fseeko(f, (off_t)(sector * IMGSTORE_SECTOR), SEEK_SET) != 0)
        return -1;
    return fread(buf, IMGSTORE_SECTOR, count, f) == count ? 0 : -1;
}

static long file_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    FILE *f = ctx;
    if (fseeko(f, (off_t)(sector * IMGSTORE_SECTOR), SEEK_SET) != 0)
        return -1;
    return fwrite(buf, IMGSTORE_SECTOR, count, f) == count ? 0 : -1;
}

static long file_flush(void *ctx)
{
    return fflush(ctx) == 0 ? 0 : -1;
}

static struct imgstore store;

static void open_store(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f)
        die("%s: %s", path, strerror(errno));
    fseeko(f, 0, SEEK_END);
    struct imgstore_dev dev = {.ctx = f,
                               .sectors = (uint64_t)ftello(f) / IMGSTORE_SECTOR,
                               .read = file_read,
                               .write = file_write,
                               .flush = file_flush};
    long err = imgstore_mount(&store, &dev);
    if (err)
        die("%s: %s (%s)", path, imgstore_error_text(err), imgstore_error_name(err));
}

/* An image to look at: its bytes, a name for messages, and what validates it. */
struct source {
    char label[256];
    uint8_t *data;
    size_t len;
    bool has_parent;
    struct image_digest parent;
    const struct imgstore_entry *entry; /* in the store, if from a disk */
};

static void digest_hex(const struct image_digest *d, char out[33])
{
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, d->hi, d->lo);
}

/* The exit code of an invalid image: 1, but 2 for `diff` (whose 1 means "different"). */
static int invalid_exit = 1;

/* The bytes of `name` in the mounted store. Bytes that differ from those
 * written make the image invalid (exit invalid_exit, like any other damage). */
static uint8_t *store_bytes(const char *disk, const char *name, size_t *len)
{
    const struct imgstore_entry *e = imgstore_find(&store, name);
    if (!e)
        die("%s: no image '%s'", disk, name);
    uint8_t *buf = malloc(e->bytes ? e->bytes : 1);
    long err = imgstore_read(&store, name, buf, e->bytes, len);
    if (err == IMGSTORE_E_CORRUPT) {
        printf("%s:%s: invalid: %s: %s\n", disk, name, imgstore_error_name(err),
               imgstore_error_text(err));
        exit(invalid_exit);
    }
    if (err)
        die("%s:%s: %s (%s)", disk, name, imgstore_error_text(err), imgstore_error_name(err));
    return buf;
}

/* SRC = DISK:NAME or FILE; a parent file for incremental image files. */
static void load(struct source *s, const char *spec, const char *parent_file)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->label, sizeof(s->label), "%s", spec);
    const char *colon = strrchr(spec, ':');
    if (colon) {
        char disk[256];
        snprintf(disk, sizeof(disk), "%.*s", (int)(colon - spec), spec);
        open_store(disk, "rb");
        s->data = store_bytes(disk, colon + 1, &s->len);
        s->entry = imgstore_find(&store, colon + 1);
        if (s->entry->flags & IMAGE_FLAG_INCREMENTAL) {
            s->has_parent = true;
            s->parent = s->entry->parent;
        }
        return;
    }
    s->data = read_file(spec, &s->len);
    if (parent_file) {
        struct image_view pv;
        struct image_fault f;
        size_t plen;
        uint8_t *p = read_file(parent_file, &plen);
        /* the parent's own parent is not checked here */
        struct image_header h;
        long err = image_read_header(p, plen, &h);
        const struct image_digest *pp =
            err == IMAGE_OK && (h.flags & IMAGE_FLAG_INCREMENTAL) ? &h.parent : NULL;
        if ((err = image_validate(p, plen, pp, &pv, &f)))
            die("%s: parent invalid: %s", parent_file, image_error_text(err));
        s->has_parent = true;
        s->parent = pv.digest;
        free(p);
    }
}

/* Validates; on failure prints the reason (to `out`) and returns false. */
static bool check(struct source *s, struct image_view *v, FILE *out)
{
    struct image_fault f;
    struct image_header h;
    const struct image_digest *parent = s->has_parent ? &s->parent : NULL;
    if (!s->has_parent && image_read_header(s->data, s->len, &h) == IMAGE_OK &&
        (h.flags & IMAGE_FLAG_INCREMENTAL)) {
        fprintf(out, "%s: invalid: PARENT_MISSING: %s (give --parent FILE)\n", s->label,
                image_error_text(IMAGE_E_PARENT_MISSING));
        return false;
    }
    long err = image_validate(s->data, s->len, parent, v, &f);
    if (err == IMAGE_OK)
        return true;
    if (f.record == IMAGE_AT_HEADER)
        fprintf(out, "%s: invalid: %s in the header (offset 0x%" PRIx64 "): %s\n", s->label,
                image_error_name(err), f.offset, image_error_text(err));
    else
        fprintf(out, "%s: invalid: %s at record %u (offset 0x%" PRIx64 "): %s\n", s->label,
                image_error_name(err), f.record, f.offset, image_error_text(err));
    return false;
}

/* ---- rendering ---- */

static const char *obj_type_name(uint8_t t)
{
    static const char *const names[] = {"none", "task",    "thread", "gate",
                                        "irq",  "factory", "memory"};
    return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static const char *run_state_name(uint32_t s)
{
    static const char *const names[] = {"inactive", "ready", "blocked", "reply-wait", "faulted"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void rights(char out[5], unsigned r, bool map)
{
    snprintf(out, 5, "%c%c%c%c", r & 1 ? 'r' : '-', r & 2 ? 'w' : '-', r & 4 ? 'x' : '-',
             map ? 0 : (r & 8 ? 'g' : '-'));
}

static void id_or_dash(char out[16], uint32_t id)
{
    if (id)
        snprintf(out, 16, "%u", id);
    else
        snprintf(out, 16, "-");
}

/* Number of PAGE records of a dataspace. */
static unsigned page_count(const struct image_view *v, uint32_t ds)
{
    struct image_iter it;
    struct image_record rec;
    unsigned n = 0;
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec)) {
        struct image_page p;
        if (rec.type == IMAGE_PAGE && image_decode(&rec, IMAGE_PAGE, &p, sizeof(p)) == 0 &&
            p.dataspace == ds)
            n++;
    }
    return n;
}

/* One record as text: one line, or several for a thread. With `pages`
 * PAGE records print too (diff), else they are counted per dataspace. */
static void render(FILE *o, const struct image_view *v, const struct image_record *rec, bool pages)
{
    char a[16], r[5];
    switch (rec->type) {
    case IMAGE_COMPONENT: {
        struct image_component c;
        image_decode(rec, rec->type, &c, sizeof(c));
        fprintf(o, "component %u \"%s\" ram=%" PRIu64 " caps=%" PRIu64 "\n", c.id, c.name,
                c.ram_quota, c.cap_quota);
        break;
    }
    case IMAGE_SESSION: {
        struct image_session s;
        image_decode(rec, rec->type, &s, sizeof(s));
        id_or_dash(a, s.server);
        fprintf(o,
                "session %u component=%u service=\"%s\" label=\"%s\" args=\"%s\" server=%s "
                "ram=%" PRIu64 " caps=%" PRIu64 "\n",
                s.id, s.component, s.service, s.label, s.args, a, s.ram_quota, s.cap_quota);
        break;
    }
    case IMAGE_REGION_MAP: {
        struct image_region_map m;
        image_decode(rec, rec->type, &m, sizeof(m));
        id_or_dash(a, m.session);
        fprintf(o, "region-map %u component=%u %s size=0x%" PRIx64 " session=%s\n", m.id,
                m.component, m.flags & IMAGE_RM_ADDRESS_SPACE ? "address-space" : "managed", m.size,
                a);
        break;
    }
    case IMAGE_DATASPACE: {
        struct image_dataspace d;
        image_decode(rec, rec->type, &d, sizeof(d));
        id_or_dash(a, d.session);
        fprintf(o, "dataspace %u component=%u %s size=0x%" PRIx64 " session=%s", d.id, d.component,
                d.flags & IMAGE_DS_SHARED ? "shared" : "private", d.size, a);
        if (!pages)
            fprintf(o, " pages=%u", page_count(v, d.id));
        fputc('\n', o);
        break;
    }
    case IMAGE_THREAD: {
        struct image_thread t;
        image_decode(rec, rec->type, &t, sizeof(t));
        id_or_dash(a, t.session);
        fprintf(o,
                "thread %u component=%u \"%s\" priority=%u state=%s blocked-call=%u "
                "utcb=0x%" PRIx64 " session=%s\n",
                t.id, t.component, t.name, t.priority, run_state_name(t.run_state), t.blocked_call,
                t.utcb, a);
        fprintf(o, "  pc=0x%016" PRIx64 " fcsr=0x%" PRIx64 " state=%u bytes xxh3=%016" PRIx64 "\n",
                t.pc, t.fcsr, t.blob_len, (uint64_t)XXH3_64bits(t.blob, t.blob_len));
        for (unsigned i = 1; i < 32; i++)
            fprintf(o, "%sx%-2u=0x%016" PRIx64 "%s", i % 4 == 1 ? "  " : " ", i, t.x[i],
                    i % 4 == 0 || i == 31 ? "\n" : "");
        for (unsigned i = 0; i < 32; i++)
            fprintf(o, "%sf%-2u=0x%016" PRIx64 "%s", i % 4 == 0 ? "  " : " ", i, t.f[i],
                    i % 4 == 3 ? "\n" : "");
        break;
    }
    case IMAGE_GATE: {
        struct image_gate g;
        image_decode(rec, rec->type, &g, sizeof(g));
        id_or_dash(a, g.session);
        fprintf(o, "gate %u component=%u thread=%u session=%s\n", g.id, g.component, g.thread, a);
        break;
    }
    case IMAGE_SIGNAL: {
        struct image_signal s;
        image_decode(rec, rec->type, &s, sizeof(s));
        id_or_dash(a, s.session);
        fprintf(o, "signal %u component=%u pending=%u session=%s\n", s.id, s.component, s.pending,
                a);
        break;
    }
    case IMAGE_ATTACHMENT: {
        struct image_attachment t;
        image_decode(rec, rec->type, &t, sizeof(t));
        rights(r, t.rights, true);
        fprintf(o,
                "attachment region-map=%u addr=0x%" PRIx64 " size=0x%" PRIx64 " target=%u "
                "offset=0x%" PRIx64 " rights=%s\n",
                t.rm, t.addr, t.size, t.target, t.offset, r);
        break;
    }
    case IMAGE_CAP: {
        struct image_cap c;
        image_decode(rec, rec->type, &c, sizeof(c));
        rights(r, c.rights, false);
        id_or_dash(a, c.object);
        fprintf(o, "cap component=%u slot=%u type=%s rights=%s role=%s object=%s%s\n", c.component,
                c.slot, obj_type_name(c.type), r, image_role_name(c.role), a,
                c.flags & IMAGE_CAP_STALE ? " stale" : "");
        break;
    }
    case IMAGE_TABLE: {
        struct image_table_entry e;
        image_decode(rec, rec->type, &e, sizeof(e));
        id_or_dash(a, e.object);
        fprintf(o, "table component=%u %s slot=%u object=%s refcount=%u\n", e.component,
                image_table_name(e.table), e.slot, a, e.refcount);
        break;
    }
    case IMAGE_PAGE: {
        struct image_page p;
        if (!pages)
            break;
        image_decode(rec, rec->type, &p, sizeof(p));
        fprintf(o, "page dataspace=%u index=%" PRIu64 " xxh3=%016" PRIx64 "\n", p.dataspace,
                p.index, (uint64_t)XXH3_64bits(p.data, IMAGE_PAGE_SIZE));
        break;
    }
    case IMAGE_STATS: {
        struct image_stats s;
        image_decode(rec, rec->type, &s, sizeof(s));
        fprintf(o,
                "stats memory=%" PRIu64 " pages-stored=%" PRIu64 " pages-zero=%" PRIu64
                " pages-clean=%" PRIu64 " freeze=%" PRIu64 " capture=%" PRIu64 " copy=%" PRIu64
                " encode=%" PRIu64 "\n",
                s.memory_bytes, s.pages_stored, s.pages_zero, s.pages_clean, s.freeze_instret,
                s.capture_instret, s.copy_instret, s.encode_instret);
        break;
    }
    }
}

static void render_header(FILE *o, const struct image_view *v, size_t len)
{
    char d[33], p[33];
    digest_hex(&v->digest, d);
    fprintf(o, "image ecu=%" PRIu64 " sequence=%" PRIu64 " %s records=%u bytes=%zu\n",
            v->header.ecu, v->header.sequence,
            v->header.flags & IMAGE_FLAG_INCREMENTAL ? "incremental" : "full", v->records, len);
    fprintf(o, "digest %s\n", d);
    if (v->header.flags & IMAGE_FLAG_INCREMENTAL) {
        digest_hex(&v->header.parent, p);
        fprintf(o, "parent %s\n", p);
    }
}

static void show_text(const struct image_view *v, size_t len)
{
    struct image_iter it;
    struct image_record rec;
    render_header(stdout, v, len);
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec))
        render(stdout, v, &rec, false);
}

/* ---- JSON ---- */

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void json_regs(const char *key, const uint64_t *r, unsigned from, unsigned to)
{
    printf(",\"%s\":[", key);
    for (unsigned i = from; i < to; i++)
        printf("%s\"0x%016" PRIx64 "\"", i == from ? "" : ",", r[i]);
    putchar(']');
}

/* Prints the records of one type as a JSON array named `key`. */
static void json_section(const struct image_view *v, uint16_t type, const char *key)
{
    struct image_iter it;
    struct image_record rec;
    bool first = true;
    printf(",\n\"%s\":[", key);
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec)) {
        if (rec.type != type)
            continue;
        printf("%s\n  {", first ? "" : ",");
        first = false;
        switch (type) {
        case IMAGE_COMPONENT: {
            struct image_component c;
            image_decode(&rec, type, &c, sizeof(c));
            printf("\"id\":%u,\"name\":", c.id);
            json_str(c.name);
            printf(",\"ram_quota\":%" PRIu64 ",\"cap_quota\":%" PRIu64, c.ram_quota, c.cap_quota);
            break;
        }
        case IMAGE_SESSION: {
            struct image_session s;
            image_decode(&rec, type, &s, sizeof(s));
            printf("\"id\":%u,\"component\":%u,\"server\":%u,\"service\":", s.id, s.component,
                   s.server);
            json_str(s.service);
            printf(",\"label\":");
            json_str(s.label);
            printf(",\"args\":");
            json_str(s.args);
            printf(",\"ram_quota\":%" PRIu64 ",\"cap_quota\":%" PRIu64, s.ram_quota, s.cap_quota);
            break;
        }
        case IMAGE_REGION_MAP: {
            struct image_region_map m;
            image_decode(&rec, type, &m, sizeof(m));
            printf("\"id\":%u,\"component\":%u,\"kind\":\"%s\",\"size\":%" PRIu64 ",\"session\":%u",
                   m.id, m.component,
                   m.flags & IMAGE_RM_ADDRESS_SPACE ? "address-space" : "managed", m.size,
                   m.session);
            break;
        }
        case IMAGE_DATASPACE: {
            struct image_dataspace d;
            image_decode(&rec, type, &d, sizeof(d));
            printf("\"id\":%u,\"component\":%u,\"shared\":%s,\"size\":%" PRIu64
                   ",\"session\":%u,\"pages\":%u",
                   d.id, d.component, d.flags & IMAGE_DS_SHARED ? "true" : "false", d.size,
                   d.session, page_count(v, d.id));
            break;
        }
        case IMAGE_THREAD: {
            struct image_thread t;
            image_decode(&rec, type, &t, sizeof(t));
            printf("\"id\":%u,\"component\":%u,\"name\":", t.id, t.component);
            json_str(t.name);
            printf(",\"priority\":%u,\"run_state\":\"%s\",\"blocked_call\":%u,\"utcb\":%" PRIu64
                   ",\"session\":%u,\"pc\":\"0x%016" PRIx64 "\",\"fcsr\":\"0x%" PRIx64
                   "\",\"state_bytes\":%u",
                   t.priority, run_state_name(t.run_state), t.blocked_call, t.utcb, t.session, t.pc,
                   t.fcsr, t.blob_len);
            json_regs("x", t.x, 1, 32);
            json_regs("f", t.f, 0, 32);
            break;
        }
        case IMAGE_GATE: {
            struct image_gate g;
            image_decode(&rec, type, &g, sizeof(g));
            printf("\"id\":%u,\"component\":%u,\"thread\":%u,\"session\":%u", g.id, g.component,
                   g.thread, g.session);
            break;
        }
        case IMAGE_SIGNAL: {
            struct image_signal s;
            image_decode(&rec, type, &s, sizeof(s));
            printf("\"id\":%u,\"component\":%u,\"pending\":%u,\"session\":%u", s.id, s.component,
                   s.pending, s.session);
            break;
        }
        case IMAGE_ATTACHMENT: {
            struct image_attachment t;
            char r[5];
            image_decode(&rec, type, &t, sizeof(t));
            rights(r, t.rights, true);
            printf("\"region_map\":%u,\"target\":%u,\"addr\":%" PRIu64 ",\"size\":%" PRIu64
                   ",\"offset\":%" PRIu64 ",\"rights\":\"%s\"",
                   t.rm, t.target, t.addr, t.size, t.offset, r);
            break;
        }
        case IMAGE_CAP: {
            struct image_cap c;
            char r[5];
            image_decode(&rec, type, &c, sizeof(c));
            rights(r, c.rights, false);
            printf("\"component\":%u,\"slot\":%u,\"type\":\"%s\",\"rights\":\"%s\",\"role\":\"%s\""
                   ",\"object\":%u,\"stale\":%s",
                   c.component, c.slot, obj_type_name(c.type), r, image_role_name(c.role), c.object,
                   c.flags & IMAGE_CAP_STALE ? "true" : "false");
            break;
        }
        case IMAGE_TABLE: {
            struct image_table_entry e;
            image_decode(&rec, type, &e, sizeof(e));
            printf("\"component\":%u,\"table\":\"%s\",\"slot\":%u,\"object\":%u,\"refcount\":%u",
                   e.component, image_table_name(e.table), e.slot, e.object, e.refcount);
            break;
        }
        }
        putchar('}');
    }
    printf("%s]", first ? "" : "\n");
}

static void show_json(const struct image_view *v, size_t len)
{
    char d[33], p[33];
    struct image_iter it;
    struct image_record rec;
    digest_hex(&v->digest, d);
    digest_hex(&v->header.parent, p);
    printf("{\"ecu\":%" PRIu64 ",\"sequence\":%" PRIu64 ",\"incremental\":%s,\"parent\":",
           v->header.ecu, v->header.sequence,
           v->header.flags & IMAGE_FLAG_INCREMENTAL ? "true" : "false");
    if (v->header.flags & IMAGE_FLAG_INCREMENTAL)
        printf("\"%s\"", p);
    else
        printf("null");
    printf(",\"digest\":\"%s\",\"records\":%u,\"bytes\":%zu", d, v->records, len);
    json_section(v, IMAGE_COMPONENT, "components");
    json_section(v, IMAGE_SESSION, "sessions");
    json_section(v, IMAGE_REGION_MAP, "region_maps");
    json_section(v, IMAGE_DATASPACE, "dataspaces");
    json_section(v, IMAGE_THREAD, "threads");
    json_section(v, IMAGE_GATE, "gates");
    json_section(v, IMAGE_SIGNAL, "signals");
    json_section(v, IMAGE_ATTACHMENT, "attachments");
    json_section(v, IMAGE_CAP, "caps");
    json_section(v, IMAGE_TABLE, "tables");
    printf(",\n\"stats\":");
    bool stats = false;
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec)) {
        struct image_stats s;
        if (rec.type != IMAGE_STATS)
            continue;
        image_decode(&rec, IMAGE_STATS, &s, sizeof(s));
        printf("{\"memory_bytes\":%" PRIu64 ",\"pages_stored\":%" PRIu64 ",\"pages_zero\":%" PRIu64
               ",\"pages_clean\":%" PRIu64 ",\"freeze_instret\":%" PRIu64
               ",\"capture_instret\":%" PRIu64 ",\"copy_instret\":%" PRIu64
               ",\"encode_instret\":%" PRIu64 "}",
               s.memory_bytes, s.pages_stored, s.pages_zero, s.pages_clean, s.freeze_instret,
               s.capture_instret, s.copy_instret, s.encode_instret);
        stats = true;
    }
    printf("%s}\n", stats ? "" : "null");
}

/* ---- diff ---- */

/* A record's identity across two images, and its rendering. */
struct line {
    char key[64];
    char *text;
    bool page;
};

static void record_key(const struct image_record *rec, char key[64])
{
    const uint8_t *p = rec->payload;
    uint32_t w0 = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    uint32_t w1 = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
    switch (rec->type) {
    case IMAGE_ATTACHMENT: {
        struct image_attachment a;
        image_decode(rec, rec->type, &a, sizeof(a));
        snprintf(key, 64, "%02u %u %016" PRIx64, rec->type, a.rm, a.addr);
        break;
    }
    case IMAGE_CAP:
        snprintf(key, 64, "%02u %u %u", rec->type, w0, w1);
        break;
    case IMAGE_TABLE: {
        struct image_table_entry e;
        image_decode(rec, rec->type, &e, sizeof(e));
        snprintf(key, 64, "%02u %u %u %u", rec->type, e.component, e.table, e.slot);
        break;
    }
    case IMAGE_PAGE: {
        struct image_page pg;
        image_decode(rec, rec->type, &pg, sizeof(pg));
        snprintf(key, 64, "%02u %u %016" PRIx64, rec->type, pg.dataspace, pg.index);
        break;
    }
    case IMAGE_STATS:
        snprintf(key, 64, "%02u", rec->type);
        break;
    default: /* objects */
        snprintf(key, 64, "%02u %u", rec->type, w0);
        break;
    }
}

static struct line *lines_of(const struct image_view *v, size_t *n)
{
    struct line *l = calloc(v->records + 1, sizeof(*l));
    struct image_iter it;
    struct image_record rec;
    *n = 0;
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec)) {
        size_t size;
        FILE *f = open_memstream(&l[*n].text, &size);
        render(f, v, &rec, true);
        fclose(f);
        record_key(&rec, l[*n].key);
        l[*n].page = rec.type == IMAGE_PAGE;
        (*n)++;
    }
    return l;
}

static const struct line *find_line(const struct line *l, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].key, key) == 0)
            return &l[i];
    return NULL;
}

/* Prints "- " / "+ " before each line of text. */
static void print_prefixed(char sign, const char *text)
{
    for (const char *s = text; *s;) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        printf("%c %.*s\n", sign, (int)n, s);
        s += n + (e ? 1 : 0);
    }
}

/* Whether `child` is an incremental image on `parent`: pages it lacks are
 * the parent's, not differences. */
static bool child_of(const struct image_view *child, const struct image_view *parent)
{
    return (child->header.flags & IMAGE_FLAG_INCREMENTAL) &&
           child->header.parent.lo == parent->digest.lo &&
           child->header.parent.hi == parent->digest.hi;
}

static int diff(const struct image_view *a, size_t alen, const struct image_view *b, size_t blen)
{
    bool b_inherits = child_of(b, a), a_inherits = child_of(a, b);
    size_t na, nb;
    struct line *la = lines_of(a, &na), *lb = lines_of(b, &nb);
    int changes = 0;
    char *ha, *hb;
    size_t size;
    FILE *f = open_memstream(&ha, &size);
    render_header(f, a, alen);
    fclose(f);
    f = open_memstream(&hb, &size);
    render_header(f, b, blen);
    fclose(f);
    if (strcmp(ha, hb) != 0) {
        print_prefixed('-', ha);
        print_prefixed('+', hb);
        changes++;
    }
    for (size_t i = 0; i < na; i++) {
        const struct line *o = find_line(lb, nb, la[i].key);
        if (!o && la[i].page && b_inherits)
            continue;
        if (!o) {
            print_prefixed('-', la[i].text);
            changes++;
        } else if (strcmp(o->text, la[i].text) != 0) {
            print_prefixed('-', la[i].text);
            print_prefixed('+', o->text);
            changes++;
        }
    }
    for (size_t i = 0; i < nb; i++)
        if (!find_line(la, na, lb[i].key) && !(lb[i].page && a_inherits)) {
            print_prefixed('+', lb[i].text);
            changes++;
        }
    printf("%d difference%s%s\n", changes, changes == 1 ? "" : "s",
           a_inherits || b_inherits ? " (pages the incremental image lacks are its parent's)" : "");
    for (size_t i = 0; i < na; i++)
        free(la[i].text);
    for (size_t i = 0; i < nb; i++)
        free(lb[i].text);
    free(la), free(lb), free(ha), free(hb);
    return changes ? 1 : 0;
}

/* ---- commands ---- */

static int cmd_list(const char *disk)
{
    uint64_t free_sectors, largest;
    open_store(disk, "rb");
    printf("%-24s %10s %-11s %8s %-32s %s\n", "name", "bytes", "kind", "sequence", "digest",
           "parent");
    for (uint32_t i = 0; i < store.count; i++) {
        const struct imgstore_entry *e = &store.entries[i];
        char d[33];
        const char *parent = "-";
        digest_hex(&e->digest, d);
        if (e->flags & IMAGE_FLAG_INCREMENTAL) {
            parent = "(missing)";
            for (uint32_t j = 0; j < store.count; j++)
                if (store.entries[j].digest.lo == e->parent.lo &&
                    store.entries[j].digest.hi == e->parent.hi)
                    parent = store.entries[j].name;
        }
        printf("%-24s %10" PRIu64 " %-11s %8" PRIu64 " %s %s\n", e->name, e->bytes,
               e->flags & IMAGE_FLAG_INCREMENTAL ? "incremental" : "full", e->sequence, d, parent);
    }
    imgstore_free(&store, &free_sectors, &largest);
    printf("%u image%s, %" PRIu64 " bytes free (largest extent %" PRIu64 " bytes)\n", store.count,
           store.count == 1 ? "" : "s", free_sectors * IMGSTORE_SECTOR, largest * IMGSTORE_SECTOR);
    return 0;
}

/* Verifies a store image's parents first (base to tip). */
static bool verify_chain(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    char disk[256];
    snprintf(disk, sizeof(disk), "%.*s", (int)(colon - spec), spec);
    open_store(disk, "rb");
    const struct imgstore_entry *chain[IMGSTORE_MAX_IMAGES];
    unsigned n = 0;
    long err = imgstore_chain(&store, colon + 1, chain, IMGSTORE_MAX_IMAGES, &n);
    if (err) {
        printf("%s: invalid: %s: %s\n", spec, imgstore_error_name(err), imgstore_error_text(err));
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        struct source s;
        struct image_view v;
        char sub[300];
        snprintf(sub, sizeof(sub), "%s:%s", disk, chain[i]->name);
        load(&s, sub, NULL);
        bool ok = check(&s, &v, stdout);
        free(s.data);
        if (!ok)
            return false;
        /* reload: load() remounted the store, chain[] still points into it */
    }
    return true;
}

static int cmd_verify(const char *spec, const char *parent)
{
    struct source s;
    struct image_view v;
    char d[33];
    if (strrchr(spec, ':') && !verify_chain(spec))
        return 1;
    load(&s, spec, parent);
    if (!check(&s, &v, stdout))
        return 1;
    digest_hex(&v.digest, d);
    printf("%s: ok, %s image, %u records, %zu bytes, digest %s\n", s.label,
           v.header.flags & IMAGE_FLAG_INCREMENTAL ? "incremental" : "full", v.records, s.len, d);
    free(s.data);
    return 0;
}

static int cmd_show(const char *spec, const char *parent, bool json)
{
    struct source s;
    struct image_view v;
    load(&s, spec, parent);
    if (!check(&s, &v, stderr))
        return 1;
    if (json)
        show_json(&v, s.len);
    else
        show_text(&v, s.len);
    free(s.data);
    return 0;
}

static int cmd_diff(const char *spec_a, const char *spec_b, const char *parent)
{
    struct source a, b;
    struct image_view va, vb;
    invalid_exit = 2;
    load(&a, spec_a, parent);
    if (!check(&a, &va, stderr))
        return 2;
    load(&b, spec_b, parent);
    if (!check(&b, &vb, stderr))
        return 2;
    int r = diff(&va, a.len, &vb, b.len);
    free(a.data), free(b.data);
    return r;
}

static int cmd_format(const char *disk, const char *sectors_arg)
{
    char *end;
    unsigned long long sectors = strtoull(sectors_arg, &end, 0);
    if (*end || sectors == 0)
        die("format: bad sector count '%s'", sectors_arg);
    FILE *f = fopen(disk, "w+b");
    if (!f)
        die("%s: %s", disk, strerror(errno));
    if (ftruncate(fileno(f), (off_t)(sectors * IMGSTORE_SECTOR)) != 0)
        die("%s: %s", disk, strerror(errno));
    struct imgstore_dev dev = {
        .ctx = f, .sectors = sectors, .read = file_read, .write = file_write, .flush = file_flush};
    long err = imgstore_format(&store, &dev);
    if (err)
        die("%s: %s", disk, imgstore_error_text(err));
    fclose(f);
    return 0;
}

static int cmd_put_delete(const char *disk, const char *name, const char *file)
{
    open_store(disk, "r+b");
    long err;
    if (file) {
        size_t len;
        uint8_t *data = read_file(file, &len);
        err = imgstore_write(&store, name, data, len);
        free(data);
    } else {
        err = imgstore_delete(&store, name);
    }
    if (err) {
        fprintf(stderr, "%s: %s:%s: %s (%s)\n", prog, disk, name, imgstore_error_text(err),
                imgstore_error_name(err));
        return 1;
    }
    fclose(store.dev.ctx);
    return 0;
}

static long file_sink(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static int cmd_sample(const char *out, const char *parent_file, const char *grandparent)
{
    struct image_digest parent;
    if (parent_file) {
        struct source s;
        struct image_view v;
        load(&s, parent_file, grandparent);
        if (!check(&s, &v, stderr))
            return 1;
        parent = v.digest;
        free(s.data);
    }
    FILE *f = fopen(out, "wb");
    if (!f)
        die("%s: %s", out, strerror(errno));
    long err = sample_image_write(file_sink, f, parent_file ? &parent : NULL, NULL);
    if (err || fclose(f) != 0)
        die("%s: cannot write", out);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s list DISK\n"
            "       %s show [--json] [--parent FILE] SRC\n"
            "       %s verify [--parent FILE] SRC\n"
            "       %s diff [--parent FILE] SRC SRC\n"
            "       %s format DISK SECTORS | put DISK NAME FILE | delete DISK NAME\n"
            "       %s sample [--parent FILE] FILE [PARENT_FILE]\n"
            "SRC is DISK:NAME or an image FILE\n",
            prog, prog, prog, prog, prog, prog);
    exit(2);
}

int main(int argc, char **argv)
{
    bool json = false;
    const char *parent = NULL;
    const char *args[4];
    int n = 0;
    if (argc < 2)
        usage();
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--parent") == 0 && i + 1 < argc)
            parent = argv[++i];
        else if (n < 4)
            args[n++] = argv[i];
        else
            usage();
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0 && n == 1)
        return cmd_list(args[0]);
    if (strcmp(cmd, "show") == 0 && n == 1)
        return cmd_show(args[0], parent, json);
    if (strcmp(cmd, "verify") == 0 && n == 1)
        return cmd_verify(args[0], parent);
    if (strcmp(cmd, "diff") == 0 && n == 2)
        return cmd_diff(args[0], args[1], parent);
    if (strcmp(cmd, "format") == 0 && n == 2)
        return cmd_format(args[0], args[1]);
    if (strcmp(cmd, "put") == 0 && n == 3)
        return cmd_put_delete(args[0], args[1], args[2]);
    if (strcmp(cmd, "delete") == 0 && n == 2)
        return cmd_put_delete(args[0], args[1], NULL);
    if (strcmp(cmd, "sample") == 0 && (n == 1 || n == 2))
        return cmd_sample(args[0], n == 2 ? args[1] : NULL, parent);
    usage();
}
