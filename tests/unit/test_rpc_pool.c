/* The RPC object pool (lib/base/rpc_pool.c): badge -> object. */
// host-sources: lib/base/rpc_pool.c lib/base/capmap.c lib/base/avl.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/rpc_pool.h"

#define CAPACITY 2000

static RPC_POOL_STORAGE(CAPACITY) storage __attribute__((aligned(8)));
static struct rpc_object objects[CAPACITY + 1];
static uint64_t badge_of[CAPACITY + 1];
static struct rpc_pool pool;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(rpc_pool_init(&pool, &storage.index.header, sizeof(storage.index),
                                   storage.objects, CAPACITY),
                     CAPMAP_OK);
    for (unsigned i = 0; i <= CAPACITY; i++) {
        objects[i] = (struct rpc_object){0};
        badge_of[i] = 1000 + 7ull * i;
    }
    return 0;
}

/* The index is always a valid pool index (capability-map layout, handle = position + 1). */
static void assert_index_valid(void)
{
    assert_int_equal(rpc_pool_index_validate(pool.index, pool.index_size), CAPMAP_OK);
}

static void insert_find_remove(void **state)
{
    (void)state;
    assert_null(rpc_pool_find(&pool, badge_of[0]));
    assert_int_equal(rpc_pool_insert(&pool, &objects[0], badge_of[0]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[1], badge_of[1]), 0);
    assert_ptr_equal(rpc_pool_find(&pool, badge_of[0]), &objects[0]);
    assert_ptr_equal(rpc_pool_find(&pool, badge_of[1]), &objects[1]);
    assert_null(rpc_pool_find(&pool, badge_of[0] + 1));
    rpc_pool_remove(&pool, &objects[0]);
    assert_null(rpc_pool_find(&pool, badge_of[0]));
    assert_ptr_equal(rpc_pool_find(&pool, badge_of[1]), &objects[1]);
    rpc_pool_remove(&pool, &objects[0]); /* not registered: no effect */
    assert_int_equal(objects[0].handle, 0);
    assert_int_equal(rpc_pool_badge(&pool, &objects[1]), badge_of[1]);
    assert_int_equal(capmap_count(pool.index), 1);
}

static void duplicate_badge_is_refused(void **state)
{
    (void)state;
    struct rpc_object twin = {0};
    assert_int_equal(rpc_pool_insert(&pool, &objects[0], badge_of[0]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &twin, badge_of[0]), -1);
    assert_int_equal(twin.handle, 0);
    assert_ptr_equal(rpc_pool_find(&pool, badge_of[0]), &objects[0]);
    assert_int_equal(capmap_count(pool.index), 1);
}

/* Filling, overfilling, emptying and refilling keeps every entry reachable. */
static void full_pool_and_reuse(void **state)
{
    (void)state;
    for (unsigned i = 0; i < CAPACITY; i++)
        assert_int_equal(rpc_pool_insert(&pool, &objects[i], badge_of[i]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[CAPACITY], badge_of[CAPACITY]), -1);
    assert_index_valid();
    for (unsigned i = 0; i < CAPACITY; i += 2)
        rpc_pool_remove(&pool, &objects[i]);
    assert_int_equal(capmap_count(pool.index), CAPACITY / 2);
    for (unsigned i = 0; i < CAPACITY; i++)
        assert_ptr_equal(rpc_pool_find(&pool, badge_of[i]), i % 2 ? &objects[i] : NULL);
    for (unsigned i = 0; i < CAPACITY; i += 2)
        assert_int_equal(rpc_pool_insert(&pool, &objects[i], badge_of[i]), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[CAPACITY], badge_of[CAPACITY]), -1);
    assert_index_valid();
    for (unsigned i = 0; i < CAPACITY; i++)
        assert_ptr_equal(rpc_pool_find(&pool, badge_of[i]), &objects[i]);
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
            rpc_pool_remove(&pool, &objects[i]);
            present[i] = 0;
        } else {
            assert_int_equal(rpc_pool_insert(&pool, &objects[i], badge_of[i]), 0);
            present[i] = 1;
        }
        if (step % 1000 == 0) {
            assert_index_valid();
            for (unsigned k = 0; k < CAPACITY; k++)
                assert_ptr_equal(rpc_pool_find(&pool, badge_of[k]),
                                 present[k] ? &objects[k] : NULL);
        }
    }
}

/*
 * A lookup first tries the entry the last one found (pool.hint). That guess is
 * checked against the index: it must not survive its entry being freed,
 * reused for another badge, or rekeyed by a checkpointer (badges swapped).
 */
static void last_found_entry_is_checked(void **state)
{
    (void)state;
    uint64_t a = badge_of[0], b = badge_of[1], c = badge_of[2];
    assert_int_equal(rpc_pool_insert(&pool, &objects[0], a), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[1], b), 0);
    assert_ptr_equal(rpc_pool_find(&pool, a), &objects[0]);
    /* a restorer swaps the two badges (entries keep their positions) */
    struct badge_translation swap[] = {{a, b}, {b, a}};
    assert_int_equal(capmap_rekey_all(pool.index, pool.index_size, swap, 2, NULL), CAPMAP_OK);
    assert_ptr_equal(rpc_pool_find(&pool, a), &objects[1]);
    assert_ptr_equal(rpc_pool_find(&pool, b), &objects[0]);
    assert_ptr_equal(rpc_pool_find(&pool, b), &objects[0]); /* found twice: by the guess */
    /* the entry last found is freed: its badge is gone */
    rpc_pool_remove(&pool, &objects[0]);
    assert_null(rpc_pool_find(&pool, b));
    assert_ptr_equal(rpc_pool_find(&pool, a), &objects[1]);
    /* and reused for another badge */
    assert_ptr_equal(rpc_pool_find(&pool, a), &objects[1]);
    rpc_pool_remove(&pool, &objects[1]);
    assert_int_equal(rpc_pool_insert(&pool, &objects[2], c), 0);
    assert_null(rpc_pool_find(&pool, a));
    assert_ptr_equal(rpc_pool_find(&pool, c), &objects[2]);
    /* the entry last found is freed (a free entry's key reads 0) while badge 0,
     * a badge like any other to the pool, is registered in another entry */
    rpc_pool_remove(&pool, &objects[2]);
    assert_int_equal(rpc_pool_insert(&pool, &objects[3], a), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[4], b), 0);
    assert_ptr_equal(rpc_pool_find(&pool, a), &objects[3]);
    uint32_t last_found = objects[3].handle;
    rpc_pool_remove(&pool, &objects[4]);
    rpc_pool_remove(&pool, &objects[3]); /* the last found; first on the free list */
    assert_int_equal(rpc_pool_insert(&pool, &objects[5], c), 0);
    assert_int_equal(rpc_pool_insert(&pool, &objects[6], 0), 0);
    assert_int_equal(objects[5].handle, last_found);
    rpc_pool_remove(&pool, &objects[5]);
    assert_int_not_equal(objects[6].handle, last_found);
    assert_ptr_equal(rpc_pool_find(&pool, 0), &objects[6]);
    assert_index_valid();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(insert_find_remove, setup),
        cmocka_unit_test_setup(duplicate_badge_is_refused, setup),
        cmocka_unit_test_setup(full_pool_and_reuse, setup),
        cmocka_unit_test_setup(random_operations, setup),
        cmocka_unit_test_setup(last_found_entry_is_checked, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
