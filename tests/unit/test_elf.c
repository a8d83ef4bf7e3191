/*
 * Unit tests for lib/elf: a tiny RISC-V executable built at build time with
 * riscv64-unknown-elf-gcc, an image written here field by field, and
 * corrupted or truncated copies. Built with ASan/UBSan; images are copied
 * into exact-size buffers so any read past the end is caught.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf.h"

#define assert_elf_err(got, want)                                                                  \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: got %s (%d), want %s (%d)", #got, elf_error_name(got_), got_,            \
                     elf_error_name(want_), want_);                                                \
    } while (0)

#define PT_NOTE  4

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *copy_prefix(const void *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    assert_non_null(p);
    memcpy(p, data, size);
    return p;
}

/* ---- a hand-made image ---- */

/*
 * header | 3 program headers | 0x100 bytes of "text" at 0x100 | 0x10 bytes of "data" at 0x200
 *   [0] PT_LOAD R+X  file 0x100..0x200 -> 0x10000, memsz 0x100
 *   [1] PT_NOTE      (garbage sizes: must be ignored)
 *   [2] PT_LOAD R+W  file 0x200..0x210 -> 0x20000, memsz 0x1000 (bss after)
 */
#define IMAGE_SIZE 0x210
static uint8_t image[IMAGE_SIZE];

static uint8_t *phdr(uint8_t *img, unsigned i)
{
    return img + EHDR_SIZE + PHDR_SIZE * i;
}

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
                     uint64_t filesz, uint64_t memsz)
{
    uint8_t *ph = phdr(image, i);
    put_le(ph + P_TYPE, type, 4);
    put_le(ph + P_FLAGS, flags, 4);
    put_le(ph + P_OFFSET, offset, 8);
    put_le(ph + P_VADDR, vaddr, 8);
    put_le(ph + P_FILESZ, filesz, 8);
    put_le(ph + P_MEMSZ, memsz, 8);
}

static void build_image(void)
{
    memset(image, 0, sizeof(image));
    memcpy(image,
           "\x7f"
           "ELF",
           4);
    image[4] = 2;                 /* ELFCLASS64 */
    image[5] = 1;                 /* ELFDATA2LSB */
    image[6] = 1;                 /* EV_CURRENT */
    put_le(image + E_TYPE, 2, 2); /* ET_EXEC */
    put_le(image + E_MACHINE, ELF_EM_RISCV, 2);
    put_le(image + E_VERSION, 1, 4);
    put_le(image + E_ENTRY, 0x10004, 8);
    put_le(image + E_PHOFF, EHDR_SIZE, 8);
    put_le(image + E_PHENTSIZE, PHDR_SIZE, 2);
    put_le(image + E_PHNUM, 3, 2);
    set_phdr(0, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x100, 0x10000, 0x100, 0x100);
    set_phdr(1, PT_NOTE, 0, 0xffffffffffffffffull, 0, 0x5000, 1);
    set_phdr(2, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x200, 0x20000, 0x10, 0x1000);
    for (unsigned i = 0x100; i < IMAGE_SIZE; i++)
        image[i] = (uint8_t)i;
}

static int open_image(struct elf_image *img)
{
    return elf_open(img, image, sizeof(image));
}

/* Loads segment `index` of the hand-made image after one edit of its header. */
static int load_edited(unsigned index, unsigned field, uint64_t value, unsigned bytes,
                       struct elf_segment *seg)
{
    struct elf_image img;
    build_image();
    put_le(phdr(image, index) + field, value, bytes);
    assert_elf_err(open_image(&img), ELF_OK);
    return elf_load_segment(&img, index, seg);
}

static void test_handmade_image(void **state)
{
    (void)state;
    struct elf_image img;
    struct elf_segment seg;
    build_image();
    assert_elf_err(open_image(&img), ELF_OK);
    assert_ptr_equal(img.data, image);
    assert_int_equal(img.size, IMAGE_SIZE);
    assert_int_equal(img.entry, 0x10004);
    assert_int_equal(img.phnum, 3);
    assert_int_equal(img.phoff, EHDR_SIZE);

    assert_int_equal(elf_load_segment(&img, 0, &seg), 1);
    assert_int_equal(seg.vaddr, 0x10000);
    assert_int_equal(seg.memsz, 0x100);
    assert_int_equal(seg.filesz, 0x100);
    assert_int_equal(seg.offset, 0x100);
    assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_X);

    assert_int_equal(elf_load_segment(&img, 1, &seg), 0); /* PT_NOTE: sizes not checked */

    assert_int_equal(elf_load_segment(&img, 2, &seg), 1);
    assert_int_equal(seg.vaddr, 0x20000);
    assert_int_equal(seg.memsz, 0x1000);
    assert_int_equal(seg.filesz, 0x10);
    assert_int_equal(seg.offset, 0x200);
    assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_W);

    assert_elf_err(elf_load_segment(&img, 3, &seg), ELF_E_INDEX);
    assert_elf_err(elf_load_segment(&img, 0xffffffffu, &seg), ELF_E_INDEX);
}

static void test_unaligned_image(void **state)
{
    (void)state;
    build_image();
    for (size_t shift = 1; shift < 8; shift++) {
        uint8_t *buf = malloc(IMAGE_SIZE + shift);
        assert_non_null(buf);
        memcpy(buf + shift, image, IMAGE_SIZE);
        struct elf_image img;
        struct elf_segment seg;
        assert_elf_err(elf_open(&img, buf + shift, IMAGE_SIZE), ELF_OK);
        assert_int_equal(img.entry, 0x10004);
        assert_int_equal(elf_load_segment(&img, 2, &seg), 1);
        assert_int_equal(seg.memsz, 0x1000);
        free(buf);
    }
}

/* ---- the executable built by the cross compiler ---- */

static bool contains(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t len)
{
    for (size_t i = 0; i + len <= hay_len; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return true;
    return false;
}

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

static void test_tiny_elf(void **state)
{
    (void)state;
    static const uint8_t tag[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    size_t size;
    uint8_t *data = load("tiny.elf", &size);
    struct elf_image img;
    struct elf_segment seg;
    bool saw_text = false, saw_data = false;

    assert_elf_err(elf_open(&img, data, size), ELF_OK);
    assert_int_equal(img.entry, 0x10000); /* -Ttext=0x10000, _start is the only function */
    assert_true(img.phnum >= 2);

    for (unsigned i = 0; i < img.phnum; i++) {
        int r = elf_load_segment(&img, i, &seg);
        assert_true(r == 0 || r == 1);
        if (r == 0)
            continue;
        assert_true(seg.filesz <= seg.memsz);
        assert_true(seg.offset + seg.filesz <= size);
        if (seg.vaddr <= img.entry && img.entry < seg.vaddr + seg.memsz) {
            assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_X);
            saw_text = true;
        }
        if (seg.flags & ELF_PF_W) {
            assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_W);
            /* tiny_tag's initial value is in this segment's file bytes */
            assert_true(seg.filesz >= 8);
            assert_true(contains(data + seg.offset, seg.filesz, tag, sizeof(tag)));
            saw_data = true;
        }
    }
    assert_true(saw_text);
    assert_true(saw_data);
    assert_elf_err(elf_load_segment(&img, img.phnum, &seg), ELF_E_INDEX);
    free(data);
}

/* ---- corrupt headers ---- */

/* One edit to a fresh hand-made image, then elf_open(). */
static int open_edited(unsigned offset, uint64_t value, unsigned bytes)
{
    struct elf_image img;
    build_image();
    put_le(image + offset, value, bytes);
    int r = open_image(&img);
    if (r != ELF_OK) {
        assert_null(img.data); /* zeroed on error */
        assert_int_equal(img.phnum, 0);
    }
    return r;
}

static void test_bad_ident(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 4; i++)
        assert_elf_err(open_edited(i, 'e', 1), ELF_E_MAGIC);
    assert_elf_err(open_edited(4, 1, 1), ELF_E_CLASS); /* ELFCLASS32 */
    assert_elf_err(open_edited(4, 0, 1), ELF_E_CLASS);
    assert_elf_err(open_edited(5, 2, 1), ELF_E_DATA); /* big-endian */
    assert_elf_err(open_edited(6, 0, 1), ELF_E_VERSION);
    assert_elf_err(open_edited(E_VERSION, 2, 4), ELF_E_VERSION);
}

static void test_bad_type_and_machine(void **state)
{
    (void)state;
    assert_elf_err(open_edited(E_TYPE, 1, 2), ELF_E_TYPE);        /* ET_REL */
    assert_elf_err(open_edited(E_TYPE, 3, 2), ELF_E_TYPE);        /* ET_DYN */
    assert_elf_err(open_edited(E_TYPE, 0x0200, 2), ELF_E_TYPE);   /* ET_EXEC byte-swapped */
    assert_elf_err(open_edited(E_MACHINE, 62, 2), ELF_E_MACHINE); /* x86-64 */
    assert_elf_err(open_edited(E_MACHINE, 0, 2), ELF_E_MACHINE);
    assert_elf_err(open_edited(E_PHENTSIZE, 32, 2), ELF_E_PHENTSIZE); /* ELF32 size */
    assert_elf_err(open_edited(E_PHENTSIZE, 64, 2), ELF_E_PHENTSIZE);
}

static void test_truncated_headers(void **state)
{
    (void)state;
    struct elf_image img;
    build_image();
    assert_elf_err(elf_open(&img, NULL, 100), ELF_E_TRUNCATED);
    for (size_t len = 0; len < EHDR_SIZE; len++) {
        uint8_t *copy = copy_prefix(image, len);
        assert_elf_err(elf_open(&img, copy, len), ELF_E_TRUNCATED);
        free(copy);
    }
    /* The program header table must be inside, whole. */
    for (size_t len = EHDR_SIZE; len < EHDR_SIZE + 3 * PHDR_SIZE; len++) {
        uint8_t *copy = copy_prefix(image, len);
        assert_elf_err(elf_open(&img, copy, len), ELF_E_TRUNCATED);
        free(copy);
    }
    assert_elf_err(open_edited(E_PHOFF, IMAGE_SIZE + 1, 8), ELF_E_TRUNCATED);
    assert_elf_err(open_edited(E_PHOFF, IMAGE_SIZE - PHDR_SIZE, 8), ELF_E_TRUNCATED);
    assert_elf_err(open_edited(E_PHOFF, 0xffffffffffffffffull, 8), ELF_E_TRUNCATED);
    assert_elf_err(open_edited(E_PHNUM, 0xffff, 2), ELF_E_TRUNCATED);
    assert_elf_err(open_edited(E_PHNUM, 9, 2), ELF_E_TRUNCATED);
    /* Exactly the last bytes of the image hold the table: fine. */
    assert_elf_err(open_edited(E_PHOFF, IMAGE_SIZE - 3 * PHDR_SIZE, 8), ELF_OK);
    /* No program headers at all: opens, nothing to load. */
    assert_elf_err(open_edited(E_PHNUM, 0, 2), ELF_OK);
}

static void test_bad_segments(void **state)
{
    (void)state;
    struct elf_segment seg;

    /* filesz > memsz */
    assert_elf_err(load_edited(2, P_FILESZ, 0x1001, 8, &seg), ELF_E_SEGMENT);
    /* file bytes beyond the image: offset, offset + filesz, and wrapping offset + filesz */
    assert_elf_err(load_edited(0, P_OFFSET, IMAGE_SIZE + 1, 8, &seg), ELF_E_SEGMENT);
    assert_elf_err(load_edited(0, P_OFFSET, IMAGE_SIZE - 0xff, 8, &seg), ELF_E_SEGMENT);
    assert_elf_err(load_edited(0, P_OFFSET, 0xffffffffffffff00ull, 8, &seg), ELF_E_SEGMENT);
    assert_elf_err(load_edited(2, P_FILESZ, 0x11, 8, &seg), ELF_E_SEGMENT);
    /* vaddr + memsz wraps (an end of exactly 2^64 is not representable either) */
    assert_elf_err(load_edited(2, P_VADDR, 0xfffffffffffff001ull, 8, &seg), ELF_E_SEGMENT);
    assert_elf_err(load_edited(2, P_VADDR, 0xfffffffffffff000ull, 8, &seg), ELF_E_SEGMENT);
    assert_elf_err(load_edited(2, P_MEMSZ, 0xffffffffffffffffull, 8, &seg), ELF_E_SEGMENT);

    /* Limits that are still fine. */
    assert_int_equal(load_edited(2, P_VADDR, 0xffffffffffffefffull, 8, &seg), 1);
    assert_int_equal(load_edited(0, P_OFFSET, IMAGE_SIZE - 0x100, 8, &seg), 1);
    assert_int_equal(load_edited(2, P_FILESZ, 0, 8, &seg), 1); /* pure bss */
    assert_int_equal(seg.filesz, 0);
    /* Unknown flag bits are dropped. */
    assert_int_equal(load_edited(0, P_FLAGS, 0xffffffffu, 4, &seg), 1);
    assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_W | ELF_PF_X);
    /* Any type but PT_LOAD is skipped, whatever its sizes. */
    assert_int_equal(load_edited(0, P_TYPE, 0x70000003u, 4, &seg), 0);
}

/* ---- every truncation, every byte flip ---- */

/* Opens and loads every segment; whatever is returned must describe bytes inside. */
static void exercise(const uint8_t *data, size_t size)
{
    struct elf_image img;
    struct elf_segment seg;
    if (elf_open(&img, data, size) != ELF_OK)
        return;
    assert_true(img.phoff + (uint64_t)img.phnum * PHDR_SIZE <= size);
    for (unsigned i = 0; i < img.phnum; i++) {
        int r = elf_load_segment(&img, i, &seg);
        assert_true(r == 0 || r == 1 || r == ELF_E_SEGMENT);
        if (r == 1) {
            assert_true(seg.filesz <= seg.memsz);
            assert_true(seg.offset <= size && seg.filesz <= size - seg.offset);
            assert_true(seg.vaddr + seg.memsz >= seg.vaddr);
        }
    }
}

static void test_truncate_every_length(void **state)
{
    (void)state;
    size_t size;
    uint8_t *data = load("tiny.elf", &size);
    for (size_t len = 0; len <= size; len++) {
        uint8_t *copy = copy_prefix(data, len);
        exercise(copy, len);
        free(copy);
    }
    free(data);
}

static void test_flip_every_byte(void **state)
{
    (void)state;
    static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    size_t size;
    uint8_t *data = load("tiny.elf", &size);
    struct elf_image img;
    assert_elf_err(elf_open(&img, data, size), ELF_OK);
    size_t headers = img.phoff + (size_t)img.phnum * PHDR_SIZE;

    /* The bytes the reader looks at: the ELF header and the program headers. */
    for (size_t i = 0; i < headers; i++) {
        for (size_t k = 0; k < sizeof(values); k++) {
            uint8_t *copy = copy_prefix(data, size);
            copy[i] = values[k];
            exercise(copy, size);
            free(copy);
        }
    }
    free(data);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(elf_error_name(ELF_OK), "ELF_OK");
    assert_string_equal(elf_error_name(ELF_E_MAGIC), "ELF_E_MAGIC");
    assert_string_equal(elf_error_name(ELF_E_SEGMENT), "ELF_E_SEGMENT");
    for (int e = ELF_E_SEGMENT; e <= ELF_OK; e++)
        assert_string_not_equal(elf_error_name(e), "ELF_E_UNKNOWN");
    assert_string_equal(elf_error_name(1), "ELF_E_UNKNOWN");
    assert_string_equal(elf_error_name(ELF_E_SEGMENT - 1), "ELF_E_UNKNOWN");
    assert_string_equal(elf_error_name(-2147483647 - 1), "ELF_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handmade_image),
        cmocka_unit_test(test_unaligned_image),
        cmocka_unit_test(test_tiny_elf),
        cmocka_unit_test(test_bad_ident),
        cmocka_unit_test(test_bad_type_and_machine),
        cmocka_unit_test(test_truncated_headers),
        cmocka_unit_test(test_bad_segments),
        cmocka_unit_test(test_truncate_every_length),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
