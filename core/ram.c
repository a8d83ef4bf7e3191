/*
 * Physical RAM for dataspaces: every boot RAM region (bootinfo ram[]) except
 * the part of ram[0] the root-task runtime handed out for core's own use
 * before (thread stacks). Core maps all of it into its own address space once
 * at boot, read-write, so a dataspace is reachable at region window + offset
 * without further mapping: zeroing, loading ELF segments, copying modules and
 * thread states. Two windows of core's address space hold these mappings:
 *   ram[0]   at 0x40000000 (where lib/sys/roottask.c maps it) .. 0x60000000
 *   ram[1..] packed from 0x20000000 .. 0x40000000
 * Pages beyond a window are not used (documented limit: 1 GiB of RAM).
 *
 * Allocation: first fit of a contiguous run in a bitmap per region (a dataspace
 * is one MEM_MAP, so it must be physically contiguous).
 */
#include <string.h>
#include "core.h"

#define RAM0_WINDOW     0x40000000ul
#define RAM0_WINDOW_END 0x60000000ul /* lib/sys/roottask.c's thread UTCBs start here */
#define RAMN_WINDOW     0x20000000ul
#define RAMN_WINDOW_END 0x40000000ul
#define MAX_PAGES       ((RAM0_WINDOW_END - RAM0_WINDOW + RAMN_WINDOW_END - RAMN_WINDOW) >> 12)

struct ram_region {
    uint32_t mem_sel;
    uint64_t first;  /* offset (in the memory capability) of the first page managed here */
    uint64_t pages;  /* managed pages from `first` */
    uint64_t paddr;  /* physical address of offset 0 */
    uint8_t *window; /* core's address of offset 0 */
    uint64_t *bits;  /* bit set = page allocated; page i is offset first + i * 4096 */
};

static struct ram_region ram_regions[FERRY_BOOT_MAX_RAM];
static unsigned ram_region_count;
static uint64_t bitmap[MAX_PAGES / 64];
static uint64_t free_pages;

static bool page_taken(const struct ram_region *r, uint64_t i)
{
    return (r->bits[i / 64] >> (i % 64)) & 1;
}

static void pages_mark(struct ram_region *r, uint64_t first, uint64_t count, bool taken)
{
    for (uint64_t i = first; i < first + count; i++) {
        if (taken)
            r->bits[i / 64] |= 1ull << (i % 64);
        else
            r->bits[i / 64] &= ~(1ull << (i % 64));
    }
}

/* Adds one region: maps [first, first + pages) of `mem_sel` at window + first. */
static long ram_region_add(uint32_t mem_sel, uint64_t paddr, uint64_t first, uint64_t pages,
                           uint8_t *window, uint64_t **bits_next)
{
    if (pages == 0)
        return FERRY_OK;
    long err = sys_mem_map(FERRY_ROOT_SEL_TASK, mem_sel, first, (uint64_t)window + first, pages,
                           FERRY_RIGHT_R | FERRY_RIGHT_W);
    if (err)
        return err;
    struct ram_region *r = &ram_regions[ram_region_count++];
    r->mem_sel = mem_sel;
    r->first = first;
    r->pages = pages;
    r->paddr = paddr;
    r->window = window;
    r->bits = *bits_next;
    *bits_next += (pages + 63) / 64;
    free_pages += pages;
    return FERRY_OK;
}

long ram_init(const struct ferry_bootinfo *bi, uint64_t ram0_first_free)
{
    uint64_t *bits_next = bitmap;
    uint64_t windowed = 0; /* bytes of the ram[1..] window used so far */
    for (unsigned i = 0; i < bi->ram_count && i < FERRY_BOOT_MAX_RAM; i++) {
        const struct ferry_boot_ram *ram = &bi->ram[i];
        uint64_t first = 0, bytes = ram->size, room;
        uint8_t *window;
        if (i == 0) {
            first = ram0_first_free;
            window = (uint8_t *)RAM0_WINDOW;
            room = RAM0_WINDOW_END - RAM0_WINDOW;
        } else {
            window = (uint8_t *)(RAMN_WINDOW + windowed);
            room = RAMN_WINDOW_END - RAMN_WINDOW - windowed;
        }
        if (bytes > room)
            bytes = room;
        if (first >= bytes)
            continue;
        long err = ram_region_add((uint32_t)ram->sel, ram->paddr, first,
                                  (bytes - first) / FERRY_PAGE_SIZE, window, &bits_next);
        if (err)
            return err;
        if (i > 0)
            windowed += bytes;
    }
    return FERRY_OK;
}

/* The first free page of a region (a word at a time), or -1. */
static int64_t ram_region_find_page(const struct ram_region *r)
{
    for (uint64_t w = 0; w * 64 < r->pages; w++) {
        if (r->bits[w] == ~0ull)
            continue;
        uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(~r->bits[w]);
        return i < r->pages ? (int64_t)i : -1;
    }
    return -1;
}

/* First fit in one region; the index of the run's first page, or -1. */
static int64_t ram_region_find_run(const struct ram_region *r, uint64_t pages)
{
    if (pages == 1) /* core's own pages and small dataspaces: the common case */
        return ram_region_find_page(r);
    uint64_t run = 0;
    for (uint64_t i = 0; i < r->pages; i++) {
        if (i % 64 == 0 && i + 64 <= r->pages && r->bits[i / 64] == ~0ull) {
            run = 0;
            i += 63; /* a fully allocated word: skip it */
            continue;
        }
        run = page_taken(r, i) ? 0 : run + 1;
        if (run == pages)
            return (int64_t)(i + 1 - pages);
    }
    return -1;
}

long ram_alloc(uint64_t pages, struct ram_extent *out)
{
    long err = ram_alloc_dirty(pages, out);
    if (!err)
        memset(out->core_addr, 0, pages * FERRY_PAGE_SIZE);
    return err;
}

long ram_alloc_dirty(uint64_t pages, struct ram_extent *out)
{
    if (pages == 0 || pages > free_pages)
        return FERRY_E_NOMEM;
    for (unsigned k = 0; k < ram_region_count; k++) {
        struct ram_region *r = &ram_regions[k];
        int64_t at = ram_region_find_run(r, pages);
        if (at < 0)
            continue;
        pages_mark(r, (uint64_t)at, pages, true);
        free_pages -= pages;
        out->mem_sel = r->mem_sel;
        out->region = k;
        out->offset = r->first + (uint64_t)at * FERRY_PAGE_SIZE;
        out->pages = pages;
        out->core_addr = r->window + out->offset;
        return FERRY_OK;
    }
    return FERRY_E_NOMEM;
}

void ram_free(const struct ram_extent *e)
{
    if (!e->pages || e->region >= ram_region_count)
        return;
    struct ram_region *r = &ram_regions[e->region];
    pages_mark(r, (e->offset - r->first) / FERRY_PAGE_SIZE, e->pages, false);
    free_pages += e->pages;
}

uint64_t ram_paddr(const struct ram_extent *e)
{
    return ram_regions[e->region].paddr + e->offset;
}

uint64_t ram_free_bytes(void)
{
    return free_pages * FERRY_PAGE_SIZE;
}
