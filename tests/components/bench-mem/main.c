/*
 * bench-mem: what memcpy, memmove and memset cost in guest instructions
 * (bench/mem.scn, `make bench`; lib/mem/mem.h says why Ferry has its own).
 *
 *     bench: NAME  N instr/op (min M)     64 B and 4 KiB, lib/sys/bench.h
 *     bench: per_byte NAME X.XX           the same over the bytes of one op
 *     bench: NAME_1m N instructions (X.XX per byte)   1 MiB, measured once
 *
 * "aligned": source and destination 8-byte aligned; "misaligned": source 1
 * and destination 4 bytes past a boundary (aligned differently: the shifted
 * word copy); memmove_4k_down: destination 8 bytes above its source, so the
 * copy runs downwards. The 1 MiB copies are measured once after one unmeasured
 * run (their pages are in then): exact under -icount, so once is enough.
 */
#include <bench.h>
#include <env.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BYTES 64
#define PAGE_BYTES  4096
#define LARGE_BYTES (1u << 20)
#define SLACK       16 /* room for the misaligned offsets and memmove's 8 */

static const char C4K[] = "memcpy_4k_aligned", C4K_SHIFTED[] = "memcpy_4k_misaligned";
static uint8_t *src, *dst;
static struct bench_table table;

static void memcpy_64_aligned(void)
{
    memcpy(dst, src, SMALL_BYTES);
}

static void memcpy_64_misaligned(void)
{
    memcpy(dst + 4, src + 1, SMALL_BYTES);
}

static void memcpy_4k_aligned(void)
{
    memcpy(dst, src, PAGE_BYTES);
}

static void memcpy_4k_misaligned(void)
{
    memcpy(dst + 4, src + 1, PAGE_BYTES);
}

static void memmove_4k_down(void)
{
    memmove(dst + 8, dst, PAGE_BYTES);
}

static void memset_64(void)
{
    memset(dst, 0x5a, SMALL_BYTES);
}

static void memset_4k(void)
{
    memset(dst, 0x5a, PAGE_BYTES);
}

/* x / bytes with two decimals, without floating point */
static void print_per_byte(uint64_t instructions, uint64_t bytes)
{
    uint64_t centi = (instructions * 100 + bytes / 2) / bytes;
    printf("%lu.%02lu", (unsigned long)(centi / 100), (unsigned long)(centi % 100));
}

/* The bytes each table entry's operation handles, by entry. */
static uint64_t op_bytes[BENCH_MAX];

static void run(const char *name, bench_op op, uint64_t bytes)
{
    if (bench_run(&table, name, op, NULL))
        op_bytes[table.count - 1] = bytes;
}

static void print_table(void)
{
    bench_print(&table);
    for (unsigned i = 0; i < table.count; i++) {
        printf("bench: per_byte %-25s ", table.results[i].name);
        print_per_byte(table.results[i].avg, op_bytes[i]);
        printf("\n");
    }
    bench_print_ratio("memcpy_4k_misaligned/memcpy_4k_aligned",
                      bench_result_of(&table, C4K_SHIFTED), bench_result_of(&table, C4K));
}

/* One 1 MiB operation, offsets as above; fill >= 0: memset, else memcpy.
 * Its instructions; the first of two runs only faults the pages in. */
static uint64_t measure_large(size_t dst_off, size_t src_off, int fill)
{
    uint64_t t0 = 0, t1 = 0;
    for (int round = 0; round < 2; round++) {
        t0 = sys_instret();
        if (fill >= 0)
            memset(dst + dst_off, fill, LARGE_BYTES);
        else
            memcpy(dst + dst_off, src + src_off, LARGE_BYTES);
        t1 = sys_instret();
    }
    return t1 - t0 - table.read_overhead;
}

static void print_large(const char *name, uint64_t instructions)
{
    printf("bench: %s_1m %lu instructions (", name, (unsigned long)instructions);
    print_per_byte(instructions, LARGE_BYTES);
    printf(" per byte)\n");
}

void component_construct(struct env *env)
{
    src = malloc(LARGE_BYTES + SLACK);
    dst = malloc(LARGE_BYTES + SLACK);
    if (!src || !dst) {
        printf("bench-mem: failed to allocate 2 x 1 MiB\n");
        env_exit(env, 1);
    }
    for (size_t i = 0; i < LARGE_BYTES + SLACK; i++)
        src[i] = (uint8_t)(i * 131 + 7);
    bench_calibrate(&table);
    run("memcpy_64_aligned", memcpy_64_aligned, SMALL_BYTES);
    run("memcpy_64_misaligned", memcpy_64_misaligned, SMALL_BYTES);
    run(C4K, memcpy_4k_aligned, PAGE_BYTES);
    run(C4K_SHIFTED, memcpy_4k_misaligned, PAGE_BYTES);
    run("memmove_4k_down", memmove_4k_down, PAGE_BYTES);
    run("memset_64", memset_64, SMALL_BYTES);
    run("memset_4k", memset_4k, PAGE_BYTES);
    uint64_t copy = measure_large(0, 0, -1), shifted = measure_large(4, 1, -1);
    uint64_t set = measure_large(0, 0, 0x5a);
    print_table();
    print_large("memcpy_aligned", copy);
    print_large("memcpy_misaligned", shifted);
    print_large("memset", set);
    /* the last copy must have happened: its bytes are checked */
    memcpy(dst, src, LARGE_BYTES);
    if (memcmp(dst, src, LARGE_BYTES)) {
        printf("bench-mem: CHECK FAILED: the copy differs\n");
        env_exit(env, 1);
    }
    printf("bench: done\n");
    env_exit(env, 0);
}
