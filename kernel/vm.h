/*
 * Sv39 address spaces.
 *
 * Virtual layout of every address space (one root table per task):
 *
 *   0x0000_0000_0000_0000 +-------------------------+
 *                         | user: 0 .. 2 GiB        |  VPN2 0-1, mapped per task, U=1
 *   0x0000_0000_8000_0000 +-------------------------+
 *                         | RAM, identity mapped    |  VPN2 2.., gigapages, U=0, global
 *                         | (kernel image, kernel   |  kernel pointer == physical address
 *                         |  pool, user frames)     |
 *                         +-------------------------+
 *                         |          ...            |
 *   0xffff_ffc0_0000_0000 +-------------------------+
 *                         | device window: physical |  VPN2 256-259, gigapages, U=0
 *                         | 0 .. 4 GiB (UART, PLIC) |
 *                         +-------------------------+
 *
 * Kernel entries (VPN2 >= 2) are copied into each task's root table when the
 * task is created and never change afterwards. VPN2 511 (the top GiB) is
 * never mapped: the kernel keeps the table's ASID there (vm.c, V = 0).
 *
 * TLB: tasks run with their own ASID in satp where the hart has ASIDs
 * (probed at boot), so a switch flushes nothing; changes to a table flush
 * only the pages changed, tagged with its ASID (vm_flush_range).
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t pte_t;

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
/* Software bits: the rights the mapping was created with, so MEM_PROTECT can
 * take rights away and give them back but never beyond the original map. */
#define PTE_SW_MAXW (1ul << 8)
#define PTE_SW_MAXX (1ul << 9)

#define PTE_PPN_SHIFT  10
#define PTE_TO_PA(pte) (((pte) >> PTE_PPN_SHIFT) << 12)
#define PA_TO_PTE(pa)  (((uint64_t)(pa) >> 12) << PTE_PPN_SHIFT)

#define USER_VA_END        0x80000000ul
#define DEVICE_WINDOW      0xffffffc000000000ul
#define DEVICE_WINDOW_SIZE (4ul << 30)

static inline uint64_t phys_to_device(uint64_t pa)
{
    return DEVICE_WINDOW + pa;
}

/* Builds the kernel's own table and turns paging on. */
void vm_init(uint64_t ram_start, uint64_t ram_end);

/* A new root table holding only the kernel entries, or NULL (out of memory). */
pte_t *vm_create_root(void);
/* Frees the root table and every user page table under it; the pages mapped
 * there are not touched. The hart must not be running on it (vm_activate_kernel). */
void vm_destroy_root(pte_t *root);

/* Map one user page; replaces an existing mapping. 0 or -FERRY_E_NOMEM. */
int vm_map_page(pte_t *root, uint64_t va, uint64_t pa, uint64_t pte_flags);
/* Maps pages pages from va to pa on, then flushes the range once. 0, or
 * -FERRY_E_NOMEM with the pages before the failing one mapped. */
int vm_map_range(pte_t *root, uint64_t va, uint64_t pa, uint64_t pages, uint64_t pte_flags);
void vm_unmap_page(pte_t *root, uint64_t va);
/* Unmaps pages pages from va on (unmapped ones are skipped), one flush. */
void vm_unmap_range(pte_t *root, uint64_t va, uint64_t pages);
/* After leaf entries of [va, va + pages pages) changed in place (rights, the
 * D bit): drops their cached translations (only root's address space's). */
void vm_flush_range(pte_t *root, uint64_t va, uint64_t pages);
/* The leaf entry for va if one is valid, else NULL. */
pte_t *vm_lookup(pte_t *root, uint64_t va);

/* Switches satp to root, with its ASID (given one if it has none of the
 * current generation); without ASIDs, flushes the TLB. */
void vm_activate(pte_t *root);
/* Lowers the number of ASIDs tasks use to at most count (0: none, a flush on
 * every switch); boot argument asids=N. Before the first task runs. */
void vm_limit_asids(uint64_t count);
/* ASIDs tasks can use (0: the hart has none, or they were turned off). */
uint64_t vm_asid_count(void);
/* The ASID root runs with now; 0 if it has none of the current generation. */
uint64_t vm_root_asid(const pte_t *root);
/* Switches to the kernel's own table (no user part). */
void vm_activate_kernel(void);

#endif
