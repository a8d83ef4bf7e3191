/*
 * Dirty tracking, both ways a checkpointer can find the pages written since
 * the last checkpoint:
 *  - hardware: the MMU sets the PTE dirty bit on the first write through a
 *    mapping (QEMU does; the RISC-V spec also allows a fault instead), and
 *    MEM_DIRTY reports and re-arms (FERRY_DIRTY_CLEAR) those bits;
 *  - portable: write-protect the range (MEM_PROTECT R), record the write
 *    faults at the pager and give W back page by page.
 * A job writes a known set of pages of DIRTY_PAGES and reads the others; both
 * methods must report exactly the written set.
 */
#include "memory.h"
#include <stdio.h>
#include <string.h>

#define DIRTY_PAGES     24
#define WRITE_ARG(mask) ((uint64_t)(mask) | (uint64_t)DIRTY_PAGES << 32)

static uint8_t *backing; /* the RAM behind DIRTY_VA, mapped in the root task */

/* MEM_DIRTY over [va, va + pages): returns the bitmap as a mask, checks count. */
static uint32_t dirty_mask(uint64_t task, uint64_t va, unsigned pages, uint64_t flags)
{
    uint8_t *bitmap = sys_utcb()->buf;
    memset(bitmap, 0xff, 8); /* so that bits the kernel leaves alone show up */
    uint64_t count = ~0ul;
    CHECK_ERR(sys_mem_dirty(task, va, pages, flags, &count), FERRY_OK);
    uint32_t mask = 0;
    for (unsigned i = 0; i < pages; i++)
        if (bitmap[i / 8] & (1u << (i % 8)))
            mask |= 1u << i;
    for (unsigned i = pages; i < ((pages + 7) & ~7u); i++)
        CHECK(!(bitmap[i / 8] & (1u << (i % 8))), "bit %u beyond the range set", i);
    /* docs/kernel.md: exactly (pages + 7) / 8 bytes are written, no more */
    for (unsigned i = (pages + 7) / 8; i < 8; i++)
        CHECK(bitmap[i] == 0xff, "byte %u past the bitmap written (0x%x)", i, bitmap[i]);
    CHECK(count == (uint64_t)__builtin_popcount(mask), "count %lu for bitmap %x",
          (unsigned long)count, mask);
    return mask;
}

static void write_pages(uint64_t task, uint64_t va, uint32_t mask, unsigned faults)
{
    unsigned before = fault_log.count;
    struct job *job = job_run(task, pager_gate, 0, OP_WRITE_PAGES, va, WRITE_ARG(mask));
    CHECK(job->stage == JOB_DONE, "writer stopped at stage %lu", (unsigned long)job->stage);
    CHECK(fault_log.count == before + faults, "%u write faults, expected %u",
          fault_log.count - before, faults);
}

/* ---- hardware dirty bits ---- */

#define HW_WRITES 0x00808219u /* pages 0, 3, 4, 9, 15, 23 */

static void test_hardware(void)
{
    fault_action = 0; /* the hardware path never faults */
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, 0) == 0, "fresh mappings dirty");
    write_pages(ROOT, DIRTY_VA, HW_WRITES, 0);
    uint32_t mask = dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, 0);
    CHECK(mask == HW_WRITES, "dirty %x, written %x", mask, HW_WRITES);
    for (unsigned i = 0; i < DIRTY_PAGES; i++) {
        uint64_t expected = (HW_WRITES & (1u << i)) ? 0x5100 + i : 0;
        CHECK(*(uint64_t *)(backing + i * FERRY_PAGE_SIZE + 8) == expected, "page %u", i);
    }
    /* reading leaves them set; CLEAR reports once more, then re-arms */
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, 0) == HW_WRITES, "dirty bits went away");
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR) == HW_WRITES,
          "CLEAR reported another set");
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, 0) == 0, "dirty after CLEAR");
    CHECK(!(query(ROOT, DIRTY_VA + 3 * FERRY_PAGE_SIZE, 0) & FERRY_MEMQ_DIRTY),
          "MEM_QUERY: dirty after CLEAR");

    /* written again (after the TLB flush of CLEAR): set again, only those */
    write_pages(ROOT, DIRTY_VA, 1u << 9, 0);
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, 0) == 1u << 9, "second round");
    CHECK(dirty_mask(ROOT, DIRTY_VA + 8 * FERRY_PAGE_SIZE, 8, 0) == 1u << 1, "sub-range");
    CHECK(query(ROOT, DIRTY_VA + 9 * FERRY_PAGE_SIZE, 0) & FERRY_MEMQ_DIRTY, "MEM_QUERY");
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR) == 1u << 9, "clear");

    /* the same thread writes, clears and writes again with no other kernel
     * work in between: a translation cached with the first write must not
     * let the second one past the cleared bit */
    volatile uint64_t *word = (volatile uint64_t *)(DIRTY_VA + 5 * FERRY_PAGE_SIZE + 16);
    *word = 1;
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR) == 1u << 5, "root write");
    *word = 2;
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR) == 1u << 5,
          "write after CLEAR through a cached translation not seen");
    test_ok("hardware dirty bits: MEM_DIRTY reports exactly the written pages, CLEAR re-arms");
}

/* ---- write protection ---- */

static struct {
    uint64_t task, va;
    volatile uint32_t written; /* pages the pager saw written */
} tracker;

static enum fault_reply action_track(const struct fault_msg *m)
{
    CHECK(m->access == FERRY_RIGHT_W, "access %lu while tracking", (unsigned long)m->access);
    CHECK(m->addr >= tracker.va && m->addr < tracker.va + DIRTY_PAGES * FERRY_PAGE_SIZE,
          "fault at %lx outside the tracked range", (unsigned long)m->addr);
    unsigned page = (unsigned)((m->addr - tracker.va) / FERRY_PAGE_SIZE);
    CHECK(!(tracker.written & (1u << page)), "second fault on page %u", page);
    tracker.written |= 1u << page;
    CHECK_ERR(sys_mem_protect(tracker.task, tracker.va + page * FERRY_PAGE_SIZE, 1, RW), FERRY_OK);
    return FAULT_REPLY;
}

static void track_start(uint64_t task, uint64_t va)
{
    tracker.task = task;
    tracker.va = va;
    tracker.written = 0;
    fault_action = action_track;
    CHECK_ERR(sys_mem_protect(task, va, DIRTY_PAGES, FERRY_RIGHT_R), FERRY_OK);
}

#define WP_WRITES 0x00404186u /* pages 1, 2, 7, 8, 14, 22 */

static void test_write_protect(void)
{
    /* re-arm both methods, then write through the protected range */
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR) == 0, "leftover dirty");
    track_start(ROOT, DIRTY_VA);
    write_pages(ROOT, DIRTY_VA, WP_WRITES, __builtin_popcount(WP_WRITES));
    CHECK(tracker.written == WP_WRITES, "pager saw %x, written %x", (unsigned)tracker.written,
          WP_WRITES);
    /* W is back on exactly the written pages: writing them again does not fault */
    for (unsigned i = 0; i < DIRTY_PAGES; i++) {
        uint64_t rights = query(ROOT, DIRTY_VA + i * FERRY_PAGE_SIZE, 0) & RWX;
        CHECK(rights == ((WP_WRITES & (1u << i)) ? RW : FERRY_RIGHT_R), "page %u rights %lx", i,
              (unsigned long)rights);
    }
    write_pages(ROOT, DIRTY_VA, WP_WRITES, 0);
    test_ok("write-protect tracking: one write fault per written page, W restored per page");

    uint32_t hw = dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR);
    CHECK(hw == tracker.written, "hardware %x, write faults %x", hw, (unsigned)tracker.written);
    CHECK_ERR(sys_mem_protect(ROOT, DIRTY_VA, DIRTY_PAGES, RW), FERRY_OK);
    test_ok("hardware dirty bits and write faults report the same pages");
}

/* ---- the same in the sandbox ---- */

#define SANDBOX_DIRTY_VA (SANDBOX_VA + 0x100000ul)
#define SB_HW_WRITES     0x00000005u /* pages 0, 2 */
#define SB_WP_WRITES     0x00100030u /* pages 4, 5, 20 */

static void test_sandbox(void)
{
    map_ram(sandbox, backing, SANDBOX_DIRTY_VA, DIRTY_PAGES, RW);
    fault_action = 0;
    CHECK(dirty_mask(sandbox, SANDBOX_DIRTY_VA, DIRTY_PAGES, 0) == 0, "fresh sandbox dirty");
    write_pages(sandbox, SANDBOX_DIRTY_VA, SB_HW_WRITES, 0);
    CHECK(dirty_mask(sandbox, SANDBOX_DIRTY_VA, DIRTY_PAGES, FERRY_DIRTY_CLEAR) == SB_HW_WRITES,
          "sandbox hardware dirty");
    /* dirty bits belong to the mapping: the root's mapping of the same RAM is clean */
    CHECK(dirty_mask(ROOT, DIRTY_VA, DIRTY_PAGES, 0) == 0, "root mapping dirty");

    track_start(sandbox, SANDBOX_DIRTY_VA);
    write_pages(sandbox, SANDBOX_DIRTY_VA, SB_WP_WRITES, __builtin_popcount(SB_WP_WRITES));
    CHECK(tracker.written == SB_WP_WRITES, "sandbox pager saw %x", (unsigned)tracker.written);
    CHECK(dirty_mask(sandbox, SANDBOX_DIRTY_VA, DIRTY_PAGES, 0) == SB_WP_WRITES,
          "sandbox hardware after tracking");
    test_ok("both dirty tracking methods on a second task");
}

void dirty_tests(void)
{
    backing = fresh_pages(DIRTY_PAGES);
    map_ram(ROOT, backing, DIRTY_VA, DIRTY_PAGES, RW); /* fresh mappings: D clear */
    test_hardware();
    test_write_protect();
    test_sandbox();
    printf("memory: dirty tracking that works: hardware D bit (MEM_DIRTY), "
           "write-protect faults (MEM_PROTECT + pager)\n");
}
