/*
 * Bit scans without a loop and without libgcc (the kernel has neither Zbb nor
 * __ctzdi2): the scheduler finds its highest ready priority with two of them.
 * Header-only and free of kernel dependencies, so tests/unit/test_kbits.c
 * checks it on the host.
 */
#ifndef KERNEL_BITS_H
#define KERNEL_BITS_H

#include <stdint.h>

/*
 * Index of the lowest set bit of a nonzero word: the bit isolated (word &
 * -word), multiplied by a de Bruijn sequence B(2, 6), whose top six bits are
 * then distinct for each of the 64 bit positions. About six instructions.
 */
static inline __attribute__((always_inline)) unsigned bit_lowest(uint64_t word)
{
    static const uint8_t position[64] = {
        0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,  62, 55, 59, 36, 53, 51,
        43, 22, 45, 39, 33, 30, 24, 18, 12, 5,  63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21,
        44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
    };
    return position[((word & -word) * 0x03f79d71b4cb0a89ull) >> 58];
}

#endif
