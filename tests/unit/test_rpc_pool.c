/* The RPC object pool (lib/base/rpc_pool.c): badge -> object. */
// host-sources: lib/base/rpc_pool.c lib/base/avl.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/rpc_pool.h"

#define CAPACITY 2000

static struct rpc_pool_entry storage[CAPACITY];
static struct rpc_object objects[CAPACITY + 1];
static struct rpc_pool pool;

static int setup(void **state)
{
    (void)state;
    rpc_pool_init(&pool, storage, CAPACITY);
    for (unsigned i = 0; i <= CAPACITY; i++)
        objects[i] = (struct rpc_object){.badge = 1000 + 7ull * i};
    return 0;
}

static void insert_find_remove(void **state)
{
    (void)state;
    assert_null(rpc_pool_find(&pool, objects[0].badge));
    assert_int_equal(rpc_pool_insert(&pool, &objects[0]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[1]), 0);
    assert_ptr_equal(rpc_pool_find(&pool, objects[0].badge), &objects[0]);
    assert_ptr_equal(rpc_pool_find(&pool, objects[1].badge), &objects[1]);
    assert_null(rpc_pool_find(&pool, objects[0].badge + 1));
    rpc_pool_remove(&pool, objects[0].badge);
    assert_null(rpc_pool_find(&pool, objects[0].badge));
    assert_ptr_equal(rpc_pool_find(&pool, objects[1].badge), &objects[1]);
    rpc_pool_remove(&pool, objects[0].badge); /* absent: no effect */
    assert_int_equal(pool.tree.count, 1);
}

static void duplicate_badge_is_refused(void **state)
{
    (void)state;
    struct rpc_object twin = {.badge = objects[0].badge};
    assert_int_equal(rpc_pool_insert(&pool, &objects[0]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &twin), -1);
    assert_ptr_equal(rpc_pool_find(&pool, twin.badge), &objects[0]);
    assert_int_equal(pool.tree.count, 1);
}

/* Filling, overfilling, emptying and refilling keeps every entry reachable. */
static void full_pool_and_reuse(void **state)
{
    (void)state;
    for (unsigned i = 0; i < CAPACITY; i++)
        assert_int_equal(rpc_pool_insert(&pool, &objects[i]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[CAPACITY]), -1);
    assert_true(avl_check(&pool.tree) > 0);
    for (unsigned i = 0; i < CAPACITY; i += 2)
        rpc_pool_remove(&pool, objects[i].badge);
    assert_int_equal(pool.tree.count, CAPACITY / 2);
    for (unsigned i = 0; i < CAPACITY; i++)
        assert_ptr_equal(rpc_pool_find(&pool, objects[i].badge), i % 2 ? &objects[i] : NULL);
    for (unsigned i = 0; i < CAPACITY; i += 2)
        assert_int_equal(rpc_pool_insert(&pool, &objects[i]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[CAPACITY]), -1);
    assert_true(avl_check(&pool.tree) > 0);
    for (unsigned i = 0; i < CAPACITY; i++)
        assert_ptr_equal(rpc_pool_find(&pool, objects[i].badge), &objects[i]);
}

/* Random inserts and removes against a reference array, fixed seed. */
static void random_operations(void **state)
{
    (void)state;
    static unsigned char present[CAPACITY];
    memset(present, 0, sizeof(present));
    srand(0x5eed);
    for (unsigned step = 0; step < 20000; step++) {
        unsigned i = (unsigned)rand() % CAPACITY;
        if (present[i]) {
            rpc_pool_remove(&pool, objects[i].badge);
            present[i] = 0;
        } else {
            assert_int_equal(rpc_pool_insert(&pool, &objects[i]), 0);
            present[i] = 1;
        }
        if (step % 1000 == 0) {
            assert_true(avl_check(&pool.tree) >= 0);
            for (unsigned k = 0; k < CAPACITY; k++)
                assert_ptr_equal(rpc_pool_find(&pool, objects[k].badge),
                                 present[k] ? &objects[k] : NULL);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(insert_find_remove, setup),
        cmocka_unit_test_setup(duplicate_badge_is_refused, setup),
        cmocka_unit_test_setup(full_pool_and_reuse, setup),
        cmocka_unit_test_setup(random_operations, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
