#include "slot.h"
#include <string.h>

static int slot_taken(const struct slot_alloc *a, uint32_t s)
{
    return (a->bits[s / 64] >> (s % 64)) & 1;
}

static void slot_set(struct slot_alloc *a, uint32_t s, int taken)
{
    if (taken)
        a->bits[s / 64] |= 1ull << (s % 64);
    else
        a->bits[s / 64] &= ~(1ull << (s % 64));
}

void slot_alloc_init(struct slot_alloc *a, uint32_t first, uint32_t limit)
{
    memset(a, 0, sizeof(*a));
    if (limit > SLOT_MAX)
        limit = SLOT_MAX;
    if (first == 0)
        first = 1;
    a->first = first;
    a->limit = limit;
    a->hint = first;
    for (uint32_t s = 0; s < SLOT_MAX; s++)
        if (s < first || s >= limit)
            slot_set(a, s, 1);
}

uint32_t slot_alloc_run(struct slot_alloc *a, uint32_t count)
{
    if (count == 0)
        return 0;
    uint32_t run = 0;
    for (uint32_t s = a->first; s < a->limit; s++) {
        run = slot_taken(a, s) ? 0 : run + 1;
        if (run == count) {
            uint32_t start = s + 1 - count;
            for (uint32_t i = start; i <= s; i++)
                slot_set(a, i, 1);
            a->used += count;
            return start;
        }
    }
    return 0;
}

uint32_t slot_alloc(struct slot_alloc *a)
{
    for (uint32_t n = 0; n < a->limit - a->first; n++) {
        uint32_t s = a->first + (a->hint - a->first + n) % (a->limit - a->first);
        if (!slot_taken(a, s)) {
            slot_set(a, s, 1);
            a->used++;
            a->hint = s + 1 < a->limit ? s + 1 : a->first;
            return s;
        }
    }
    return 0;
}

void slot_free(struct slot_alloc *a, uint32_t slot)
{
    if (slot < a->first || slot >= a->limit || !slot_taken(a, slot))
        return;
    slot_set(a, slot, 0);
    a->used--;
}

void slot_reserve(struct slot_alloc *a, uint32_t slot)
{
    if (slot < a->first || slot >= a->limit || slot_taken(a, slot))
        return;
    slot_set(a, slot, 1);
    a->used++;
}
