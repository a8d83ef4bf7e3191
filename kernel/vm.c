#include "vm.h"
#include "arch/riscv/csr.h"
#include "klib.h"
#include "pmem.h"
#include <ferry/error.h>

#define VPN(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)
#define GIGA           (1ul << 30)
/* First root index that belongs to the kernel; user space is below it. */
#define KERNEL_FIRST_VPN2 (USER_VA_END >> 30)

static pte_t kernel_root[512] __attribute__((aligned(4096)));

/*
 * ASIDs (address space identifiers). satp.ASID tags the TLB's translations
 * with the address space they belong to, so switching tasks flushes nothing.
 *
 * asid_max: the highest ASID usable for tasks; probed at boot (satp.ASID is
 * WARL: all ones written, the implemented low bits read back), possibly
 * lowered by vm_limit_asids. 0: no ASIDs: every table runs with ASID 0 and
 * each switch flushes the whole TLB, as without ASIDs.
 * ASID 0 is the kernel's own table's (no user translations at all).
 *
 * Tasks get ASIDs 1..asid_max in generations: a root table remembers the
 * generation and ASID it was given (root[ASID_SLOT]); within one generation
 * each ASID is given out once. When they run out, the generation advances and
 * the whole TLB is flushed once: from then on no translation of an older
 * generation exists, so a table whose generation is old has nothing in the
 * TLB (nothing to flush when its entries change) and gets a new ASID when it
 * is next activated. A destroyed task's ASID is given out again only after
 * such a flush; every ASID is also flushed when given out (which orders the
 * table's earlier writes before the walks under it).
 *
 * Without ASIDs no table is ever given one: their slots stay 0, which never
 * matches asid_gen (>= 1), so every activation takes the slow path.
 *
 * Invariant: a translation tagged with ASID a exists in the TLB only for the
 * root table holding (asid_gen, a); without ASIDs only for active_root's.
 */
static uint64_t asid_max;
static uint64_t asid_gen = 1;  /* current generation */
static uint64_t asid_next = 1; /* next ASID to give out in this generation */
static pte_t *active_root;     /* the table satp holds, kept without ASIDs only */

/* root[ASID_SLOT], the entry of VPN2 511 (the top GiB, which nothing maps):
 * V = 0, so the MMU ignores the other bits (privileged spec, Sv39: "all other
 * bits are don't-cares and may be used freely by software"). It holds
 * generation << ASID_GEN_SHIFT | asid << 1; 0 in a new table (no ASID). */
#define ASID_SLOT      511
#define ASID_GEN_SHIFT 17
#define NO_ASID        (~0ul)

/* A range longer than this is flushed by ASID, not page by page. */
#define FLUSH_PAGES_MAX 32

/* root's ASID if it has one of this generation, else NO_ASID. */
static uint64_t root_asid(const pte_t *root)
{
    pte_t slot = root[ASID_SLOT];
    if ((slot >> ASID_GEN_SHIFT) != asid_gen)
        return NO_ASID;
    return (slot >> 1) & 0xffff;
}

/* Gives root the next ASID of this generation, starting a new generation
 * (one flush of everything) when none is left. */
static uint64_t asid_assign(pte_t *root)
{
    if (asid_next > asid_max) {
        asid_gen++;
        asid_next = 1;
        sfence_vma_all();
    }
    uint64_t asid = asid_next++;
    root[ASID_SLOT] = asid_gen << ASID_GEN_SHIFT | asid << 1;
    sfence_vma_asid(asid);
    return asid;
}

/* The number of ASID values satp keeps, minus ASID 0: all ones in, read back. */
static uint64_t asid_probe(void)
{
    uint64_t ppn = (uint64_t)kernel_root >> 12;
    csr_write(satp, SATP_MODE_SV39 | SATP_ASID_MASK | ppn);
    uint64_t back = (csr_read(satp) & SATP_ASID_MASK) >> SATP_ASID_SHIFT;
    csr_write(satp, SATP_MODE_SV39 | ppn);
    sfence_vma_all();
    return back;
}

void vm_limit_asids(uint64_t count)
{
    if (count < asid_max)
        asid_max = count;
}

uint64_t vm_root_asid(const pte_t *root)
{
    uint64_t asid = asid_max ? root_asid(root) : NO_ASID;
    return asid == NO_ASID ? 0 : asid;
}

uint64_t vm_asid_count(void)
{
    return asid_max;
}

void vm_init(uint64_t ram_start, uint64_t ram_end)
{
    KASSERT(ram_start >= USER_VA_END);
    for (uint64_t pa = ram_start & ~(GIGA - 1); pa < ram_end; pa += GIGA)
        kernel_root[VPN(pa, 2)] =
            PA_TO_PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D;
    for (uint64_t pa = 0; pa < DEVICE_WINDOW_SIZE; pa += GIGA)
        kernel_root[VPN(DEVICE_WINDOW + pa, 2)] =
            PA_TO_PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D;
    KASSERT(!(kernel_root[ASID_SLOT] & PTE_V)); /* the top GiB stays unmapped */
    vm_activate_kernel();
    asid_max = asid_probe();
}

pte_t *vm_create_root(void)
{
    pte_t *root = frame_alloc();
    if (!root)
        return NULL;
    for (unsigned i = KERNEL_FIRST_VPN2; i < 512; i++)
        root[i] = kernel_root[i];
    return root;
}

void vm_destroy_root(pte_t *root)
{
    for (unsigned i = 0; i < KERNEL_FIRST_VPN2; i++) {
        if (!(root[i] & PTE_V))
            continue;
        pte_t *mid = (pte_t *)PTE_TO_PA(root[i]);
        for (unsigned j = 0; j < 512; j++)
            if (mid[j] & PTE_V)
                frame_free((void *)PTE_TO_PA(mid[j])); /* a level-0 table, never a page */
        frame_free(mid);
    }
    frame_free(root);
}

/* Walks to the level-0 entry for va, creating tables on the way if asked. */
static pte_t *walk(pte_t *root, uint64_t va, bool create)
{
    pte_t *table = root;
    for (int level = 2; level > 0; level--) {
        pte_t *pte = &table[VPN(va, level)];
        if (*pte & PTE_V) {
            KASSERT((*pte & (PTE_R | PTE_W | PTE_X)) == 0); /* no user superpages */
            table = (pte_t *)PTE_TO_PA(*pte);
            continue;
        }
        if (!create)
            return NULL;
        pte_t *next = frame_alloc();
        if (!next)
            return NULL;
        *pte = PA_TO_PTE(next) | PTE_V;
        table = next;
    }
    return &table[VPN(va, 0)];
}

/* Flushes the translations of [va, va + pages pages) of root's address space:
 * one sfence.vma per page tagged with its ASID, or one for the whole ASID
 * when the range is long; nothing if root can have no translation cached.
 * Without ASIDs every user translation is tagged 0 (and not global), so the
 * same instructions with ASID 0 flush just as much as sfence.vma va, zero. */
void vm_flush_range(pte_t *root, uint64_t va, uint64_t pages)
{
    uint64_t asid = root_asid(root);
    if (asid == NO_ASID) {
        if (asid_max || root != active_root)
            return; /* nothing cached: see the invariant above */
        asid = 0;
    }
    if (pages > FLUSH_PAGES_MAX) {
        sfence_vma_asid(asid);
        return;
    }
    for (uint64_t i = 0; i < pages; i++, va += PAGE_SIZE)
        sfence_vma_page_asid(va, asid);
}

/* Sets the level-0 entry of va, without a flush. */
static int set_pte(pte_t *root, uint64_t va, uint64_t pa, uint64_t pte_flags)
{
    KASSERT(va < USER_VA_END && PAGE_ALIGNED(va) && PAGE_ALIGNED(pa));
    pte_t *pte = walk(root, va, true);
    if (!pte)
        return -FERRY_E_NOMEM;
    *pte = PA_TO_PTE(pa) | pte_flags | PTE_V;
    return 0;
}

/* Clears the level-0 entry of va, without a flush. */
static void clear_pte(pte_t *root, uint64_t va)
{
    pte_t *pte = walk(root, va, false);
    if (pte)
        *pte = 0;
}

int vm_map_page(pte_t *root, uint64_t va, uint64_t pa, uint64_t pte_flags)
{
    int err = set_pte(root, va, pa, pte_flags);
    if (!err)
        vm_flush_range(root, va, 1);
    return err;
}

int vm_map_range(pte_t *root, uint64_t va, uint64_t pa, uint64_t pages, uint64_t pte_flags)
{
    int err = 0;
    uint64_t done = 0;
    for (; done < pages && !err; done++)
        err = set_pte(root, va + done * PAGE_SIZE, pa + done * PAGE_SIZE, pte_flags);
    vm_flush_range(root, va, done);
    return err;
}

void vm_unmap_page(pte_t *root, uint64_t va)
{
    vm_unmap_range(root, va, 1);
}

void vm_unmap_range(pte_t *root, uint64_t va, uint64_t pages)
{
    for (uint64_t i = 0; i < pages; i++)
        clear_pte(root, va + i * PAGE_SIZE);
    vm_flush_range(root, va, pages);
}

pte_t *vm_lookup(pte_t *root, uint64_t va)
{
    if (va >= USER_VA_END)
        return NULL;
    pte_t *pte = walk(root, va, false);
    return (pte && (*pte & PTE_V)) ? pte : NULL;
}

/* vm_activate for a table without an ASID of this generation: gives it one;
 * without ASIDs (and for the kernel's table) runs it with ASID 0, flushing
 * everything first where there are no ASIDs. */
static void activate_slow(pte_t *root)
{
    active_root = root;
    uint64_t asid = asid_max && root != kernel_root ? asid_assign(root) : 0;
    csr_write(satp, SATP_MODE_SV39 | asid << SATP_ASID_SHIFT | (uint64_t)root >> 12);
    if (!asid_max)
        sfence_vma_all();
}

void vm_activate(pte_t *root)
{
    uint64_t asid = root_asid(root);
    if (asid == NO_ASID) {
        activate_slow(root);
        return;
    }
    csr_write(satp, SATP_MODE_SV39 | asid << SATP_ASID_SHIFT | (uint64_t)root >> 12);
}

void vm_activate_kernel(void)
{
    activate_slow(kernel_root); /* ASID 0: no user translations at all */
}
