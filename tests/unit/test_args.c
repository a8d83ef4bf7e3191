/* Session argument strings (lib/base/args.c). */
// host-sources: lib/base/args.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/args.h"

static void finds_values_anywhere(void **state)
{
    (void)state;
    char v[16];
    assert_true(args_get("name=hello", "name", v, sizeof(v)));
    assert_string_equal(v, "hello");
    assert_true(args_get("a=1,name=rom,b=2", "name", v, sizeof(v)));
    assert_string_equal(v, "rom");
    assert_true(args_get("a=1,b=", "b", v, sizeof(v)));
    assert_string_equal(v, "");
    assert_true(args_get("k=first,k=second", "k", v, sizeof(v)));
    assert_string_equal(v, "first");
}

static void rejects_near_misses(void **state)
{
    (void)state;
    char v[16] = "untouched";
    assert_false(args_get("", "name", v, sizeof(v)));
    assert_false(args_get("names=x", "name", v, sizeof(v)));
    assert_false(args_get("nam=x", "name", v, sizeof(v)));
    assert_false(args_get("name", "name", v, sizeof(v)));
    assert_false(args_get("xname=y", "name", v, sizeof(v)));
    assert_false(args_get(",,,", "name", v, sizeof(v)));
    assert_string_equal(v, "untouched");
}

static void value_must_fit(void **state)
{
    (void)state;
    char v[4];
    assert_true(args_get("k=abc", "k", v, sizeof(v)));
    assert_string_equal(v, "abc");
    assert_false(args_get("k=abcd", "k", v, sizeof(v)));
}

static void numbers(void **state)
{
    (void)state;
    uint64_t n = 7;
    assert_true(args_get_u64("irq=8", "irq", &n));
    assert_int_equal(n, 8);
    assert_true(args_get_u64("base=0x10001000,size=0X1000", "base", &n));
    assert_int_equal(n, 0x10001000);
    assert_true(args_get_u64("base=0x10001000,size=0X1000", "size", &n));
    assert_int_equal(n, 0x1000);
    assert_true(args_get_u64("n=18446744073709551615", "n", &n));
    assert_true(n == UINT64_MAX);
    assert_true(args_get_u64("n=0xffffffffffffffff", "n", &n));
    assert_true(n == UINT64_MAX);
    n = 7;
    assert_false(args_get_u64("n=18446744073709551616", "n", &n));
    assert_false(args_get_u64("n=0x10000000000000000", "n", &n));
    assert_false(args_get_u64("n=", "n", &n));
    assert_false(args_get_u64("n=0x", "n", &n));
    assert_false(args_get_u64("n=12a", "n", &n));
    assert_false(args_get_u64("n=-1", "n", &n));
    assert_false(args_get_u64("n=0xfg", "n", &n));
    assert_false(args_get_u64("m=1", "n", &n));
    assert_int_equal(n, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_values_anywhere),
        cmocka_unit_test(rejects_near_misses),
        cmocka_unit_test(value_must_fit),
        cmocka_unit_test(numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
