/*
 * Unit tests for lib/base/avl: an index-linked AVL tree over an array of
 * elements whose link is not at offset 0 (so stride and link_offset matter).
 * Every mutation is followed by avl_check() against a reference model;
 * corrupted trees must be reported with the documented error, never crash.
 */
// host-sources: lib/base/avl.c
#include <ferry/macros.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/avl.h"

#define assert_avl_err(got, want)                                                                  \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: got %s (%d), want %s (%d)", #got, avl_error_name(got_), got_,            \
                     avl_error_name(want_), want_);                                                \
    } while (0)

/* An element with payload around the link: link_offset 8, stride 40. */
struct item {
    uint32_t payload;
    uint32_t pad;
    struct avl_link link;
    uint64_t tag;
};

static struct item *new_items(uint32_t n, struct avl_tree *t)
{
    struct item *items = calloc(n, sizeof(*items));
    assert_non_null(items);
    avl_init(t, items, sizeof(struct item), offsetof(struct item, link), n);
    return items;
}

static int insert_key(struct avl_tree *t, struct item *items, uint32_t index, uint64_t key)
{
    items[index].link.key = key;
    return avl_insert(t, index);
}

/* Fixed-seed xorshift64*: the same sequence on every run. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* Worst-case AVL height for n nodes: the largest h whose sparsest tree (Fib(h + 2) - 1 nodes) fits.
 */
static int max_avl_height(uint32_t n)
{
    uint64_t sparsest = 0, next = 1; /* sparsest trees of height h and h + 1 */
    int h = 0;
    while (next <= n) {
        uint64_t after = next + sparsest + 1;
        sparsest = next;
        next = after;
        h++;
    }
    return h;
}

static void assert_valid(const struct avl_tree *t)
{
    int height = avl_check(t);
    if (height < 0)
        fail_msg("avl_check: %s", avl_error_name(height));
    assert_true(height <= max_avl_height(t->count));
}

/* In-order keys of the tree into out[]; returns how many. */
static uint32_t collect(const struct avl_tree *t, uint64_t *out, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t i = avl_first(t); i != AVL_NIL; i = avl_next(t, i)) {
        assert_true(n < max);
        out[n++] = avl_link_at(t, i)->key;
    }
    return n;
}

static void test_empty(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = new_items(4, &t);
    assert_int_equal(avl_check(&t), 0);
    assert_int_equal(avl_find(&t, 0), AVL_NIL);
    assert_int_equal(avl_first(&t), AVL_NIL);
    assert_int_equal(avl_remove(&t, 0), AVL_NIL);
    assert_int_equal(t.count, 0);
    free(items);
}

static void test_insert_find_remove(void **state)
{
    (void)state;
    static const uint64_t keys[] = {50, 20, 70, 10, 30, 60, 80, 25, 35, 5};
    const uint32_t n = ARRAY_SIZE(keys);
    struct avl_tree t;
    struct item *items = new_items(16, &t);
    for (uint32_t i = 0; i < n; i++) {
        assert_avl_err(insert_key(&t, items, i, keys[i]), AVL_OK);
        assert_valid(&t);
    }
    assert_int_equal(t.count, n);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(avl_find(&t, keys[i]), i);
    assert_int_equal(avl_find(&t, 0), AVL_NIL);
    assert_int_equal(avl_find(&t, 36), AVL_NIL);
    assert_int_equal(avl_find(&t, UINT64_MAX), AVL_NIL);

    /* A node with two children (20), a leaf (5), the root, then an absent key. */
    assert_int_equal(avl_remove(&t, 20), 1);
    assert_valid(&t);
    assert_int_equal(avl_find(&t, 20), AVL_NIL);
    assert_int_equal(items[1].link.height, 0);
    assert_int_equal(avl_remove(&t, 5), 9);
    assert_valid(&t);
    uint32_t root = t.root;
    uint64_t root_key = items[root].link.key;
    assert_int_equal(avl_remove(&t, root_key), root);
    assert_valid(&t);
    assert_int_equal(avl_remove(&t, 20), AVL_NIL);
    assert_int_equal(t.count, n - 3);

    uint64_t seen[16];
    uint32_t got = collect(&t, seen, 16);
    assert_int_equal(got, n - 3);
    for (uint32_t i = 1; i < got; i++)
        assert_true(seen[i - 1] < seen[i]);
    /* The payload around the links is untouched. */
    for (uint32_t i = 0; i < 16; i++)
        assert_int_equal(items[i].payload | items[i].pad | items[i].tag, 0);
    free(items);
}

static void test_duplicate_and_bad_index(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = new_items(8, &t);
    for (uint32_t i = 0; i < 5; i++)
        assert_avl_err(insert_key(&t, items, i, 100 + i), AVL_OK);
    struct item before[8];
    memcpy(before, items, sizeof(before));
    uint32_t root = t.root;

    /* Another element with a present key, and an element already in the tree. */
    assert_avl_err(insert_key(&t, items, 6, 102), AVL_E_EXISTS);
    assert_avl_err(avl_insert(&t, 3), AVL_E_EXISTS);
    before[6].link.key = 102;
    assert_memory_equal(items, before, sizeof(before));
    assert_int_equal(t.root, root);
    assert_int_equal(t.count, 5);

    assert_avl_err(avl_insert(&t, 8), AVL_E_INDEX);
    assert_avl_err(avl_insert(&t, AVL_NIL), AVL_E_INDEX);
    assert_int_equal(t.count, 5);
    assert_valid(&t);
    free(items);
}

/* Ascending keys are the classic degenerate case for an unbalanced tree. */
static void test_ascending_is_balanced(void **state)
{
    (void)state;
    const uint32_t n = 4095;
    struct avl_tree t;
    struct item *items = new_items(n, &t);
    for (uint32_t i = 0; i < n; i++)
        assert_avl_err(insert_key(&t, items, i, i), AVL_OK);
    /* 2^12 - 1 ascending keys build the perfect tree. */
    assert_int_equal(avl_check(&t), 12);
    for (uint32_t i = n; i-- > 0;) {
        assert_int_equal(avl_remove(&t, i), i);
        if (i % 64 == 0)
            assert_valid(&t);
    }
    assert_int_equal(avl_check(&t), 0);
    assert_int_equal(t.root, AVL_NIL);
    free(items);
}

static void test_extreme_keys(void **state)
{
    (void)state;
    static const uint64_t keys[] = {UINT64_MAX, 0, 1, UINT64_MAX - 1, 1ull << 63, (1ull << 63) - 1};
    struct avl_tree t;
    struct item *items = new_items(8, &t);
    for (uint32_t i = 0; i < 6; i++)
        assert_avl_err(insert_key(&t, items, i, keys[i]), AVL_OK);
    assert_valid(&t);
    uint64_t seen[8];
    assert_int_equal(collect(&t, seen, 8), 6);
    assert_true(seen[0] == 0 && seen[1] == 1 && seen[2] == (1ull << 63) - 1);
    assert_true(seen[3] == 1ull << 63 && seen[4] == UINT64_MAX - 1 && seen[5] == UINT64_MAX);
    free(items);
}

/*
 * 5000 elements, keys from a range small enough to collide: random inserts
 * (duplicates must fail) interleaved with removes (absent keys must fail),
 * the tree checked against the model after every single operation.
 */
#define STRESS_ITEMS 5000u
#define STRESS_KEYS  20000u
#define STRESS_STEPS 20000u

struct model {
    uint32_t owner[STRESS_KEYS]; /* element holding key k, or AVL_NIL */
    bool used[STRESS_ITEMS];
    uint32_t count;
};

static void stress_insert(struct avl_tree *t, struct item *items, struct model *m, uint32_t i)
{
    uint64_t key = rng_next() % STRESS_KEYS;
    int status = insert_key(t, items, i, key);
    if (m->owner[key] != AVL_NIL) {
        assert_avl_err(status, AVL_E_EXISTS);
        return;
    }
    assert_avl_err(status, AVL_OK);
    m->owner[key] = i;
    m->used[i] = true;
    m->count++;
}

static void stress_remove(struct avl_tree *t, struct item *items, struct model *m)
{
    /* Half of the removes aim at a key that may well be absent. */
    uint64_t key = rng_next() % STRESS_KEYS;
    uint32_t index = avl_remove(t, key);
    assert_int_equal(index, m->owner[key]);
    if (index == AVL_NIL)
        return;
    assert_int_equal(items[index].link.key, key);
    m->owner[key] = AVL_NIL;
    m->used[index] = false;
    m->count--;
}

static void stress_compare(const struct avl_tree *t, const struct model *m)
{
    uint32_t n = 0;
    uint64_t previous = 0;
    for (uint32_t i = avl_first(t); i != AVL_NIL; i = avl_next(t, i), n++) {
        uint64_t key = avl_link_at(t, i)->key;
        assert_true(n == 0 || key > previous);
        assert_int_equal(m->owner[key], i);
        previous = key;
    }
    assert_int_equal(n, m->count);
    for (uint64_t k = 0; k < STRESS_KEYS; k++)
        assert_int_equal(avl_find(t, k), m->owner[k]);
}

static void test_random_stress(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = new_items(STRESS_ITEMS, &t);
    struct model *m = malloc(sizeof(*m));
    assert_non_null(m);
    memset(m->owner, 0xff, sizeof(m->owner));
    memset(m->used, 0, sizeof(m->used));
    m->count = 0;
    rng_state = 0x9e3779b97f4a7c15ull;
    uint32_t peak = 0;
    for (uint32_t step = 0; step < STRESS_STEPS; step++) {
        uint32_t i = (uint32_t)(rng_next() % STRESS_ITEMS);
        /* Grow first (about 5000 inserts), then churn with removes mixed in. */
        bool grow = step < 8000 ? rng_next() % 8 != 0 : rng_next() % 2 == 0;
        if (grow && !m->used[i])
            stress_insert(&t, items, m, i);
        else
            stress_remove(&t, items, m);
        assert_int_equal(t.count, m->count);
        assert_valid(&t);
        peak = m->count > peak ? m->count : peak;
    }
    assert_true(peak > 3000);
    stress_compare(&t, m);
    free(m);
    free(items);
}

/* ---- corrupted trees ---- */

/* A valid tree of n nodes with keys 10, 20, ... in elements 0..n-1. */
static struct item *build(uint32_t n, uint32_t capacity, struct avl_tree *t)
{
    struct item *items = new_items(capacity, t);
    for (uint32_t i = 0; i < n; i++)
        assert_avl_err(insert_key(t, items, i, 10 * (i + 1)), AVL_OK);
    assert_valid(t);
    return items;
}

static uint32_t leftmost(const struct avl_tree *t)
{
    return avl_first(t);
}

static uint32_t rightmost(const struct avl_tree *t)
{
    uint32_t node = t->root;
    while (avl_link_at(t, node)->right != AVL_NIL)
        node = avl_link_at(t, node)->right;
    return node;
}

static void test_check_bad_index(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = build(15, 16, &t);
    uint32_t root = t.root;
    t.root = 16;
    assert_avl_err(avl_check(&t), AVL_E_INDEX);
    t.root = root;
    items[leftmost(&t)].link.left = 0x7fffffff;
    assert_avl_err(avl_check(&t), AVL_E_INDEX);
    free(items);
}

static void test_check_cycles(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = build(15, 16, &t);
    /* Left links back to the root: an endless descent, cut at AVL_MAX_HEIGHT. */
    uint32_t first = leftmost(&t);
    items[first].link.left = t.root;
    assert_avl_err(avl_check(&t), AVL_E_DEPTH);
    items[first].link.left = first;
    assert_avl_err(avl_check(&t), AVL_E_DEPTH);
    items[first].link.left = AVL_NIL;
    assert_valid(&t);
    /* A right link back up re-visits smaller keys in order. */
    uint32_t last = rightmost(&t);
    items[last].link.right = t.root;
    assert_avl_err(avl_check(&t), AVL_E_ORDER);
    items[last].link.right = last;
    assert_avl_err(avl_check(&t), AVL_E_ORDER);
    free(items);
}

static void test_check_shared_subtree(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = build(3, 4, &t);
    /* Root with both links to the same child: that node comes twice in order. */
    uint32_t root = t.root;
    uint32_t child = items[root].link.left;
    items[root].link.right = child;
    assert_avl_err(avl_check(&t), AVL_E_ORDER);
    free(items);
}

static void test_check_order_height_count(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = build(15, 16, &t);
    uint32_t a = leftmost(&t), b = avl_next(&t, a);
    uint64_t key = items[a].link.key;
    items[a].link.key = items[b].link.key;
    assert_avl_err(avl_check(&t), AVL_E_ORDER); /* duplicate key */
    items[a].link.key = 1000;
    assert_avl_err(avl_check(&t), AVL_E_ORDER); /* misplaced key */
    items[a].link.key = key;
    assert_valid(&t);

    items[t.root].link.height++;
    assert_avl_err(avl_check(&t), AVL_E_HEIGHT);
    items[t.root].link.height--;

    t.count = 14;
    assert_avl_err(avl_check(&t), AVL_E_COUNT);
    t.count = 16;
    assert_avl_err(avl_check(&t), AVL_E_COUNT);
    t.count = 15;
    assert_valid(&t);
    free(items);
}

static void test_check_balance(void **state)
{
    (void)state;
    /* A chain 10 -> 20 -> 30 with honest heights: ordered but not AVL. */
    struct avl_tree t;
    struct item *items = new_items(3, &t);
    for (uint32_t i = 0; i < 3; i++) {
        items[i].link.key = 10 * (i + 1);
        items[i].link.left = AVL_NIL;
        items[i].link.right = i < 2 ? i + 1 : AVL_NIL;
        items[i].link.height = (int32_t)(3 - i);
    }
    t.root = 0;
    t.count = 3;
    assert_avl_err(avl_check(&t), AVL_E_BALANCE);
    free(items);
}

struct visit_log {
    const struct avl_tree *tree;
    uint64_t keys[16];
    uint32_t n;
    uint64_t reject; /* key to reject */
};

static int log_visit(void *context, uint32_t index)
{
    struct visit_log *log = context;
    uint64_t key = avl_link_at(log->tree, index)->key;
    log->keys[log->n++] = key;
    return key == log->reject;
}

/* The visitor sees every node once, in key order, and can stop the check. */
static void test_check_each_visitor(void **state)
{
    (void)state;
    struct avl_tree t;
    struct item *items = build(15, 16, &t);
    struct visit_log log = {.tree = &t, .n = 0, .reject = 0};
    assert_int_equal(avl_check_each(&t, log_visit, &log), 4);
    assert_int_equal(log.n, 15);
    for (uint32_t i = 0; i < 15; i++)
        assert_int_equal(log.keys[i], 10 * (i + 1));
    log = (struct visit_log){.tree = &t, .n = 0, .reject = 70};
    assert_avl_err(avl_check_each(&t, log_visit, &log), AVL_E_VISIT);
    assert_int_equal(log.n, 7);
    free(items);
}

/* Random bytes over the whole array, random root and count: a result, never a crash. */
static void test_check_garbage(void **state)
{
    (void)state;
    const uint32_t n = 64;
    struct avl_tree t;
    struct item *items = new_items(n, &t);
    rng_state = 12345;
    uint32_t valid = 0;
    for (uint32_t round = 0; round < 2000; round++) {
        uint8_t *bytes = (uint8_t *)items;
        for (size_t i = 0; i < n * sizeof(struct item); i++)
            bytes[i] = (uint8_t)rng_next();
        /* Small link values half of the time, so walks go deep rather than out of range. */
        for (uint32_t i = 0; round % 2 == 0 && i < n; i++) {
            items[i].link.left = (uint32_t)(rng_next() % (n + 2));
            items[i].link.right = (uint32_t)(rng_next() % (n + 2));
            items[i].link.left = items[i].link.left >= n ? AVL_NIL : items[i].link.left;
            items[i].link.right = items[i].link.right >= n ? AVL_NIL : items[i].link.right;
        }
        t.root = (uint32_t)(rng_next() % n);
        t.count = (uint32_t)(rng_next() % (n + 1));
        int result = avl_check(&t);
        assert_true(result >= AVL_E_COUNT && result <= AVL_MAX_HEIGHT); /* no AVL_E_VISIT */
        valid += result >= 0;
    }
    /* Random links essentially never form a valid tree of the stated size. */
    assert_true(valid < 20);
    free(items);
}

/* Every single-byte change to a valid tree: checked without a crash; accepted ones iterate. */
static void test_check_every_byte_flip(void **state)
{
    (void)state;
    const uint32_t n = 31;
    struct avl_tree t;
    struct item *items = build(n, n, &t);
    struct item *pristine = malloc(n * sizeof(*items));
    assert_non_null(pristine);
    memcpy(pristine, items, n * sizeof(*items));
    uint8_t *bytes = (uint8_t *)items;
    for (size_t i = 0; i < n * sizeof(struct item); i++) {
        bytes[i] ^= 0x5a;
        int result = avl_check(&t);
        size_t field = i % sizeof(struct item);
        bool in_link = field >= offsetof(struct item, link) + offsetof(struct avl_link, left) &&
                       field < offsetof(struct item, link) + offsetof(struct avl_link, reserved);
        if (in_link)
            assert_true(result < 0); /* links and heights are all checked */
        if (result >= 0) {
            uint64_t seen[64];
            assert_int_equal(collect(&t, seen, 64), n);
        }
        memcpy(items, pristine, n * sizeof(*items));
    }
    free(pristine);
    free(items);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(avl_error_name(AVL_OK), "AVL_OK");
    assert_string_equal(avl_error_name(AVL_E_EXISTS), "AVL_E_EXISTS");
    assert_string_equal(avl_error_name(AVL_E_DEPTH), "AVL_E_DEPTH");
    assert_string_equal(avl_error_name(AVL_E_COUNT), "AVL_E_COUNT");
    assert_string_equal(avl_error_name(AVL_E_VISIT), "AVL_E_VISIT");
    assert_string_equal(avl_error_name(AVL_E_VISIT - 1), "AVL_E_UNKNOWN");
    assert_string_equal(avl_error_name(1), "AVL_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_insert_find_remove),
        cmocka_unit_test(test_duplicate_and_bad_index),
        cmocka_unit_test(test_ascending_is_balanced),
        cmocka_unit_test(test_extreme_keys),
        cmocka_unit_test(test_random_stress),
        cmocka_unit_test(test_check_bad_index),
        cmocka_unit_test(test_check_cycles),
        cmocka_unit_test(test_check_shared_subtree),
        cmocka_unit_test(test_check_order_height_count),
        cmocka_unit_test(test_check_balance),
        cmocka_unit_test(test_check_each_visitor),
        cmocka_unit_test(test_check_garbage),
        cmocka_unit_test(test_check_every_byte_flip),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
