/*
 * Kernel memory: a fixed pool of physical frames carved out of RAM at boot.
 * Every kernel object, page table and UTCB comes from here; everything else
 * in RAM is handed to the root task. The pool never grows: when it is empty,
 * the call that needed memory fails with E_NOMEM and the kernel keeps running.
 *
 * RAM is identity mapped, so a frame's physical address is its kernel pointer.
 */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE       4096ul
#define PAGE_SHIFT      12
#define PAGE_ALIGNED(x) (((x) & (PAGE_SIZE - 1)) == 0)
#define ALIGN_UP(x, a)  (((x) + (a)-1) & ~((uint64_t)(a)-1))

void pmem_init(uint64_t pool_start, uint64_t pool_end);

/* One zeroed 4 KiB frame, or NULL when the pool is exhausted. */
void *frame_alloc(void);
void frame_free(void *frame);

/* A zeroed object of up to PAGE_SIZE bytes, or NULL when exhausted. */
void *kmem_alloc(size_t size);
void kmem_free(void *obj, size_t size);

uint64_t pmem_free_bytes(void);

#endif
