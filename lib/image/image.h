/*
 * The checkpoint image codec: a versioned, little-endian record stream
 * (docs/image.md describes every byte).
 *
 *   header (64 bytes) | record 0 | record 1 | ... | END record
 *
 * Every record is a 16-byte record header (type, length, checksum) followed by
 * its payload, zero-padded to a multiple of 8 bytes. Each type has one payload
 * length. Record types appear in non-decreasing order of their number, so
 * every reference between objects points backwards, and the records of one
 * type form an array sorted by their key (objects by id, capabilities by
 * slot, ...): every lookup is a binary search. Objects are named by stable ids
 * (nonzero, unique in one image), never by badge.
 *
 * Checksums: each record's payload is hashed with XXH3-64 seeded by its type,
 * length and index; the image digest is XXH3-128 over the header and every
 * record header (which holds the record's checksum), stored in END. The digest
 * names the image: an incremental image carries its parent's digest.
 *
 * Freestanding: no allocation, no libc beyond memcpy/memset; runs in rtcr on
 * the target and in the host tool. Encoding streams through a sink callback;
 * decoding works on an image in memory and never trusts it: image_validate()
 * checks everything (framing, checksums, digest, every field, every id) before
 * a caller may look at a single record with the iterator.
 */
#ifndef FERRY_LIB_IMAGE_H
#define FERRY_LIB_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- format constants ---- */

#define IMAGE_MAGIC         "FERRYIMG" /* 8 bytes at offset 0, no NUL */
#define IMAGE_VERSION       1u
#define IMAGE_HEADER_SIZE   64u
#define IMAGE_RECORD_HEADER 16u
#define IMAGE_PAGE_SIZE     4096u
#define IMAGE_PAGE_DATA                                                                            \
    0x20u                           /* a PAGE record's contents: after its header, dataspace       \
                                       (u32, reserved u32) and index (u64) */
#define IMAGE_FLAG_INCREMENTAL 0x1u /* header.flags: pages relative to the parent image */

/* String fields: NUL-terminated, NUL-padded (the framework's message sizes). */
#define IMAGE_NAME_MAX  32u  /* component, service and thread names */
#define IMAGE_LABEL_MAX 64u  /* session labels */
#define IMAGE_ARGS_MAX  128u /* session arguments */

/* Limits a valid image respects (hostile sizes beyond them are refused). */
#define IMAGE_VA_LIMIT        (1ull << 38) /* Sv39 user half: region maps and attachments */
#define IMAGE_SIZE_LIMIT      IMAGE_VA_LIMIT
#define IMAGE_SLOT_LIMIT      16384u /* capability slots 1..16383 (docs/kernel.md) */
#define IMAGE_THREAD_BLOB_MAX 4096u  /* the kernel's struct ferry_thread_state fits */
#define IMAGE_MAX_OBJECTS     8192u  /* object records (types 1..7) in one image */
#define IMAGE_RIGHTS_ALL      0xfu   /* FERRY_RIGHT_R|W|X|G */
#define IMAGE_MAP_RIGHTS      0x7u   /* attachment rights: R W X */
#define IMAGE_OBJ_TYPE_COUNT  7u     /* enum ferry_obj_type: capability types 1..6 */
#define IMAGE_RUN_STATE_COUNT 5u     /* enum ferry_run_state */

/* Record types, in the order they must appear. */
enum image_type {
    IMAGE_COMPONENT = 1,
    IMAGE_SESSION = 2,
    IMAGE_REGION_MAP = 3,
    IMAGE_DATASPACE = 4,
    IMAGE_THREAD = 5,
    IMAGE_GATE = 6,
    IMAGE_SIGNAL = 7,
    IMAGE_ATTACHMENT = 8,
    IMAGE_CAP = 9,
    IMAGE_TABLE = 10,
    IMAGE_PAGE = 11,
    IMAGE_STATS = 12,
    IMAGE_END = 13,
    IMAGE_TYPE_COUNT
};
/* Types IMAGE_COMPONENT..IMAGE_SIGNAL are objects: they own an id (at payload
 * offset 0) and, except COMPONENT, belong to a component (at offset 4). */
#define IMAGE_LAST_OBJECT IMAGE_SIGNAL

/* Region map flags: exactly one of them. */
#define IMAGE_RM_ADDRESS_SPACE 0x1u /* the component's address space (one per component) */
#define IMAGE_RM_MANAGED       0x2u /* a managed region map, attached like a dataspace */
/* Dataspace flags. */
#define IMAGE_DS_SHARED 0x1u /* attached by more than one component */
#define IMAGE_DS_REPORT                                                                            \
    0x2u /* the PD's report page (PD_CAPMAP_REPORT): restored as the new PD's                      \
          */
/* Capability flags. */
#define IMAGE_CAP_STALE 0x1u /* rtcr could not account for it: E_DEAD after restore */

/* What a capability means: selects the kind of object it resolves to. */
enum image_role {
    IMAGE_ROLE_PARENT = 1,     /* the parent (rtcr itself): object 0 */
    IMAGE_ROLE_SESSION = 2,    /* -> SESSION */
    IMAGE_ROLE_DATASPACE = 3,  /* -> DATASPACE */
    IMAGE_ROLE_REGION_MAP = 4, /* -> REGION_MAP */
    IMAGE_ROLE_THREAD = 5,     /* -> THREAD */
    IMAGE_ROLE_GATE = 6,       /* -> GATE (an RPC object, own or of a sibling) */
    IMAGE_ROLE_SIGNAL = 7,     /* -> SIGNAL */
    IMAGE_ROLE_TASK = 8,       /* -> COMPONENT (its own task) */
    IMAGE_ROLE_MANAGED_DS = 9, /* -> REGION_MAP (MANAGED): the map's dataspace (RM_DATASPACE) */
    IMAGE_ROLE_COUNT
};

/* Badge tables of the runtime, recorded by slot and object id. */
enum image_table {
    IMAGE_TABLE_CAPMAP = 1,   /* capability map: each object once */
    IMAGE_TABLE_RPC_POOL = 2, /* RPC object pool */
    IMAGE_TABLE_SIGNALS = 3,  /* signal handler table */
    IMAGE_TABLE_COUNT
};

/* ---- errors ---- */

enum image_error {
    IMAGE_OK = 0,
    IMAGE_E_TRUNCATED,        /* the image ends inside the header, a record or before END */
    IMAGE_E_MAGIC,            /* not "FERRYIMG" */
    IMAGE_E_VERSION,          /* a version this codec does not read */
    IMAGE_E_HEADER_SIZE,      /* header_size is not 64 */
    IMAGE_E_HEADER_CHECKSUM,  /* header checksum mismatch */
    IMAGE_E_FLAGS,            /* unknown flag bits set */
    IMAGE_E_RESERVED,         /* a reserved field or padding byte is not zero */
    IMAGE_E_PARENT,           /* parent digest differs from the parent given */
    IMAGE_E_PARENT_MISSING,   /* incremental image, but no parent given */
    IMAGE_E_NOT_INCREMENTAL,  /* a parent was given for a full image */
    IMAGE_E_TYPE,             /* unknown record type */
    IMAGE_E_LENGTH,           /* record length wrong for its type */
    IMAGE_E_CHECKSUM,         /* record checksum mismatch */
    IMAGE_E_ORDER,            /* record type out of order, or a second STATS */
    IMAGE_E_VALUE,            /* a field holds a value outside its range (role, type, ...) */
    IMAGE_E_NAME,             /* string empty, unterminated or not NUL-padded */
    IMAGE_E_SIZE,             /* size zero, not page aligned or beyond the limit */
    IMAGE_E_ZERO_ID,          /* an object or reference id of 0 where one is required */
    IMAGE_E_DUPLICATE_ID,     /* two objects with one id */
    IMAGE_E_DANGLING_ID,      /* a reference to an id no object has */
    IMAGE_E_WRONG_KIND,       /* a reference to an object of the wrong type */
    IMAGE_E_FOREIGN,          /* a reference to an object of another component */
    IMAGE_E_ADDRESS_SPACE,    /* a component without exactly one address-space region map */
    IMAGE_E_RANGE,            /* attachment outside its region map or dataspace */
    IMAGE_E_OVERLAP,          /* two attachments overlap in one region map */
    IMAGE_E_DUPLICATE_SLOT,   /* one slot twice (capability space or one table) */
    IMAGE_E_NO_SLOT,          /* a table entry names a slot without a capability record */
    IMAGE_E_MISMATCH,         /* a table entry's object differs from its slot's capability */
    IMAGE_E_DUPLICATE_OBJECT, /* one object twice in a capability map */
    IMAGE_E_PAGE_RANGE,       /* page index beyond its dataspace */
    IMAGE_E_PAGE_ORDER,       /* pages not strictly ascending by (dataspace, index) */
    IMAGE_E_COUNT,            /* END's record count differs from the records read */
    IMAGE_E_DIGEST,           /* image digest mismatch */
    IMAGE_E_TRAILING,         /* bytes after the END record */
    IMAGE_E_TOO_MANY,         /* more than IMAGE_MAX_OBJECTS objects */
    IMAGE_E_SINK,             /* encoder: the sink refused the bytes */
    IMAGE_E_FINISHED,         /* encoder: used after image_encode_end or a failure */
    IMAGE_ERROR_COUNT
};

/* "TRUNCATED", "CHECKSUM", ...: the enum name without IMAGE_E_. */
const char *image_error_name(long err);
/* One sentence saying what is wrong. */
const char *image_error_text(long err);

/* Where validation failed: record index (IMAGE_AT_HEADER for the header) and
 * the byte offset of the record (or header field) in the image. */
#define IMAGE_AT_HEADER 0xffffffffu
struct image_fault {
    long error;
    uint32_t record;
    uint64_t offset;
};

/* ---- records, as the host sees them ---- */

struct image_digest {
    uint64_t lo, hi; /* XXH128 low and high halves; written lo first */
};

struct image_header {
    uint32_t flags; /* IMAGE_FLAG_* */
    uint64_t ecu;
    uint64_t sequence;
    struct image_digest parent; /* zero unless IMAGE_FLAG_INCREMENTAL */
};

struct image_component {
    uint32_t id;
    uint64_t ram_quota, cap_quota;
    char name[IMAGE_NAME_MAX];
};

struct image_session {
    uint32_t id, component;
    uint32_t server; /* serving component in this image, 0 = outside (rtcr's parent) */
    uint64_t ram_quota, cap_quota;
    char service[IMAGE_NAME_MAX];
    char label[IMAGE_LABEL_MAX];
    char args[IMAGE_ARGS_MAX];
};

struct image_region_map {
    uint32_t id, component, flags, session; /* session 0 = none */
    uint64_t size;
};

struct image_dataspace {
    uint32_t id, component, flags, session;
    uint64_t size;
};

struct image_thread {
    uint32_t id, component, session;
    uint32_t priority, run_state, blocked_call;
    uint64_t utcb;
    char name[IMAGE_NAME_MAX];
    uint64_t x[32]; /* x[0] is not stored (always 0) */
    uint64_t pc;
    uint64_t f[32];
    uint64_t fcsr;
    uint32_t blob_len;   /* bytes of kernel thread state (struct ferry_thread_state), opaque */
    const uint8_t *blob; /* decode: points into the image; zero-filled to 4096 on the wire */
};

struct image_gate {
    uint32_t id, component, thread, session;
};

struct image_signal {
    uint32_t id, component, session, pending;
};

struct image_attachment {
    uint32_t rm, target, rights; /* target: dataspace or managed region map */
    uint64_t addr, size, offset;
};

struct image_cap {
    uint32_t component, slot;
    uint8_t type, rights, role, flags;
    uint32_t object; /* 0 for the parent and stale capabilities */
};

struct image_table_entry {
    uint32_t component;
    uint16_t table; /* enum image_table */
    uint32_t slot, object, refcount;
};

struct image_page {
    uint32_t dataspace;
    uint64_t index;
    const uint8_t *data; /* IMAGE_PAGE_SIZE bytes; decode: points into the image */
};

struct image_stats {
    uint64_t memory_bytes;   /* sum of the RAM dataspaces' sizes */
    uint64_t pages_stored;   /* PAGE records */
    uint64_t pages_zero;     /* zero pages elided */
    uint64_t pages_clean;    /* incremental: pages unchanged since the parent */
    uint64_t freeze_instret; /* threads paused -> resumed */
    uint64_t capture_instret;
    uint64_t copy_instret;
    uint64_t encode_instret;
};

/* END: the record count, then the digest. */
struct image_end {
    uint32_t records;
    struct image_digest digest;
};

/* Every decoded record type in one place (image_get into the member of the type). */
union image_any {
    struct image_component component;
    struct image_session session;
    struct image_region_map rm;
    struct image_dataspace ds;
    struct image_thread thread;
    struct image_gate gate;
    struct image_signal signal;
    struct image_attachment att;
    struct image_cap cap;
    struct image_table_entry table;
    struct image_page page;
    struct image_stats stats;
    struct image_end end;
};

/* ---- encoder ---- */

/* Receives the image's bytes in order; returns 0, or nonzero to abort. */
typedef long (*image_sink_fn)(void *ctx, const void *data, size_t len);

/* A sink into a caller's buffer: refuses (returns nonzero) what does not fit.
 * The encoder writes a record larger than 256 bytes into it directly (the
 * payload, hashed there, then the header): the same bytes, and a record that
 * does not fit leaves nothing of itself. */
struct image_buffer {
    uint8_t *data;
    size_t cap, len;
};
long image_buffer_sink(void *ctx, const void *data, size_t len);

/* Opaque hash state (XXH3), sized and aligned for xxhash's XXH3_state_t. */
struct image_hash_state {
    _Alignas(64) uint8_t bytes[640];
};

/*
 * The encoder writes exactly what it is given, in the order given; it checks
 * nothing about the content (image_validate does: tests use the encoder to
 * build hostile images). A sink failure is sticky: every later call returns
 * IMAGE_E_FINISHED. Invariant: offset = bytes passed to the sink.
 */
struct image_encoder {
    image_sink_fn sink;
    void *ctx;
    uint32_t records; /* records written so far (END excluded) */
    uint64_t offset;
    bool done;
    struct image_hash_state digest; /* XXH3-128 over header + record headers */
    struct image_hash_state record; /* XXH3-64 of the current record */
};

/* Bytes of one record of `type` (header, payload, padding); 0 for a type
 * the codec does not know. Every record of a type has this size. */
size_t image_record_size(uint16_t type);

/* Starts an image: writes the header. */
long image_encode_begin(struct image_encoder *enc, image_sink_fn sink, void *ctx,
                        const struct image_header *header);
/* One typed record each. */
long image_encode_component(struct image_encoder *enc, const struct image_component *c);
long image_encode_session(struct image_encoder *enc, const struct image_session *s);
long image_encode_region_map(struct image_encoder *enc, const struct image_region_map *rm);
long image_encode_dataspace(struct image_encoder *enc, const struct image_dataspace *ds);
long image_encode_thread(struct image_encoder *enc, const struct image_thread *t);
long image_encode_gate(struct image_encoder *enc, const struct image_gate *g);
long image_encode_signal(struct image_encoder *enc, const struct image_signal *s);
long image_encode_attachment(struct image_encoder *enc, const struct image_attachment *a);
long image_encode_cap(struct image_encoder *enc, const struct image_cap *c);
long image_encode_table(struct image_encoder *enc, const struct image_table_entry *e);
/*
 * A page of IMAGE_PAGE_SIZE bytes; streamed from `data`, not copied. With
 * image_buffer_sink, `data` may already lie where the record puts it
 * (buffer data + len + IMAGE_PAGE_DATA): it is then hashed there and not
 * copied (rtcr snapshots pages straight into their records).
 */
long image_encode_page(struct image_encoder *enc, uint32_t dataspace, uint64_t index,
                       const void *data);
long image_encode_stats(struct image_encoder *enc, const struct image_stats *s);
/* Any record from raw payload bytes (tests: unknown types, bad lengths). */
long image_encode_raw(struct image_encoder *enc, uint16_t type, const void *payload, uint32_t len);
/* Writes END; the image's digest goes to *digest (may be NULL). */
long image_encode_end(struct image_encoder *enc, struct image_digest *digest);

/* True if the page is all zero (the encoder's caller elides those). */
bool image_page_is_zero(const void *page);

/* ---- decoder ---- */

/* The records of one type: contiguous, all of the type's length. */
struct image_block {
    uint64_t offset; /* of the first */
    uint32_t first;  /* index of the first */
    uint32_t count;
};

/* A validated image in memory. */
struct image_view {
    const uint8_t *buf;
    size_t len;
    struct image_header header;
    struct image_digest digest;
    uint32_t records; /* END excluded */
    struct image_block blocks[IMAGE_TYPE_COUNT];
};

/*
 * Checks the whole image at buf[len] and fills *view. `parent` is the digest of
 * the parent image for an incremental one (required then), NULL for a full
 * image. Returns IMAGE_OK, or the first fault (also in *fault if non-NULL).
 * Costs: one pass over all bytes (checksums), then O(records log objects) for
 * the references; no allocation, about 4.5 KiB of stack (measured with
 * -fstack-usage for RV64).
 */
long image_validate(const void *buf, size_t len, const struct image_digest *parent,
                    struct image_view *view, struct image_fault *fault);
/* Reads only the header (for listing and for finding a parent): checks
 * magic, version, size and header checksum. */
long image_read_header(const void *buf, size_t len, struct image_header *header);

/* A record of a validated image. */
struct image_record {
    uint16_t type;
    uint32_t index;
    uint64_t offset;
    const uint8_t *payload;
    uint32_t len;
};

struct image_iter {
    const struct image_view *view;
    uint64_t offset;
    uint32_t index;
};

void image_iter_begin(struct image_iter *it, const struct image_view *view);
/* The next record before END; false at the end. */
bool image_iter_next(struct image_iter *it, struct image_record *rec);

/*
 * Decodes a record into the structure of its type (struct image_component for
 * IMAGE_COMPONENT, ...). `size` is sizeof that structure; mismatches in type or
 * size return IMAGE_E_TYPE. Records of a validated image always decode.
 */
long image_decode(const struct image_record *rec, uint16_t type, void *out, size_t size);
/* Finds the object record with this id (types COMPONENT..SIGNAL). O(log n). */
bool image_find(const struct image_view *view, uint32_t id, struct image_record *rec);
/* The capability record of (component, slot). O(log n). */
bool image_find_cap(const struct image_view *view, uint32_t component, uint32_t slot,
                    struct image_record *rec);
/* Records of one type: how many, and the pos-th (in the type's key order). */
uint32_t image_count(const struct image_view *view, uint16_t type);
bool image_at(const struct image_view *view, uint16_t type, uint32_t pos, struct image_record *rec);
/* image_at and image_decode in one: record `pos` of `type` decoded into out
 * (size bytes, the type's structure); false if there is no such record. */
bool image_get(const struct image_view *view, uint16_t type, uint32_t pos, void *out, size_t size);
/* "COMPONENT", "SESSION", ... ("?" for unknown). */
const char *image_type_name(uint16_t type);
const char *image_role_name(uint8_t role);
const char *image_table_name(uint16_t table);
/* Id of an object record (0 for non-object records). */
uint32_t image_record_id(const struct image_record *rec);

#endif
