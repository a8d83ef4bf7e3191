// host-sources: lib/elf/elf.c
/*
 * Unit tests for lib/child/child_image.c, the one child construction path:
 * segment layout (alignment, rights, every overflow and range check), the
 * startup block, the initial capability table, and child_image_build through a
 * recording transport, including a failure at each step. Images are made here
 * field by field (the layout of lib/elf/elf.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "child/child_image.h"
#include "elf/elf.h"
#include <ferry/error.h>

#define MAX_PH     12
#define DATA_AT    0x400 /* file bytes of every segment start here */
#define IMAGE_SIZE 0x500
static uint8_t image[IMAGE_SIZE];

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void set_phdr(unsigned i, uint32_t flags, uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    uint8_t *ph = image + EHDR_SIZE + PHDR_SIZE * i;
    put_le(ph + P_TYPE, ELF_PT_LOAD, 4);
    put_le(ph + P_FLAGS, flags, 4);
    put_le(ph + P_OFFSET, DATA_AT, 8);
    put_le(ph + P_VADDR, vaddr, 8);
    put_le(ph + P_FILESZ, filesz, 8);
    put_le(ph + P_MEMSZ, memsz, 8);
}

/* An image with `phnum` program headers, all PT_LOAD copies of segment 0
 * (R+X, 0x10000, 0x80 bytes) until changed with set_phdr. */
static void build_image(unsigned phnum)
{
    assert_true(EHDR_SIZE + PHDR_SIZE * MAX_PH <= DATA_AT);
    memset(image, 0, sizeof(image));
    memcpy(image,
           "\x7f"
           "ELF",
           4);
    image[EI_CLASS] = ELFCLASS64;
    image[EI_DATA] = ELFDATA2LSB;
    image[EI_VERSION] = EV_CURRENT;
    put_le(image + E_TYPE, ET_EXEC, 2);
    put_le(image + E_MACHINE, ELF_EM_RISCV, 2);
    put_le(image + E_VERSION, EV_CURRENT, 4);
    put_le(image + E_ENTRY, 0x10004, 8);
    put_le(image + E_PHOFF, EHDR_SIZE, 8);
    put_le(image + E_PHENTSIZE, PHDR_SIZE, 2);
    put_le(image + E_PHNUM, phnum, 2);
    for (unsigned i = 0; i < phnum; i++)
        set_phdr(i, ELF_PF_R | ELF_PF_X, 0x10000 + i * 0x10000, 0x80, 0x80);
    for (unsigned i = DATA_AT; i < IMAGE_SIZE; i++)
        image[i] = (uint8_t)i;
}

static void test_layout_aligns_and_sets_rights(void **state)
{
    (void)state;
    build_image(2);
    set_phdr(1, ELF_PF_R | ELF_PF_W, 0x20123, 0x10, 0x2000);
    struct child_image_layout l;
    assert_int_equal(child_image_layout(image, sizeof(image), &l), 0);
    assert_int_equal(l.entry, 0x10004);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.segments[0].base, 0x10000);
    assert_int_equal(l.segments[0].size, 0x1000);
    assert_int_equal(l.segments[0].flags, CHILD_IMAGE_EXEC);
    assert_int_equal(l.segments[1].base, 0x20000);
    assert_int_equal(l.segments[1].size, 0x3000); /* 0x20123 + 0x2000 rounded up */
    assert_int_equal(l.segments[1].copy_at, 0x123);
    assert_int_equal(l.segments[1].filesz, 0x10);
    assert_int_equal(l.segments[1].flags, CHILD_IMAGE_WRITE);

    uint8_t region[0x3000] = {0};
    child_image_fill(&l, image, 1, region);
    assert_memory_equal(region + 0x123, image + DATA_AT, 0x10);
    assert_int_equal(region[0x122], 0);
    assert_int_equal(region[0x133], 0);
}

static void test_layout_skips_empty_segments(void **state)
{
    (void)state;
    build_image(2);
    set_phdr(0, ELF_PF_R, 0x10000, 0, 0);
    struct child_image_layout l;
    assert_int_equal(child_image_layout(image, sizeof(image), &l), 0);
    assert_int_equal(l.count, 1);
    assert_int_equal(l.segments[0].base, 0x20000);
}

static void test_layout_range(void **state)
{
    (void)state;
    struct child_image_layout l;
    /* ends exactly at the attachment area: allowed */
    build_image(1);
    set_phdr(0, ELF_PF_R, FERRY_COMP_ATTACH_BASE - 0x1000, 0x80, 0x1000);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), 0);
    /* one byte into it */
    set_phdr(0, ELF_PF_R, FERRY_COMP_ATTACH_BASE - 0x1000, 0x80, 0x1001);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), CHILD_IMAGE_E_RANGE);
    /* far above, near the top, and wrapping around 2^64 */
    set_phdr(0, ELF_PF_R, 0x7f000000ul, 0x80, 0x80);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), CHILD_IMAGE_E_RANGE);
    set_phdr(0, ELF_PF_R, UINT64_MAX - 0x100, 0x80, 0x80);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), CHILD_IMAGE_E_RANGE);
    set_phdr(0, ELF_PF_R, UINT64_MAX - 0x10, 0x80, 0x80);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), ELF_E_SEGMENT);
    set_phdr(0, ELF_PF_R, 0x10000, 0x80, UINT64_MAX);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), ELF_E_SEGMENT);
}

static void test_layout_segment_count(void **state)
{
    (void)state;
    struct child_image_layout l;
    build_image(CHILD_IMAGE_MAX_SEGMENTS);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), 0);
    assert_int_equal(l.count, CHILD_IMAGE_MAX_SEGMENTS);
    build_image(CHILD_IMAGE_MAX_SEGMENTS + 1);
    assert_int_equal(child_image_layout(image, sizeof(image), &l), CHILD_IMAGE_E_SEGMENTS);
}

static void test_layout_bad_elf(void **state)
{
    (void)state;
    struct child_image_layout l;
    build_image(1);
    image[0] = 0;
    assert_int_equal(child_image_layout(image, sizeof(image), &l), ELF_E_MAGIC);
    build_image(1);
    assert_int_equal(child_image_layout(image, 10, &l), ELF_E_TRUNCATED);
}

static const char *const keys[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
static const char *const values[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};

static void test_startup_block(void **state)
{
    (void)state;
    struct child_image_info info = {.name = "a-name-that-is-longer-than-thirty-one-characters",
                                    .arg_count = 9,
                                    .arg_key = keys,
                                    .arg_value = values};
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++)
        info.badge[i] = 100 + i;
    struct ferry_startup s;
    memset(&s, 0xff, sizeof(s));
    child_image_startup(&s, &info);
    assert_int_equal(s.magic, FERRY_STARTUP_MAGIC);
    assert_int_equal(s.badge[FERRY_COMP_SEL_PARENT], 100 + CHILD_CAP_PARENT);
    assert_int_equal(s.badge[FERRY_COMP_SEL_THREAD], 100 + CHILD_CAP_THREAD);
    assert_int_equal(s.badge[FERRY_COMP_SEL_TASK], 0);
    assert_int_equal(s.badge[0], 0);
    assert_int_equal(strlen(s.name), sizeof(s.name) - 1);
    assert_memory_equal(s.name, info.name, sizeof(s.name) - 1);
    assert_string_equal(s.args[FERRY_STARTUP_ARGS - 1].key, keys[FERRY_STARTUP_ARGS - 1]);
    assert_string_equal(s.args[0].value, "1");

    uint64_t off = child_image_startup_offset(CHILD_IMAGE_STACK);
    assert_int_equal(off % 16, 0);
    assert_true(off + sizeof(struct ferry_startup) <= CHILD_IMAGE_STACK);
    assert_true(CHILD_IMAGE_STACK - off - sizeof(struct ferry_startup) < 16);
}

static void test_cap_table(void **state)
{
    (void)state;
    /* every role has its own slot of component.h's initial ones */
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++) {
        assert_true(child_cap_slot[i] >= 1 && child_cap_slot[i] < FERRY_COMP_SEL_FREE);
        assert_int_not_equal(child_cap_slot[i], FERRY_COMP_SEL_TASK);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(child_cap_slot[i], child_cap_slot[j]);
    }
}

/* ---- child_image_build through a recording transport ---- */

struct recorder {
    unsigned regions, caps, fail_region_at, fail_cap_at; /* fail_*: 1-based, 0 never */
    uint64_t at[16], size[16];
    uint32_t slot[CHILD_CAP_COUNT];
    uint64_t cap[CHILD_CAP_COUNT];
    uint8_t memory[16][CHILD_IMAGE_STACK];
};

static long rec_region(void *ctx, uint64_t at, uint64_t size, unsigned flags, uint8_t **local,
                       uint64_t *where)
{
    (void)flags;
    struct recorder *r = ctx;
    if (++r->regions == r->fail_region_at)
        return FERRY_E_QUOTA;
    assert_true(size <= CHILD_IMAGE_STACK);
    r->at[r->regions - 1] = at;
    r->size[r->regions - 1] = size;
    *local = r->memory[r->regions - 1];
    *where = at == CHILD_IMAGE_ANY ? 0x40000000ul : at;
    return FERRY_OK;
}

static void rec_region_done(void *ctx, uint8_t *local)
{
    (void)ctx, (void)local;
}

static long rec_give_cap(void *ctx, uint32_t slot, uint64_t cap)
{
    struct recorder *r = ctx;
    if (++r->caps == r->fail_cap_at)
        return FERRY_E_OCCUPIED;
    r->slot[r->caps - 1] = slot;
    r->cap[r->caps - 1] = cap;
    return FERRY_OK;
}

static const struct child_image_ops rec_ops = {rec_region, rec_region_done, rec_give_cap};

static long build_with(struct recorder *r, struct child_image_start *start,
                       struct child_failure *failure)
{
    struct child_image_info info = {.name = "kid"};
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++)
        info.cap[i] = 50 + i, info.badge[i] = 70 + i;
    return child_image_build(&rec_ops, r, image, sizeof(image), &info, start, failure);
}

static void test_build(void **state)
{
    (void)state;
    struct recorder *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    struct child_image_start start;
    struct child_failure failure;
    build_image(2);
    assert_int_equal(build_with(r, &start, &failure), FERRY_OK);
    assert_int_equal(failure.step, CHILD_STEP_NONE);
    assert_int_equal(r->regions, 3); /* two segments and the stack */
    assert_int_equal(r->at[0], 0x10000);
    assert_int_equal(r->at[2], CHILD_IMAGE_ANY);
    assert_int_equal(r->size[2], CHILD_IMAGE_STACK);
    assert_memory_equal(r->memory[0], image + DATA_AT, 0x80);
    assert_int_equal(start.entry, 0x10004);
    uint64_t off = child_image_startup_offset(CHILD_IMAGE_STACK);
    assert_int_equal(start.sp, 0x40000000ul + off);
    const struct ferry_startup *s = (const void *)(r->memory[2] + off);
    assert_int_equal(s->magic, FERRY_STARTUP_MAGIC);
    assert_string_equal(s->name, "kid");
    assert_int_equal(s->badge[FERRY_COMP_SEL_PD], 70 + CHILD_CAP_PD);
    assert_int_equal(r->caps, CHILD_CAP_COUNT);
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++) {
        assert_int_equal(r->slot[i], child_cap_slot[i]);
        assert_int_equal(r->cap[i], 50 + i);
    }
    free(r);
}

static void test_build_failures(void **state)
{
    (void)state;
    struct recorder *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    struct child_image_start start;
    struct child_failure failure;
    const struct {
        unsigned region, cap;
        long err;
        enum child_step step;
    } cases[] = {
        {1, 0, FERRY_E_QUOTA, CHILD_STEP_SEGMENT},
        {2, 0, FERRY_E_QUOTA, CHILD_STEP_SEGMENT},
        {3, 0, FERRY_E_QUOTA, CHILD_STEP_STACK},
        {0, 1, FERRY_E_OCCUPIED, CHILD_STEP_CAPS},
        {0, CHILD_CAP_COUNT, FERRY_E_OCCUPIED, CHILD_STEP_CAPS},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(r, 0, sizeof(*r));
        r->fail_region_at = cases[i].region;
        r->fail_cap_at = cases[i].cap;
        build_image(2);
        assert_int_equal(build_with(r, &start, &failure), cases[i].err);
        assert_int_equal(failure.step, cases[i].step);
    }
    memset(r, 0, sizeof(*r));
    build_image(1);
    image[0] = 'X';
    assert_int_equal(build_with(r, &start, &failure), FERRY_E_INVAL);
    assert_int_equal(failure.step, CHILD_STEP_ELF);
    assert_string_equal(child_failure_name(&failure), "ELF_E_MAGIC");
    assert_int_equal(r->regions, 0);
    build_image(1);
    set_phdr(0, ELF_PF_R, 0x7f000000ul, 0x80, 0x80);
    assert_int_equal(build_with(r, &start, &failure), FERRY_E_RANGE);
    assert_string_equal(child_failure_name(&failure), "CHILD_IMAGE_E_RANGE");
    free(r);
}

static void test_step_names(void **state)
{
    (void)state;
    for (unsigned i = 0; i < CHILD_STEP_COUNT; i++) {
        assert_non_null(child_step_name(i));
        assert_string_not_equal(child_step_name(i), "?");
    }
    assert_string_equal(child_step_name(CHILD_STEP_COUNT), "?");
    struct child_failure f = {CHILD_STEP_PD, 0};
    assert_string_equal(child_failure_name(&f), "PD session");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_aligns_and_sets_rights),
        cmocka_unit_test(test_layout_skips_empty_segments),
        cmocka_unit_test(test_layout_range),
        cmocka_unit_test(test_layout_segment_count),
        cmocka_unit_test(test_layout_bad_elf),
        cmocka_unit_test(test_startup_block),
        cmocka_unit_test(test_cap_table),
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_build_failures),
        cmocka_unit_test(test_step_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
