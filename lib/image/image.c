/*
 * The checkpoint image codec (image.h; format in docs/image.md).
 *
 * Each record type's payload is described once, by a table of fields (wire
 * offset, host offset, kind); the encoder packs with it, the decoder unpacks
 * with it and checks reserved bytes and strings with it, so the layout is
 * written down in exactly one place in the code.
 */
#include "image.h"
#include "le.h"

#include <string.h>

#include "xxh.h"

_Static_assert(sizeof(XXH3_state_t) <= sizeof(struct image_hash_state), "hash state fits");
_Static_assert(_Alignof(XXH3_state_t) <= _Alignof(struct image_hash_state), "hash state aligned");

#define HASH(s) ((XXH3_state_t *)(void *)(s)->bytes)

static uint64_t pad8(uint64_t n)
{
    return (n + 7) & ~7ull;
}

bool image_page_is_zero(const void *page)
{
    const uint64_t *w = page;
    for (size_t i = 0; i < IMAGE_PAGE_SIZE / 8; i++)
        if (w[i] != 0)
            return false;
    return true;
}

/* ---- record layouts ---- */

enum field_kind {
    F_U8,
    F_U16,
    F_U32,
    F_U64,
    F_STR,  /* char[count], NUL-terminated, NUL-padded, may be empty */
    F_NAME, /* as F_STR, not empty */
    F_RSV,  /* count reserved bytes, zero */
};

/* One field: `count` elements (bytes for strings) at wire offset `wire`. */
struct field {
    uint16_t wire, host;
    uint8_t kind, count;
};

#define FLD(kind, wire, T, m)                                                                      \
    {                                                                                              \
        wire, offsetof(T, m), kind, 1                                                              \
    }
#define ARR(kind, wire, T, m, n)                                                                   \
    {                                                                                              \
        wire, offsetof(T, m), kind, n                                                              \
    }
#define STR(kind, wire, T, m)                                                                      \
    {                                                                                              \
        wire, offsetof(T, m), kind, sizeof(((T *)0)->m)                                            \
    }
#define RSV(wire, n)                                                                               \
    {                                                                                              \
        wire, 0, F_RSV, n                                                                          \
    }

static const struct field component_fields[] = {
    FLD(F_U32, 0x00, struct image_component, id),
    RSV(0x04, 4),
    FLD(F_U64, 0x08, struct image_component, ram_quota),
    FLD(F_U64, 0x10, struct image_component, cap_quota),
    STR(F_NAME, 0x18, struct image_component, name),
};
static const struct field session_fields[] = {
    FLD(F_U32, 0x00, struct image_session, id),
    FLD(F_U32, 0x04, struct image_session, component),
    FLD(F_U32, 0x08, struct image_session, server),
    RSV(0x0c, 4),
    FLD(F_U64, 0x10, struct image_session, ram_quota),
    FLD(F_U64, 0x18, struct image_session, cap_quota),
    STR(F_NAME, 0x20, struct image_session, service),
    STR(F_STR, 0x40, struct image_session, label),
    STR(F_STR, 0x80, struct image_session, args),
};
static const struct field region_map_fields[] = {
    FLD(F_U32, 0x00, struct image_region_map, id),
    FLD(F_U32, 0x04, struct image_region_map, component),
    FLD(F_U32, 0x08, struct image_region_map, flags),
    FLD(F_U32, 0x0c, struct image_region_map, session),
    FLD(F_U64, 0x10, struct image_region_map, size),
};
static const struct field dataspace_fields[] = {
    FLD(F_U32, 0x00, struct image_dataspace, id),
    FLD(F_U32, 0x04, struct image_dataspace, component),
    FLD(F_U32, 0x08, struct image_dataspace, flags),
    FLD(F_U32, 0x0c, struct image_dataspace, session),
    FLD(F_U64, 0x10, struct image_dataspace, size),
};
static const struct field thread_fields[] = {
    FLD(F_U32, 0x00, struct image_thread, id),
    FLD(F_U32, 0x04, struct image_thread, component),
    FLD(F_U32, 0x08, struct image_thread, session),
    RSV(0x0c, 4),
    FLD(F_U32, 0x10, struct image_thread, priority),
    FLD(F_U32, 0x14, struct image_thread, run_state),
    FLD(F_U32, 0x18, struct image_thread, blocked_call),
    FLD(F_U32, 0x1c, struct image_thread, blob_len),
    FLD(F_U64, 0x20, struct image_thread, utcb),
    STR(F_STR, 0x28, struct image_thread, name),
    ARR(F_U64, 0x48, struct image_thread, x[1], 31),
    FLD(F_U64, 0x140, struct image_thread, pc),
    ARR(F_U64, 0x148, struct image_thread, f, 32),
    FLD(F_U64, 0x248, struct image_thread, fcsr),
};
static const struct field gate_fields[] = {
    FLD(F_U32, 0x00, struct image_gate, id),
    FLD(F_U32, 0x04, struct image_gate, component),
    FLD(F_U32, 0x08, struct image_gate, thread),
    FLD(F_U32, 0x0c, struct image_gate, session),
};
static const struct field signal_fields[] = {
    FLD(F_U32, 0x00, struct image_signal, id),
    FLD(F_U32, 0x04, struct image_signal, component),
    FLD(F_U32, 0x08, struct image_signal, session),
    FLD(F_U32, 0x0c, struct image_signal, pending),
};
static const struct field attachment_fields[] = {
    FLD(F_U32, 0x00, struct image_attachment, rm),
    FLD(F_U32, 0x04, struct image_attachment, target),
    FLD(F_U32, 0x08, struct image_attachment, rights),
    RSV(0x0c, 4),
    FLD(F_U64, 0x10, struct image_attachment, addr),
    FLD(F_U64, 0x18, struct image_attachment, size),
    FLD(F_U64, 0x20, struct image_attachment, offset),
};
static const struct field cap_fields[] = {
    FLD(F_U32, 0x00, struct image_cap, component), FLD(F_U32, 0x04, struct image_cap, slot),
    FLD(F_U8, 0x08, struct image_cap, type),       FLD(F_U8, 0x09, struct image_cap, rights),
    FLD(F_U8, 0x0a, struct image_cap, role),       FLD(F_U8, 0x0b, struct image_cap, flags),
    FLD(F_U32, 0x0c, struct image_cap, object),
};
static const struct field table_fields[] = {
    FLD(F_U32, 0x00, struct image_table_entry, component),
    FLD(F_U16, 0x04, struct image_table_entry, table),
    RSV(0x06, 2),
    FLD(F_U32, 0x08, struct image_table_entry, slot),
    FLD(F_U32, 0x0c, struct image_table_entry, object),
    FLD(F_U32, 0x10, struct image_table_entry, refcount),
    RSV(0x14, 4),
};
static const struct field page_fields[] = {
    FLD(F_U32, 0x00, struct image_page, dataspace),
    RSV(0x04, 4),
    FLD(F_U64, 0x08, struct image_page, index),
};
static const struct field stats_fields[] = {
    FLD(F_U64, 0x00, struct image_stats, memory_bytes),
    FLD(F_U64, 0x08, struct image_stats, pages_stored),
    FLD(F_U64, 0x10, struct image_stats, pages_zero),
    FLD(F_U64, 0x18, struct image_stats, pages_clean),
    FLD(F_U64, 0x20, struct image_stats, freeze_instret),
    FLD(F_U64, 0x28, struct image_stats, capture_instret),
    FLD(F_U64, 0x30, struct image_stats, copy_instret),
    FLD(F_U64, 0x38, struct image_stats, encode_instret),
};

/* END: record count, then the digest (struct image_end). */
static const struct field end_fields[] = {
    FLD(F_U32, 0x00, struct image_end, records),
    RSV(0x04, 4),
    FLD(F_U64, 0x08, struct image_end, digest.lo),
    FLD(F_U64, 0x10, struct image_end, digest.hi),
};

/* A type's layout: `fixed` payload bytes described by fields; THREAD adds a
 * blob of up to IMAGE_THREAD_BLOB_MAX bytes, PAGE a page of data. */
struct layout {
    const char *name;
    const struct field *fields;
    uint8_t nfields;
    uint16_t fixed;
    uint16_t host_size;
    uint16_t extra; /* bytes that follow the fields: THREAD's state, PAGE's contents */
};

#define LAYOUT(n, f, len, T, extra)                                                                \
    {                                                                                              \
        n, f, ARRAY_LEN(f), len, sizeof(T), extra                                                  \
    }
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct layout layouts[IMAGE_TYPE_COUNT] = {
    [IMAGE_COMPONENT] = LAYOUT("COMPONENT", component_fields, 0x38, struct image_component, 0),
    [IMAGE_SESSION] = LAYOUT("SESSION", session_fields, 0x100, struct image_session, 0),
    [IMAGE_REGION_MAP] = LAYOUT("REGION_MAP", region_map_fields, 0x18, struct image_region_map, 0),
    [IMAGE_DATASPACE] = LAYOUT("DATASPACE", dataspace_fields, 0x18, struct image_dataspace, 0),
    [IMAGE_THREAD] =
        LAYOUT("THREAD", thread_fields, 0x250, struct image_thread, IMAGE_THREAD_BLOB_MAX),
    [IMAGE_GATE] = LAYOUT("GATE", gate_fields, 0x10, struct image_gate, 0),
    [IMAGE_SIGNAL] = LAYOUT("SIGNAL", signal_fields, 0x10, struct image_signal, 0),
    [IMAGE_ATTACHMENT] = LAYOUT("ATTACHMENT", attachment_fields, 0x28, struct image_attachment, 0),
    [IMAGE_CAP] = LAYOUT("CAP", cap_fields, 0x10, struct image_cap, 0),
    [IMAGE_TABLE] = LAYOUT("TABLE", table_fields, 0x18, struct image_table_entry, 0),
    [IMAGE_PAGE] = LAYOUT("PAGE", page_fields, IMAGE_PAGE_DATA - IMAGE_RECORD_HEADER,
                          struct image_page, IMAGE_PAGE_SIZE),
    [IMAGE_STATS] = LAYOUT("STATS", stats_fields, 0x40, struct image_stats, 0),
    [IMAGE_END] = LAYOUT("END", end_fields, 0x18, struct image_end, 0),
};
#define MAX_FIXED 0x250u /* the largest fields part (THREAD) */

static const struct layout *layout_of(uint16_t type)
{
    if (type == 0 || type >= IMAGE_TYPE_COUNT)
        return NULL;
    return &layouts[type];
}

/* Every type has one payload length: records of a type form an array. */
static uint32_t record_len(const struct layout *l)
{
    return (uint32_t)l->fixed + l->extra;
}

/* Bytes from one record of a type to the next. */
static uint64_t record_stride(uint16_t type)
{
    return IMAGE_RECORD_HEADER + pad8(record_len(&layouts[type]));
}

size_t image_record_size(uint16_t type)
{
    return layout_of(type) ? (size_t)record_stride(type) : 0;
}

static unsigned kind_size(uint8_t kind)
{
    switch (kind) {
    case F_U8:
        return 1;
    case F_U16:
        return 2;
    case F_U32:
        return 4;
    case F_U64:
        return 8;
    default:
        return 1;
    }
}

static uint64_t host_get(const uint8_t *p, uint8_t kind)
{
    switch (kind) {
    case F_U8:
        return *p;
    case F_U16:
        return *(const uint16_t *)(const void *)p;
    case F_U32:
        return *(const uint32_t *)(const void *)p;
    default:
        return *(const uint64_t *)(const void *)p;
    }
}

static void host_put(uint8_t *p, uint8_t kind, uint64_t v)
{
    switch (kind) {
    case F_U8:
        *p = (uint8_t)v;
        break;
    case F_U16:
        *(uint16_t *)(void *)p = (uint16_t)v;
        break;
    case F_U32:
        *(uint32_t *)(void *)p = (uint32_t)v;
        break;
    default:
        *(uint64_t *)(void *)p = v;
        break;
    }
}

/* Host structure -> wire bytes (l->fixed of them). Strings are copied up to
 * their NUL and zero-padded; reserved bytes are zero. */
static void pack(const struct layout *l, const void *host, uint8_t *wire)
{
    memset(wire, 0, l->fixed);
    for (unsigned i = 0; i < l->nfields; i++) {
        const struct field *f = &l->fields[i];
        const uint8_t *h = (const uint8_t *)host + f->host;
        if (f->kind == F_RSV)
            continue;
        if (f->kind == F_STR || f->kind == F_NAME) {
            for (unsigned b = 0; b < f->count && h[b] != 0; b++)
                wire[f->wire + b] = h[b];
            continue;
        }
        unsigned n = kind_size(f->kind);
        for (unsigned e = 0; e < f->count; e++)
            put_le(wire + f->wire + e * n, host_get(h + e * n, f->kind), n);
    }
}

/* Wire bytes -> host structure (zeroed first). */
static void unpack(const struct layout *l, const uint8_t *wire, void *host)
{
    memset(host, 0, l->host_size);
    for (unsigned i = 0; i < l->nfields; i++) {
        const struct field *f = &l->fields[i];
        uint8_t *h = (uint8_t *)host + f->host;
        if (f->kind == F_RSV)
            continue;
        if (f->kind == F_STR || f->kind == F_NAME) {
            memcpy(h, wire + f->wire, f->count);
            continue;
        }
        unsigned n = kind_size(f->kind);
        for (unsigned e = 0; e < f->count; e++)
            host_put(h + e * n, f->kind, get_le(wire + f->wire + e * n, n));
    }
}

/* Reserved bytes zero, strings terminated and padded. Returns the error and
 * the offending field's wire offset in *at. */
static long check_fields(const struct layout *l, const uint8_t *wire, uint32_t *at)
{
    for (unsigned i = 0; i < l->nfields; i++) {
        const struct field *f = &l->fields[i];
        const uint8_t *w = wire + f->wire;
        *at = f->wire;
        if (f->kind == F_RSV && !all_zero(w, f->count))
            return IMAGE_E_RESERVED;
        if (f->kind != F_STR && f->kind != F_NAME)
            continue;
        if (!string_field_ok(w, f->count, f->kind == F_NAME))
            return IMAGE_E_NAME;
    }
    return IMAGE_OK;
}

/* ---- names ---- */

static const char *const error_names[IMAGE_ERROR_COUNT] = {
    [IMAGE_OK] = "OK",
    [IMAGE_E_TRUNCATED] = "TRUNCATED",
    [IMAGE_E_MAGIC] = "MAGIC",
    [IMAGE_E_VERSION] = "VERSION",
    [IMAGE_E_HEADER_SIZE] = "HEADER_SIZE",
    [IMAGE_E_HEADER_CHECKSUM] = "HEADER_CHECKSUM",
    [IMAGE_E_FLAGS] = "FLAGS",
    [IMAGE_E_RESERVED] = "RESERVED",
    [IMAGE_E_PARENT] = "PARENT",
    [IMAGE_E_PARENT_MISSING] = "PARENT_MISSING",
    [IMAGE_E_NOT_INCREMENTAL] = "NOT_INCREMENTAL",
    [IMAGE_E_TYPE] = "TYPE",
    [IMAGE_E_LENGTH] = "LENGTH",
    [IMAGE_E_CHECKSUM] = "CHECKSUM",
    [IMAGE_E_ORDER] = "ORDER",
    [IMAGE_E_VALUE] = "VALUE",
    [IMAGE_E_NAME] = "NAME",
    [IMAGE_E_SIZE] = "SIZE",
    [IMAGE_E_ZERO_ID] = "ZERO_ID",
    [IMAGE_E_DUPLICATE_ID] = "DUPLICATE_ID",
    [IMAGE_E_DANGLING_ID] = "DANGLING_ID",
    [IMAGE_E_WRONG_KIND] = "WRONG_KIND",
    [IMAGE_E_FOREIGN] = "FOREIGN",
    [IMAGE_E_ADDRESS_SPACE] = "ADDRESS_SPACE",
    [IMAGE_E_RANGE] = "RANGE",
    [IMAGE_E_OVERLAP] = "OVERLAP",
    [IMAGE_E_DUPLICATE_SLOT] = "DUPLICATE_SLOT",
    [IMAGE_E_NO_SLOT] = "NO_SLOT",
    [IMAGE_E_MISMATCH] = "MISMATCH",
    [IMAGE_E_DUPLICATE_OBJECT] = "DUPLICATE_OBJECT",
    [IMAGE_E_PAGE_RANGE] = "PAGE_RANGE",
    [IMAGE_E_PAGE_ORDER] = "PAGE_ORDER",
    [IMAGE_E_COUNT] = "COUNT",
    [IMAGE_E_DIGEST] = "DIGEST",
    [IMAGE_E_TRAILING] = "TRAILING",
    [IMAGE_E_TOO_MANY] = "TOO_MANY",
    [IMAGE_E_SINK] = "SINK",
    [IMAGE_E_FINISHED] = "FINISHED",
};

static const char *const error_texts[IMAGE_ERROR_COUNT] = {
    [IMAGE_OK] = "valid",
    [IMAGE_E_TRUNCATED] = "image ends inside the header, inside a record or before its END record",
    [IMAGE_E_MAGIC] = "not a Ferry checkpoint image (bad magic)",
    [IMAGE_E_VERSION] = "image format version not supported",
    [IMAGE_E_HEADER_SIZE] = "header size is not 64",
    [IMAGE_E_HEADER_CHECKSUM] = "header checksum mismatch",
    [IMAGE_E_FLAGS] = "unknown flag bits set",
    [IMAGE_E_RESERVED] = "reserved field or padding is not zero",
    [IMAGE_E_PARENT] = "parent digest does not match the parent image",
    [IMAGE_E_PARENT_MISSING] = "incremental image needs its parent image",
    [IMAGE_E_NOT_INCREMENTAL] = "a parent was given but the image is not incremental",
    [IMAGE_E_TYPE] = "unknown record type",
    [IMAGE_E_LENGTH] = "record length wrong for its type",
    [IMAGE_E_CHECKSUM] = "record checksum mismatch",
    [IMAGE_E_ORDER] = "record out of order",
    [IMAGE_E_VALUE] = "field value out of range",
    [IMAGE_E_NAME] = "string empty, unterminated or not zero-padded",
    [IMAGE_E_SIZE] = "size zero, not page aligned or too large",
    [IMAGE_E_ZERO_ID] = "id 0 where an id is required",
    [IMAGE_E_DUPLICATE_ID] = "two objects with the same id",
    [IMAGE_E_DANGLING_ID] = "reference to an id no object has",
    [IMAGE_E_WRONG_KIND] = "reference to an object of the wrong type",
    [IMAGE_E_FOREIGN] = "reference to an object of another component",
    [IMAGE_E_ADDRESS_SPACE] = "component without exactly one address-space region map",
    [IMAGE_E_RANGE] = "attachment outside its region map or target",
    [IMAGE_E_OVERLAP] = "attachments overlap in one region map",
    [IMAGE_E_DUPLICATE_SLOT] = "capability slot recorded twice",
    [IMAGE_E_NO_SLOT] = "table entry names a slot without a capability",
    [IMAGE_E_MISMATCH] = "table entry's object differs from its slot's capability",
    [IMAGE_E_DUPLICATE_OBJECT] = "object twice in a capability map",
    [IMAGE_E_PAGE_RANGE] = "page index beyond its dataspace",
    [IMAGE_E_PAGE_ORDER] = "pages not in ascending (dataspace, index) order",
    [IMAGE_E_COUNT] = "record count in END does not match",
    [IMAGE_E_DIGEST] = "image digest mismatch",
    [IMAGE_E_TRAILING] = "bytes after the END record",
    [IMAGE_E_TOO_MANY] = "more objects than an image may hold",
    [IMAGE_E_SINK] = "output refused the image bytes",
    [IMAGE_E_FINISHED] = "encoder already finished or failed",
};

const char *image_error_name(long err)
{
    if (err < 0 || err >= IMAGE_ERROR_COUNT)
        return "UNKNOWN";
    return error_names[err];
}

const char *image_error_text(long err)
{
    if (err < 0 || err >= IMAGE_ERROR_COUNT)
        return "unknown error";
    return error_texts[err];
}

const char *image_type_name(uint16_t type)
{
    const struct layout *l = layout_of(type);
    return l ? l->name : "?";
}

const char *image_role_name(uint8_t role)
{
    static const char *const names[IMAGE_ROLE_COUNT] = {
        [IMAGE_ROLE_PARENT] = "parent",
        [IMAGE_ROLE_SESSION] = "session",
        [IMAGE_ROLE_DATASPACE] = "dataspace",
        [IMAGE_ROLE_REGION_MAP] = "region-map",
        [IMAGE_ROLE_THREAD] = "thread",
        [IMAGE_ROLE_GATE] = "gate",
        [IMAGE_ROLE_SIGNAL] = "signal",
        [IMAGE_ROLE_TASK] = "task",
        [IMAGE_ROLE_MANAGED_DS] = "managed-dataspace",
    };
    if (role == 0 || role >= IMAGE_ROLE_COUNT)
        return "?";
    return names[role];
}

const char *image_table_name(uint16_t table)
{
    static const char *const names[IMAGE_TABLE_COUNT] = {
        [IMAGE_TABLE_CAPMAP] = "capmap",
        [IMAGE_TABLE_RPC_POOL] = "rpc-pool",
        [IMAGE_TABLE_SIGNALS] = "signals",
    };
    if (table == 0 || table >= IMAGE_TABLE_COUNT)
        return "?";
    return names[table];
}

/* ---- hashing ---- */

/* Seed of a record's checksum: binds type, length and position to it. */
static uint64_t record_seed(uint16_t type, uint32_t len, uint32_t index)
{
    _Alignas(8) uint8_t b[16] = {0}; /* aligned: xxhash loads words */
    put_le(b, type, 2);
    put_le(b + 4, len, 4);
    put_le(b + 8, index, 8);
    return XXH3_64bits(b, sizeof(b));
}

static void hash_init(struct image_hash_state *s)
{
    memset(s, 0, sizeof(*s));
    XXH3_INITSTATE(HASH(s));
}

/* ---- header ---- */

static void header_pack(const struct image_header *h, uint8_t w[IMAGE_HEADER_SIZE])
{
    memset(w, 0, IMAGE_HEADER_SIZE);
    memcpy(w, IMAGE_MAGIC, 8);
    put_le(w + 0x08, IMAGE_VERSION, 2);
    put_le(w + 0x0a, IMAGE_HEADER_SIZE, 2);
    put_le(w + 0x0c, h->flags, 4);
    put_le(w + 0x10, h->ecu, 8);
    put_le(w + 0x18, h->sequence, 8);
    put_le(w + 0x20, h->parent.lo, 8);
    put_le(w + 0x28, h->parent.hi, 8);
    put_le(w + 0x38, XXH3_64bits(w, 0x38), 8);
}

/* Checks and decodes the header; *at = offset of the failing field. */
static long header_check(const uint8_t *w, size_t len, struct image_header *h, uint64_t *at)
{
    *at = 0;
    if (len < IMAGE_HEADER_SIZE)
        return IMAGE_E_TRUNCATED;
    if (memcmp(w, IMAGE_MAGIC, 8) != 0)
        return IMAGE_E_MAGIC;
    *at = 0x08;
    if (get_le(w + 0x08, 2) != IMAGE_VERSION)
        return IMAGE_E_VERSION;
    *at = 0x0a;
    if (get_le(w + 0x0a, 2) != IMAGE_HEADER_SIZE)
        return IMAGE_E_HEADER_SIZE;
    *at = 0x38;
    if (get_le(w + 0x38, 8) != XXH3_64bits(w, 0x38))
        return IMAGE_E_HEADER_CHECKSUM;
    h->flags = (uint32_t)get_le(w + 0x0c, 4);
    h->ecu = get_le(w + 0x10, 8);
    h->sequence = get_le(w + 0x18, 8);
    h->parent.lo = get_le(w + 0x20, 8);
    h->parent.hi = get_le(w + 0x28, 8);
    *at = 0x0c;
    if (h->flags & ~IMAGE_FLAG_INCREMENTAL)
        return IMAGE_E_FLAGS;
    *at = 0x30;
    if (get_le(w + 0x30, 8) != 0)
        return IMAGE_E_RESERVED;
    *at = 0x20;
    if (!(h->flags & IMAGE_FLAG_INCREMENTAL) && (h->parent.lo | h->parent.hi) != 0)
        return IMAGE_E_RESERVED;
    return IMAGE_OK;
}

long image_read_header(const void *buf, size_t len, struct image_header *header)
{
    uint64_t at;
    return header_check(buf, len, header, &at);
}

/* ---- encoder ---- */

long image_buffer_sink(void *ctx, const void *data, size_t len)
{
    struct image_buffer *b = ctx;
    if (len > b->cap - b->len)
        return -1;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static long emit(struct image_encoder *enc, const void *data, size_t len)
{
    if (len == 0)
        return IMAGE_OK;
    if (enc->sink(enc->ctx, data, len) != 0) {
        enc->done = true;
        return IMAGE_E_SINK;
    }
    enc->offset += len;
    return IMAGE_OK;
}

static const uint8_t zeros[IMAGE_PAGE_SIZE]; /* large: XXH3 hashes a long input in place, a short
                                                one through its buffer */

/* Writes `n` zero bytes. */
static long emit_zeros(struct image_encoder *enc, uint64_t n)
{
    long err = IMAGE_OK;
    while (n && !err) {
        size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
        err = emit(enc, zeros, k);
        n -= k;
    }
    return err;
}

/* A record's checksum: XXH3-64 of its payload (a, b, `fill` zero bytes),
 * seeded with record_seed. A small payload is hashed in one call from a
 * copy; the streaming state's reset (a custom secret from the seed) and
 * digest cost more than the hash of a few dozen bytes itself. */
#define SMALL_RECORD 256
static uint64_t record_sum(struct image_encoder *enc, uint16_t type, const void *a, uint32_t alen,
                           const void *b, uint32_t blen, uint32_t fill)
{
    uint32_t len = alen + blen + fill;
    uint64_t seed = record_seed(type, len, enc->records);
    if (len <= SMALL_RECORD) {
        _Alignas(8) uint8_t buf[SMALL_RECORD];
        memcpy(buf, a, alen);
        if (blen)
            memcpy(buf + alen, b, blen);
        memset(buf + alen + blen, 0, fill);
        return XXH3_64bits_withSeed(buf, len, seed);
    }
    XXH3_64bits_reset_withSeed(HASH(&enc->record), seed);
    XXH3_64bits_update(HASH(&enc->record), a, alen);
    if (blen)
        XXH3_64bits_update(HASH(&enc->record), b, blen);
    for (uint32_t k = 0; k < fill; k += sizeof(zeros))
        XXH3_64bits_update(HASH(&enc->record), zeros,
                           fill - k < sizeof(zeros) ? fill - k : sizeof(zeros));
    return XXH3_64bits_digest(HASH(&enc->record));
}

/*
 * A large record written straight into image_buffer_sink's buffer: the
 * payload first, hashed in place in one XXH3 call, then its header (the
 * streaming state's buffering and digest cost a page record 17 % more).
 * The same bytes as emit_record's through the sink, or IMAGE_E_SINK with
 * nothing written if they do not fit.
 */
static long emit_in_place(struct image_encoder *enc, uint8_t hdr[IMAGE_RECORD_HEADER],
                          const void *a, uint32_t alen, const void *b, uint32_t blen, uint32_t fill)
{
    struct image_buffer *buf = enc->ctx;
    uint32_t len = alen + blen + fill;
    if (IMAGE_RECORD_HEADER + pad8(len) > buf->cap - buf->len) {
        enc->done = true;
        return IMAGE_E_SINK;
    }
    uint8_t *rec = buf->data + buf->len, *payload = rec + IMAGE_RECORD_HEADER;
    memcpy(payload, a, alen);
    if (blen && b != payload + alen) /* else already in place (image_encode_page) */
        memcpy(payload + alen, b, blen);
    memset(payload + alen + blen, 0, fill + pad8(len) - len);
    put_le(hdr + 8, XXH3_64bits_withSeed(payload, len, get_le(hdr + 8, 8)), 8);
    XXH3_128bits_update(HASH(&enc->digest), hdr, IMAGE_RECORD_HEADER);
    memcpy(rec, hdr, IMAGE_RECORD_HEADER);
    buf->len += IMAGE_RECORD_HEADER + pad8(len);
    enc->offset += IMAGE_RECORD_HEADER + pad8(len);
    enc->records++;
    return IMAGE_OK;
}

/* One record: payload parts a and b, then `fill` zero bytes, then the
 * padding. END's header stays out of the digest. */
static long emit_record(struct image_encoder *enc, uint16_t type, const void *a, uint32_t alen,
                        const void *b, uint32_t blen, uint32_t fill)
{
    uint32_t len = alen + blen + fill;
    uint8_t hdr[IMAGE_RECORD_HEADER] = {0};
    long err;

    if (enc->done)
        return IMAGE_E_FINISHED;
    put_le(hdr, type, 2);
    put_le(hdr + 4, len, 4);
    if (enc->sink == image_buffer_sink && len > SMALL_RECORD && type != IMAGE_END) {
        put_le(hdr + 8, record_seed(type, len, enc->records), 8); /* the seed, until hashed */
        return emit_in_place(enc, hdr, a, alen, b, blen, fill);
    }
    put_le(hdr + 8, record_sum(enc, type, a, alen, b, blen, fill), 8);
    if (type != IMAGE_END)
        XXH3_128bits_update(HASH(&enc->digest), hdr, sizeof(hdr));
    if ((err = emit(enc, hdr, sizeof(hdr))) || (err = emit(enc, a, alen)) ||
        (err = emit(enc, b, blen)) || (err = emit_zeros(enc, fill + pad8(len) - len)))
        return err;
    enc->records++;
    return IMAGE_OK;
}

long image_encode_begin(struct image_encoder *enc, image_sink_fn sink, void *ctx,
                        const struct image_header *header)
{
    _Alignas(8) uint8_t w[IMAGE_HEADER_SIZE];

    enc->sink = sink;
    enc->ctx = ctx;
    enc->records = 0;
    enc->offset = 0;
    enc->done = false;
    hash_init(&enc->digest);
    hash_init(&enc->record);
    XXH3_128bits_reset(HASH(&enc->digest));
    header_pack(header, w);
    XXH3_128bits_update(HASH(&enc->digest), w, sizeof(w));
    return emit(enc, w, sizeof(w));
}

/* A typed record: the fields packed from `host`, then `extra` bytes,
 * zero-filled to the type's length. */
static long encode_typed(struct image_encoder *enc, uint16_t type, const void *host,
                         const void *extra, uint32_t extra_len)
{
    _Alignas(8) uint8_t wire[MAX_FIXED];
    const struct layout *l = layout_of(type);
    pack(l, host, wire);
    return emit_record(enc, type, wire, l->fixed, extra, extra_len,
                       extra_len < l->extra ? l->extra - extra_len : 0);
}

long image_encode_component(struct image_encoder *enc, const struct image_component *c)
{
    return encode_typed(enc, IMAGE_COMPONENT, c, NULL, 0);
}

long image_encode_session(struct image_encoder *enc, const struct image_session *s)
{
    return encode_typed(enc, IMAGE_SESSION, s, NULL, 0);
}

long image_encode_region_map(struct image_encoder *enc, const struct image_region_map *rm)
{
    return encode_typed(enc, IMAGE_REGION_MAP, rm, NULL, 0);
}

long image_encode_dataspace(struct image_encoder *enc, const struct image_dataspace *ds)
{
    return encode_typed(enc, IMAGE_DATASPACE, ds, NULL, 0);
}

long image_encode_thread(struct image_encoder *enc, const struct image_thread *t)
{
    return encode_typed(enc, IMAGE_THREAD, t, t->blob, t->blob_len);
}

long image_encode_gate(struct image_encoder *enc, const struct image_gate *g)
{
    return encode_typed(enc, IMAGE_GATE, g, NULL, 0);
}

long image_encode_signal(struct image_encoder *enc, const struct image_signal *s)
{
    return encode_typed(enc, IMAGE_SIGNAL, s, NULL, 0);
}

long image_encode_attachment(struct image_encoder *enc, const struct image_attachment *a)
{
    return encode_typed(enc, IMAGE_ATTACHMENT, a, NULL, 0);
}

long image_encode_cap(struct image_encoder *enc, const struct image_cap *c)
{
    return encode_typed(enc, IMAGE_CAP, c, NULL, 0);
}

long image_encode_table(struct image_encoder *enc, const struct image_table_entry *e)
{
    return encode_typed(enc, IMAGE_TABLE, e, NULL, 0);
}

long image_encode_page(struct image_encoder *enc, uint32_t dataspace, uint64_t index,
                       const void *data)
{
    struct image_page p = {.dataspace = dataspace, .index = index};
    return encode_typed(enc, IMAGE_PAGE, &p, data, IMAGE_PAGE_SIZE);
}

long image_encode_stats(struct image_encoder *enc, const struct image_stats *s)
{
    return encode_typed(enc, IMAGE_STATS, s, NULL, 0);
}

long image_encode_raw(struct image_encoder *enc, uint16_t type, const void *payload, uint32_t len)
{
    return emit_record(enc, type, payload, len, NULL, 0, 0);
}

long image_encode_end(struct image_encoder *enc, struct image_digest *digest)
{
    if (enc->done)
        return IMAGE_E_FINISHED;
    XXH128_hash_t d = XXH3_128bits_digest(HASH(&enc->digest));
    struct image_end e = {.records = enc->records, .digest = {.lo = d.low64, .hi = d.high64}};
    long err = encode_typed(enc, IMAGE_END, &e, NULL, 0);
    enc->done = true;
    if (err == IMAGE_OK && digest)
        *digest = e.digest;
    return err;
}

/* ---- decoding records ---- */

void image_iter_begin(struct image_iter *it, const struct image_view *view)
{
    it->view = view;
    it->offset = IMAGE_HEADER_SIZE;
    it->index = 0;
}

/* The record at `offset` of an image whose framing was checked. */
static void record_at(const uint8_t *buf, uint64_t offset, uint32_t index, struct image_record *rec)
{
    rec->type = (uint16_t)get_le(buf + offset, 2);
    rec->len = (uint32_t)get_le(buf + offset + 4, 4);
    rec->index = index;
    rec->offset = offset;
    rec->payload = buf + offset + IMAGE_RECORD_HEADER;
}

bool image_iter_next(struct image_iter *it, struct image_record *rec)
{
    if (it->index >= it->view->records)
        return false;
    record_at(it->view->buf, it->offset, it->index, rec);
    it->offset += IMAGE_RECORD_HEADER + pad8(rec->len);
    it->index++;
    return true;
}

long image_decode(const struct image_record *rec, uint16_t type, void *out, size_t size)
{
    const struct layout *l = layout_of(type);
    if (l == NULL || rec->type != type || size != l->host_size || rec->len != record_len(l))
        return IMAGE_E_TYPE;
    unpack(l, rec->payload, out);
    if (type == IMAGE_THREAD)
        ((struct image_thread *)out)->blob = rec->payload + l->fixed;
    else if (type == IMAGE_PAGE)
        ((struct image_page *)out)->data = rec->payload + l->fixed;
    return IMAGE_OK;
}

uint32_t image_record_id(const struct image_record *rec)
{
    if (rec->type == 0 || rec->type > IMAGE_LAST_OBJECT)
        return 0;
    return (uint32_t)get_le(rec->payload, 4);
}

/* The owning component of an object record (itself for a COMPONENT). */
static uint32_t record_owner(const struct image_record *rec)
{
    return (uint32_t)get_le(rec->payload + (rec->type == IMAGE_COMPONENT ? 0 : 4), 4);
}

/* ---- lookups in a validated (or framed) image ----
 *
 * Records of one type are contiguous and all the same length, so each type's
 * records form an array (view->blocks[type]); objects are sorted by id within
 * their type, capabilities by (component, slot), which makes every lookup a
 * binary search. */

/* Record `pos` of a type's block. */
static void block_record(const struct image_view *v, uint16_t type, uint32_t pos,
                         struct image_record *rec)
{
    const struct image_block *b = &v->blocks[type];
    record_at(v->buf, b->offset + pos * record_stride(type), b->first + pos, rec);
}

/* Binary search of a block by the u32 keys at payload offsets k1 and k2
 * (k2 < 0: one key). True and *pos if found. */
static bool block_search(const struct image_view *v, uint16_t type, int k1, uint32_t key1, int k2,
                         uint32_t key2, uint32_t *pos)
{
    uint64_t want = (uint64_t)key1 << 32 | (k2 < 0 ? 0 : key2);
    uint32_t lo = 0, hi = v->blocks[type].count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct image_record rec;
        block_record(v, type, mid, &rec);
        uint64_t have =
            get_le(rec.payload + k1, 4) << 32 | (k2 < 0 ? 0 : get_le(rec.payload + k2, 4));
        if (have == want) {
            *pos = mid;
            return true;
        }
        if (have < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The object with this id among the types in the bit mask `kinds`; *rank is
 * its position among all objects (for bitmaps). */
static bool find_object(const struct image_view *v, uint32_t id, unsigned kinds,
                        struct image_record *rec, uint32_t *rank)
{
    uint32_t base = 0, pos;
    for (uint16_t t = IMAGE_COMPONENT; t <= IMAGE_LAST_OBJECT; t++) {
        if ((kinds & (1u << t)) && block_search(v, t, 0, id, -1, 0, &pos)) {
            block_record(v, t, pos, rec);
            *rank = base + pos;
            return true;
        }
        base += v->blocks[t].count;
    }
    return false;
}

#define K(t)        (1u << (t))
#define ALL_OBJECTS (K(IMAGE_LAST_OBJECT + 1) - K(IMAGE_COMPONENT))

bool image_find(const struct image_view *view, uint32_t id, struct image_record *rec)
{
    uint32_t rank;
    return find_object(view, id, ALL_OBJECTS, rec, &rank);
}

bool image_find_cap(const struct image_view *view, uint32_t component, uint32_t slot,
                    struct image_record *rec)
{
    uint32_t pos;
    if (!block_search(view, IMAGE_CAP, 0, component, 4, slot, &pos))
        return false;
    block_record(view, IMAGE_CAP, pos, rec);
    return true;
}

uint32_t image_count(const struct image_view *view, uint16_t type)
{
    return layout_of(type) && type != IMAGE_END ? view->blocks[type].count : 0;
}

bool image_at(const struct image_view *view, uint16_t type, uint32_t pos, struct image_record *rec)
{
    if (pos >= image_count(view, type))
        return false;
    block_record(view, type, pos, rec);
    return true;
}

bool image_get(const struct image_view *view, uint16_t type, uint32_t pos, void *out, size_t size)
{
    struct image_record rec;
    return image_at(view, type, pos, &rec) && image_decode(&rec, type, out, size) == IMAGE_OK;
}

/* ---- validation, pass 1: framing, checksums, digest, each record alone ---- */

static bool size_ok(uint64_t size)
{
    return size != 0 && size % IMAGE_PAGE_SIZE == 0 && size <= IMAGE_SIZE_LIMIT;
}

static bool aligned(uint64_t v)
{
    return v % IMAGE_PAGE_SIZE == 0;
}

/* Checks of one record's own fields (no references followed). */
static long check_local(uint16_t type, const union image_any *r, const uint8_t *payload)
{
    switch (type) {
    case IMAGE_COMPONENT:
        return r->component.id ? IMAGE_OK : IMAGE_E_ZERO_ID;
    case IMAGE_SESSION:
        return r->session.id && r->session.component ? IMAGE_OK : IMAGE_E_ZERO_ID;
    case IMAGE_REGION_MAP:
        if (!r->rm.id || !r->rm.component)
            return IMAGE_E_ZERO_ID;
        if (r->rm.flags != IMAGE_RM_ADDRESS_SPACE && r->rm.flags != IMAGE_RM_MANAGED)
            return IMAGE_E_FLAGS;
        return size_ok(r->rm.size) ? IMAGE_OK : IMAGE_E_SIZE;
    case IMAGE_DATASPACE:
        if (!r->ds.id || !r->ds.component)
            return IMAGE_E_ZERO_ID;
        if (r->ds.flags & ~(IMAGE_DS_SHARED | IMAGE_DS_REPORT))
            return IMAGE_E_FLAGS;
        return size_ok(r->ds.size) ? IMAGE_OK : IMAGE_E_SIZE;
    case IMAGE_THREAD:
        if (!r->thread.id || !r->thread.component)
            return IMAGE_E_ZERO_ID;
        if (r->thread.blob_len > IMAGE_THREAD_BLOB_MAX)
            return IMAGE_E_LENGTH;
        if (!all_zero(payload + layouts[IMAGE_THREAD].fixed + r->thread.blob_len,
                      IMAGE_THREAD_BLOB_MAX - r->thread.blob_len))
            return IMAGE_E_RESERVED;
        if (r->thread.run_state >= IMAGE_RUN_STATE_COUNT || r->thread.priority > 255)
            return IMAGE_E_VALUE;
        return IMAGE_OK;
    case IMAGE_GATE:
        return r->gate.id && r->gate.component && r->gate.thread ? IMAGE_OK : IMAGE_E_ZERO_ID;
    case IMAGE_SIGNAL:
        return r->signal.id && r->signal.component ? IMAGE_OK : IMAGE_E_ZERO_ID;
    case IMAGE_ATTACHMENT:
        if (!r->att.rm || !r->att.target)
            return IMAGE_E_ZERO_ID;
        if (r->att.rights == 0 || (r->att.rights & ~IMAGE_MAP_RIGHTS))
            return IMAGE_E_VALUE;
        if (!size_ok(r->att.size))
            return IMAGE_E_SIZE;
        if (!aligned(r->att.addr) || !aligned(r->att.offset) || r->att.addr > IMAGE_VA_LIMIT ||
            r->att.size > IMAGE_VA_LIMIT - r->att.addr || r->att.offset > IMAGE_SIZE_LIMIT)
            return IMAGE_E_RANGE;
        return IMAGE_OK;
    case IMAGE_CAP:
        if (!r->cap.component)
            return IMAGE_E_ZERO_ID;
        if (r->cap.slot == 0 || r->cap.slot >= IMAGE_SLOT_LIMIT || r->cap.type == 0 ||
            r->cap.type >= IMAGE_OBJ_TYPE_COUNT || (r->cap.rights & ~IMAGE_RIGHTS_ALL) ||
            r->cap.role == 0 || r->cap.role >= IMAGE_ROLE_COUNT)
            return IMAGE_E_VALUE;
        if (r->cap.flags & ~IMAGE_CAP_STALE)
            return IMAGE_E_FLAGS;
        if ((r->cap.flags & IMAGE_CAP_STALE) || r->cap.role == IMAGE_ROLE_PARENT)
            return r->cap.object == 0 ? IMAGE_OK : IMAGE_E_VALUE;
        return r->cap.object ? IMAGE_OK : IMAGE_E_ZERO_ID;
    case IMAGE_TABLE:
        if (!r->table.component)
            return IMAGE_E_ZERO_ID;
        if (r->table.table == 0 || r->table.table >= IMAGE_TABLE_COUNT || r->table.slot == 0 ||
            r->table.slot >= IMAGE_SLOT_LIMIT ||
            (r->table.table == IMAGE_TABLE_CAPMAP && r->table.refcount == 0))
            return IMAGE_E_VALUE;
        return IMAGE_OK;
    case IMAGE_PAGE:
        return r->page.dataspace ? IMAGE_OK : IMAGE_E_ZERO_ID;
    default:
        return IMAGE_OK;
    }
}

static int cmp3(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t b1, uint64_t b2, uint64_t b3)
{
    if (a1 != b1)
        return a1 < b1 ? -1 : 1;
    if (a2 != b2)
        return a2 < b2 ? -1 : 1;
    if (a3 != b3)
        return a3 < b3 ? -1 : 1;
    return 0;
}

/* Order within a type's block, against the previous record of the same type:
 * objects by id, attachments by (region map, address) without overlap,
 * capabilities by (component, slot), table entries by (component, table,
 * slot), pages by (dataspace, index), one STATS. */
static long check_order(uint16_t type, const union image_any *r, const union image_any *prev)
{
    int c;
    switch (type) {
    case IMAGE_ATTACHMENT:
        if (r->att.rm != prev->att.rm)
            return r->att.rm > prev->att.rm ? IMAGE_OK : IMAGE_E_ORDER;
        if (r->att.addr < prev->att.addr)
            return IMAGE_E_ORDER;
        return r->att.addr - prev->att.addr < prev->att.size ? IMAGE_E_OVERLAP : IMAGE_OK;
    case IMAGE_CAP:
        c = cmp3(r->cap.component, r->cap.slot, 0, prev->cap.component, prev->cap.slot, 0);
        return c > 0 ? IMAGE_OK : c == 0 ? IMAGE_E_DUPLICATE_SLOT : IMAGE_E_ORDER;
    case IMAGE_TABLE:
        c = cmp3(r->table.component, r->table.table, r->table.slot, prev->table.component,
                 prev->table.table, prev->table.slot);
        return c > 0 ? IMAGE_OK : c == 0 ? IMAGE_E_DUPLICATE_SLOT : IMAGE_E_ORDER;
    case IMAGE_PAGE:
        c = cmp3(r->page.dataspace, r->page.index, 0, prev->page.dataspace, prev->page.index, 0);
        return c > 0 ? IMAGE_OK : IMAGE_E_PAGE_ORDER;
    case IMAGE_STATS:
        return IMAGE_E_ORDER;
    default:
        if (type > IMAGE_LAST_OBJECT)
            return IMAGE_OK;
        /* objects: the id is the first field of each */
        if (r->component.id == prev->component.id)
            return IMAGE_E_DUPLICATE_ID;
        return r->component.id > prev->component.id ? IMAGE_OK : IMAGE_E_ORDER;
    }
}

struct checker {
    const uint8_t *buf;
    size_t len;
    struct image_fault *fault;
    uint32_t index;
    uint64_t offset;
    uint32_t objects;       /* object records so far */
    uint16_t prev_type;     /* of the previous record (0 before the first) */
    union image_any any[2]; /* prev and cur point into it: swapped, not copied, per record */
    union image_any *prev, *cur;
};

static long fail_at(struct checker *c, long err, uint64_t offset)
{
    if (c->fault)
        *c->fault = (struct image_fault){.error = err, .record = c->index, .offset = offset};
    return err;
}

static long fail(struct checker *c, long err)
{
    return fail_at(c, err, c->offset);
}

/* Frames and checks the record at c->offset; fills *rec and *c->cur. */
static long check_record(struct checker *c, struct image_record *rec)
{
    size_t left = c->len - c->offset;
    if (left < IMAGE_RECORD_HEADER)
        return fail(c, IMAGE_E_TRUNCATED);
    const uint8_t *h = c->buf + c->offset;
    uint16_t type = (uint16_t)get_le(h, 2);
    uint32_t len = (uint32_t)get_le(h + 4, 4);
    const struct layout *l = layout_of(type);
    if (l == NULL)
        return fail(c, IMAGE_E_TYPE);
    if (get_le(h + 2, 2) != 0)
        return fail_at(c, IMAGE_E_RESERVED, c->offset + 2);
    if (len != record_len(l))
        return fail_at(c, IMAGE_E_LENGTH, c->offset + 4);
    if (left - IMAGE_RECORD_HEADER < pad8(len))
        return fail(c, IMAGE_E_TRUNCATED);
    record_at(c->buf, c->offset, c->index, rec);
    if (get_le(h + 8, 8) !=
        XXH3_64bits_withSeed(rec->payload, len, record_seed(type, len, c->index)))
        return fail_at(c, IMAGE_E_CHECKSUM, c->offset + 8);
    if (!all_zero(rec->payload + len, pad8(len) - len))
        return fail_at(c, IMAGE_E_RESERVED, c->offset + IMAGE_RECORD_HEADER + len);
    if (type < c->prev_type)
        return fail(c, IMAGE_E_ORDER);
    uint32_t at;
    long err = check_fields(l, rec->payload, &at);
    if (err)
        return fail_at(c, err, c->offset + IMAGE_RECORD_HEADER + at);
    unpack(l, rec->payload, c->cur);
    if ((err = check_local(type, c->cur, rec->payload)))
        return fail(c, err);
    if (type == c->prev_type && (err = check_order(type, c->cur, c->prev)))
        return fail(c, err);
    if (type <= IMAGE_LAST_OBJECT && ++c->objects > IMAGE_MAX_OBJECTS)
        return fail(c, IMAGE_E_TOO_MANY);
    return IMAGE_OK;
}

static long check_stream(struct checker *c, struct image_view *v)
{
    struct image_hash_state digest;
    struct image_record rec;
    long err;

    hash_init(&digest);
    XXH3_128bits_reset(HASH(&digest));
    XXH3_128bits_update(HASH(&digest), c->buf, IMAGE_HEADER_SIZE);
    c->offset = IMAGE_HEADER_SIZE;
    for (c->index = 0;; c->index++) {
        if ((err = check_record(c, &rec)))
            return err;
        if (rec.type == IMAGE_END)
            break;
        struct image_block *b = &v->blocks[rec.type];
        if (rec.type != c->prev_type)
            *b = (struct image_block){.offset = c->offset, .first = c->index};
        b->count++;
        c->prev_type = rec.type;
        union image_any *was = c->prev;
        c->prev = c->cur;
        c->cur = was;
        XXH3_128bits_update(HASH(&digest), c->buf + c->offset, IMAGE_RECORD_HEADER);
        c->offset += IMAGE_RECORD_HEADER + pad8(rec.len);
    }
    const struct image_end *e = &c->cur->end;
    if (e->records != c->index)
        return fail_at(c, IMAGE_E_COUNT, c->offset + IMAGE_RECORD_HEADER);
    XXH128_hash_t d = XXH3_128bits_digest(HASH(&digest));
    if (e->digest.lo != d.low64 || e->digest.hi != d.high64)
        return fail_at(c, IMAGE_E_DIGEST, c->offset + IMAGE_RECORD_HEADER + 8);
    if (c->offset + IMAGE_RECORD_HEADER + pad8(rec.len) != c->len)
        return fail_at(c, IMAGE_E_TRAILING, c->offset + IMAGE_RECORD_HEADER + pad8(rec.len));
    v->records = c->index;
    v->digest = e->digest;
    return IMAGE_OK;
}

/* ---- validation, pass 2: references between records ---- */

/* Resolves a reference: `id` must name an object of one of the types in the
 * bit mask `kinds`, owned by `owner` unless owner is 0. id 0 passes if
 * `optional`. */
static long resolve(const struct image_view *v, uint32_t id, unsigned kinds, uint32_t owner,
                    bool optional, struct image_record *found, uint32_t *rank)
{
    if (id == 0)
        return optional ? IMAGE_OK : IMAGE_E_ZERO_ID;
    if (!find_object(v, id, ALL_OBJECTS, found, rank))
        return IMAGE_E_DANGLING_ID;
    if (!(kinds & K(found->type)))
        return IMAGE_E_WRONG_KIND;
    if (owner != 0 && record_owner(found) != owner)
        return IMAGE_E_FOREIGN;
    return IMAGE_OK;
}

/* An object's id is not used by an object of an earlier type (the same type
 * was checked by the order of ids). */
static long check_unique(const struct image_view *v, const struct image_record *rec)
{
    struct image_record other;
    uint32_t rank;
    unsigned earlier = K(rec->type) - K(IMAGE_COMPONENT);
    return find_object(v, image_record_id(rec), earlier, &other, &rank) ? IMAGE_E_DUPLICATE_ID
                                                                        : IMAGE_OK;
}

static uint64_t object_size(const struct image_record *rec)
{
    /* REGION_MAP and DATASPACE both keep their size at payload offset 0x10. */
    return get_le(rec->payload + 0x10, 8);
}

static uint32_t object_flags(const struct image_record *rec)
{
    return (uint32_t)get_le(rec->payload + 0x08, 4);
}

/* Attachment: what it names exists and the range fits (overlap: pass 1). */
static long check_attachment(const struct image_view *v, const struct image_attachment *a)
{
    struct image_record rm, target;
    uint32_t rank;
    long err;
    if ((err = resolve(v, a->rm, K(IMAGE_REGION_MAP), 0, false, &rm, &rank)))
        return err;
    /* managed region maps hold dataspaces only: no nesting, no cycles */
    unsigned kinds = object_flags(&rm) & IMAGE_RM_MANAGED
                         ? K(IMAGE_DATASPACE)
                         : K(IMAGE_DATASPACE) | K(IMAGE_REGION_MAP);
    if ((err = resolve(v, a->target, kinds, 0, false, &target, &rank)))
        return err;
    if (target.type == IMAGE_REGION_MAP && !(object_flags(&target) & IMAGE_RM_MANAGED))
        return IMAGE_E_WRONG_KIND;
    /* another component's memory only if it is a shared dataspace */
    if (record_owner(&target) != record_owner(&rm) &&
        !(target.type == IMAGE_DATASPACE && (object_flags(&target) & IMAGE_DS_SHARED)))
        return IMAGE_E_FOREIGN;
    if (a->addr + a->size > object_size(&rm) || a->offset > object_size(&target) ||
        a->size > object_size(&target) - a->offset)
        return IMAGE_E_RANGE;
    return IMAGE_OK;
}

static const unsigned role_kinds[IMAGE_ROLE_COUNT] = {
    [IMAGE_ROLE_SESSION] = K(IMAGE_SESSION),
    [IMAGE_ROLE_DATASPACE] = K(IMAGE_DATASPACE),
    [IMAGE_ROLE_REGION_MAP] = K(IMAGE_REGION_MAP),
    [IMAGE_ROLE_THREAD] = K(IMAGE_THREAD),
    [IMAGE_ROLE_GATE] = K(IMAGE_GATE),
    [IMAGE_ROLE_SIGNAL] = K(IMAGE_SIGNAL),
    [IMAGE_ROLE_TASK] = K(IMAGE_COMPONENT),
    [IMAGE_ROLE_MANAGED_DS] = K(IMAGE_REGION_MAP),
};

static long check_cap(const struct image_view *v, const struct image_cap *cap)
{
    struct image_record found;
    uint32_t rank;
    long err;
    if ((err = resolve(v, cap->component, K(IMAGE_COMPONENT), 0, false, &found, &rank)))
        return err;
    if (cap->object == 0)
        return IMAGE_OK; /* parent or stale: checked in pass 1 */
    if ((err = resolve(v, cap->object, role_kinds[cap->role], 0, false, &found, &rank)))
        return err;
    if (cap->role == IMAGE_ROLE_MANAGED_DS && !(object_flags(&found) & IMAGE_RM_MANAGED))
        return IMAGE_E_WRONG_KIND; /* an address space has no dataspace */
    return IMAGE_OK;
}

/* A bit per object (by rank) and capability kind, for "each at most once"
 * checks without allocation: IMAGE_MAX_OBJECTS / 4 bytes of stack. Bit
 * 2 * rank: the object itself; 2 * rank + 1: a managed region map's
 * dataspace (IMAGE_ROLE_MANAGED_DS, another object of core's). */
struct object_bits {
    uint64_t w[IMAGE_MAX_OBJECTS * 2 / 64];
};

/* Sets the bit; false if it was set already. */
static bool bit_claim(struct object_bits *b, uint32_t rank)
{
    uint64_t m = 1ull << (rank % 64);
    if (b->w[rank / 64] & m)
        return false;
    b->w[rank / 64] |= m;
    return true;
}

/* Table entry: its slot holds a capability to its object; in a capability
 * map each object at most once. `bits` holds the objects seen in the current
 * run of entries of one (component, table). */
static long check_table(const struct image_view *v, const struct image_table_entry *e,
                        struct object_bits *bits)
{
    struct image_record found;
    struct image_cap cap;
    uint32_t rank;
    long err;
    if ((err = resolve(v, e->component, K(IMAGE_COMPONENT), 0, false, &found, &rank)))
        return err;
    if (!image_find_cap(v, e->component, e->slot, &found))
        return IMAGE_E_NO_SLOT;
    image_decode(&found, IMAGE_CAP, &cap, sizeof(cap));
    if (cap.object != e->object)
        return IMAGE_E_MISMATCH;
    if (e->table != IMAGE_TABLE_CAPMAP || e->object == 0)
        return IMAGE_OK;
    find_object(v, e->object, ALL_OBJECTS, &found, &rank); /* exists: its CAP resolved */
    return bit_claim(bits, rank * 2 + (cap.role == IMAGE_ROLE_MANAGED_DS))
               ? IMAGE_OK
               : IMAGE_E_DUPLICATE_OBJECT;
}

/* The references of one object record (COMPONENT..SIGNAL). */
static long check_object(const struct image_view *v, const struct image_record *rec,
                         const union image_any *r)
{
    struct image_record found;
    uint32_t rank;
    long err;
    if ((err = check_unique(v, rec)))
        return err;
    if (rec->type == IMAGE_COMPONENT)
        return IMAGE_OK;
    uint32_t owner = record_owner(rec);
    if ((err = resolve(v, owner, K(IMAGE_COMPONENT), 0, false, &found, &rank)))
        return err;
    switch (rec->type) {
    case IMAGE_SESSION:
        return resolve(v, r->session.server, K(IMAGE_COMPONENT), 0, true, &found, &rank);
    case IMAGE_REGION_MAP:
        return resolve(v, r->rm.session, K(IMAGE_SESSION), owner, true, &found, &rank);
    case IMAGE_DATASPACE:
        return resolve(v, r->ds.session, K(IMAGE_SESSION), owner, true, &found, &rank);
    case IMAGE_THREAD:
        return resolve(v, r->thread.session, K(IMAGE_SESSION), owner, true, &found, &rank);
    case IMAGE_GATE:
        if ((err = resolve(v, r->gate.thread, K(IMAGE_THREAD), owner, false, &found, &rank)))
            return err;
        return resolve(v, r->gate.session, K(IMAGE_SESSION), owner, true, &found, &rank);
    case IMAGE_SIGNAL:
        return resolve(v, r->signal.session, K(IMAGE_SESSION), owner, true, &found, &rank);
    default:
        return IMAGE_OK;
    }
}

/* Each component has exactly one address-space region map. Components come
 * first, so a component's rank is its position in the COMPONENT block. */
static long check_address_spaces(const struct image_view *v, struct checker *c,
                                 struct object_bits *bits)
{
    struct image_record rec, comp;
    uint32_t rank;
    memset(bits, 0, sizeof(*bits));
    for (uint32_t i = 0; i < v->blocks[IMAGE_REGION_MAP].count; i++) {
        block_record(v, IMAGE_REGION_MAP, i, &rec);
        if (!(object_flags(&rec) & IMAGE_RM_ADDRESS_SPACE))
            continue;
        find_object(v, record_owner(&rec), K(IMAGE_COMPONENT), &comp, &rank);
        if (!bit_claim(bits, rank)) {
            c->index = rec.index;
            return fail_at(c, IMAGE_E_ADDRESS_SPACE, rec.offset);
        }
    }
    for (uint32_t i = 0; i < v->blocks[IMAGE_COMPONENT].count; i++) {
        if (bits->w[i / 64] & (1ull << (i % 64)))
            continue;
        block_record(v, IMAGE_COMPONENT, i, &rec);
        c->index = rec.index;
        return fail_at(c, IMAGE_E_ADDRESS_SPACE, rec.offset);
    }
    return IMAGE_OK;
}

static long check_references(const struct image_view *v, struct checker *c)
{
    struct image_record rec;
    struct image_iter it;
    union image_any r;
    struct object_bits bits;
    struct image_dataspace page_ds = {0}; /* the dataspace of the previous PAGE */
    struct image_table_entry run = {0};   /* (component, table) of the previous TABLE */
    long err = IMAGE_OK;

    memset(&bits, 0, sizeof(bits));
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec)) {
        unpack(layout_of(rec.type), rec.payload, &r);
        if (rec.type <= IMAGE_LAST_OBJECT) {
            err = check_object(v, &rec, &r);
        } else if (rec.type == IMAGE_ATTACHMENT) {
            err = check_attachment(v, &r.att);
        } else if (rec.type == IMAGE_CAP) {
            err = check_cap(v, &r.cap);
        } else if (rec.type == IMAGE_TABLE) {
            if (r.table.component != run.component || r.table.table != run.table)
                memset(&bits, 0, sizeof(bits));
            run = r.table;
            err = check_table(v, &r.table, &bits);
        } else if (rec.type == IMAGE_PAGE) {
            struct image_record found;
            uint32_t rank;
            if (r.page.dataspace != page_ds.id) {
                err = resolve(v, r.page.dataspace, K(IMAGE_DATASPACE), 0, false, &found, &rank);
                if (!err)
                    image_decode(&found, IMAGE_DATASPACE, &page_ds, sizeof(page_ds));
            }
            if (!err && r.page.index >= page_ds.size / IMAGE_PAGE_SIZE)
                err = IMAGE_E_PAGE_RANGE;
        }
        if (err) {
            c->index = rec.index;
            return fail_at(c, err, rec.offset);
        }
    }
    return check_address_spaces(v, c, &bits);
}

/* ---- validation ---- */

long image_validate(const void *buf, size_t len, const struct image_digest *parent,
                    struct image_view *view, struct image_fault *fault)
{
    struct checker c;
    uint64_t at;
    long err;

    memset(&c, 0, sizeof(c));
    c.buf = buf;
    c.len = len;
    c.fault = fault;
    c.index = IMAGE_AT_HEADER;
    c.cur = &c.any[0];
    c.prev = &c.any[1];
    memset(view, 0, sizeof(*view));
    if ((err = header_check(buf, len, &view->header, &at)))
        return fail_at(&c, err, at);
    bool incremental = view->header.flags & IMAGE_FLAG_INCREMENTAL;
    if (incremental && parent == NULL)
        return fail_at(&c, IMAGE_E_PARENT_MISSING, 0x20);
    if (!incremental && parent != NULL)
        return fail_at(&c, IMAGE_E_NOT_INCREMENTAL, 0x0c);
    if (incremental &&
        (parent->lo != view->header.parent.lo || parent->hi != view->header.parent.hi))
        return fail_at(&c, IMAGE_E_PARENT, 0x20);
    view->buf = buf;
    view->len = len;
    if ((err = check_stream(&c, view)) || (err = check_references(view, &c))) {
        memset(view, 0, sizeof(*view));
        return err;
    }
    if (fault)
        *fault = (struct image_fault){.error = IMAGE_OK};
    return IMAGE_OK;
}
