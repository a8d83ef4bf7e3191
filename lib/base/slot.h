/*
 * Capability-slot allocator of one task: a bitmap over [first, limit).
 * Core and every component own one; a slot is either free here or holds
 * (or is reserved for) a capability. Not thread-safe: callers serialise
 * (components allocate from their entrypoint and the runtime's lock).
 */
#ifndef FERRY_BASE_SLOT_H
#define FERRY_BASE_SLOT_H

#include <stdint.h>

#define SLOT_MAX 16384u

struct slot_alloc {
    uint32_t first, limit;
    uint32_t hint;                /* search for single slots starts here */
    uint32_t used;                /* slots allocated */
    uint64_t bits[SLOT_MAX / 64]; /* bit set = slot allocated (or outside [first, limit)) */
};

void slot_alloc_init(struct slot_alloc *a, uint32_t first, uint32_t limit);
/* A free slot, or 0 when none is left (slot 0 is never valid). */
uint32_t slot_alloc(struct slot_alloc *a);
/* `count` consecutive free slots; returns the first or 0. */
uint32_t slot_alloc_run(struct slot_alloc *a, uint32_t count);
/* Takes the `count` slots from `start` on if every one is free and in range:
 * 1, else 0 and nothing taken. */
int slot_take_range(struct slot_alloc *a, uint32_t start, uint32_t count);
/* Returns a slot; freeing a free or out-of-range slot is ignored. */
void slot_free(struct slot_alloc *a, uint32_t slot);
/* Marks a slot as taken (initial capabilities). */
void slot_reserve(struct slot_alloc *a, uint32_t slot);

#endif
