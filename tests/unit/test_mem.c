/*
 * Unit test for lib/mem/mem.c (compiled with FERRY_MEM_HOST: ferry_memcpy,
 * ferry_memmove, ferry_memset next to the host's own) against byte-wise
 * references: every length 0..MAX_LEN at every source and destination
 * alignment 0..15, overlapping moves in both directions, memset values.
 * Buffers are allocated to the exact bytes a call may touch, so
 * AddressSanitizer reports any load or store past either end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mem/mem.h"

#define MAX_LEN   300
#define ALIGNS    16 /* offsets 0..15: every alignment to 8, twice */
#define UNTOUCHED 0xee

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* Bytes that differ from their neighbours, so a shifted or swapped byte shows. */
static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        p[i] = (uint8_t)rng;
    }
}

static void fill(uint8_t *p, uint8_t value, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = value;
}

static void assert_bytes(const uint8_t *got, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("byte %zu of %zu: %#x, want %#x", i, n, got[i], want[i]);
}

static void assert_filled(const uint8_t *got, uint8_t value, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != value)
            fail_msg("byte %zu of %zu: %#x, want %#x", i, n, got[i], value);
}

/* Copies len bytes from src + sa to dst + da with `copy`; only those change. */
static void check_copy(void *(*copy)(void *, const void *, size_t), size_t len, size_t sa,
                       size_t da)
{
    uint8_t *src = malloc(sa + len), *dst = malloc(da + len);
    assert_non_null(src);
    assert_non_null(dst);
    fill_random(src, sa + len);
    fill(dst, UNTOUCHED, da + len);
    assert_ptr_equal(copy(dst + da, src + sa, len), dst + da);
    assert_filled(dst, UNTOUCHED, da);
    assert_bytes(dst + da, src + sa, len);
    free(src);
    free(dst);
}

static void *memcpy_as_move(void *dst, const void *src, size_t n)
{
    return ferry_memmove(dst, src, n);
}

static void *memcpy_plain(void *dst, const void *src, size_t n)
{
    return ferry_memcpy(dst, src, n);
}

static void memcpy_every_length_and_alignment(void **state)
{
    (void)state;
    for (size_t len = 0; len <= MAX_LEN; len++)
        for (size_t sa = 0; sa < ALIGNS; sa++)
            for (size_t da = 0; da < ALIGNS; da++)
                check_copy(memcpy_plain, len, sa, da);
}

static void memmove_apart_every_length_and_alignment(void **state)
{
    (void)state;
    for (size_t len = 0; len <= MAX_LEN; len++)
        for (size_t sa = 0; sa < ALIGNS; sa++)
            for (size_t da = 0; da < ALIGNS; da++)
                check_copy(memcpy_as_move, len, sa, da);
}

/* Within one buffer, from + len bytes to to: both directions, every distance
 * up to ALIGNS - 1 (and none), every alignment; the rest stays. */
static void memmove_overlapping(void **state)
{
    (void)state;
    enum { SPAN = ALIGNS };
    uint8_t want[MAX_LEN + SPAN];
    for (size_t len = 0; len <= MAX_LEN; len++) {
        size_t size = len + SPAN - 1;
        uint8_t *buf = malloc(size);
        assert_non_null(buf);
        for (size_t from = 0; from < SPAN; from++)
            for (size_t to = 0; to < SPAN; to++) {
                fill_random(buf, size);
                for (size_t i = 0; i < size; i++)
                    want[i] = buf[i];
                uint8_t moved[MAX_LEN];
                for (size_t i = 0; i < len; i++)
                    moved[i] = buf[from + i];
                for (size_t i = 0; i < len; i++)
                    want[to + i] = moved[i];
                assert_ptr_equal(ferry_memmove(buf + to, buf + from, len), buf + to);
                assert_bytes(buf, want, size);
            }
        free(buf);
    }
}

static void memset_every_length_alignment_and_value(void **state)
{
    (void)state;
    static const int values[] = {0, 0x5a, 0xff, -1, 0x1ab /* only its low byte */};
    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
        for (size_t len = 0; len <= MAX_LEN; len++)
            for (size_t da = 0; da < ALIGNS; da++) {
                uint8_t *dst = malloc(da + len);
                assert_non_null(dst);
                fill(dst, UNTOUCHED, da + len);
                assert_ptr_equal(ferry_memset(dst + da, values[v], len), dst + da);
                assert_filled(dst, UNTOUCHED, da);
                assert_filled(dst + da, (uint8_t)values[v], len);
                free(dst);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memcpy_every_length_and_alignment),
        cmocka_unit_test(memmove_apart_every_length_and_alignment),
        cmocka_unit_test(memmove_overlapping),
        cmocka_unit_test(memset_every_length_alignment_and_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
