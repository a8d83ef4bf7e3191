/*
 * memcpy, memmove, memset for RV64 user programs and the kernel: why, and
 * how they are linked, in mem.h (the kernel's: mk/kernel.mk).
 *
 * How: bytes up to the first aligned address, then 64-bit words four per
 * loop (0.34 instructions a byte), then the remaining words and bytes. When
 * source and destination are not aligned alike, memcpy and a forward
 * memmove load aligned source words and store aligned destination words,
 * each made of two loaded words with shifts (0.7 a byte). Copies shorter
 * than SMALL go byte by byte: aligning would cost more than it saves.
 *
 * Every load is of bytes inside the source range (no word reaches past
 * either end), so the host test runs it under AddressSanitizer as it is.
 *
 * Build: -fno-builtin -fno-tree-loop-distribute-patterns (mk/user.mk,
 * mk/host.mk, mk/kernel.mk). Without them GCC turns the loops below back
 * into calls to memcpy and memset: into calls to themselves.
 */
#include <stdint.h>
#include "mem/mem.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "copy_shifted puts the first byte in a word's low bits");

/* A 64-bit word that may alias any object (the copies are of any type). */
typedef uint64_t __attribute__((may_alias)) word;

#define WORD_BYTES sizeof(word)
#define WORD_MASK  (WORD_BYTES - 1)
/* Below this, byte loops: aligning both ends costs up to 14 byte copies, and
 * copy_shifted needs a whole source word after aligning the source. */
#define SMALL 16

static size_t misalign(const void *p)
{
    return (uintptr_t)p & WORD_MASK;
}

/* Copies n bytes upwards; *d and *s end past the copied bytes. */
static void bytes_up(uint8_t **d, const uint8_t **s, size_t n)
{
    uint8_t *dp = *d;
    const uint8_t *sp = *s;
    while (n--)
        *dp++ = *sp++;
    *d = dp;
    *s = sp;
}

/* Copies `words` words upwards, four per loop; d and s are aligned. Loads
 * precede the stores of the same bytes, so dst below src may overlap. */
static void words_up(word *d, const word *s, size_t words)
{
    for (; words >= 4; words -= 4, d += 4, s += 4) {
        word w0 = s[0], w1 = s[1], w2 = s[2], w3 = s[3];
        d[0] = w0;
        d[1] = w1;
        d[2] = w2;
        d[3] = w3;
    }
    for (; words; words--)
        *d++ = *s++;
}

/*
 * Copies n bytes upwards from aligned s to d, which is not aligned (d and s
 * are not aligned alike); n >= WORD_BYTES. *d and *s end past the copied
 * bytes, the return value is what is left (< WORD_BYTES) for the caller.
 * `carry` holds the `pending` bytes loaded but not yet stored, the first in
 * its low bits; each aligned store takes them and the low bytes of the next
 * loaded word. Every store covers only source bytes loaded before it, so dst
 * below src may overlap.
 */
static size_t copy_shifted(uint8_t **d, const uint8_t **s, size_t n)
{
    uint8_t *dp = *d;
    const word *sw = (const word *)*s;
    size_t pending = misalign(dp);             /* 1..7: d's bytes before its next boundary */
    unsigned up = 8 * pending, down = 64 - up; /* both 8..56 */
    word carry = *sw++;
    n -= WORD_BYTES;
    for (size_t i = pending; i < WORD_BYTES; i++, carry >>= 8)
        *dp++ = (uint8_t)carry; /* d is aligned now, `pending` bytes left in carry */
    word *dw = (word *)dp;
    for (; n >= 4 * WORD_BYTES; n -= 4 * WORD_BYTES, dw += 4, sw += 4) {
        word w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
        dw[0] = carry | w0 << up;
        dw[1] = w0 >> down | w1 << up;
        dw[2] = w1 >> down | w2 << up;
        dw[3] = w2 >> down | w3 << up;
        carry = w3 >> down;
    }
    for (; n >= WORD_BYTES; n -= WORD_BYTES) {
        word w = *sw++;
        *dw++ = carry | w << up;
        carry = w >> down;
    }
    dp = (uint8_t *)dw;
    for (; pending; pending--, carry >>= 8)
        *dp++ = (uint8_t)carry;
    *d = dp;
    *s = (const uint8_t *)sw;
    return n;
}

/* Copies n bytes upwards from src to dst: memcpy, and memmove when dst is
 * below src. Returns dst (so that memcpy is a tail call). */
static void *copy_up(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (n >= SMALL) {
        size_t head = (WORD_BYTES - misalign(s)) & WORD_MASK;
        bytes_up(&d, &s, head);
        n -= head;
        if (misalign(d) == 0) {
            words_up((word *)d, (const word *)s, n / WORD_BYTES);
            d += n & ~WORD_MASK;
            s += n & ~WORD_MASK;
            n &= WORD_MASK;
        } else {
            n = copy_shifted(&d, &s, n);
        }
    }
    bytes_up(&d, &s, n);
    return dst;
}

/* Copies n bytes downwards, from the ends d and s; memmove when dst is above
 * src and overlaps it. Words when aligned alike, else bytes. */
static void copy_down(uint8_t *d, const uint8_t *s, size_t n)
{
    if (n >= SMALL && misalign(d) == misalign(s)) {
        for (; misalign(d); n--)
            *--d = *--s;
        word *dw = (word *)d;
        const word *sw = (const word *)s;
        size_t words = n / WORD_BYTES;
        for (; words >= 4; words -= 4) {
            dw -= 4;
            sw -= 4;
            word w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
            dw[3] = w3;
            dw[2] = w2;
            dw[1] = w1;
            dw[0] = w0;
        }
        for (; words; words--)
            *--dw = *--sw;
        d = (uint8_t *)dw;
        s = (const uint8_t *)sw;
        n &= WORD_MASK;
    }
    while (n--)
        *--d = *--s;
}

void *ferry_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return copy_up(dst, src, n);
}

void *ferry_memmove(void *dst, const void *src, size_t n)
{
    /* above src and inside its n bytes: downwards, else upwards */
    if ((uintptr_t)dst - (uintptr_t)src < n && dst != src)
        copy_down((uint8_t *)dst + n, (const uint8_t *)src + n, n);
    else if (dst != src)
        return copy_up(dst, src, n);
    return dst;
}

void *ferry_memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst, b = (uint8_t)c;
    if (n >= SMALL) {
        for (; misalign(d); n--)
            *d++ = b;
        word w = b * (word)0x0101010101010101ull, *dw = (word *)d;
        for (; n >= 4 * WORD_BYTES; n -= 4 * WORD_BYTES, dw += 4) {
            dw[0] = w;
            dw[1] = w;
            dw[2] = w;
            dw[3] = w;
        }
        for (; n >= WORD_BYTES; n -= WORD_BYTES)
            *dw++ = w;
        d = (uint8_t *)dw;
    }
    while (n--)
        *d++ = b;
    return dst;
}

#ifndef FERRY_MEM_HOST
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
    __attribute__((alias("ferry_memcpy")));
void *memmove(void *dst, const void *src, size_t n) __attribute__((alias("ferry_memmove")));
void *memset(void *dst, int c, size_t n) __attribute__((alias("ferry_memset")));
#endif
