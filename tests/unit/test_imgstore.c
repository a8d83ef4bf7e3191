/* The image store (lib/image/store.c) over a simulated disk that can crash. */
// host-sources: lib/image/store.c lib/image/image.c tools/image/sample.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "image/store.h"

#define XXH_INLINE_ALL
#include <xxhash.h>
#include "../../tools/image/sample.h"

/* ---- a disk in memory ---- */

struct disk {
    uint8_t *data;
    uint64_t sectors;
    long budget;     /* sectors that may still be written; <0: unlimited */
    unsigned writes; /* sectors written */
    bool crashed;    /* a write was refused: flushes fail too */
    bool fail_reads;
};

static long disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    struct disk *d = ctx;
    assert_true(sector + count <= d->sectors);
    if (d->fail_reads)
        return -1;
    memcpy(buf, d->data + sector * IMGSTORE_SECTOR, (size_t)count * IMGSTORE_SECTOR);
    return 0;
}

/* A crash after `budget` sectors: the write in progress lands partly. */
static long disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    struct disk *d = ctx;
    assert_true(sector + count <= d->sectors);
    for (uint32_t i = 0; i < count; i++) {
        if (d->budget == 0) {
            d->crashed = true;
            return -1;
        }
        if (d->budget > 0)
            d->budget--;
        memcpy(d->data + (sector + i) * IMGSTORE_SECTOR,
               (const uint8_t *)buf + (size_t)i * IMGSTORE_SECTOR, IMGSTORE_SECTOR);
        d->writes++;
    }
    return 0;
}

static long disk_flush(void *ctx)
{
    struct disk *d = ctx;
    return d->crashed ? -1 : 0;
}

static struct disk disk_new(uint64_t sectors)
{
    struct disk d = {.sectors = sectors, .budget = -1};
    d.data = calloc(sectors, IMGSTORE_SECTOR);
    assert_non_null(d.data);
    return d;
}

static struct imgstore_dev dev_of(struct disk *d)
{
    return (struct imgstore_dev){.ctx = d,
                                 .sectors = d->sectors,
                                 .read = disk_read,
                                 .write = disk_write,
                                 .flush = disk_flush};
}

static struct imgstore store; /* 12 KiB: not on the stack */

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 13 + seed * 7 + (i >> 9));
}

/* Reads `name` and compares it with p[n]. */
static void expect_image(const char *name, const uint8_t *p, size_t n)
{
    static uint8_t buf[1 << 20];
    size_t len = 0;
    assert_int_equal(imgstore_read(&store, name, buf, sizeof(buf), &len), IMGSTORE_OK);
    assert_int_equal(len, n);
    assert_memory_equal(buf, p, n);
}

/* ---- sample images in memory ---- */

struct buf {
    uint8_t *data;
    size_t len;
};

static long buf_sink(void *ctx, const void *data, size_t len)
{
    struct buf *b = ctx;
    b->data = realloc(b->data, b->len + len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static struct buf sample(const struct image_digest *parent, struct image_digest *digest)
{
    struct buf b = {0};
    assert_int_equal(sample_image_write(buf_sink, &b, parent, digest), IMAGE_OK);
    return b;
}

/* ---- tests ---- */

static void format_mount_and_errors(void **state)
{
    (void)state;
    struct disk d = disk_new(64);
    struct imgstore_dev dev = dev_of(&d);
    uint64_t free_sectors, largest;
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_E_NOT_FORMATTED);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
    assert_int_equal(store.count, 0);
    imgstore_free(&store, &free_sectors, &largest);
    assert_int_equal(free_sectors, 64 - IMGSTORE_DATA_START);
    assert_int_equal(largest, 64 - IMGSTORE_DATA_START);

    uint8_t x[600];
    fill(x, sizeof(x), 1);
    assert_int_equal(imgstore_write(&store, "", x, 10), IMGSTORE_E_NAME);
    assert_int_equal(imgstore_write(&store, "0123456789012345678901234567890123", x, 10),
                     IMGSTORE_E_NAME);
    assert_int_equal(imgstore_write(&store, "a", x, 0), IMGSTORE_E_EMPTY);
    assert_int_equal(imgstore_delete(&store, "a"), IMGSTORE_E_NOENT);
    size_t len;
    assert_int_equal(imgstore_read(&store, "a", x, sizeof(x), &len), IMGSTORE_E_NOENT);
    assert_int_equal(imgstore_write(&store, "a", x, sizeof(x)), IMGSTORE_OK);
    assert_int_equal(imgstore_read(&store, "a", x, 599, &len), IMGSTORE_E_BUFFER);
    d.fail_reads = true;
    assert_int_equal(imgstore_read(&store, "a", x, sizeof(x), &len), IMGSTORE_E_IO);
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_E_IO);
    d.fail_reads = false;

    /* a device too small */
    struct imgstore_dev tiny = dev;
    tiny.sectors = IMGSTORE_DATA_START;
    assert_int_equal(imgstore_format(&store, &tiny), IMGSTORE_E_TOO_SMALL);
    assert_string_equal(imgstore_error_name(IMGSTORE_E_NOSPACE), "NOSPACE");
    assert_string_equal(imgstore_error_name(IMGSTORE_ERROR_COUNT), "UNKNOWN");
    free(d.data);
}

static void several_names_replace_delete(void **state)
{
    (void)state;
    struct disk d = disk_new(256);
    struct imgstore_dev dev = dev_of(&d);
    static uint8_t a[5000], b[512], c[1], a2[700];
    fill(a, sizeof(a), 1), fill(b, sizeof(b), 2), fill(c, sizeof(c), 3), fill(a2, sizeof(a2), 4);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "a", a, sizeof(a)), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "b", b, sizeof(b)), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "c", c, sizeof(c)), IMGSTORE_OK);
    uint64_t free_before, largest;
    imgstore_free(&store, &free_before, &largest);
    assert_int_equal(free_before, 256 - 16 - 10 - 1 - 1);

    /* replace: the other images stay, the space of the old one comes back */
    assert_int_equal(imgstore_write(&store, "a", a2, sizeof(a2)), IMGSTORE_OK);
    uint64_t free_after;
    imgstore_free(&store, &free_after, &largest);
    assert_int_equal(free_after, free_before + 10 - 2);
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
    assert_int_equal(store.count, 3);
    expect_image("a", a2, sizeof(a2));
    expect_image("b", b, sizeof(b));
    expect_image("c", c, sizeof(c));

    assert_int_equal(imgstore_delete(&store, "b"), IMGSTORE_OK);
    assert_null(imgstore_find(&store, "b"));
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
    assert_int_equal(store.count, 2);
    expect_image("c", c, sizeof(c));

    /* a damaged data sector is found on read */
    d.data[imgstore_find(&store, "c")->start * IMGSTORE_SECTOR] ^= 1;
    size_t len;
    assert_int_equal(imgstore_read(&store, "c", a, sizeof(a), &len), IMGSTORE_E_CORRUPT);
    free(d.data);
}

static void full_disk_and_full_directory(void **state)
{
    (void)state;
    struct disk d = disk_new(16 + 40);
    struct imgstore_dev dev = dev_of(&d);
    static uint8_t big[30 * 512], x[512];
    fill(big, sizeof(big), 5), fill(x, sizeof(x), 6);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "big", big, sizeof(big)), IMGSTORE_OK);
    /* replacing needs room for both versions at once */
    assert_int_equal(imgstore_write(&store, "big", big, sizeof(big)), IMGSTORE_E_NOSPACE);
    expect_image("big", big, sizeof(big));
    for (unsigned i = 0; i < 10; i++) {
        char name[8] = {'x', (char)('0' + i)};
        assert_int_equal(imgstore_write(&store, name, x, sizeof(x)), IMGSTORE_OK);
    }
    assert_int_equal(imgstore_write(&store, "more", x, 1), IMGSTORE_E_NOSPACE);
    uint64_t free_sectors, largest;
    imgstore_free(&store, &free_sectors, &largest);
    assert_int_equal(free_sectors, 0);

    /* 32 names fill the directory */
    struct disk d2 = disk_new(16 + 64);
    struct imgstore_dev dev2 = dev_of(&d2);
    assert_int_equal(imgstore_format(&store, &dev2), IMGSTORE_OK);
    for (unsigned i = 0; i < IMGSTORE_MAX_IMAGES; i++) {
        char name[8] = {'n', (char)('a' + i / 10), (char)('0' + i % 10)};
        assert_int_equal(imgstore_write(&store, name, x, 10), IMGSTORE_OK);
    }
    assert_int_equal(imgstore_write(&store, "one-more", x, 10), IMGSTORE_E_DIR_FULL);
    assert_int_equal(imgstore_write(&store, "na0", x, 20), IMGSTORE_OK); /* replace: fine */
    assert_int_equal(imgstore_mount(&store, &dev2), IMGSTORE_OK);
    assert_int_equal(store.count, IMGSTORE_MAX_IMAGES);
    free(d.data);
    free(d2.data);
}

/* A crash after every possible number of sector writes while replacing an
 * image: after a reboot the store mounts and holds exactly the old or the new
 * version, and the other image is untouched. */
static void crash_at_every_sector_write(void **state)
{
    (void)state;
    struct disk d = disk_new(128);
    struct imgstore_dev dev = dev_of(&d);
    static uint8_t v1[3000], v2[4100], other[800];
    fill(v1, sizeof(v1), 7), fill(v2, sizeof(v2), 8), fill(other, sizeof(other), 9);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "latest", v1, sizeof(v1)), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "other", other, sizeof(other)), IMGSTORE_OK);
    uint8_t *snapshot = malloc(128 * IMGSTORE_SECTOR);
    memcpy(snapshot, d.data, 128 * IMGSTORE_SECTOR);

    /* how many sectors a complete replace writes */
    d.writes = 0;
    assert_int_equal(imgstore_write(&store, "latest", v2, sizeof(v2)), IMGSTORE_OK);
    unsigned total = d.writes;
    assert_int_equal(total, 9 + IMGSTORE_SUPER_SECTORS);

    for (unsigned crash = 0; crash <= total; crash++) {
        memcpy(d.data, snapshot, 128 * IMGSTORE_SECTOR);
        d.budget = -1;
        assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
        d.budget = crash;
        long err = imgstore_write(&store, "latest", v2, sizeof(v2));
        assert_int_equal(err, crash < total ? IMGSTORE_E_IO : IMGSTORE_OK);
        d.budget = -1; /* reboot */
        d.crashed = false;
        assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
        if (crash < total)
            expect_image("latest", v1, sizeof(v1));
        else
            expect_image("latest", v2, sizeof(v2));
        expect_image("other", other, sizeof(other));
        /* and the store goes on working */
        assert_int_equal(imgstore_write(&store, "latest", v2, sizeof(v2)), IMGSTORE_OK);
        expect_image("latest", v2, sizeof(v2));
    }

    /* a crash in the middle of formatting leaves a mountable store */
    for (unsigned crash = 0; crash <= 2 * IMGSTORE_SUPER_SECTORS; crash++) {
        memcpy(d.data, snapshot, 128 * IMGSTORE_SECTOR);
        d.budget = crash;
        long err = imgstore_format(&store, &dev);
        assert_int_equal(err, crash < 2 * IMGSTORE_SUPER_SECTORS ? IMGSTORE_E_IO : IMGSTORE_OK);
        d.budget = -1;
        d.crashed = false;
        assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
        assert_true(store.count == 0 || store.count == 2);
    }
    free(snapshot);
    free(d.data);
}

static void superblock_copies(void **state)
{
    (void)state;
    struct disk d = disk_new(64);
    struct imgstore_dev dev = dev_of(&d);
    uint8_t x[100];
    fill(x, sizeof(x), 1);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "one", x, sizeof(x)), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "two", x, sizeof(x)), IMGSTORE_OK);
    unsigned current = store.copy;
    /* the current copy damaged: the previous directory (without "two") */
    d.data[current * IMGSTORE_SUPER_BYTES + 100] ^= 0x40;
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
    assert_int_equal(store.count, 1);
    assert_non_null(imgstore_find(&store, "one"));
    /* both damaged */
    d.data[(current ^ 1) * IMGSTORE_SUPER_BYTES + 3] ^= 0x40;
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_E_NOT_FORMATTED);
    free(d.data);
}

/* A superblock copy with a valid checksum but an insane directory is not
 * taken: mounting falls back to the other copy. */
static void superblock_with_valid_checksum_but_bad_entries(void **state)
{
    (void)state;
    struct disk d = disk_new(64);
    struct imgstore_dev dev = dev_of(&d);
    uint8_t x[1000];
    fill(x, sizeof(x), 1);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "one", x, sizeof(x)), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "two", x, sizeof(x)), IMGSTORE_OK);
    unsigned current = store.copy;
    uint8_t *sb = d.data + current * IMGSTORE_SUPER_BYTES;
    static uint8_t saved[IMGSTORE_SUPER_BYTES];
    memcpy(saved, sb, sizeof(saved));
    enum { E1 = 0x38 + 112 }; /* entry 1 (docs/image.md, "Store") */
    struct {
        unsigned offset, size;
        uint64_t value;
    } damage[] = {
        {0x0c, 4, 33},            /* count beyond 32 */
        {0x18, 8, 1000},          /* formatted for a larger device */
        {E1 + 0x20, 8, 16},       /* entry 1 starts where entry 0 does: overlap */
        {E1 + 0x20, 8, 4},        /* inside the superblocks */
        {E1 + 0x20, 8, 63},       /* runs past the device */
        {E1 + 0x28, 8, 0},        /* zero bytes */
        {E1 + 0x28, 8, ~0ull},    /* huge: the sector count must not wrap */
        {E1 + 0x00, 1, 0},        /* empty name */
        {E1 + 0x00, 8, 0x656e6f}, /* the name "one" twice */
        {E1 + 0x1f, 1, 'x'},      /* unterminated name */
        {E1 + 0x04, 1, 'x'},      /* garbage after the name's NUL */
        {E1 + 112, 1, 'z'},       /* a byte in the unused entries */
    };
    for (unsigned i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        memcpy(sb, saved, sizeof(saved));
        uint8_t *p = sb + damage[i].offset;
        for (unsigned b = 0; b < damage[i].size; b++)
            p[b] = (uint8_t)(damage[i].value >> (8 * b));
        uint64_t sum = XXH3_64bits(sb, 0xff8);
        memcpy(sb + 0xff8, &sum, 8);
        assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
        if (store.copy == current)
            fail_msg("damage %u accepted", i);
        assert_int_equal(store.count, 1); /* the previous directory */
    }
    memcpy(sb, saved, sizeof(saved));
    assert_int_equal(imgstore_mount(&store, &dev), IMGSTORE_OK);
    assert_int_equal(store.count, 2);
    free(d.data);
}

static void chains_of_incremental_images(void **state)
{
    (void)state;
    struct disk d = disk_new(2048);
    struct imgstore_dev dev = dev_of(&d);
    struct image_digest d1, d2, d3;
    struct buf base = sample(NULL, &d1), inc1 = sample(&d1, &d2), inc2 = sample(&d2, &d3);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "base", base.data, base.len), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "inc1", inc1.data, inc1.len), IMGSTORE_OK);
    assert_int_equal(imgstore_write(&store, "inc2", inc2.data, inc2.len), IMGSTORE_OK);
    const struct imgstore_entry *e = imgstore_find(&store, "inc1");
    assert_true(e->digest.lo == d2.lo && e->digest.hi == d2.hi);
    assert_true(e->parent.lo == d1.lo && e->parent.hi == d1.hi);
    assert_int_equal(e->flags, IMAGE_FLAG_INCREMENTAL);

    const struct imgstore_entry *chain[4];
    unsigned n = 0;
    assert_int_equal(imgstore_chain(&store, "inc2", chain, 4, &n), IMGSTORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(chain[0]->name, "base");
    assert_string_equal(chain[1]->name, "inc1");
    assert_string_equal(chain[2]->name, "inc2");
    assert_int_equal(imgstore_chain(&store, "inc2", chain, 2, &n), IMGSTORE_E_CHAIN_LONG);
    assert_int_equal(imgstore_chain(&store, "base", chain, 4, &n), IMGSTORE_OK);
    assert_int_equal(n, 1);

    /* a parent cannot go while a child names it */
    assert_int_equal(imgstore_delete(&store, "inc1"), IMGSTORE_E_HAS_CHILD);
    assert_int_equal(imgstore_delete(&store, "inc2"), IMGSTORE_OK);
    assert_int_equal(imgstore_delete(&store, "inc1"), IMGSTORE_OK);
    /* a child whose parent is gone */
    assert_int_equal(imgstore_write(&store, "inc2", inc2.data, inc2.len), IMGSTORE_OK);
    assert_int_equal(imgstore_chain(&store, "inc2", chain, 4, &n), IMGSTORE_E_NO_PARENT);
    free(base.data), free(inc1.data), free(inc2.data);
    free(d.data);
}

/* The encoder writes straight into the store. */
static void streaming_writer(void **state)
{
    (void)state;
    struct disk d = disk_new(512);
    struct imgstore_dev dev = dev_of(&d);
    static struct imgstore_writer w;
    struct image_digest digest;
    struct buf mem = sample(NULL, NULL);
    assert_int_equal(imgstore_format(&store, &dev), IMGSTORE_OK);
    assert_int_equal(imgstore_writer_begin(&w, &store, "streamed"), IMGSTORE_OK);
    assert_int_equal(sample_image_write(imgstore_writer_sink, &w, NULL, &digest), IMAGE_OK);
    assert_int_equal(imgstore_writer_commit(&w), IMGSTORE_OK);
    assert_int_equal(imgstore_writer_commit(&w), IMGSTORE_E_WRITER);
    const struct imgstore_entry *e = imgstore_find(&store, "streamed");
    assert_non_null(e);
    assert_true(e->digest.lo == digest.lo && e->digest.hi == digest.hi);
    expect_image("streamed", mem.data, mem.len);

    /* not enough room: the sink refuses, nothing is committed */
    struct disk small = disk_new(16 + 20);
    struct imgstore_dev sdev = dev_of(&small);
    assert_int_equal(imgstore_format(&store, &sdev), IMGSTORE_OK);
    assert_int_equal(imgstore_writer_begin(&w, &store, "big"), IMGSTORE_OK);
    assert_int_equal(sample_image_write(imgstore_writer_sink, &w, NULL, NULL), IMAGE_E_SINK);
    assert_int_equal(imgstore_writer_commit(&w), IMGSTORE_E_NOSPACE);
    assert_int_equal(imgstore_mount(&store, &sdev), IMGSTORE_OK);
    assert_int_equal(store.count, 0);
    free(mem.data);
    free(small.data);
    free(d.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_mount_and_errors),
        cmocka_unit_test(several_names_replace_delete),
        cmocka_unit_test(full_disk_and_full_directory),
        cmocka_unit_test(crash_at_every_sector_write),
        cmocka_unit_test(superblock_copies),
        cmocka_unit_test(superblock_with_valid_checksum_but_bad_entries),
        cmocka_unit_test(chains_of_incremental_images),
        cmocka_unit_test(streaming_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
