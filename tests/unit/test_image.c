/* The checkpoint image codec (lib/image/image.c): round trip, damaged and hostile images. */
// host-sources: tools/image/sample.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "../../tools/image/sample.h"

/* ---- a growing byte buffer as the encoder's sink ---- */

struct buf {
    uint8_t *data;
    size_t len, cap;
    size_t limit; /* refuse bytes beyond this (0: no limit) */
};

static long buf_sink(void *ctx, const void *data, size_t len)
{
    struct buf *b = ctx;
    if (b->limit && b->len + len > b->limit)
        return -1;
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2;
        b->data = realloc(b->data, b->cap);
        assert_non_null(b->data);
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static void buf_free(struct buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static struct buf sample(const struct image_digest *parent, struct image_digest *digest)
{
    struct buf b = {0};
    assert_int_equal(sample_image_write(buf_sink, &b, parent, digest), IMAGE_OK);
    return b;
}

static long check(const struct buf *b, const struct image_digest *parent, struct image_fault *f)
{
    struct image_view v;
    return image_validate(b->data, b->len, parent, &v, f);
}

/* Validation fails with `err` at record `index`. */
static void expect_fault(const struct buf *b, long err, uint32_t index)
{
    struct image_fault f;
    long got = check(b, NULL, &f);
    if (got != err || f.record != index)
        fail_msg("expected %s at record %u, got %s at record %u (offset %llu)",
                 image_error_name(err), index, image_error_name(got), f.record,
                 (unsigned long long)f.offset);
}

/* ---- round trip ---- */

/* Re-encodes a validated image record by record from the decoded structures. */
static struct buf reencode(const struct image_view *v)
{
    struct buf out = {0};
    struct image_encoder enc;
    struct image_iter it;
    struct image_record rec;
    struct image_digest d;

    assert_int_equal(image_encode_begin(&enc, buf_sink, &out, &v->header), IMAGE_OK);
    image_iter_begin(&it, v);
    while (image_iter_next(&it, &rec)) {
        union {
            struct image_component c;
            struct image_session s;
            struct image_region_map rm;
            struct image_dataspace ds;
            struct image_thread t;
            struct image_gate g;
            struct image_signal sig;
            struct image_attachment a;
            struct image_cap cap;
            struct image_table_entry te;
            struct image_page p;
            struct image_stats st;
        } u;
        long err = -1;
#define CASE(T, type, field, fn)                                                                   \
    case T:                                                                                        \
        assert_int_equal(image_decode(&rec, T, &u.field, sizeof(u.field)), IMAGE_OK);              \
        err = fn(&enc, &u.field);                                                                  \
        break;
        switch (rec.type) {
            CASE(IMAGE_COMPONENT, c, c, image_encode_component)
            CASE(IMAGE_SESSION, s, s, image_encode_session)
            CASE(IMAGE_REGION_MAP, rm, rm, image_encode_region_map)
            CASE(IMAGE_DATASPACE, ds, ds, image_encode_dataspace)
            CASE(IMAGE_THREAD, t, t, image_encode_thread)
            CASE(IMAGE_GATE, g, g, image_encode_gate)
            CASE(IMAGE_SIGNAL, sig, sig, image_encode_signal)
            CASE(IMAGE_ATTACHMENT, a, a, image_encode_attachment)
            CASE(IMAGE_CAP, cap, cap, image_encode_cap)
            CASE(IMAGE_TABLE, te, te, image_encode_table)
            CASE(IMAGE_STATS, st, st, image_encode_stats)
        case IMAGE_PAGE:
            assert_int_equal(image_decode(&rec, IMAGE_PAGE, &u.p, sizeof(u.p)), IMAGE_OK);
            err = image_encode_page(&enc, u.p.dataspace, u.p.index, u.p.data);
            break;
        }
        assert_int_equal(err, IMAGE_OK);
    }
    assert_int_equal(image_encode_end(&enc, &d), IMAGE_OK);
    assert_true(d.lo == v->digest.lo && d.hi == v->digest.hi);
    return out;
}

static void round_trip_every_record_type(void **state)
{
    (void)state;
    struct image_digest digest;
    struct buf b = sample(NULL, &digest);
    struct image_view v;
    struct image_fault f;
    assert_int_equal(image_validate(b.data, b.len, NULL, &v, &f), IMAGE_OK);
    assert_true(v.digest.lo == digest.lo && v.digest.hi == digest.hi);
    assert_int_equal(v.header.ecu, 0xa);
    assert_int_equal(v.header.sequence, 1);

    /* every type is present */
    unsigned seen = 0;
    struct image_iter it;
    struct image_record rec;
    image_iter_begin(&it, &v);
    while (image_iter_next(&it, &rec))
        seen |= 1u << rec.type;
    for (unsigned t = IMAGE_COMPONENT; t < IMAGE_END; t++)
        assert_true(seen & (1u << t));

    /* decoded values */
    struct image_thread t;
    assert_true(image_find(&v, 41, &rec));
    assert_int_equal(image_decode(&rec, IMAGE_THREAD, &t, sizeof(t)), IMAGE_OK);
    assert_string_equal(t.name, "timer-ep");
    assert_int_equal(t.x[1], (41ull << 32) | 1);
    assert_int_equal(t.x[31], (41ull << 32) | 31);
    assert_int_equal(t.pc, 0x10000 + 41 * 0x10);
    assert_int_equal(t.fcsr, 0x20);
    assert_int_equal(t.blob_len, 32);
    assert_int_equal(t.blob[5], 41 + 5);
    struct image_session s;
    assert_true(image_find(&v, 12, &rec));
    assert_int_equal(image_decode(&rec, IMAGE_SESSION, &s, sizeof(s)), IMAGE_OK);
    assert_string_equal(s.args, "label=counter,objects=4");
    assert_int_equal(s.server, 2);
    /* a wrong structure size or type is refused */
    assert_int_equal(image_decode(&rec, IMAGE_SESSION, &s, sizeof(s) - 1), IMAGE_E_TYPE);
    assert_int_equal(image_decode(&rec, IMAGE_THREAD, &t, sizeof(t)), IMAGE_E_TYPE);
    assert_false(image_find(&v, 99, &rec));
    /* records by type and position, capabilities by slot */
    assert_int_equal(image_count(&v, IMAGE_THREAD), 3);
    assert_int_equal(image_count(&v, IMAGE_CAP), 16);
    assert_int_equal(image_count(&v, IMAGE_END), 0);
    assert_true(image_at(&v, IMAGE_THREAD, 2, &rec));
    assert_int_equal(image_record_id(&rec), 42);
    assert_false(image_at(&v, IMAGE_THREAD, 3, &rec));
    /* image_get: position and decoding in one; refuses a missing record or a wrong size */
    assert_true(image_get(&v, IMAGE_THREAD, 2, &t, sizeof(t)));
    assert_int_equal(t.id, 42);
    assert_false(image_get(&v, IMAGE_THREAD, 3, &t, sizeof(t)));
    assert_false(image_get(&v, IMAGE_THREAD, 2, &t, sizeof(t) - 1));
    struct image_cap c;
    assert_true(image_find_cap(&v, 2, 4, &rec));
    assert_int_equal(image_decode(&rec, IMAGE_CAP, &c, sizeof(c)), IMAGE_OK);
    assert_int_equal(c.object, 50);
    assert_int_equal(c.role, IMAGE_ROLE_GATE);
    assert_false(image_find_cap(&v, 2, 6, &rec));
    assert_false(image_find_cap(&v, 3, 1, &rec));

    /* pages: contents, and the zero page elided */
    uint8_t expect[IMAGE_PAGE_SIZE];
    unsigned pages = 0;
    image_iter_begin(&it, &v);
    while (image_iter_next(&it, &rec)) {
        struct image_page p;
        if (rec.type != IMAGE_PAGE)
            continue;
        assert_int_equal(image_decode(&rec, IMAGE_PAGE, &p, sizeof(p)), IMAGE_OK);
        assert_false(p.dataspace == 31 && p.index == 2);
        sample_page(p.dataspace, p.index, 0, expect);
        assert_memory_equal(p.data, expect, IMAGE_PAGE_SIZE);
        pages++;
    }
    assert_int_equal(pages, 6);

    /* decode + encode gives the same bytes */
    struct buf again = reencode(&v);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    buf_free(&again);
    buf_free(&b);
}

/* The encoder's streamed checksums equal the decoder's one-shot ones, and a
 * sink failure is reported and sticky. */
static void encoder_sink_failure(void **state)
{
    (void)state;
    struct buf full = sample(NULL, NULL);
    for (size_t limit = 1; limit < full.len; limit += 997) {
        struct buf b = {.limit = limit};
        assert_int_equal(sample_image_write(buf_sink, &b, NULL, NULL), IMAGE_E_SINK);
        buf_free(&b);
    }
    /* the buffer sink: exactly the bytes of the growing one, or refused */
    uint8_t *mem = malloc(full.len);
    struct image_buffer ib = {.data = mem, .cap = full.len};
    assert_int_equal(sample_image_write(image_buffer_sink, &ib, NULL, NULL), IMAGE_OK);
    assert_int_equal(ib.len, full.len);
    assert_memory_equal(mem, full.data, full.len);
    /* every smaller buffer: refused, and what it holds is the image's start
     * (a page record is written in place, its header after its payload) */
    for (size_t cap = 0; cap < full.len; cap += cap < 200 ? 1 : 61) {
        memset(mem, 0xa5, full.len);
        ib = (struct image_buffer){.data = mem, .cap = cap};
        assert_int_equal(sample_image_write(image_buffer_sink, &ib, NULL, NULL), IMAGE_E_SINK);
        assert_true(ib.len <= cap);
        assert_memory_equal(mem, full.data, ib.len);
    }
    free(mem);

    struct buf b = {0};
    struct image_encoder enc;
    struct image_header h = {0};
    assert_int_equal(image_encode_begin(&enc, buf_sink, &b, &h), IMAGE_OK);
    assert_int_equal(image_encode_end(&enc, NULL), IMAGE_OK);
    struct image_component c = {.id = 1, .name = "late"};
    assert_int_equal(image_encode_component(&enc, &c), IMAGE_E_FINISHED);
    assert_int_equal(image_encode_end(&enc, NULL), IMAGE_E_FINISHED);
    buf_free(&b);
    buf_free(&full);
}

/* ---- damage ---- */

static void every_truncation_is_truncated(void **state)
{
    (void)state;
    struct buf b = sample(NULL, NULL);
    struct image_view v;
    struct image_fault f;
    for (size_t len = 0; len < b.len; len++) {
        long err = image_validate(b.data, len, NULL, &v, &f);
        if (err != IMAGE_E_TRUNCATED)
            fail_msg("length %zu: %s", len, image_error_name(err));
    }
    buf_free(&b);
}

/* Every single-byte change is caught, by the check that owns the byte. */
static void every_byte_flip_is_rejected(void **state)
{
    (void)state;
    struct buf b = sample(NULL, NULL);
    unsigned by_error[IMAGE_ERROR_COUNT] = {0};
    for (size_t i = 0; i < b.len; i++) {
        static const uint8_t masks[] = {0x01, 0x80, 0xff};
        for (unsigned m = 0; m < sizeof(masks); m++) {
            struct image_fault f;
            b.data[i] ^= masks[m];
            long err = check(&b, NULL, &f);
            b.data[i] ^= masks[m];
            if (err == IMAGE_OK)
                fail_msg("flip of byte %zu by 0x%02x accepted", i, masks[m]);
            by_error[err]++;
            /* a header byte is blamed on the header, any other on a record */
            assert_true((i < IMAGE_HEADER_SIZE) == (f.record == IMAGE_AT_HEADER));
        }
    }
    /* payload bytes are caught by their checksum */
    assert_true(by_error[IMAGE_E_CHECKSUM] > b.len);
    assert_true(by_error[IMAGE_E_HEADER_CHECKSUM] > 0);
    assert_int_equal(check(&b, NULL, NULL), IMAGE_OK);
    buf_free(&b);
}

static void header_errors(void **state)
{
    (void)state;
    struct buf b = sample(NULL, NULL);
    struct image_fault f;
    struct image_view v;
    assert_int_equal(image_validate(b.data, b.len, NULL, &v, &f), IMAGE_OK);
    assert_int_equal(v.records, 55);
    b.data[0] = 'X';
    assert_int_equal(check(&b, NULL, &f), IMAGE_E_MAGIC);
    assert_int_equal(f.offset, 0);
    b.data[0] = 'F';
    b.data[8] = 2; /* version 2 */
    assert_int_equal(check(&b, NULL, &f), IMAGE_E_VERSION);
    assert_int_equal(f.offset, 8);
    b.data[8] = 1;
    /* bytes after END */
    uint8_t zero = 0;
    buf_sink(&b, &zero, 1);
    expect_fault(&b, IMAGE_E_TRAILING, 55); /* blamed on END */
    buf_free(&b);
}

/* One image's records followed by another's END: the END is intact, the
 * digest over the record headers is not. */
static void spliced_image_fails_digest(void **state)
{
    (void)state;
    struct buf a = sample(NULL, NULL);
    struct image_digest parent = {1, 2};
    struct buf inc = sample(&parent, NULL);
    /* the incremental image has the same records up to its pages; take the
     * full image's header and objects with the END of a variant whose one
     * object differs in payload only */
    struct buf b = {0};
    struct image_encoder enc;
    struct image_header h = {.ecu = 1};
    struct image_component c1 = {.id = 1, .name = "one"}, c2 = {.id = 1, .name = "two"};
    struct image_region_map rm = {
        .id = 2, .component = 1, .flags = IMAGE_RM_ADDRESS_SPACE, .size = 4096};
    struct buf x = {0}, y = {0};
    image_encode_begin(&enc, buf_sink, &x, &h);
    image_encode_component(&enc, &c1);
    image_encode_region_map(&enc, &rm);
    assert_int_equal(image_encode_end(&enc, NULL), IMAGE_OK);
    image_encode_begin(&enc, buf_sink, &y, &h);
    image_encode_component(&enc, &c2);
    image_encode_region_map(&enc, &rm);
    assert_int_equal(image_encode_end(&enc, NULL), IMAGE_OK);
    assert_int_equal(x.len, y.len);
    /* x's records, y's END */
    size_t end = x.len - 16 - 24;
    buf_sink(&b, x.data, end);
    buf_sink(&b, y.data + end, y.len - end);
    expect_fault(&b, IMAGE_E_DIGEST, 2);
    buf_free(&a);
    buf_free(&inc);
    buf_free(&b);
    buf_free(&x);
    buf_free(&y);
}

static void parent_digest(void **state)
{
    (void)state;
    struct image_digest d1, d2, wrong;
    struct buf full = sample(NULL, &d1);
    struct buf inc = sample(&d1, &d2);
    struct image_view v;
    struct image_fault f;
    assert_int_equal(image_validate(inc.data, inc.len, &d1, &v, &f), IMAGE_OK);
    assert_true(v.header.flags & IMAGE_FLAG_INCREMENTAL);
    assert_int_equal(v.header.sequence, 2);
    assert_false(d1.lo == d2.lo && d1.hi == d2.hi);
    wrong = d1;
    wrong.hi ^= 1;
    assert_int_equal(image_validate(inc.data, inc.len, &wrong, &v, &f), IMAGE_E_PARENT);
    assert_int_equal(f.record, IMAGE_AT_HEADER);
    assert_int_equal(f.offset, 0x20);
    assert_int_equal(image_validate(inc.data, inc.len, NULL, &v, &f), IMAGE_E_PARENT_MISSING);
    assert_int_equal(image_validate(full.data, full.len, &d1, &v, &f), IMAGE_E_NOT_INCREMENTAL);
    /* the incremental image holds only the changed page */
    unsigned pages = 0;
    struct image_iter it;
    struct image_record rec;
    assert_int_equal(image_validate(inc.data, inc.len, &d1, &v, &f), IMAGE_OK);
    image_iter_begin(&it, &v);
    while (image_iter_next(&it, &rec))
        pages += rec.type == IMAGE_PAGE;
    assert_int_equal(pages, 1);
    buf_free(&full);
    buf_free(&inc);
}

/* ---- hand-built hostile images ---- */

struct maker {
    struct buf b;
    struct image_encoder enc;
};

static void make_begin(struct maker *m)
{
    struct image_header h = {.ecu = 7, .sequence = 1};
    memset(m, 0, sizeof(*m));
    assert_int_equal(image_encode_begin(&m->enc, buf_sink, &m->b, &h), IMAGE_OK);
}

static void make_end(struct maker *m)
{
    assert_int_equal(image_encode_end(&m->enc, NULL), IMAGE_OK);
}

static void comp(struct maker *m, uint32_t id)
{
    struct image_component c = {.id = id, .name = "c"};
    assert_int_equal(image_encode_component(&m->enc, &c), IMAGE_OK);
}

static void rm(struct maker *m, uint32_t id, uint32_t owner, uint32_t flags, uint64_t size)
{
    struct image_region_map r = {.id = id, .component = owner, .flags = flags, .size = size};
    assert_int_equal(image_encode_region_map(&m->enc, &r), IMAGE_OK);
}

static void ds(struct maker *m, uint32_t id, uint32_t owner, uint32_t flags, uint64_t size)
{
    struct image_dataspace d = {.id = id, .component = owner, .flags = flags, .size = size};
    assert_int_equal(image_encode_dataspace(&m->enc, &d), IMAGE_OK);
}

static void attach(struct maker *m, uint32_t r, uint32_t target, uint64_t addr, uint64_t size,
                   uint64_t offset)
{
    struct image_attachment a = {
        .rm = r, .target = target, .rights = 3, .addr = addr, .size = size, .offset = offset};
    assert_int_equal(image_encode_attachment(&m->enc, &a), IMAGE_OK);
}

static void cap(struct maker *m, uint32_t owner, uint32_t slot, uint8_t role, uint32_t object)
{
    struct image_cap c = {
        .component = owner, .slot = slot, .type = 3, .rights = 3, .role = role, .object = object};
    assert_int_equal(image_encode_cap(&m->enc, &c), IMAGE_OK);
}

/* Component 1 with address space 2 (records 0, 1). */
static void base(struct maker *m)
{
    make_begin(m);
    comp(m, 1);
    rm(m, 2, 1, IMAGE_RM_ADDRESS_SPACE, IMAGE_VA_LIMIT);
}

static void expect_made(struct maker *m, long err, uint32_t index)
{
    make_end(m);
    expect_fault(&m->b, err, index);
    buf_free(&m->b);
}

static void minimal_image_is_valid(void **state)
{
    (void)state;
    struct maker m;
    base(&m);
    expect_made(&m, IMAGE_OK, 0);
}

static void overlapping_attachments(void **state)
{
    (void)state;
    struct maker m;
    base(&m);
    ds(&m, 3, 1, 0, 0x4000);
    attach(&m, 2, 3, 0x10000, 0x2000, 0);
    attach(&m, 2, 3, 0x12000, 0x2000, 0x2000); /* adjacent: fine */
    attach(&m, 2, 3, 0x13000, 0x1000, 0);      /* inside the second */
    expect_made(&m, IMAGE_E_OVERLAP, 5);

    /* the same addresses in two region maps do not overlap */
    base(&m);
    rm(&m, 4, 1, IMAGE_RM_MANAGED, 0x10000);
    ds(&m, 3, 1, 0, 0x4000);
    attach(&m, 2, 3, 0x0, 0x4000, 0);
    attach(&m, 4, 3, 0x0, 0x4000, 0);
    expect_made(&m, IMAGE_OK, 0);
}

static void attachment_ranges(void **state)
{
    (void)state;
    struct maker m;
    /* beyond the dataspace */
    base(&m);
    ds(&m, 3, 1, 0, 0x4000);
    attach(&m, 2, 3, 0x10000, 0x4000, 0x1000);
    expect_made(&m, IMAGE_E_RANGE, 3);
    /* beyond the managed region map */
    base(&m);
    rm(&m, 4, 1, IMAGE_RM_MANAGED, 0x2000);
    ds(&m, 3, 1, 0, 0x4000);
    attach(&m, 4, 3, 0x1000, 0x2000, 0);
    expect_made(&m, IMAGE_E_RANGE, 4);
    /* address + size wraps around */
    base(&m);
    ds(&m, 3, 1, 0, 0x4000);
    attach(&m, 2, 3, ~0ull & ~0xfffull, 0x2000, 0);
    expect_made(&m, IMAGE_E_RANGE, 3);
    /* a managed region map inside a managed region map */
    base(&m);
    rm(&m, 4, 1, IMAGE_RM_MANAGED, 0x2000);
    rm(&m, 5, 1, IMAGE_RM_MANAGED, 0x2000);
    attach(&m, 4, 5, 0, 0x2000, 0);
    expect_made(&m, IMAGE_E_WRONG_KIND, 4);
    /* another component's private dataspace */
    base(&m);
    comp(&m, 9);
    expect_made(&m, IMAGE_E_ORDER, 2);
    make_begin(&m);
    comp(&m, 1);
    comp(&m, 9);
    rm(&m, 2, 1, IMAGE_RM_ADDRESS_SPACE, IMAGE_VA_LIMIT);
    rm(&m, 8, 9, IMAGE_RM_ADDRESS_SPACE, IMAGE_VA_LIMIT);
    ds(&m, 3, 9, 0, 0x1000);
    ds(&m, 4, 9, IMAGE_DS_SHARED, 0x1000);
    attach(&m, 2, 4, 0, 0x1000, 0);
    attach(&m, 2, 3, 0x1000, 0x1000, 0);
    expect_made(&m, IMAGE_E_FOREIGN, 7);
}

static void hostile_sizes(void **state)
{
    (void)state;
    struct maker m;
    base(&m);
    ds(&m, 3, 1, 0, 1ull << 63);
    expect_made(&m, IMAGE_E_SIZE, 2);
    base(&m);
    ds(&m, 3, 1, 0, 0x1001);
    expect_made(&m, IMAGE_E_SIZE, 2);
    base(&m);
    ds(&m, 3, 1, 0, 0);
    expect_made(&m, IMAGE_E_SIZE, 2);
    make_begin(&m);
    comp(&m, 1);
    rm(&m, 2, 1, IMAGE_RM_ADDRESS_SPACE, IMAGE_VA_LIMIT + 4096);
    expect_made(&m, IMAGE_E_SIZE, 1);

    /* record lengths: huge, and wrong for the type */
    uint8_t payload[16] = {0};
    base(&m);
    assert_int_equal(image_encode_raw(&m.enc, IMAGE_GATE, payload, 8), IMAGE_OK);
    expect_made(&m, IMAGE_E_LENGTH, 2);
    base(&m);
    make_end(&m);
    /* record 1's length field made enormous */
    size_t r1 = IMAGE_HEADER_SIZE + 16 + 0x38;
    m.b.data[r1 + 4] = 0xff, m.b.data[r1 + 5] = 0xff, m.b.data[r1 + 6] = 0xff,
                  m.b.data[r1 + 7] = 0xff;
    expect_fault(&m.b, IMAGE_E_LENGTH, 1);
    buf_free(&m.b);

    /* a thread whose state blob is larger than allowed */
    static uint8_t blob[IMAGE_THREAD_BLOB_MAX + 8];
    struct image_thread t = {.id = 5, .component = 1, .blob = blob, .blob_len = sizeof(blob)};
    base(&m);
    assert_int_equal(image_encode_thread(&m.enc, &t), IMAGE_OK);
    expect_made(&m, IMAGE_E_LENGTH, 2);
    t.blob_len = IMAGE_THREAD_BLOB_MAX;
    base(&m);
    assert_int_equal(image_encode_thread(&m.enc, &t), IMAGE_OK);
    expect_made(&m, IMAGE_OK, 0);

    /* a page beyond its dataspace */
    static const uint8_t page[IMAGE_PAGE_SIZE] = {1};
    base(&m);
    ds(&m, 3, 1, 0, 0x2000);
    assert_int_equal(image_encode_page(&m.enc, 3, 1, page), IMAGE_OK);
    assert_int_equal(image_encode_page(&m.enc, 3, 2, page), IMAGE_OK);
    expect_made(&m, IMAGE_E_PAGE_RANGE, 4);
    base(&m);
    ds(&m, 3, 1, 0, 0x2000);
    assert_int_equal(image_encode_page(&m.enc, 3, ~0ull, page), IMAGE_OK);
    expect_made(&m, IMAGE_E_PAGE_RANGE, 3);
}

enum { IN_PLACE_PAGES = 3 };

/* An image of one component with a dataspace of IN_PLACE_PAGES pages into
 * image_buffer_sink's buffer mem (cap bytes), page p's contents read from
 * data[p]; *prefix: the bytes before the first PAGE record. Its length. */
static size_t encode_pages_from(uint8_t *mem, size_t cap, const uint8_t *const *data,
                                size_t *prefix)
{
    struct image_buffer ib = {.data = mem, .cap = cap};
    struct image_encoder enc;
    struct image_header h = {.ecu = 7, .sequence = 1};
    struct image_component c = {.id = 1, .name = "c"};
    struct image_region_map r = {2, 1, IMAGE_RM_ADDRESS_SPACE, 0, IMAGE_VA_LIMIT};
    struct image_dataspace d = {3, 1, 0, 0, IN_PLACE_PAGES * IMAGE_PAGE_SIZE};
    assert_int_equal(image_encode_begin(&enc, image_buffer_sink, &ib, &h), IMAGE_OK);
    assert_int_equal(image_encode_component(&enc, &c), IMAGE_OK);
    assert_int_equal(image_encode_region_map(&enc, &r), IMAGE_OK);
    assert_int_equal(image_encode_dataspace(&enc, &d), IMAGE_OK);
    *prefix = ib.len;
    for (unsigned p = 0; p < IN_PLACE_PAGES; p++)
        assert_int_equal(image_encode_page(&enc, 3, p, data[p]), IMAGE_OK);
    assert_int_equal(image_encode_end(&enc, NULL), IMAGE_OK);
    return ib.len;
}

/* rtcr's snapshot writes each page's contents where its PAGE record puts
 * them (image_record_size, IMAGE_PAGE_DATA) before the encoder frames them:
 * a page already in place is hashed there, and the image is byte for byte
 * the one of pages copied from elsewhere, and valid. */
static void pages_encoded_in_place(void **state)
{
    (void)state;
    assert_int_equal(image_record_size(IMAGE_COMPONENT), IMAGE_RECORD_HEADER + 0x38);
    assert_int_equal(image_record_size(IMAGE_PAGE), IMAGE_RECORD_HEADER + 0x1010);
    assert_int_equal(image_record_size(IMAGE_END), IMAGE_RECORD_HEADER + 0x18);
    assert_int_equal(image_record_size(0), 0);
    assert_int_equal(image_record_size(IMAGE_TYPE_COUNT), 0);

    static uint8_t src[IN_PLACE_PAGES][IMAGE_PAGE_SIZE];
    for (unsigned p = 0; p < IN_PLACE_PAGES; p++)
        for (unsigned i = 0; i < IMAGE_PAGE_SIZE; i++)
            src[p][i] = (uint8_t)(p * 7 + i * 13 + 1);
    const uint8_t *from[IN_PLACE_PAGES] = {src[0], src[1], src[2]};
    size_t prefix, size = IMAGE_HEADER_SIZE + image_record_size(IMAGE_COMPONENT) +
                          image_record_size(IMAGE_REGION_MAP) + image_record_size(IMAGE_DATASPACE) +
                          IN_PLACE_PAGES * image_record_size(IMAGE_PAGE) +
                          image_record_size(IMAGE_END);
    uint8_t *copied = malloc(size), *placed = malloc(size);
    memset(copied, 0xa5, size);
    assert_int_equal(encode_pages_from(copied, size, from, &prefix), size);

    memset(placed, 0x5a, size);
    const uint8_t *at[IN_PLACE_PAGES];
    for (unsigned p = 0; p < IN_PLACE_PAGES; p++) {
        uint8_t *dst = placed + prefix + p * image_record_size(IMAGE_PAGE) + IMAGE_PAGE_DATA;
        memcpy(dst, src[p], IMAGE_PAGE_SIZE);
        at[p] = dst;
    }
    size_t placed_prefix;
    assert_int_equal(encode_pages_from(placed, size, at, &placed_prefix), size);
    assert_int_equal(placed_prefix, prefix);
    assert_memory_equal(placed, copied, size);

    struct image_view v;
    struct image_fault f;
    assert_int_equal(image_validate(placed, size, NULL, &v, &f), IMAGE_OK);
    free(copied);
    free(placed);
}

static void dangling_duplicate_and_wrong_ids(void **state)
{
    (void)state;
    struct maker m;
    /* a gate bound to a thread that does not exist */
    base(&m);
    struct image_gate g = {.id = 3, .component = 1, .thread = 77};
    image_encode_gate(&m.enc, &g);
    expect_made(&m, IMAGE_E_DANGLING_ID, 2);
    /* bound to a dataspace */
    base(&m);
    ds(&m, 4, 1, 0, 0x1000);
    g.thread = 4;
    image_encode_gate(&m.enc, &g);
    expect_made(&m, IMAGE_E_WRONG_KIND, 3);
    /* an object of an unknown component */
    base(&m);
    ds(&m, 4, 5, 0, 0x1000);
    expect_made(&m, IMAGE_E_DANGLING_ID, 2);
    /* two objects, one id */
    base(&m);
    ds(&m, 2, 1, 0, 0x1000);
    expect_made(&m, IMAGE_E_DUPLICATE_ID, 2);
    /* a capability to nothing, and to an object of the wrong kind */
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_SESSION, 99);
    expect_made(&m, IMAGE_E_DANGLING_ID, 2);
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_SESSION, 2);
    expect_made(&m, IMAGE_E_WRONG_KIND, 2);
    /* one slot twice; slots out of order */
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_TASK, 1);
    cap(&m, 1, 5, IMAGE_ROLE_TASK, 1);
    expect_made(&m, IMAGE_E_DUPLICATE_SLOT, 3);
    base(&m);
    cap(&m, 1, 6, IMAGE_ROLE_TASK, 1);
    cap(&m, 1, 5, IMAGE_ROLE_TASK, 1);
    expect_made(&m, IMAGE_E_ORDER, 3);
    /* a component without an address space */
    make_begin(&m);
    comp(&m, 1);
    comp(&m, 3);
    rm(&m, 2, 1, IMAGE_RM_ADDRESS_SPACE, IMAGE_VA_LIMIT);
    expect_made(&m, IMAGE_E_ADDRESS_SPACE, 1);
    /* page of a dataspace that is not there */
    static const uint8_t page[IMAGE_PAGE_SIZE] = {1};
    base(&m);
    image_encode_page(&m.enc, 9, 0, page);
    expect_made(&m, IMAGE_E_DANGLING_ID, 2);
    /* pages twice / descending */
    base(&m);
    ds(&m, 3, 1, 0, 0x4000);
    image_encode_page(&m.enc, 3, 1, page);
    image_encode_page(&m.enc, 3, 1, page);
    expect_made(&m, IMAGE_E_PAGE_ORDER, 4);
}

static void table_entries(void **state)
{
    (void)state;
    struct maker m;
    struct image_table_entry e = {
        .component = 1, .table = IMAGE_TABLE_CAPMAP, .slot = 5, .object = 1, .refcount = 1};
    /* a slot without a capability */
    base(&m);
    cap(&m, 1, 4, IMAGE_ROLE_TASK, 1);
    image_encode_table(&m.enc, &e);
    expect_made(&m, IMAGE_E_NO_SLOT, 3);
    /* another object than the capability's */
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_REGION_MAP, 2);
    image_encode_table(&m.enc, &e);
    expect_made(&m, IMAGE_E_MISMATCH, 3);
    /* one object under two slots of the capability map */
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_TASK, 1);
    cap(&m, 1, 6, IMAGE_ROLE_TASK, 1);
    image_encode_table(&m.enc, &e);
    e.slot = 6;
    image_encode_table(&m.enc, &e);
    expect_made(&m, IMAGE_E_DUPLICATE_OBJECT, 5);
    /* ... which other tables allow */
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_TASK, 1);
    cap(&m, 1, 6, IMAGE_ROLE_TASK, 1);
    e.table = IMAGE_TABLE_RPC_POOL;
    e.slot = 5;
    image_encode_table(&m.enc, &e);
    e.slot = 6;
    image_encode_table(&m.enc, &e);
    expect_made(&m, IMAGE_OK, 0);
    /* a managed region map and its dataspace: two objects of core's, one record */
    struct image_table_entry me = {
        .component = 1, .table = IMAGE_TABLE_CAPMAP, .slot = 5, .object = 3, .refcount = 1};
    base(&m);
    rm(&m, 3, 1, IMAGE_RM_MANAGED, 0x4000);
    cap(&m, 1, 5, IMAGE_ROLE_REGION_MAP, 3);
    cap(&m, 1, 6, IMAGE_ROLE_MANAGED_DS, 3);
    image_encode_table(&m.enc, &me);
    me.slot = 6;
    image_encode_table(&m.enc, &me);
    expect_made(&m, IMAGE_OK, 0);
    /* ... but the dataspace under two slots is one object twice */
    base(&m);
    rm(&m, 3, 1, IMAGE_RM_MANAGED, 0x4000);
    cap(&m, 1, 5, IMAGE_ROLE_MANAGED_DS, 3);
    cap(&m, 1, 6, IMAGE_ROLE_MANAGED_DS, 3);
    me.slot = 5;
    image_encode_table(&m.enc, &me);
    me.slot = 6;
    image_encode_table(&m.enc, &me);
    expect_made(&m, IMAGE_E_DUPLICATE_OBJECT, 6);
    /* an address space has no dataspace */
    base(&m);
    cap(&m, 1, 5, IMAGE_ROLE_MANAGED_DS, 2);
    expect_made(&m, IMAGE_E_WRONG_KIND, 2);
}

static void field_values(void **state)
{
    (void)state;
    struct maker m;
    uint8_t raw[0x38] = {0};
    /* unknown record type */
    base(&m);
    image_encode_raw(&m.enc, 200, raw, 8);
    expect_made(&m, IMAGE_E_TYPE, 2);
    /* an unterminated name */
    raw[0] = 1;
    memset(raw + 0x18, 'a', 32);
    make_begin(&m);
    image_encode_raw(&m.enc, IMAGE_COMPONENT, raw, sizeof(raw));
    expect_made(&m, IMAGE_E_NAME, 0);
    /* garbage after the name's NUL */
    raw[0x18 + 3] = 0;
    make_begin(&m);
    image_encode_raw(&m.enc, IMAGE_COMPONENT, raw, sizeof(raw));
    expect_made(&m, IMAGE_E_NAME, 0);
    /* a reserved field set */
    memset(raw + 0x18, 0, 32);
    raw[0x18] = 'c';
    raw[4] = 1;
    make_begin(&m);
    image_encode_raw(&m.enc, IMAGE_COMPONENT, raw, sizeof(raw));
    expect_made(&m, IMAGE_E_RESERVED, 0);
    /* id 0 */
    make_begin(&m);
    comp(&m, 0);
    expect_made(&m, IMAGE_E_ZERO_ID, 0);
    /* unknown role, unknown region map flags, stale with an object */
    base(&m);
    cap(&m, 1, 3, IMAGE_ROLE_COUNT, 1);
    expect_made(&m, IMAGE_E_VALUE, 2);
    base(&m);
    rm(&m, 3, 1, IMAGE_RM_MANAGED | IMAGE_RM_ADDRESS_SPACE, 0x1000);
    expect_made(&m, IMAGE_E_FLAGS, 2);
    base(&m);
    struct image_cap c = {.component = 1,
                          .slot = 3,
                          .type = 3,
                          .role = IMAGE_ROLE_GATE,
                          .flags = IMAGE_CAP_STALE,
                          .object = 1};
    image_encode_cap(&m.enc, &c);
    expect_made(&m, IMAGE_E_VALUE, 2);
    c.object = 0;
    base(&m);
    image_encode_cap(&m.enc, &c);
    expect_made(&m, IMAGE_OK, 0);
    /* records out of order, a second STATS */
    base(&m);
    comp(&m, 5);
    expect_made(&m, IMAGE_E_ORDER, 2);
    struct image_stats st = {0};
    base(&m);
    image_encode_stats(&m.enc, &st);
    image_encode_stats(&m.enc, &st);
    expect_made(&m, IMAGE_E_ORDER, 3);
}

/* Records changed at random and written with valid checksums reach the
 * reference checks with arbitrary values: validation must answer, never crash
 * (ASan/UBSan watch), and anything it accepts must still decode. */
static void random_records_with_valid_checksums(void **state)
{
    (void)state;
    struct buf b = sample(NULL, NULL);
    struct image_view v;
    struct image_record recs[64];
    unsigned n = 0, accepted = 0;
    assert_int_equal(image_validate(b.data, b.len, NULL, &v, NULL), IMAGE_OK);
    struct image_iter it;
    image_iter_begin(&it, &v);
    while (image_iter_next(&it, &recs[n]))
        n++;
    static uint8_t payload[2 * IMAGE_PAGE_SIZE];
    srand(1);
    for (unsigned round = 0; round < 4000; round++) {
        struct maker m;
        unsigned victim = (unsigned)rand() % n, changes = 1 + (unsigned)rand() % 3;
        memset(&m, 0, sizeof(m));
        assert_int_equal(image_encode_begin(&m.enc, buf_sink, &m.b, &v.header), IMAGE_OK);
        for (unsigned i = 0; i < n; i++) {
            uint16_t type = recs[i].type;
            memcpy(payload, recs[i].payload, recs[i].len);
            if (i == victim) {
                for (unsigned c = 0; c < changes; c++)
                    payload[(unsigned)rand() % recs[i].len] = (uint8_t)rand();
                if (rand() % 8 == 0)
                    type = (uint16_t)(rand() % 15);
            }
            image_encode_raw(&m.enc, type, payload, recs[i].len);
        }
        make_end(&m);
        struct image_view mv;
        struct image_fault f;
        long err = image_validate(m.b.data, m.b.len, NULL, &mv, &f);
        assert_true(err >= 0 && err < IMAGE_ERROR_COUNT);
        if (err == IMAGE_OK) {
            accepted++;
            struct buf again = reencode(&mv);
            assert_memory_equal(again.data, m.b.data, m.b.len);
            buf_free(&again);
        }
        buf_free(&m.b);
    }
    /* some changes are harmless (a register, a page byte, a name letter) */
    assert_true(accepted > 0 && accepted < 4000);
    buf_free(&b);
}

/* The order rules that make every lookup a binary search. */
static void order_within_types(void **state)
{
    (void)state;
    struct maker m;
    /* ids descending within a type */
    base(&m);
    ds(&m, 9, 1, 0, 0x1000);
    ds(&m, 8, 1, 0, 0x1000);
    expect_made(&m, IMAGE_E_ORDER, 3);
    /* attachments by (region map, address) */
    base(&m);
    rm(&m, 3, 1, IMAGE_RM_MANAGED, 0x10000);
    ds(&m, 4, 1, 0, 0x4000);
    attach(&m, 3, 4, 0x4000, 0x1000, 0);
    attach(&m, 2, 4, 0x0, 0x1000, 0);
    expect_made(&m, IMAGE_E_ORDER, 5);
    base(&m);
    ds(&m, 4, 1, 0, 0x4000);
    attach(&m, 2, 4, 0x4000, 0x1000, 0);
    attach(&m, 2, 4, 0x0, 0x1000, 0);
    expect_made(&m, IMAGE_E_ORDER, 4);
    /* the same address twice is an overlap */
    base(&m);
    ds(&m, 4, 1, 0, 0x4000);
    attach(&m, 2, 4, 0x4000, 0x1000, 0);
    attach(&m, 2, 4, 0x4000, 0x1000, 0);
    expect_made(&m, IMAGE_E_OVERLAP, 4);
    /* two address spaces for one component */
    base(&m);
    rm(&m, 3, 1, IMAGE_RM_ADDRESS_SPACE, 0x10000);
    expect_made(&m, IMAGE_E_ADDRESS_SPACE, 2);
    /* bytes after a thread's state */
    static uint8_t blob[8] = {1, 2, 3};
    struct image_thread t = {.id = 5, .component = 1, .blob = blob, .blob_len = sizeof(blob)};
    base(&m);
    assert_int_equal(image_encode_thread(&m.enc, &t), IMAGE_OK);
    make_end(&m);
    assert_int_equal(check(&m.b, NULL, NULL), IMAGE_OK);
    buf_free(&m.b);
    base(&m);
    t.blob_len = 2; /* claims 2 bytes, the third is not zero */
    uint8_t raw[0x250 + IMAGE_THREAD_BLOB_MAX] = {0};
    struct buf one = {0};
    struct image_encoder e;
    struct image_header h = {0};
    image_encode_begin(&e, buf_sink, &one, &h);
    image_encode_thread(&e, &t);
    memcpy(raw, one.data + IMAGE_HEADER_SIZE + IMAGE_RECORD_HEADER, sizeof(raw));
    raw[0x250 + 2] = 3;
    image_encode_raw(&m.enc, IMAGE_THREAD, raw, sizeof(raw));
    expect_made(&m, IMAGE_E_RESERVED, 2);
    buf_free(&one);
}

/* The largest image by object count validates in O(n log n); one more
 * object is refused. */
static void many_objects(void **state)
{
    (void)state;
    struct maker m;
    const uint32_t n = IMAGE_MAX_OBJECTS - 2; /* + component + address space */
    base(&m);
    for (uint32_t i = 0; i < n; i++)
        ds(&m, 100 + i, 1, 0, 0x1000);
    for (uint32_t i = 0; i < n; i++)
        cap(&m, 1, 1 + i, IMAGE_ROLE_DATASPACE, 100 + i);
    for (uint32_t i = 0; i < n; i++) {
        struct image_table_entry e = {.component = 1,
                                      .table = IMAGE_TABLE_CAPMAP,
                                      .slot = 1 + i,
                                      .object = 100 + i,
                                      .refcount = 1};
        assert_int_equal(image_encode_table(&m.enc, &e), IMAGE_OK);
    }
    expect_made(&m, IMAGE_OK, 0);
    base(&m);
    for (uint32_t i = 0; i <= n; i++)
        ds(&m, 100 + i, 1, 0, 0x1000);
    expect_made(&m, IMAGE_E_TOO_MANY, IMAGE_MAX_OBJECTS);
}

static void names_of_errors(void **state)
{
    (void)state;
    for (long e = 0; e < IMAGE_ERROR_COUNT; e++) {
        assert_non_null(image_error_name(e));
        assert_string_not_equal(image_error_name(e), "UNKNOWN");
        assert_string_not_equal(image_error_text(e), "unknown error");
    }
    assert_string_equal(image_error_name(IMAGE_E_TRUNCATED), "TRUNCATED");
    assert_string_equal(image_error_name(IMAGE_ERROR_COUNT), "UNKNOWN");
    assert_string_equal(image_error_name(-1), "UNKNOWN");
    assert_string_equal(image_type_name(IMAGE_PAGE), "PAGE");
    assert_string_equal(image_type_name(0), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_record_type),
        cmocka_unit_test(encoder_sink_failure),
        cmocka_unit_test(every_truncation_is_truncated),
        cmocka_unit_test(every_byte_flip_is_rejected),
        cmocka_unit_test(header_errors),
        cmocka_unit_test(spliced_image_fails_digest),
        cmocka_unit_test(parent_digest),
        cmocka_unit_test(minimal_image_is_valid),
        cmocka_unit_test(overlapping_attachments),
        cmocka_unit_test(attachment_ranges),
        cmocka_unit_test(hostile_sizes),
        cmocka_unit_test(pages_encoded_in_place),
        cmocka_unit_test(dangling_duplicate_and_wrong_ids),
        cmocka_unit_test(table_entries),
        cmocka_unit_test(field_values),
        cmocka_unit_test(random_records_with_valid_checksums),
        cmocka_unit_test(order_within_types),
        cmocka_unit_test(many_objects),
        cmocka_unit_test(names_of_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
