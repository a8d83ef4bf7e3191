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

/* Trailing zeros of x != 0, without the Zbb extension (rv64gc has none, and
 * libgcc's __ctzdi2 costs 20 instructions): the lowest set bit times a de
 * Bruijn sequence puts a distinct pattern into the top six bits. */
static uint32_t trailing_zeros(uint64_t x)
{
    static const uint8_t position[64] = {
        0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,  62, 55, 59, 36, 53, 51,
        43, 22, 45, 39, 33, 30, 24, 18, 12, 5,  63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21,
        44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6};
    return position[((x & -x) * 0x03f79d71b4cb0a89ull) >> 58];
}

/*
 * Word by word: the bits below `first` and from `limit` on are set (taken), so
 * whole words can be scanned without boundary checks, and each word's runs of
 * taken and free bits are skipped whole (count trailing zeros). Finds the
 * lowest run, as a scan slot by slot would.
 */
uint32_t slot_alloc_run(struct slot_alloc *a, uint32_t count)
{
    if (count == 0)
        return 0;
    uint32_t run = 0; /* free slots right before the bit looked at */
    for (uint32_t word = a->first / 64; word < (a->limit + 63) / 64; word++) {
        uint64_t taken = a->bits[word];
        for (uint32_t bit = 0; bit < 64;) {
            uint64_t rest = taken >> bit;
            if (rest & 1) {
                /* the taken bits from here on: ~rest's trailing zeros */
                bit += ~rest ? trailing_zeros(~rest) : 64;
                run = 0;
                continue;
            }
            uint32_t free = rest ? trailing_zeros(rest) : 64 - bit;
            bit += free;
            run += free;
            if (run >= count) {
                uint32_t start = word * 64 + bit - run;
                for (uint32_t s = start; s < start + count; s++)
                    slot_set(a, s, 1);
                a->used += count;
                return start;
            }
        }
    }
    return 0;
}

int slot_take_range(struct slot_alloc *a, uint32_t start, uint32_t count)
{
    if (start < a->first || start >= a->limit || count > a->limit - start)
        return 0;
    for (uint32_t s = start; s < start + count; s++)
        if (slot_taken(a, s))
            return 0;
    for (uint32_t s = start; s < start + count; s++)
        slot_set(a, s, 1);
    a->used += count;
    return 1;
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
