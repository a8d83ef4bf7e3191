/*
 * Unit test for kernel/bits.h: bit_lowest, the loop-free bit scan the
 * scheduler's highest-priority lookup rests on, against a plain loop for every
 * single bit and for words with more bits set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../kernel/bits.h"

static unsigned lowest_by_loop(uint64_t word)
{
    unsigned bit = 0;
    while (!(word & 1)) {
        word >>= 1;
        bit++;
    }
    return bit;
}

static void every_single_bit(void **state)
{
    (void)state;
    for (unsigned bit = 0; bit < 64; bit++)
        assert_int_equal(bit_lowest(1ull << bit), bit);
}

static void bits_above_do_not_matter(void **state)
{
    (void)state;
    for (unsigned bit = 0; bit < 64; bit++) {
        uint64_t word = ~0ull << bit;
        assert_int_equal(bit_lowest(word), bit);
        assert_int_equal(bit_lowest(word & 0x8000000000000000ull), 63);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull; /* a spread of patterns */
    for (unsigned i = 0; i < 10000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x)
            assert_int_equal(bit_lowest(x), lowest_by_loop(x));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_single_bit),
        cmocka_unit_test(bits_above_do_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
