#include "vm.h"
#include "arch/riscv/csr.h"
#include "klib.h"
#include "pmem.h"
#include <ferry/error.h>

#define SATP_SV39      (8ul << 60)
#define VPN(va, level) (((va) >> (12 + 9 * (level))) & 0x1ff)
#define GIGA           (1ul << 30)
/* First root index that belongs to the kernel; user space is below it. */
#define KERNEL_FIRST_VPN2 (USER_VA_END >> 30)

static pte_t kernel_root[512] __attribute__((aligned(4096)));

void vm_init(uint64_t ram_start, uint64_t ram_end)
{
    KASSERT(ram_start >= USER_VA_END);
    for (uint64_t pa = ram_start & ~(GIGA - 1); pa < ram_end; pa += GIGA)
        kernel_root[VPN(pa, 2)] =
            PA_TO_PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D;
    for (uint64_t pa = 0; pa < DEVICE_WINDOW_SIZE; pa += GIGA)
        kernel_root[VPN(DEVICE_WINDOW + pa, 2)] =
            PA_TO_PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D;
    vm_activate(kernel_root);
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

int vm_map_page(pte_t *root, uint64_t va, uint64_t pa, uint64_t pte_flags)
{
    KASSERT(va < USER_VA_END && PAGE_ALIGNED(va) && PAGE_ALIGNED(pa));
    pte_t *pte = walk(root, va, true);
    if (!pte)
        return -FERRY_E_NOMEM;
    *pte = PA_TO_PTE(pa) | pte_flags | PTE_V;
    sfence_vma_all();
    return 0;
}

void vm_unmap_page(pte_t *root, uint64_t va)
{
    pte_t *pte = walk(root, va, false);
    if (pte && (*pte & PTE_V)) {
        *pte = 0;
        sfence_vma_all();
    }
}

pte_t *vm_lookup(pte_t *root, uint64_t va)
{
    if (va >= USER_VA_END)
        return NULL;
    pte_t *pte = walk(root, va, false);
    return (pte && (*pte & PTE_V)) ? pte : NULL;
}

void vm_activate(pte_t *root)
{
    csr_write(satp, SATP_SV39 | ((uint64_t)root >> 12));
    sfence_vma_all();
}

void vm_activate_kernel(void)
{
    vm_activate(kernel_root);
}
