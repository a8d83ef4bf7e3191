/*
 * Unit tests for lib/cpio: archives written here by a tiny newc writer, one
 * made by the cpio tool at build time, and corrupted or truncated copies.
 * Built with ASan/UBSan; archives are copied into exact-size buffers so any
 * read past the end is caught.
 */
#include <ferry/macros.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpio/cpio.h"

#define assert_cpio_err(got, want)                                                                 \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: got %s (%d), want %s (%d)", #got, cpio_error_name(got_), got_,           \
                     cpio_error_name(want_), want_);                                               \
    } while (0)

#define MODE_FILE   0100644u
#define MODE_DIR    0040755u
#define HEADER_SIZE 110
/* Offset of header field i (0 = ino ... 12 = check). */
#define FIELD(i)   (6 + 8 * (i))
#define F_MODE     1
#define F_FILESIZE 6
#define F_NAMESIZE 11

/* ---- a minimal newc writer ---- */

struct archive {
    uint8_t data[64 * 1024];
    size_t size;
};

static void put_bytes(struct archive *a, const void *p, size_t n)
{
    assert_true(a->size + n <= sizeof(a->data));
    memcpy(a->data + a->size, p, n);
    a->size += n;
}

static void pad4(struct archive *a)
{
    while (a->size % 4 != 0)
        put_bytes(a, "", 1);
}

/* Appends one entry and returns its offset. */
static size_t put_entry(struct archive *a, const char *name, uint32_t mode, const void *data,
                        size_t size)
{
    char header[HEADER_SIZE + 1];
    static unsigned ino = 1;
    size_t start = a->size;
    snprintf(header, sizeof(header), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             ino++, mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, 0u, 0u,
             (unsigned)strlen(name) + 1, 0u);
    put_bytes(a, header, HEADER_SIZE);
    put_bytes(a, name, strlen(name) + 1);
    pad4(a);
    put_bytes(a, data, size);
    pad4(a);
    return start;
}

static size_t put_trailer(struct archive *a)
{
    return put_entry(a, "TRAILER!!!", 0, "", 0);
}

/* Exact-size heap copy of the first `size` bytes. */
static uint8_t *copy_prefix(const void *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    assert_non_null(p);
    memcpy(p, data, size);
    return p;
}

/* Writes `value` as 8 hex digits into header field `field` of the entry at `entry`. */
static void set_field(uint8_t *archive, size_t entry, unsigned field, uint32_t value)
{
    char digits[9];
    snprintf(digits, sizeof(digits), "%08X", value);
    memcpy(archive + entry + FIELD(field), digits, 8);
}

/* Everything an entry points at lies inside the archive, and the name is a C string. */
static void assert_entry_inside(const uint8_t *archive, size_t size, const struct cpio_entry *e)
{
    const uint8_t *name = (const uint8_t *)e->name;
    const uint8_t *data = e->data;
    assert_true(name >= archive && name + e->name_len < archive + size);
    assert_int_equal(name[e->name_len], '\0');
    assert_int_equal(strlen(e->name), e->name_len);
    assert_true(data >= archive && data <= archive + size);
    assert_true(e->size <= (uint64_t)(archive + size - data));
}

/* ---- the archive made by the cpio tool ---- */

static uint8_t *load(const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", TESTDATA_DIR, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s (run `make unit-test`)", path);
    fseek(file, 0, SEEK_END);
    *size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *data = malloc(*size);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, *size, file), *size);
    fclose(file);
    return data;
}

static void test_real_archive_listing(void **state)
{
    (void)state;
    size_t size, offset = 0;
    uint8_t *archive = load("archive.cpio", &size);
    /* `find . | LC_ALL=C sort` order, "./" stripped */
    static const struct {
        const char *name;
        uint32_t type;
    } expected[] = {
        {".", 0040000u},   {"empty", 0100000u},         {"hello.txt", 0100000u},
        {"sub", 0040000u}, {"sub/three.txt", 0100000u},
    };
    struct cpio_entry e;

    for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
        size_t before = offset;
        assert_int_equal(cpio_next(archive, size, &offset, &e), 1);
        assert_true(offset > before);
        assert_int_equal(offset % 4, 0);
        assert_entry_inside(archive, size, &e);
        assert_string_equal(e.name, expected[i].name);
        assert_int_equal(e.mode & CPIO_MODE_TYPE, expected[i].type);
    }
    size_t trailer = offset;
    assert_int_equal(cpio_next(archive, size, &offset, &e), 0);
    assert_int_equal(offset, trailer);
    assert_int_equal(cpio_next(archive, size, &offset, &e), 0); /* stays at the end */
    free(archive);
}

static void test_real_archive_find(void **state)
{
    (void)state;
    size_t size;
    uint8_t *archive = load("archive.cpio", &size);
    struct cpio_entry e;

    assert_int_equal(cpio_find(archive, size, "hello.txt", &e), 1);
    assert_int_equal(e.size, 13);
    assert_memory_equal(e.data, "hello, ferry\n", 13);
    assert_int_equal(e.mode & CPIO_MODE_TYPE, CPIO_MODE_FILE);

    assert_int_equal(cpio_find(archive, size, "sub/three.txt", &e), 1);
    assert_int_equal(e.size, 3);
    assert_memory_equal(e.data, "abc", 3);

    assert_int_equal(cpio_find(archive, size, "empty", &e), 1);
    assert_int_equal(e.size, 0);

    assert_int_equal(cpio_find(archive, size, "sub", &e), 0); /* directories are not files */
    assert_int_equal(cpio_find(archive, size, ".", &e), 0);
    assert_int_equal(cpio_find(archive, size, "./hello.txt", &e), 0);
    assert_int_equal(cpio_find(archive, size, "hello", &e), 0);
    assert_int_equal(cpio_find(archive, size, "hello.txt2", &e), 0);
    assert_int_equal(cpio_find(archive, size, "", &e), 0);
    free(archive);
}

/* ---- hand-made archives ---- */

/* Every name length 1..9 with every data size 0..9: all paddings. */
static void build_padding_archive(struct archive *a)
{
    static const char letters[] = "abcdefghij";
    uint8_t data[16];
    a->size = 0;
    for (unsigned name_len = 1; name_len <= 9; name_len++) {
        for (unsigned size = 0; size <= 9; size++) {
            char name[16];
            memcpy(name, letters, name_len);
            name[name_len] = '\0';
            name[0] = (char)('0' + size); /* unique: first character encodes the size */
            for (unsigned i = 0; i < size; i++)
                data[i] = (uint8_t)(name_len * 16 + i);
            put_entry(a, name, MODE_FILE, data, size);
        }
    }
    put_trailer(a);
}

static void test_padding(void **state)
{
    (void)state;
    static struct archive a;
    build_padding_archive(&a);
    uint8_t *archive = copy_prefix(a.data, a.size);
    size_t offset = 0;
    struct cpio_entry e;
    unsigned count = 0;

    int r;
    while ((r = cpio_next(archive, a.size, &offset, &e)) == 1) {
        unsigned name_len = count / 10 + 1, size = count % 10;
        assert_entry_inside(archive, a.size, &e);
        assert_int_equal(e.name_len, name_len);
        assert_int_equal(e.size, size);
        assert_int_equal(e.mode, MODE_FILE);
        /* data starts 4-aligned relative to the archive */
        assert_int_equal(((const uint8_t *)e.data - archive) % 4, 0);
        for (unsigned i = 0; i < size; i++)
            assert_int_equal(((const uint8_t *)e.data)[i], name_len * 16 + i);

        struct cpio_entry found;
        assert_int_equal(cpio_find(archive, a.size, e.name, &found), 1);
        assert_ptr_equal(found.data, e.data);
        count++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(count, 90);
    free(archive);
}

static void test_dot_slash(void **state)
{
    (void)state;
    static struct archive a;
    static const char *const names[][2] = {
        /* as stored, as reported */
        {"./init", "init"}, {".", "."},       {"./", "./"},       {"./a/./b", "a/./b"},
        {"..", ".."},       {"/abs", "/abs"}, {"plain", "plain"}, {".hidden", ".hidden"},
    };
    const size_t n = ARRAY_SIZE(names);
    a.size = 0;
    for (size_t i = 0; i < n; i++)
        put_entry(&a, names[i][0], MODE_FILE, "x", 1);
    put_trailer(&a);

    size_t offset = 0;
    struct cpio_entry e;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cpio_next(a.data, a.size, &offset, &e), 1);
        assert_string_equal(e.name, names[i][1]);
        assert_int_equal(e.name_len, strlen(names[i][1]));
    }
    assert_int_equal(cpio_next(a.data, a.size, &offset, &e), 0);
    assert_int_equal(cpio_find(a.data, a.size, "init", &e), 1);
    assert_int_equal(cpio_find(a.data, a.size, "./init", &e), 0);
}

static void test_find_regular_files_only(void **state)
{
    (void)state;
    static struct archive a;
    a.size = 0;
    put_entry(&a, "dev", MODE_DIR, "", 0);
    put_entry(&a, "link", 0120777u, "target", 6); /* symlink */
    put_entry(&a, "dev", MODE_FILE, "file", 4);   /* same name, regular file, later */
    put_trailer(&a);

    struct cpio_entry e;
    assert_int_equal(cpio_find(a.data, a.size, "dev", &e), 1);
    assert_int_equal(e.size, 4);
    assert_memory_equal(e.data, "file", 4);
    assert_int_equal(cpio_find(a.data, a.size, "link", &e), 0);
}

static void test_crc_magic_accepted(void **state)
{
    (void)state;
    static struct archive a;
    a.size = 0;
    size_t entry = put_entry(&a, "f", MODE_FILE, "data", 4);
    put_trailer(&a);
    a.data[entry + 5] = '2'; /* 070702: newc with checksum */
    struct cpio_entry e;
    assert_int_equal(cpio_find(a.data, a.size, "f", &e), 1);
}

static void test_no_trailer(void **state)
{
    (void)state;
    static struct archive a;
    a.size = 0;
    put_entry(&a, "f", MODE_FILE, "data", 4);
    size_t offset = 0;
    struct cpio_entry e;
    assert_int_equal(cpio_next(a.data, a.size, &offset, &e), 1);
    assert_int_equal(offset, a.size);
    assert_cpio_err(cpio_next(a.data, a.size, &offset, &e), CPIO_E_TRUNCATED);
    assert_cpio_err(cpio_find(a.data, a.size, "g", &e), CPIO_E_TRUNCATED);

    /* Offsets at or beyond the end. */
    offset = a.size + 1;
    assert_cpio_err(cpio_next(a.data, a.size, &offset, &e), CPIO_E_TRUNCATED);
    offset = SIZE_MAX;
    assert_cpio_err(cpio_next(a.data, a.size, &offset, &e), CPIO_E_TRUNCATED);
    /* An empty archive. */
    offset = 0;
    assert_cpio_err(cpio_next(a.data, 0, &offset, &e), CPIO_E_TRUNCATED);
}

/* ---- corruption ---- */

/* A two-file archive; the second entry starts at *second. */
static void build_small(struct archive *a, size_t *second)
{
    a->size = 0;
    put_entry(a, "first", MODE_FILE, "12345", 5);
    *second = put_entry(a, "second.bin", MODE_FILE, "abcdefgh", 8);
    put_trailer(a);
}

/* First error (or 0) walking the whole archive. */
static int walk(const uint8_t *archive, size_t size)
{
    size_t offset = 0;
    struct cpio_entry e;
    int r;
    unsigned guard = 0;
    while ((r = cpio_next(archive, size, &offset, &e)) == 1) {
        assert_entry_inside(archive, size, &e);
        assert_true(++guard < 100000);
    }
    return r;
}

static void test_bad_magic(void **state)
{
    (void)state;
    static struct archive a;
    size_t second;
    build_small(&a, &second);

    for (size_t entry = 0; entry <= second; entry += second) {
        for (unsigned i = 0; i < 6; i++) {
            uint8_t saved = a.data[entry + i];
            a.data[entry + i] = 'x';
            assert_cpio_err(walk(a.data, a.size), CPIO_E_MAGIC);
            a.data[entry + i] = saved;
        }
    }
    memcpy(a.data, "070707", 6); /* old portable format */
    assert_cpio_err(walk(a.data, a.size), CPIO_E_MAGIC);
    memcpy(a.data, "070703", 6);
    assert_cpio_err(walk(a.data, a.size), CPIO_E_MAGIC);
}

static void test_bad_hex(void **state)
{
    (void)state;
    static struct archive a;
    static const char bad[] = {'g', 'G', 'x', ' ', '\0', '-', '/', ':', '@', '`'};
    size_t second;
    build_small(&a, &second);

    for (unsigned pos = 6; pos < HEADER_SIZE; pos++) {
        for (size_t k = 0; k < sizeof(bad); k++) {
            uint8_t saved = a.data[second + pos];
            a.data[second + pos] = (uint8_t)bad[k];
            assert_cpio_err(walk(a.data, a.size), CPIO_E_HEX);
            a.data[second + pos] = saved;
        }
    }
    /* Lower-case digits are fine. */
    memcpy(a.data + second + FIELD(F_FILESIZE), "0000000a", 8);
    size_t offset = second;
    struct cpio_entry e;
    assert_int_equal(cpio_next(a.data, a.size, &offset, &e), 1);
    assert_int_equal(e.size, 10);
}

static void test_bad_names(void **state)
{
    (void)state;
    static struct archive a;
    size_t second, offset;
    struct cpio_entry e;
    build_small(&a, &second);
    uint8_t *name = a.data + second + HEADER_SIZE; /* "second.bin\0" */

    set_field(a.data, second, F_NAMESIZE, 0);
    offset = second;
    assert_cpio_err(cpio_next(a.data, a.size, &offset, &e), CPIO_E_NAME_NUL);
    assert_int_equal(offset, second); /* untouched on error */

    set_field(a.data, second, F_NAMESIZE, 10); /* the NUL is not included */
    assert_cpio_err(walk(a.data, a.size), CPIO_E_NAME_NUL);
    set_field(a.data, second, F_NAMESIZE, 11);

    name[10] = 'x'; /* terminator overwritten */
    assert_cpio_err(walk(a.data, a.size), CPIO_E_NAME_NUL);
    name[10] = '\0';
    name[3] = '\0'; /* NUL inside the name */
    assert_cpio_err(walk(a.data, a.size), CPIO_E_NAME_NUL);
    name[3] = 'o';

    size_t left = a.size - second - HEADER_SIZE;
    set_field(a.data, second, F_NAMESIZE, (uint32_t)left + 1);
    assert_cpio_err(walk(a.data, a.size), CPIO_E_NAME_PAST_END);
    set_field(a.data, second, F_NAMESIZE, 0xffffffffu);
    assert_cpio_err(walk(a.data, a.size), CPIO_E_NAME_PAST_END);
    set_field(a.data, second, F_NAMESIZE, 11);
    assert_cpio_err(walk(a.data, a.size), 0);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    static struct archive a;
    size_t second;
    build_small(&a, &second);
    /* data of "second.bin" starts after the 110-byte header + 11-byte name + 3 padding */
    size_t data_off = second + 124;

    set_field(a.data, second, F_FILESIZE, (uint32_t)(a.size - data_off) + 1);
    assert_cpio_err(walk(a.data, a.size), CPIO_E_DATA_PAST_END);
    set_field(a.data, second, F_FILESIZE, 0xffffffffu);
    assert_cpio_err(walk(a.data, a.size), CPIO_E_DATA_PAST_END);
    /* The data may reach exactly to the end (the trailer is then missing). */
    set_field(a.data, second, F_FILESIZE, (uint32_t)(a.size - data_off));
    assert_cpio_err(walk(a.data, a.size), CPIO_E_TRUNCATED);
    /* A wrong but in-range size lands the next header in the middle of data. */
    set_field(a.data, second, F_FILESIZE, 4);
    assert_cpio_err(walk(a.data, a.size), CPIO_E_MAGIC);
    set_field(a.data, second, F_FILESIZE, 8);
    assert_cpio_err(walk(a.data, a.size), 0);
}

/* Cuts the archive at every length: an error until the whole trailer name is there. */
static void truncate_every_length(const uint8_t *data, size_t size)
{
    size_t offset = 0, trailer_end;
    struct cpio_entry e;
    while (cpio_next(data, size, &offset, &e) == 1)
        ;
    trailer_end = offset + HEADER_SIZE + sizeof("TRAILER!!!");

    for (size_t len = 0; len <= size; len++) {
        uint8_t *copy = copy_prefix(data, len);
        int r = walk(copy, len);
        if (len < trailer_end) {
            assert_true(r < 0);
            assert_string_not_equal(cpio_error_name(r), "CPIO_E_UNKNOWN");
        } else {
            assert_int_equal(r, 0);
        }
        r = cpio_find(copy, len, "second.bin", &e);
        if (r == 1)
            assert_entry_inside(copy, len, &e);
        free(copy);
    }
}

static void test_truncate_every_length(void **state)
{
    (void)state;
    static struct archive a;
    size_t second, size;
    build_small(&a, &second);
    truncate_every_length(a.data, a.size);
    build_padding_archive(&a);
    truncate_every_length(a.data, a.size);

    uint8_t *real = load("archive.cpio", &size);
    truncate_every_length(real, size);
    free(real);
}

static void test_flip_every_byte(void **state)
{
    (void)state;
    static struct archive a;
    static const uint8_t values[] = {0x00, '0', '7', 'f', 'F', 0xff, '\n'};
    size_t second;
    build_small(&a, &second);

    for (size_t i = 0; i < a.size; i++) {
        for (size_t k = 0; k < sizeof(values); k++) {
            uint8_t *copy = copy_prefix(a.data, a.size);
            copy[i] = values[k];
            (void)walk(copy, a.size);
            struct cpio_entry e;
            if (cpio_find(copy, a.size, "second.bin", &e) == 1)
                assert_entry_inside(copy, a.size, &e);
            free(copy);
        }
    }
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(cpio_error_name(CPIO_OK), "CPIO_OK");
    assert_string_equal(cpio_error_name(CPIO_E_MAGIC), "CPIO_E_MAGIC");
    assert_string_equal(cpio_error_name(CPIO_E_DATA_PAST_END), "CPIO_E_DATA_PAST_END");
    for (int e = CPIO_E_DATA_PAST_END; e <= CPIO_OK; e++)
        assert_string_not_equal(cpio_error_name(e), "CPIO_E_UNKNOWN");
    assert_string_equal(cpio_error_name(1), "CPIO_E_UNKNOWN");
    assert_string_equal(cpio_error_name(CPIO_E_DATA_PAST_END - 1), "CPIO_E_UNKNOWN");
    assert_string_equal(cpio_error_name(-2147483647 - 1), "CPIO_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_archive_listing),
        cmocka_unit_test(test_real_archive_find),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_dot_slash),
        cmocka_unit_test(test_find_regular_files_only),
        cmocka_unit_test(test_crc_magic_accepted),
        cmocka_unit_test(test_no_trailer),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_bad_hex),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_bad_sizes),
        cmocka_unit_test(test_truncate_every_length),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
