/*
 * block-test: a client of the Block service (components/virtio-blk).
 *
 * arg mode:
 *   check          (default) patterns written to several LBAs and read back,
 *                  every request error of include/ferry/iface/block.h, the
 *                  interrupts the driver took for it, core's DMA operations
 *   write-persist  writes the persistence pattern (seeded by arg seed), syncs
 *   read-persist   reads it back and compares (another boot on the same disk)
 *   read-only      on a read-only disk: reads work, writes get E_NORIGHTS
 *   device-error   on a disk whose reads of sector 100 fail (QEMU blkdebug):
 *                  E_CANCELED for them, the driver keeps serving
 *   bench          guest instructions of a 4 KiB read and write, next to a
 *                  BLOCK_INFO round trip and a 4 KiB memcpy (bench/block.scn)
 *
 * Every check prints one line; a failure says "CHECK FAILED" and the
 * component exits with code 1.
 */
#include <bench.h>
#include <client.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/macros.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct env *env;
static struct block_client blk;
static unsigned failures;
static uint64_t ios; /* successful READ/WRITE requests of this component */

static void check_err(long got, long want, const char *what)
{
    if (got == want) {
        printf("ok: %s: %s\n", what, ferry_error_name(got));
        return;
    }
    printf("CHECK FAILED: %s: got %s, expected %s\n", what, ferry_error_name(got),
           ferry_error_name(want));
    failures++;
}

static void check(bool ok, const char *what)
{
    if (ok) {
        printf("ok: %s\n", what);
        return;
    }
    printf("CHECK FAILED: %s\n", what);
    failures++;
}

/* The byte at `i` of sector `lba` in pattern `seed`: never the same for two sectors. */
static uint8_t pattern(uint64_t seed, uint64_t lba, uint64_t i)
{
    uint64_t x = (seed * 0x9e3779b97f4a7c15ull) ^ (lba * 0xbf58476d1ce4e5b9ull) ^ (i >> 3);
    x ^= x >> 31;
    x *= 0x94d049bb133111ebull;
    return (uint8_t)(x >> (8 * (i & 7)));
}

static void fill(uint64_t seed, uint64_t lba, uint64_t count, uint64_t offset)
{
    for (uint64_t s = 0; s < count; s++)
        for (uint64_t i = 0; i < FERRY_BLOCK_SECTOR_SIZE; i++)
            blk.buf[offset + s * FERRY_BLOCK_SECTOR_SIZE + i] = pattern(seed, lba + s, i);
}

/* The first sector in lba .. lba + count - 1 that differs, or -1. */
static int64_t compare(uint64_t seed, uint64_t lba, uint64_t count, uint64_t offset)
{
    for (uint64_t s = 0; s < count; s++)
        for (uint64_t i = 0; i < FERRY_BLOCK_SECTOR_SIZE; i++)
            if (blk.buf[offset + s * FERRY_BLOCK_SECTOR_SIZE + i] != pattern(seed, lba + s, i))
                return (int64_t)(lba + s);
    return -1;
}

static long io(bool write, uint64_t lba, uint64_t count, uint64_t offset)
{
    long err = write ? block_write(blk.session, lba, count, offset)
                     : block_read(blk.session, lba, count, offset);
    ios += err == FERRY_OK;
    return err;
}

/* Writes pattern `seed` at each extent, then reads each back and compares. */
struct extent {
    uint64_t lba, count;
};

static void write_extents(uint64_t seed, const struct extent *x, unsigned n)
{
    char what[96];
    for (unsigned k = 0; k < n; k++) {
        fill(seed, x[k].lba, x[k].count, 0);
        snprintf(what, sizeof(what), "write %llu sectors at LBA %llu",
                 (unsigned long long)x[k].count, (unsigned long long)x[k].lba);
        check_err(io(true, x[k].lba, x[k].count, 0), FERRY_OK, what);
    }
}

static void read_extents(uint64_t seed, const struct extent *x, unsigned n)
{
    char what[96];
    for (unsigned k = 0; k < n; k++) {
        uint64_t offset = (k % 2) * FERRY_BLOCK_SECTOR_SIZE; /* also at a nonzero offset */
        memset(blk.buf, 0, blk.info.buffer_size);
        snprintf(what, sizeof(what), "read %llu sectors at LBA %llu (buffer offset %llu)",
                 (unsigned long long)x[k].count, (unsigned long long)x[k].lba,
                 (unsigned long long)offset);
        check_err(io(false, x[k].lba, x[k].count, offset), FERRY_OK, what);
        int64_t bad = compare(seed, x[k].lba, x[k].count, offset);
        snprintf(what, sizeof(what), "LBA %llu..%llu holds the pattern",
                 (unsigned long long)x[k].lba, (unsigned long long)(x[k].lba + x[k].count - 1));
        if (bad >= 0)
            printf("first differing sector: %lld\n", (long long)bad);
        check(bad < 0, what);
    }
}

static void check_errors(void)
{
    uint64_t last = blk.info.sector_count - 1, max = blk.info.max_sectors;
    check_err(io(false, 0, 0, 0), FERRY_E_INVAL, "read of 0 sectors");
    check_err(io(false, 0, max + 1, 0), FERRY_E_QUOTA, "read of one sector more than the buffer");
    check_err(io(true, 0, 1ull << 40, 0), FERRY_E_QUOTA, "write of 2^40 sectors");
    check_err(io(false, last + 1, 1, 0), FERRY_E_RANGE, "read of the sector past the end");
    check_err(io(true, last, 2, 0), FERRY_E_RANGE, "write across the end of the disk");
    check_err(io(false, ~0ull, 2, 0), FERRY_E_RANGE, "read at LBA 2^64-1 (wraps)");
    check_err(io(false, 0, 1, 100), FERRY_E_ALIGN, "read into the buffer at offset 100");
    check_err(io(false, 0, 2, blk.info.buffer_size - FERRY_BLOCK_SECTOR_SIZE), FERRY_E_NOMEM,
              "read past the end of the buffer");
    check_err(io(true, 0, 1, ~0ull - 511), FERRY_E_NOMEM, "write from offset 2^64-512");
    check_err(io(false, last, 1, 0), FERRY_OK, "read of the last sector");

    uint32_t other;
    check_err(env_session(env, "Block", "", "buffer=1000", 64 * 1024, 2, &other), FERRY_E_INVAL,
              "session with a buffer of 1000 bytes");
    check_err(env_session(env, "Block", "", "buffer=0x200000", 4 << 20, 2, &other), FERRY_E_INVAL,
              "session with a 2 MiB buffer");
    check_err(env_session(env, "Block", "", "buffer=65536", 65536, 2, &other), FERRY_E_QUOTA,
              "session whose donation does not cover its buffer");
}

/* Core's DMA support: DS_PHYS and IO_MEM "device=N". */
static void check_core(void)
{
    uint64_t paddr = 0;
    check_err(ds_phys(blk.ds, &paddr), FERRY_OK, "DS_PHYS of the buffer");
    check(paddr >= 0x80000000ull && paddr % 4096 == 0, "the buffer is page-aligned RAM");
    uint32_t io;
    check_err(env_session(env, "IO_MEM", "", "device=99", 8192, 2, &io), FERRY_E_NOENT,
              "IO_MEM device=99");
    check_err(env_session(env, "IO_MEM", "", "device=0", 8192, 2, &io), FERRY_OK,
              "IO_MEM device=0");
    uint32_t ds;
    check_err(io_mem_dataspace(io, &ds), FERRY_OK, "its dataspace");
    check_err(ds_phys(ds, &paddr), FERRY_E_INVAL, "DS_PHYS of a device dataspace");
    struct ferry_io_mem_info_out info = {0};
    check_err(io_mem_info(io, &info), FERRY_OK, "IO_MEM_INFO");
    check(strcmp(info.compatible, "virtio,mmio") == 0 && info.size == 4096 && info.irq != 0,
          "device 0 is a virtio-mmio window with an interrupt");
    env_cap_drop(ds);
    env_session_close(env, io);
}

static const struct extent extents[] = {{0, 1}, {1, 1}, {7, 3}, {100, 16}, {1000, 128}, {0, 0}};

static void mode_check(void)
{
    struct ferry_block_info_out before = blk.info, after;
    unsigned n = 0;
    struct extent x[ARRAY_SIZE(extents)];
    for (unsigned k = 0; extents[k].count; k++)
        x[n++] = extents[k];
    x[n++] = (struct extent){blk.info.sector_count - 4, 4}; /* the end of the disk */
    write_extents(1, x, n);
    check_err(block_sync(blk.session), FERRY_OK, "sync");
    read_extents(1, x, n);
    /* overwrite one sector in the middle of an extent: only it changes */
    fill(2, 1002, 1, 0);
    check_err(io(true, 1002, 1, 0), FERRY_OK, "overwrite LBA 1002");
    check_err(io(false, 1000, 4, 0), FERRY_OK, "read LBA 1000..1003");
    check(compare(1, 1000, 2, 0) < 0 && compare(2, 1002, 1, 1024) < 0 &&
              compare(1, 1003, 1, 1536) < 0,
          "only LBA 1002 changed");
    check_errors();
    check_core();
    check_err(block_info(blk.session, &after), FERRY_OK, "BLOCK_INFO");
    uint64_t requests = after.requests - before.requests;
    uint64_t irqs = after.interrupts - before.interrupts;
    printf("%llu requests of this client, %llu completed by the driver (with sync), %llu "
           "interrupts\n",
           (unsigned long long)ios, (unsigned long long)requests, (unsigned long long)irqs);
    check(requests == ios + 1, "the driver completed exactly the requests that passed the checks");
    check(irqs >= requests, "at least one device interrupt per request");
}

static const struct extent persist[] = {{0, 8}, {4096, 64}, {16000, 1}};

static void mode_write_persist(uint64_t seed)
{
    write_extents(seed, persist, ARRAY_SIZE(persist));
    check_err(block_sync(blk.session), FERRY_OK, "sync");
    read_extents(seed, persist, ARRAY_SIZE(persist));
    if (!failures)
        printf("wrote persistence pattern %llu\n", (unsigned long long)seed);
}

static void mode_read_persist(uint64_t seed)
{
    read_extents(seed, persist, ARRAY_SIZE(persist));
    if (!failures)
        printf("persistence pattern %llu intact\n", (unsigned long long)seed);
}

static void mode_read_only(void)
{
    check(blk.info.flags & FERRY_BLOCK_READ_ONLY, "the disk is read-only");
    check_err(io(false, 0, 8, 0), FERRY_OK, "read of 8 sectors");
    check_err(io(true, 0, 1, 0), FERRY_E_NORIGHTS, "write to the read-only disk");
}

static void mode_device_error(void)
{
    check_err(io(false, 0, 8, 0), FERRY_OK, "read of LBA 0..7");
    check_err(io(false, 96, 8, 0), FERRY_E_CANCELED, "read of LBA 96..103 (100 fails)");
    check_err(io(false, 100, 1, 0), FERRY_E_CANCELED, "read of LBA 100");
    check_err(io(true, 200, 8, 0), FERRY_OK, "write of LBA 200..207");
    check_err(io(false, 101, 8, 0), FERRY_OK, "read of LBA 101..108 after the errors");
}

static struct bench_table table;
static uint8_t copy_to[4096];

static void op_read_4k(void)
{
    io(false, 64, 8, 0);
}

static void op_write_4k(void)
{
    io(true, 64, 8, 0);
}

static void op_info(void)
{
    struct ferry_block_info_out info;
    block_info(blk.session, &info);
}

static void op_memcpy_4k(void)
{
    memcpy(copy_to, blk.buf, sizeof(copy_to));
    __asm__ volatile("" ::: "memory");
}

static const char B_READ[] = "block_read_4k", B_WRITE[] = "block_write_4k",
                  B_INFO[] = "block_info_rpc", B_COPY[] = "memcpy_4k";

static void mode_bench(void)
{
    struct ferry_block_info_out before, after;
    block_info(blk.session, &before);
    bench_calibrate(&table);
    bench_run(&table, B_INFO, op_info, NULL);
    bench_run(&table, B_COPY, op_memcpy_4k, NULL);
    bench_run(&table, B_WRITE, op_write_4k, NULL);
    bench_run(&table, B_READ, op_read_4k, NULL);
    block_info(blk.session, &after);
    check(ios == 2 * (BENCH_WARMUP + BENCH_ITERATIONS), "every measured request succeeded");
    bench_print(&table);
    printf("bench: %llu requests, %llu device interrupts\n",
           (unsigned long long)(after.requests - before.requests),
           (unsigned long long)(after.interrupts - before.interrupts));
    bench_print_ratio("block_read_4k/block_info_rpc", bench_result_of(&table, B_READ),
                      bench_result_of(&table, B_INFO));
    bench_print_ratio("block_read_4k/memcpy_4k", bench_result_of(&table, B_READ),
                      bench_result_of(&table, B_COPY));
    printf("bench: done\n");
}

void component_construct(struct env *e)
{
    env = e;
    const char *mode = env_arg(env, "mode");
    const char *seed_arg = env_arg(env, "seed");
    uint64_t seed = seed_arg ? strtoull(seed_arg, NULL, 0) : 7;
    mode = mode ? mode : "check";
    long err = block_open(env, "disk", 0, &blk);
    if (err) {
        printf("CHECK FAILED: Block session: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    printf("disk: %llu sectors of %llu bytes, %llu per request%s\n",
           (unsigned long long)blk.info.sector_count, (unsigned long long)blk.info.sector_size,
           (unsigned long long)blk.info.max_sectors,
           blk.info.flags & FERRY_BLOCK_READ_ONLY ? ", read-only" : "");
    if (strcmp(mode, "check") == 0)
        mode_check();
    else if (strcmp(mode, "write-persist") == 0)
        mode_write_persist(seed);
    else if (strcmp(mode, "read-persist") == 0)
        mode_read_persist(seed);
    else if (strcmp(mode, "read-only") == 0)
        mode_read_only();
    else if (strcmp(mode, "device-error") == 0)
        mode_device_error();
    else if (strcmp(mode, "bench") == 0)
        mode_bench();
    else
        check(false, "known mode");
    block_close(env, &blk);
    printf("%s: %u failures\n", mode, failures);
    env_exit(env, failures ? 1 : 0);
}
