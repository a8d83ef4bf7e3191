/*
 * Unit tests for lib/fdt: QEMU's own virt device tree (dumped at build time),
 * small dts files from tests/unit/data compiled with dtc, and corrupted or
 * truncated copies of both. Built with ASan/UBSan: buffers are allocated at
 * their exact size so any read past the end is caught.
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

#include "fdt/fdt.h"

#define MiB (1024u * 1024u)

/* Fails with both error names when an FDT call returns the wrong code. */
#define assert_fdt_err(got, want)                                                                  \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: got %s (%d), want %s", #got, fdt_error_name(got_), got_,                 \
                     fdt_error_name(want_));                                                       \
    } while (0)

struct blob {
    uint8_t *data;
    size_t size;
};

/* Reads TESTDATA_DIR/name into a buffer of exactly its size. */
static struct blob load(const char *name)
{
    char path[512];
    struct blob b = {0};
    snprintf(path, sizeof(path), "%s/%s", TESTDATA_DIR, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open %s (run `make unit-test`)", path);
    fseek(file, 0, SEEK_END);
    b.size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    b.data = malloc(b.size ? b.size : 1);
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.size, file), b.size);
    fclose(file);
    return b;
}

/* Exact-size copy of the first `size` bytes, so ASan sees reads past `size`. */
static uint8_t *copy_prefix(const struct blob *b, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    assert_non_null(p);
    memcpy(p, b->data, size);
    return p;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Header field offsets. */
enum {
    H_MAGIC = 0,
    H_TOTALSIZE = 4,
    H_OFF_STRUCT = 8,
    H_OFF_STRINGS = 12,
    H_OFF_RSVMAP = 16,
    H_VERSION = 20,
    H_LAST_COMP = 24,
    H_SIZE_STRINGS = 32,
    H_SIZE_STRUCT = 36,
};

static int parse(const struct blob *b, struct fdt_platform *p)
{
    return fdt_parse_platform(b->data, b->size, p);
}

static struct fdt open_fdt(const struct blob *b)
{
    struct fdt f;
    assert_fdt_err(fdt_init(&f, b->data, b->size), FDT_OK);
    return f;
}

static void assert_reg(struct fdt_reg r, uint64_t base, uint64_t size)
{
    assert_int_equal(r.base, base);
    assert_int_equal(r.size, size);
}

/* ---- QEMU virt ---- */

static void test_virt_header(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    assert_fdt_err(fdt_check(b.data, b.size), FDT_OK);
    struct fdt f = open_fdt(&b);
    /* QEMU pads the dump file; totalsize is what the tree really uses. */
    assert_int_equal(f.size, get_be32(b.data + H_TOTALSIZE));
    assert_true(f.size <= b.size);
    assert_int_equal(f.off_struct, get_be32(b.data + H_OFF_STRUCT));
    assert_int_equal(f.size_struct, get_be32(b.data + H_SIZE_STRUCT));
    assert_int_equal(f.off_strings, get_be32(b.data + H_OFF_STRINGS));
    assert_int_equal(f.size_strings, get_be32(b.data + H_SIZE_STRINGS));
    /* Only totalsize bytes are needed. */
    assert_fdt_err(fdt_check(b.data, f.size), FDT_OK);
    free(b.data);
}

static void assert_virt_platform(const struct fdt_platform *p)
{
    assert_int_equal(p->memory_count, 1);
    assert_reg(p->memory[0], 0x80000000u, 256 * MiB);
    assert_int_equal(p->reserved_count, 0);
    assert_int_equal(p->initrd_start, 0);
    assert_int_equal(p->initrd_end, 0);
    assert_true(p->has_uart);
    assert_reg(p->uart, 0x10000000u, 0x100);
    assert_int_equal(p->uart_irq, 10);
    assert_int_equal(p->timebase_hz, 10000000);
    assert_true(p->has_plic);
    assert_reg(p->plic, 0x0c000000u, 0x600000);
    assert_int_equal(p->plic_ndev, 96);
    assert_int_equal(p->virtio_count, 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_reg(p->virtio[i], 0x10001000u + 0x1000u * i, 0x1000);
        assert_int_equal(p->virtio_irq[i], i + 1);
    }
}

static void test_virt_platform(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    struct fdt_platform p;
    assert_fdt_err(parse(&b, &p), FDT_OK);
    assert_virt_platform(&p);
    assert_int_equal(p.hart_count, 1);
    free(b.data);
}

static void test_virt_smp2(void **state)
{
    (void)state;
    struct blob b = load("virt-smp2.dtb");
    struct fdt_platform p;
    assert_fdt_err(parse(&b, &p), FDT_OK);
    assert_virt_platform(&p);
    assert_int_equal(p.hart_count, 2);
    free(b.data);
}

/* The blob may sit at any alignment: all reads are byte-wise. */
static void test_virt_unaligned(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    for (size_t shift = 1; shift < 8; shift++) {
        uint8_t *buf = malloc(b.size + shift);
        assert_non_null(buf);
        memcpy(buf + shift, b.data, b.size);
        struct fdt_platform p;
        assert_fdt_err(fdt_parse_platform(buf + shift, b.size, &p), FDT_OK);
        assert_virt_platform(&p);
        free(buf);
    }
    free(b.data);
}

/* ---- walker ---- */

static void test_path_lookup(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    struct fdt f = open_fdt(&b);

    assert_int_equal(fdt_path_lookup(&f, "/"), FDT_ROOT);
    assert_string_equal(fdt_node_name(&f, FDT_ROOT), "");

    int soc = fdt_path_lookup(&f, "/soc");
    assert_true(soc > 0);
    assert_string_equal(fdt_node_name(&f, soc), "soc");

    int serial = fdt_path_lookup(&f, "/soc/serial@10000000");
    assert_true(serial > soc);
    assert_string_equal(fdt_node_name(&f, serial), "serial@10000000");
    /* Without the unit address, and with stray slashes. */
    assert_int_equal(fdt_path_lookup(&f, "/soc/serial"), serial);
    assert_int_equal(fdt_path_lookup(&f, "//soc//serial/"), serial);

    assert_string_equal(fdt_node_name(&f, fdt_path_lookup(&f, "/cpus/cpu@0/interrupt-controller")),
                        "interrupt-controller");
    /* The first virtio transport in the tree is the top one (QEMU lists them downwards). */
    assert_string_equal(fdt_node_name(&f, fdt_path_lookup(&f, "/soc/virtio_mmio")),
                        "virtio_mmio@10008000");

    assert_fdt_err(fdt_path_lookup(&f, "/soc/serial@1"), FDT_E_NOT_FOUND);
    assert_fdt_err(fdt_path_lookup(&f, "/soc/seria"), FDT_E_NOT_FOUND);
    assert_fdt_err(fdt_path_lookup(&f, "/soc/serial@10000000/x"), FDT_E_NOT_FOUND);
    assert_fdt_err(fdt_path_lookup(&f, "/nonexistent"), FDT_E_NOT_FOUND);
    assert_fdt_err(fdt_path_lookup(&f, ""), FDT_E_BADPATH);
    /* virt has no /aliases, so no alias resolves. */
    assert_fdt_err(fdt_path_lookup(&f, "serial0"), FDT_E_NOT_FOUND);
    free(b.data);
}

static void test_aliases(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    struct fdt f = open_fdt(&b);

    assert_string_equal(fdt_node_name(&f, fdt_path_lookup(&f, "serial0")), "serial@10000100");
    assert_string_equal(fdt_node_name(&f, fdt_path_lookup(&f, "serial1")), "serial@10000000");
    assert_fdt_err(fdt_path_lookup(&f, "serial1/child"), FDT_E_NOT_FOUND);
    assert_fdt_err(fdt_path_lookup(&f, "serial2"), FDT_E_NOT_FOUND);
    /* An alias value must be an absolute path. */
    assert_fdt_err(fdt_path_lookup(&f, "broken"), FDT_E_BADPATH);
    free(b.data);
}

static void test_children_and_siblings(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    struct fdt f = open_fdt(&b);

    /* The root's children, in tree order; other QEMU versions may add nodes in between. */
    static const char *const expected[] = {"chosen", "memory@80000000", "cpus", "soc"};
    unsigned n = 0, found = 0;
    int node, prev = FDT_ROOT;
    for (node = fdt_first_child(&f, FDT_ROOT); node >= 0; node = fdt_next_sibling(&f, node)) {
        assert_true(node > prev); /* handles only move forward */
        prev = node;
        if (found < 4 && strcmp(fdt_node_name(&f, node), expected[found]) == 0)
            found++;
        n++;
    }
    assert_fdt_err(node, FDT_E_NOT_FOUND);
    assert_int_equal(found, 4);
    assert_true(n >= 4);

    /* /soc holds (among others) the 8 virtio transports, not their parent's siblings. */
    n = 0;
    for (node = fdt_first_child(&f, fdt_path_lookup(&f, "/soc")); node >= 0;
         node = fdt_next_sibling(&f, node)) {
        assert_string_not_equal(fdt_node_name(&f, node), "cpus");
        if (strncmp(fdt_node_name(&f, node), "virtio_mmio@", 12) == 0)
            n++;
    }
    assert_fdt_err(node, FDT_E_NOT_FOUND);
    assert_int_equal(n, 8);

    assert_fdt_err(fdt_first_child(&f, fdt_path_lookup(&f, "/chosen")), FDT_E_NOT_FOUND);
    assert_fdt_err(fdt_next_sibling(&f, FDT_ROOT), FDT_E_NOT_FOUND);
    free(b.data);
}

static void test_bad_handles(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    struct fdt f = open_fdt(&b);
    const int bad[] = {
        -1, FDT_E_NOT_FOUND, 1, 2, 3, 4, (int)f.size_struct, (int)f.size_struct - 4, 0x7fffffff};

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_fdt_err(fdt_first_child(&f, bad[i]), FDT_E_BADNODE);
        assert_fdt_err(fdt_next_sibling(&f, bad[i]), FDT_E_BADNODE);
        assert_null(fdt_node_name(&f, bad[i]));
        assert_null(fdt_get_prop(&f, bad[i], "compatible", NULL));
        assert_false(fdt_is_compatible(&f, bad[i], "riscv-virtio"));
    }
    /* A failed fdt_init leaves a tree in which nothing is found. */
    b.data[0] ^= 0xff;
    assert_fdt_err(fdt_init(&f, b.data, b.size), FDT_E_MAGIC);
    assert_fdt_err(fdt_first_child(&f, FDT_ROOT), FDT_E_BADNODE);
    assert_fdt_err(fdt_path_lookup(&f, "/"), FDT_E_BADNODE);
    assert_fdt_err(fdt_path_lookup(&f, "/soc"), FDT_E_BADNODE);
    free(b.data);
}

static void test_get_prop(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    struct fdt f = open_fdt(&b);
    int serial = fdt_path_lookup(&f, "/soc/serial");
    uint32_t len = 0;

    const uint8_t *reg = fdt_get_prop(&f, serial, "reg", &len);
    assert_non_null(reg);
    assert_int_equal(len, 16);
    assert_int_equal(fdt_read_cells(reg, 2), 0x10000000u);
    assert_int_equal(fdt_read_cells(reg + 8, 2), 0x100);

    const char *compat = fdt_get_prop(&f, serial, "compatible", &len);
    assert_non_null(compat);
    assert_int_equal(len, sizeof("ns16550a"));
    assert_string_equal(compat, "ns16550a");

    /* len is optional; empty properties have length 0. */
    assert_non_null(fdt_get_prop(&f, serial, "interrupts", NULL));
    int plic = fdt_path_lookup(&f, "/soc/plic");
    assert_non_null(fdt_get_prop(&f, plic, "interrupt-controller", &len));
    assert_int_equal(len, 0);

    assert_null(fdt_get_prop(&f, serial, "nonexistent", &len));
    assert_null(fdt_get_prop(&f, serial, "re", &len)); /* no prefix matches */
    assert_null(fdt_get_prop(&f, serial, "regs", &len));
    /* Properties of a child are not the parent's. */
    assert_null(fdt_get_prop(&f, fdt_path_lookup(&f, "/soc"), "reg", &len));
    free(b.data);
}

static void test_is_compatible(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    struct fdt f = open_fdt(&b);
    int plic = fdt_path_lookup(&f, "/soc/plic");
    int test = fdt_path_lookup(&f, "/soc/test");

    assert_true(fdt_is_compatible(&f, plic, "sifive,plic-1.0.0"));
    assert_true(fdt_is_compatible(&f, plic, "riscv,plic0"));
    assert_false(fdt_is_compatible(&f, plic, "riscv,plic"));
    assert_false(fdt_is_compatible(&f, plic, "sifive,plic-1.0.0x"));
    assert_false(fdt_is_compatible(&f, plic, ""));
    assert_true(fdt_is_compatible(&f, test, "sifive,test1"));
    assert_true(fdt_is_compatible(&f, test, "sifive,test0"));
    assert_true(fdt_is_compatible(&f, test, "syscon"));
    assert_false(fdt_is_compatible(&f, fdt_path_lookup(&f, "/chosen"), "syscon"));
    free(b.data);
}

static void test_read_cells(void **state)
{
    (void)state;
    const uint8_t cells[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
                             0xde, 0xf0, 0x01, 0x02, 0x03, 0x04};
    assert_int_equal(fdt_read_cells(cells, 0), 0);
    assert_int_equal(fdt_read_cells(cells, -1), 0);
    assert_int_equal(fdt_read_cells(cells, 1), 0x12345678u);
    assert_int_equal(fdt_read_cells(cells + 1, 1), 0x3456789au); /* unaligned */
    assert_int_equal(fdt_read_cells(cells, 2), 0x123456789abcdef0ull);
    assert_int_equal(fdt_read_cells(cells, 3), 0x9abcdef001020304ull); /* low 64 bits */
}

/* ---- platform extraction on crafted trees ---- */

static void test_platform_dts(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    struct fdt_platform p;
    assert_fdt_err(parse(&b, &p), FDT_OK);

    assert_int_equal(p.memory_count, 3);
    assert_reg(p.memory[0], 0x80000000u, 256 * MiB);
    assert_reg(p.memory[1], 0x100000000ull, 512 * MiB);
    assert_reg(p.memory[2], 0x200000000ull, 16 * MiB);
    /* /reserved-memory children with reg (not the disabled one), then /memreserve/. */
    assert_int_equal(p.reserved_count, 3);
    assert_reg(p.reserved[0], 0x80000000u, 0x40000);
    assert_reg(p.reserved[1], 0x8f000000u, 0x100000);
    assert_reg(p.reserved[2], 0x80000000u, 0x40000);
    /* 64-bit start, 32-bit end */
    assert_int_equal(p.initrd_start, 0x84000000u);
    assert_int_equal(p.initrd_end, 0x84200000u);
    /* stdout-path "serial0:115200n8": the alias, not the first uart */
    assert_true(p.has_uart);
    assert_reg(p.uart, 0x10000100u, 0x100);
    assert_int_equal(p.uart_irq, 11);
    assert_int_equal(p.timebase_hz, 1000000);
    assert_int_equal(p.hart_count, 2); /* cpu@2 is disabled */
    assert_true(p.has_plic);
    assert_reg(p.plic, 0x0c000000u, 0x4000000);
    assert_int_equal(p.plic_ndev, 53);
    /* sorted by address; the disabled one left out */
    assert_int_equal(p.virtio_count, 2);
    assert_reg(p.virtio[0], 0x10001000u, 0x1000);
    assert_int_equal(p.virtio_irq[0], 1);
    assert_reg(p.virtio[1], 0x10002000u, 0x1000);
    assert_int_equal(p.virtio_irq[1], 2);
    free(b.data);
}

static void test_compact_v16(void **state)
{
    (void)state;
    struct blob b = load("compact.dtb");
    assert_int_equal(get_be32(b.data + H_VERSION), 16);
    struct fdt_platform p;
    assert_fdt_err(parse(&b, &p), FDT_OK);

    assert_int_equal(p.memory_count, 1);
    assert_reg(p.memory[0], 0x80000000u, 128 * MiB);
    assert_int_equal(p.initrd_start, 0x81000000u);
    assert_int_equal(p.initrd_end, 0x81001000u);
    /* absolute stdout-path with options picks the second uart */
    assert_true(p.has_uart);
    assert_reg(p.uart, 0x10000200u, 0x100);
    assert_int_equal(p.uart_irq, 12);
    assert_int_equal(p.timebase_hz, 4000000); /* from cpu@0 */
    assert_int_equal(p.hart_count, 1);
    assert_true(p.has_plic);
    assert_reg(p.plic, 0x0c000000u, 0x600000);
    assert_int_equal(p.plic_ndev, 96);
    assert_int_equal(p.virtio_count, 0);
    free(b.data);
}

static void test_stdout_fallback(void **state)
{
    (void)state;
    struct blob b = load("fallback.dtb");
    struct fdt_platform p;
    assert_fdt_err(parse(&b, &p), FDT_OK);
    assert_true(p.has_uart);
    assert_reg(p.uart, 0x10000000u, 0x100);
    assert_int_equal(p.uart_irq, 10);
    assert_false(p.has_plic);
    free(b.data);
}

static void test_missing_essentials(void **state)
{
    (void)state;
    struct fdt_platform p;
    struct blob b = load("no-memory.dtb");
    assert_fdt_err(parse(&b, &p), FDT_E_NO_MEMORY);
    free(b.data);
    b = load("no-timebase.dtb");
    assert_fdt_err(parse(&b, &p), FDT_E_NO_TIMEBASE);
    free(b.data);
}

static void test_too_many_reserved(void **state)
{
    (void)state;
    struct fdt_platform p;
    struct blob b = load("many-reserved.dtb");
    assert_fdt_err(parse(&b, &p), FDT_E_TOO_MANY);
    free(b.data);
}

static void test_depth_limit(void **state)
{
    (void)state;
    struct fdt_platform p;
    struct blob b = load("deep-ok.dtb");
    assert_fdt_err(parse(&b, &p), FDT_OK);
    free(b.data);

    b = load("deep.dtb");
    assert_fdt_err(parse(&b, &p), FDT_E_DEPTH);
    /* The walker itself has no depth limit. */
    struct fdt f = open_fdt(&b);
    int node = fdt_path_lookup(&f, "/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l12/l13/l14/l15/l16");
    assert_string_equal(fdt_node_name(&f, node), "l16");
    free(b.data);
}

/* ---- corrupt headers ---- */

static void test_bad_magic(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    struct fdt_platform p;
    for (unsigned i = 0; i < 4; i++) {
        b.data[i] ^= 0x20;
        assert_fdt_err(fdt_check(b.data, b.size), FDT_E_MAGIC);
        assert_fdt_err(parse(&b, &p), FDT_E_MAGIC);
        b.data[i] ^= 0x20;
    }
    assert_fdt_err(fdt_check(b.data, b.size), FDT_OK);
    free(b.data);
}

static void test_bad_version(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    put_be32(b.data + H_VERSION, 15);
    assert_fdt_err(fdt_check(b.data, b.size), FDT_E_VERSION);
    put_be32(b.data + H_VERSION, 17);
    put_be32(b.data + H_LAST_COMP, 18);
    assert_fdt_err(fdt_check(b.data, b.size), FDT_E_VERSION);
    free(b.data);
}

static void test_truncated(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    struct fdt_platform p;
    uint32_t total = get_be32(b.data + H_TOTALSIZE);

    assert_fdt_err(fdt_check(NULL, 100), FDT_E_BADARG);
    assert_fdt_err(fdt_parse_platform(NULL, 100, &p), FDT_E_BADARG);
    assert_fdt_err(fdt_check(b.data, 39), FDT_E_TRUNCATED); /* not even a header */
    assert_fdt_err(fdt_check(b.data, total - 1), FDT_E_TRUNCATED);
    assert_fdt_err(fdt_parse_platform(b.data, total - 1, &p), FDT_E_TRUNCATED);
    /* totalsize below the header size */
    put_be32(b.data + H_TOTALSIZE, 39);
    assert_fdt_err(fdt_check(b.data, b.size), FDT_E_LAYOUT);
    free(b.data);
}

/* Sets one header field of a fresh copy and checks what fdt_check() says. */
static void expect_header_error(const struct blob *b, unsigned field, uint32_t value, int want)
{
    uint8_t *copy = copy_prefix(b, b->size);
    put_be32(copy + field, value);
    assert_fdt_err(fdt_check(copy, b->size), want);
    struct fdt_platform p;
    assert_fdt_err(fdt_parse_platform(copy, b->size, &p), want);
    free(copy);
}

static void test_blocks_outside(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    uint32_t total = get_be32(b.data + H_TOTALSIZE);
    uint32_t off_struct = get_be32(b.data + H_OFF_STRUCT);
    uint32_t off_strings = get_be32(b.data + H_OFF_STRINGS);

    expect_header_error(&b, H_OFF_STRUCT, (total + 4) & ~3u, FDT_E_LAYOUT);
    expect_header_error(&b, H_OFF_STRUCT, 0xfffffffc, FDT_E_LAYOUT);
    expect_header_error(&b, H_OFF_STRUCT, 0, FDT_E_LAYOUT); /* over the header */
    expect_header_error(&b, H_SIZE_STRUCT, (total - off_struct + 4) & ~3u, FDT_E_LAYOUT);
    expect_header_error(&b, H_SIZE_STRUCT, 0xfffffffc, FDT_E_LAYOUT);
    expect_header_error(&b, H_OFF_STRINGS, total + 1, FDT_E_LAYOUT);
    expect_header_error(&b, H_SIZE_STRINGS, total - off_strings + 1, FDT_E_LAYOUT);
    expect_header_error(&b, H_SIZE_STRINGS, 0xffffffff, FDT_E_LAYOUT);
    expect_header_error(&b, H_OFF_RSVMAP, (total + 8) & ~7u, FDT_E_LAYOUT);
    expect_header_error(&b, H_OFF_RSVMAP, 0, FDT_E_LAYOUT);
    expect_header_error(&b, H_TOTALSIZE, 0x80000000u, FDT_E_TRUNCATED);
    free(b.data);
}

static void test_misaligned_offsets(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    uint32_t off_struct = get_be32(b.data + H_OFF_STRUCT);
    uint32_t size_struct = get_be32(b.data + H_SIZE_STRUCT);
    uint32_t off_rsvmap = get_be32(b.data + H_OFF_RSVMAP);

    for (uint32_t delta = 1; delta < 4; delta++) {
        expect_header_error(&b, H_OFF_STRUCT, off_struct + delta, FDT_E_ALIGN);
        expect_header_error(&b, H_SIZE_STRUCT, size_struct - delta, FDT_E_ALIGN);
    }
    expect_header_error(&b, H_OFF_RSVMAP, off_rsvmap + 4, FDT_E_ALIGN);
    free(b.data);
}

static void test_bad_structure(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    uint32_t off_struct = get_be32(b.data + H_OFF_STRUCT);
    uint32_t size_struct = get_be32(b.data + H_SIZE_STRUCT);
    struct fdt_platform p;

    /* The structure block must open with the root's BEGIN_NODE. */
    uint8_t *copy = copy_prefix(&b, b.size);
    put_be32(copy + off_struct, 4 /* NOP */);
    assert_fdt_err(fdt_parse_platform(copy, b.size, &p), FDT_E_STRUCTURE);
    free(copy);

    /* An unknown token where the root's first property should be. */
    copy = copy_prefix(&b, b.size);
    put_be32(copy + off_struct + 8, 7);
    assert_fdt_err(fdt_parse_platform(copy, b.size, &p), FDT_E_STRUCTURE);
    free(copy);

    /* END right after the root's properties: nodes never closed. */
    copy = copy_prefix(&b, b.size);
    struct fdt f;
    assert_fdt_err(fdt_init(&f, copy, b.size), FDT_OK);
    int first = fdt_first_child(&f, FDT_ROOT);
    assert_true(first > 0);
    put_be32(copy + off_struct + (uint32_t)first, 9 /* END */);
    assert_fdt_err(fdt_first_child(&f, FDT_ROOT), FDT_E_STRUCTURE);
    assert_fdt_err(fdt_parse_platform(copy, b.size, &p), FDT_E_STRUCTURE);
    free(copy);

    /* A structure block cut short: the last END_NODE/END fall off. */
    copy = copy_prefix(&b, b.size);
    put_be32(copy + H_SIZE_STRUCT, size_struct - 8);
    assert_fdt_err(fdt_parse_platform(copy, b.size, &p), FDT_E_STRUCTURE);
    free(copy);

    /* A property whose length runs past the structure block. */
    copy = copy_prefix(&b, b.size);
    put_be32(copy + off_struct + 12, 0x7fffffff); /* len of the root's first property */
    assert_fdt_err(fdt_init(&f, copy, b.size), FDT_OK);
    assert_null(fdt_get_prop(&f, FDT_ROOT, "compatible", NULL));
    assert_fdt_err(fdt_first_child(&f, FDT_ROOT), FDT_E_STRUCTURE);
    assert_fdt_err(fdt_parse_platform(copy, b.size, &p), FDT_E_STRUCTURE);
    free(copy);
    free(b.data);
}

static void test_bad_properties(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    struct fdt f = open_fdt(&b);
    struct fdt_platform p;

    /* Shorten initrd-end to 3 bytes: neither 32 nor 64 bits. */
    const uint8_t *value =
        fdt_get_prop(&f, fdt_path_lookup(&f, "/chosen"), "linux,initrd-end", NULL);
    assert_non_null(value);
    uint8_t *len_field = b.data + (value - b.data) - 8;
    assert_int_equal(get_be32(len_field), 4);
    put_be32(len_field, 3);
    assert_fdt_err(parse(&b, &p), FDT_E_BADPROP);
    put_be32(len_field, 4);

    /* initrd end below its start */
    put_be32(b.data + (value - b.data), 0x83000000u);
    assert_fdt_err(parse(&b, &p), FDT_E_BADPROP);
    put_be32(b.data + (value - b.data), 0x84200000u);

    /* A uart reg that is not a whole number of (address, size) entries. */
    int serial = fdt_path_lookup(&f, "/soc/serial@10000000");
    value = fdt_get_prop(&f, serial, "reg", NULL);
    len_field = b.data + (value - b.data) - 8;
    put_be32(len_field, 7); /* still padded to 8, so the next token stays in place */
    assert_fdt_err(parse(&b, &p), FDT_E_BADPROP);
    put_be32(len_field, 8);

    /* A memory region that wraps around the address space. */
    value = fdt_get_prop(&f, fdt_path_lookup(&f, "/memory@200000000"), "reg", NULL);
    put_be32(b.data + (value - b.data) + 8, 0xffffffffu);
    assert_fdt_err(parse(&b, &p), FDT_E_BADPROP);
    put_be32(b.data + (value - b.data) + 8, 0);

    assert_fdt_err(parse(&b, &p), FDT_OK);
    free(b.data);
}

/* ---- every truncation, every byte flip ---- */

/*
 * Visits every node through the public walker, asking the questions the
 * kernel would. Must end: each call moves forward through the block.
 */
static void walk_everything(const struct fdt *f, int node, unsigned depth, unsigned *budget)
{
    uint32_t len;
    assert_true(*budget > 0);
    (*budget)--;
    (void)fdt_node_name(f, node);
    (void)fdt_get_prop(f, node, "reg", &len);
    (void)fdt_is_compatible(f, node, "ns16550a");
    if (depth > 64)
        return;
    for (int child = fdt_first_child(f, node); child >= 0; child = fdt_next_sibling(f, child))
        walk_everything(f, child, depth + 1, budget);
}

static void exercise(const uint8_t *blob, size_t size)
{
    struct fdt_platform p;
    struct fdt f;
    int err = fdt_parse_platform(blob, size, &p);
    assert_true(err <= 0);
    if (fdt_init(&f, blob, size) != FDT_OK)
        return;
    unsigned budget = f.size_struct / 4 + 1;
    walk_everything(&f, FDT_ROOT, 0, &budget);
    (void)fdt_path_lookup(&f, "/soc/serial");
    (void)fdt_path_lookup(&f, "serial0/x");
}

static void truncate_every_length(const char *name)
{
    struct blob b = load(name);
    uint32_t total = get_be32(b.data + H_TOTALSIZE);
    struct fdt_platform p;

    for (size_t len = 0; len < total; len++) {
        uint8_t *copy = copy_prefix(&b, len);
        /* As is: the header promises more than there is. */
        assert_fdt_err(fdt_parse_platform(copy, len, &p), FDT_E_TRUNCATED);

        /* Header rewritten to fit, so the parser walks the cut-off blocks. */
        if (len >= 40) {
            uint32_t off_struct = get_be32(copy + H_OFF_STRUCT);
            uint32_t off_strings = get_be32(copy + H_OFF_STRINGS);
            put_be32(copy + H_TOTALSIZE, (uint32_t)len);
            if (off_struct <= len && get_be32(copy + H_SIZE_STRUCT) > len - off_struct)
                put_be32(copy + H_SIZE_STRUCT, (uint32_t)(len - off_struct) & ~3u);
            if (off_strings <= len && get_be32(copy + H_SIZE_STRINGS) > len - off_strings)
                put_be32(copy + H_SIZE_STRINGS, (uint32_t)(len - off_strings));
            exercise(copy, len);
        }
        free(copy);
    }
    free(b.data);
}

static void test_truncate_every_length(void **state)
{
    (void)state;
    truncate_every_length("platform.dtb");
    truncate_every_length("compact.dtb");
    truncate_every_length("virt.dtb");
}

static void test_flip_every_byte(void **state)
{
    (void)state;
    struct blob b = load("platform.dtb");
    uint32_t total = get_be32(b.data + H_TOTALSIZE);
    static const uint8_t masks[] = {0x01, 0x04, 0x80, 0xff};

    for (size_t i = 0; i < total; i++) {
        for (size_t m = 0; m < sizeof(masks); m++) {
            uint8_t *copy = copy_prefix(&b, total);
            copy[i] ^= masks[m];
            exercise(copy, total);
            free(copy);
        }
    }
    free(b.data);
}

/* Random multi-byte damage to the QEMU tree; xorshift keeps it reproducible. */
static void test_random_corruption(void **state)
{
    (void)state;
    struct blob b = load("virt.dtb");
    uint32_t total = get_be32(b.data + H_TOTALSIZE);
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (unsigned round = 0; round < 3000; round++) {
        uint8_t *copy = copy_prefix(&b, total);
        unsigned flips = 1 + round % 8;
        for (unsigned k = 0; k < flips; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* Mostly the structure block, where the interesting damage is. */
            copy[40 + x % (total - 40)] = (uint8_t)(x >> 32);
        }
        exercise(copy, total);
        free(copy);
    }
    free(b.data);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(fdt_error_name(FDT_OK), "FDT_OK");
    assert_string_equal(fdt_error_name(FDT_E_MAGIC), "FDT_E_MAGIC");
    assert_string_equal(fdt_error_name(FDT_E_NO_MEMORY), "FDT_E_NO_MEMORY");
    assert_string_equal(fdt_error_name(FDT_E_NO_TIMEBASE), "FDT_E_NO_TIMEBASE");
    for (int e = FDT_E_NO_TIMEBASE; e <= FDT_OK; e++)
        assert_string_not_equal(fdt_error_name(e), "FDT_E_UNKNOWN");
    assert_string_equal(fdt_error_name(1), "FDT_E_UNKNOWN");
    assert_string_equal(fdt_error_name(FDT_E_NO_TIMEBASE - 1), "FDT_E_UNKNOWN");
    assert_string_equal(fdt_error_name(-2147483647 - 1), "FDT_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virt_header),
        cmocka_unit_test(test_virt_platform),
        cmocka_unit_test(test_virt_smp2),
        cmocka_unit_test(test_virt_unaligned),
        cmocka_unit_test(test_path_lookup),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_children_and_siblings),
        cmocka_unit_test(test_bad_handles),
        cmocka_unit_test(test_get_prop),
        cmocka_unit_test(test_is_compatible),
        cmocka_unit_test(test_read_cells),
        cmocka_unit_test(test_platform_dts),
        cmocka_unit_test(test_compact_v16),
        cmocka_unit_test(test_stdout_fallback),
        cmocka_unit_test(test_missing_essentials),
        cmocka_unit_test(test_too_many_reserved),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_blocks_outside),
        cmocka_unit_test(test_misaligned_offsets),
        cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_bad_properties),
        cmocka_unit_test(test_truncate_every_length),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
