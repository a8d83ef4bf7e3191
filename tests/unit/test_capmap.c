/*
 * Unit tests for lib/base/capmap: the operations a component runtime uses,
 * the rewrites a checkpointer makes (rekey, rewrite in place + rebuild, at
 * another address), and capmap_validate() on corrupted and random regions.
 * Maps live in exact-size heap regions, so ASan catches any read past the end.
 */
// host-sources: lib/base/avl.c lib/base/capmap.c
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/capmap.h"

#define assert_capmap_err(got, want)                                                               \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: got %s (%d), want %s (%d)", #got, capmap_error_name(got_), got_,         \
                     capmap_error_name(want_), want_);                                             \
    } while (0)

/* A region of exactly CAPMAP_REGION_SIZE(capacity) bytes. */
struct region {
    struct capmap *map;
    size_t size;
};

static struct region new_map(uint32_t capacity)
{
    struct region r = {.size = CAPMAP_REGION_SIZE(capacity)};
    r.map = malloc(r.size);
    assert_non_null(r.map);
    memset(r.map, 0xcc, r.size); /* init must not rely on zeroed memory */
    assert_capmap_err(capmap_init(r.map, r.size, capacity), CAPMAP_OK);
    return r;
}

static struct region copy_map(struct region r)
{
    struct region c = {.map = malloc(r.size), .size = r.size};
    assert_non_null(c.map);
    memcpy(c.map, r.map, r.size);
    return c;
}

static void assert_valid(struct region r)
{
    assert_capmap_err(capmap_validate(r.map, r.size), CAPMAP_OK);
}

static struct capmap_entry *entry(struct region r, uint32_t index)
{
    return (struct capmap_entry *)((uint8_t *)r.map + r.map->entries_offset) + index;
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

/* ---- layout ---- */

static void test_layout(void **state)
{
    (void)state;
    struct region r = new_map(16);
    assert_memory_equal(&r.map->magic, "CAPMAP01", 8);
    assert_int_equal(r.map->version, 1);
    assert_int_equal(r.map->entry_size, 40);
    assert_int_equal(r.map->capacity, 16);
    assert_int_equal(r.map->count, 0);
    assert_int_equal(r.map->root, CAPMAP_NIL);
    assert_int_equal(r.map->entries_offset, 40);
    assert_int_equal(r.map->reserved, 0);
    /* Fresh free list: 0, 1, ..., 15 in ascending order; free entries are zeroed. */
    assert_int_equal(r.map->free_head, 0);
    for (uint32_t i = 0; i < 16; i++) {
        assert_int_equal(entry(r, i)->next_free, i + 1 < 16 ? i + 1 : CAPMAP_NIL);
        assert_int_equal(entry(r, i)->refcount, 0);
        assert_int_equal(entry(r, i)->slot, 0);
    }
    assert_int_equal(CAPMAP_REGION_SIZE(16), 40 + 16 * 40);
    assert_valid(r);

    /* Raw bytes of an entry at the documented offsets. */
    assert_capmap_err(capmap_insert(r.map, 0x1122334455667788ull, 0x321), CAPMAP_OK);
    const uint8_t *e = (const uint8_t *)r.map + 40;
    uint64_t key;
    uint32_t left, right, slot, refcount, next_free;
    int32_t height;
    memcpy(&key, e + 0, 8);
    memcpy(&left, e + 8, 4);
    memcpy(&right, e + 12, 4);
    memcpy(&height, e + 16, 4);
    memcpy(&slot, e + 24, 4);
    memcpy(&refcount, e + 28, 4);
    memcpy(&next_free, e + 32, 4);
    assert_true(key == 0x1122334455667788ull);
    assert_int_equal(left, CAPMAP_NIL);
    assert_int_equal(right, CAPMAP_NIL);
    assert_int_equal(height, 1);
    assert_int_equal(slot, 0x321);
    assert_int_equal(refcount, 1);
    assert_int_equal(next_free, CAPMAP_NIL);
    uint32_t root, count;
    memcpy(&count, (const uint8_t *)r.map + 20, 4);
    memcpy(&root, (const uint8_t *)r.map + 24, 4);
    assert_int_equal(count, 1);
    assert_int_equal(root, 0);
    free(r.map);
}

static void test_static_storage(void **state)
{
    (void)state;
    static CAPMAP_STORAGE(CAPMAP_DEFAULT_CAPACITY) storage;
    assert_int_equal(sizeof(storage), CAPMAP_REGION_SIZE(CAPMAP_DEFAULT_CAPACITY));
    assert_capmap_err(capmap_init(&storage.header, sizeof(storage), CAPMAP_DEFAULT_CAPACITY),
                      CAPMAP_OK);
    assert_capmap_err(capmap_insert(&storage.header, 7, 9), CAPMAP_OK);
    assert_int_equal(storage.entries[0].slot, 9);
    assert_capmap_err(capmap_validate(&storage.header, sizeof(storage)), CAPMAP_OK);
}

static void test_init_errors(void **state)
{
    (void)state;
    size_t size = CAPMAP_REGION_SIZE(8);
    uint64_t *buffer = malloc(size + 8);
    assert_non_null(buffer);
    struct capmap *map = (struct capmap *)buffer;
    assert_capmap_err(capmap_init(NULL, size, 8), CAPMAP_E_ALIGN);
    assert_capmap_err(capmap_init((struct capmap *)((uint8_t *)buffer + 4), size, 8),
                      CAPMAP_E_ALIGN);
    assert_capmap_err(capmap_init(map, size - 1, 8), CAPMAP_E_LAYOUT);
    assert_capmap_err(capmap_init(map, size, 0), CAPMAP_E_LAYOUT);
    assert_capmap_err(capmap_init(map, (size_t)1 << 30, CAPMAP_MAX_CAPACITY + 1), CAPMAP_E_LAYOUT);
    assert_capmap_err(capmap_init(map, size, 8), CAPMAP_OK);
    free(buffer);
}

/* ---- operations ---- */

static void test_insert_find_remove(void **state)
{
    (void)state;
    struct region r = new_map(64);
    for (uint32_t i = 0; i < 40; i++) {
        assert_capmap_err(capmap_insert(r.map, 1000 + 7 * i, 100 + i), CAPMAP_OK);
        assert_valid(r);
    }
    assert_int_equal(capmap_count(r.map), 40);
    for (uint32_t i = 0; i < 40; i++) {
        struct capmap_entry *e = capmap_find(r.map, 1000 + 7 * i);
        assert_non_null(e);
        assert_int_equal(e->slot, 100 + i);
        assert_int_equal(e->refcount, 1);
        assert_int_equal(capmap_slot(r.map, 1000 + 7 * i), 100 + i);
    }
    assert_null(capmap_find(r.map, 1001));
    assert_int_equal(capmap_slot(r.map, 1001), 0);

    uint32_t slot = 0;
    assert_capmap_err(capmap_remove(r.map, 1000 + 7 * 5, &slot), CAPMAP_OK);
    assert_int_equal(slot, 105);
    assert_null(capmap_find(r.map, 1000 + 7 * 5));
    assert_int_equal(capmap_count(r.map), 39);
    assert_valid(r);
    slot = 77;
    assert_capmap_err(capmap_remove(r.map, 1000 + 7 * 5, &slot), CAPMAP_E_NOENT);
    assert_capmap_err(capmap_remove(r.map, 4242, NULL), CAPMAP_E_NOENT);
    assert_int_equal(slot, 77);
    assert_int_equal(capmap_count(r.map), 39);
    /* Removal whatever the refcount; a NULL slot pointer is fine. */
    assert_int_equal(capmap_ref(r.map, 1000), 2);
    assert_capmap_err(capmap_remove(r.map, 1000, NULL), CAPMAP_OK);
    assert_null(capmap_find(r.map, 1000));
    assert_valid(r);
    free(r.map);
}

static void test_refcount(void **state)
{
    (void)state;
    struct region r = new_map(8);
    assert_capmap_err(capmap_insert(r.map, 42, 300), CAPMAP_OK);
    assert_int_equal(capmap_ref(r.map, 42), 2);
    assert_int_equal(capmap_ref(r.map, 42), 3);
    uint32_t slot = 0;
    assert_int_equal(capmap_unref(r.map, 42, &slot), 2);
    assert_int_equal(slot, 0); /* not written while references remain */
    assert_int_equal(capmap_unref(r.map, 42, &slot), 1);
    assert_non_null(capmap_find(r.map, 42));
    assert_int_equal(capmap_unref(r.map, 42, &slot), 0);
    assert_int_equal(slot, 300); /* now the caller frees it */
    assert_null(capmap_find(r.map, 42));
    assert_int_equal(capmap_count(r.map), 0);
    assert_valid(r);

    assert_capmap_err(capmap_unref(r.map, 42, &slot), CAPMAP_E_NOENT);
    assert_capmap_err(capmap_ref(r.map, 42), CAPMAP_E_NOENT);

    assert_capmap_err(capmap_insert(r.map, 43, 301), CAPMAP_OK);
    capmap_find(r.map, 43)->refcount = CAPMAP_REFCOUNT_MAX;
    assert_valid(r);
    assert_capmap_err(capmap_ref(r.map, 43), CAPMAP_E_REFCOUNT);
    assert_capmap_err(capmap_adopt(r.map, 43, 302, NULL), CAPMAP_E_REFCOUNT);
    assert_int_equal(capmap_find(r.map, 43)->refcount, CAPMAP_REFCOUNT_MAX);
    assert_int_equal(capmap_unref(r.map, 43, NULL), CAPMAP_REFCOUNT_MAX - 1);
    free(r.map);
}

/* The runtime's path for an arriving capability. */
static void test_adopt(void **state)
{
    (void)state;
    struct region r = new_map(8);
    uint32_t held = 0;
    assert_int_equal(capmap_adopt(r.map, 0xabc, 20, &held), 0); /* new: kept in slot 20 */
    assert_int_equal(held, 20);
    assert_int_equal(capmap_adopt(r.map, 0xabc, 21, &held), 1); /* known: fold, free 21 */
    assert_int_equal(held, 20);
    assert_int_equal(capmap_find(r.map, 0xabc)->refcount, 2);
    assert_int_equal(capmap_count(r.map), 1);
    assert_capmap_err(capmap_adopt(r.map, 0xabd, 0, &held), CAPMAP_E_SLOT);
    assert_int_equal(held, 20);
    assert_valid(r);
    free(r.map);
}

static void test_duplicate_and_bad_slot(void **state)
{
    (void)state;
    struct region r = new_map(8);
    assert_capmap_err(capmap_insert(r.map, 5, 50), CAPMAP_OK);
    struct region before = copy_map(r);
    assert_capmap_err(capmap_insert(r.map, 5, 51), CAPMAP_E_EXISTS);
    assert_capmap_err(capmap_insert(r.map, 6, 0), CAPMAP_E_SLOT);
    assert_capmap_err(capmap_insert(r.map, 6, CAPMAP_SLOT_LIMIT), CAPMAP_E_SLOT);
    assert_memory_equal(r.map, before.map, r.size);
    assert_capmap_err(capmap_insert(r.map, 6, CAPMAP_SLOT_LIMIT - 1), CAPMAP_OK);
    assert_valid(r);
    free(before.map);
    free(r.map);
}

static void test_full(void **state)
{
    (void)state;
    struct region r = new_map(8);
    for (uint32_t i = 0; i < 8; i++)
        assert_capmap_err(capmap_insert(r.map, 10 + i, 1 + i), CAPMAP_OK);
    assert_int_equal(r.map->free_head, CAPMAP_NIL);
    assert_valid(r);
    assert_capmap_err(capmap_insert(r.map, 99, 99), CAPMAP_E_FULL);
    assert_capmap_err(capmap_adopt(r.map, 99, 99, NULL), CAPMAP_E_FULL);
    assert_int_equal(capmap_adopt(r.map, 12, 99, NULL), 1); /* folding needs no entry */
    assert_int_equal(capmap_count(r.map), 8);
    assert_capmap_err(capmap_remove(r.map, 13, NULL), CAPMAP_OK);
    assert_capmap_err(capmap_insert(r.map, 99, 99), CAPMAP_OK);
    assert_capmap_err(capmap_insert(r.map, 100, 100), CAPMAP_E_FULL);
    assert_valid(r);
    free(r.map);
}

static void test_iteration_order(void **state)
{
    (void)state;
    struct region r = new_map(512);
    rng_state = 77;
    uint32_t inserted = 0;
    for (uint32_t i = 0; i < 500; i++)
        inserted += capmap_insert(r.map, rng_next(), 1 + i) == CAPMAP_OK;
    assert_int_equal(inserted, 500);
    uint32_t n = 0;
    uint64_t previous = 0;
    for (struct capmap_entry *e = capmap_first(r.map); e != NULL; e = capmap_next(r.map, e)) {
        assert_true(n == 0 || e->link.key > previous);
        previous = e->link.key;
        n++;
    }
    assert_int_equal(n, 500);
    struct region empty = new_map(4);
    assert_null(capmap_first(empty.map));
    free(empty.map);
    free(r.map);
}

/* ---- checkpointer rewrites ---- */

static void test_rekey(void **state)
{
    (void)state;
    struct region r = new_map(256);
    for (uint32_t i = 0; i < 200; i++)
        assert_capmap_err(capmap_insert(r.map, i, 1 + i), CAPMAP_OK);
    assert_int_equal(capmap_ref(r.map, 10), 2);

    assert_capmap_err(capmap_rekey(r.map, 10, 5000), CAPMAP_OK);
    assert_null(capmap_find(r.map, 10));
    assert_int_equal(capmap_slot(r.map, 5000), 11);
    assert_int_equal(capmap_find(r.map, 5000)->refcount, 2);
    assert_valid(r);

    struct region before = copy_map(r);
    assert_capmap_err(capmap_rekey(r.map, 10, 6000), CAPMAP_E_NOENT);
    assert_capmap_err(capmap_rekey(r.map, 11, 12), CAPMAP_E_EXISTS);
    assert_capmap_err(capmap_rekey(r.map, 11, 11), CAPMAP_OK);
    assert_capmap_err(capmap_rekey(r.map, 10, 10), CAPMAP_E_NOENT);
    assert_memory_equal(r.map, before.map, r.size);
    free(before.map);

    /* Reverse the whole badge order, one rekey at a time, as a restorer would. */
    for (uint32_t i = 0; i < 200; i++) {
        uint64_t old = i == 10 ? 5000 : i;
        assert_capmap_err(capmap_rekey(r.map, old, 1000000 - i), CAPMAP_OK);
        assert_valid(r);
    }
    for (uint32_t i = 0; i < 200; i++)
        assert_int_equal(capmap_slot(r.map, 1000000 - i), 1 + i);
    assert_int_equal(capmap_count(r.map), 200);
    free(r.map);
}

/*
 * An outsider copies the map out, rewrites every badge in place (ignoring the
 * links, which it also scribbles over), rebuilds and validates the copy, and
 * the component then uses it at its own address.
 */
static void test_rewrite_and_rebuild(void **state)
{
    (void)state;
    struct region r = new_map(1024);
    rng_state = 4242;
    for (uint32_t i = 0; i < 900; i++)
        assert_capmap_err(capmap_insert(r.map, 1 + i, 2 + i), CAPMAP_OK);
    for (uint32_t i = 0; i < 300; i++)
        capmap_remove(r.map, 1 + rng_next() % 900, NULL);
    uint32_t live = capmap_count(r.map);
    assert_true(live > 500 && live < 900);
    uint64_t first_badge = capmap_first(r.map)->link.key;
    assert_int_equal(capmap_ref(r.map, first_badge), 2);

    struct region copy = copy_map(r);
    for (uint32_t i = 0; i < copy.map->capacity; i++) {
        struct capmap_entry *e = entry(copy, i);
        if (e->refcount != 0)
            e->link.key = 0xb000000000000000ull - e->link.key * 3; /* new badge, order reversed */
        e->link.left = (uint32_t)rng_next();
        e->link.height = -7;
    }
    copy.map->root = 12345;
    copy.map->count = 3;
    copy.map->free_head = 7;
    assert_true(capmap_validate(copy.map, copy.size) < 0);
    assert_capmap_err(capmap_rebuild(copy.map, copy.size), CAPMAP_OK);
    assert_valid(copy);
    assert_int_equal(capmap_count(copy.map), live);

    /* Back into the component's region: same slots and refcounts under new badges. */
    memcpy(r.map, copy.map, r.size);
    free(copy.map);
    uint32_t n = 0;
    for (uint32_t badge = 1; badge <= 900; badge++) {
        uint64_t renamed = 0xb000000000000000ull - (uint64_t)badge * 3;
        struct capmap_entry *e = capmap_find(r.map, renamed);
        assert_null(capmap_find(r.map, badge));
        if (e == NULL)
            continue;
        n++;
        assert_int_equal(e->slot, 1 + badge);
        assert_int_equal(e->refcount, badge == first_badge ? 2 : 1);
    }
    assert_int_equal(n, live);
    /* The free list was re-chained: every free entry is usable again. */
    for (uint32_t i = 0; i < 1024 - live; i++)
        assert_capmap_err(capmap_insert(r.map, 1 + i, 5000 + i), CAPMAP_OK);
    assert_capmap_err(capmap_insert(r.map, 0, 9999), CAPMAP_E_FULL);
    assert_valid(r);
    free(r.map);
}

static void test_rebuild_errors(void **state)
{
    (void)state;
    struct region r = new_map(16);
    for (uint32_t i = 0; i < 10; i++)
        assert_capmap_err(capmap_insert(r.map, 100 + i, 1 + i), CAPMAP_OK);
    capmap_find(r.map, 104)->link.key = 107; /* two entries now claim 107 */
    assert_capmap_err(capmap_rebuild(r.map, r.size), CAPMAP_E_EXISTS);
    assert_capmap_err(capmap_validate(r.map, r.size), CAPMAP_E_COUNT);
    assert_int_equal(capmap_slot(r.map, 107), 8); /* linked first (rebuild runs top down) */
    /* Fix the badge (the unlinked entry is the one with slot 5) and rebuild again. */
    for (uint32_t i = 0; i < 16; i++)
        if (entry(r, i)->slot == 5)
            entry(r, i)->link.key = 104;
    assert_capmap_err(capmap_rebuild(r.map, r.size), CAPMAP_OK);
    assert_valid(r);
    assert_int_equal(capmap_slot(r.map, 104), 5);
    assert_int_equal(capmap_slot(r.map, 107), 8);

    r.map->magic ^= 1;
    assert_capmap_err(capmap_rebuild(r.map, r.size), CAPMAP_E_MAGIC);
    r.map->magic ^= 1;
    assert_capmap_err(capmap_rebuild(r.map, r.size - 1), CAPMAP_E_LAYOUT);
    free(r.map);
}

/*
 * Thousands of live entries under a random mix of every operation, validated
 * (tree balance included) after each one against a reference model.
 */
#define STRESS_CAPACITY 6000u
#define STRESS_BADGES   16000u
#define STRESS_STEPS    20000u

struct model {
    uint32_t slot_of[STRESS_BADGES]; /* 0: badge absent */
    uint32_t refs_of[STRESS_BADGES];
    bool slot_used[CAPMAP_SLOT_LIMIT];
    uint32_t count;
};

static uint32_t model_free_slot(const struct model *m)
{
    uint32_t slot = 1 + (uint32_t)(rng_next() % (CAPMAP_SLOT_LIMIT - 1));
    while (m->slot_used[slot])
        slot = slot % (CAPMAP_SLOT_LIMIT - 1) + 1;
    return slot;
}

static void stress_insert(struct capmap *map, struct model *m, uint64_t badge)
{
    uint32_t slot = model_free_slot(m);
    int status = capmap_insert(map, badge, slot);
    if (m->slot_of[badge] != 0) {
        assert_capmap_err(status, CAPMAP_E_EXISTS);
    } else if (m->count == STRESS_CAPACITY) {
        assert_capmap_err(status, CAPMAP_E_FULL);
    } else {
        assert_capmap_err(status, CAPMAP_OK);
        m->slot_of[badge] = slot;
        m->refs_of[badge] = 1;
        m->slot_used[slot] = true;
        m->count++;
    }
}

static void stress_unref(struct capmap *map, struct model *m, uint64_t badge)
{
    uint32_t slot = 0;
    int status = capmap_unref(map, badge, &slot);
    if (m->slot_of[badge] == 0) {
        assert_capmap_err(status, CAPMAP_E_NOENT);
        return;
    }
    assert_int_equal(status, --m->refs_of[badge]);
    if (m->refs_of[badge] == 0) {
        assert_int_equal(slot, m->slot_of[badge]);
        m->slot_used[slot] = false;
        m->slot_of[badge] = 0;
        m->count--;
    }
}

static void stress_rekey(struct capmap *map, struct model *m, uint64_t badge)
{
    uint64_t to = rng_next() % STRESS_BADGES;
    int status = capmap_rekey(map, badge, to);
    if (m->slot_of[badge] == 0) {
        assert_capmap_err(status, CAPMAP_E_NOENT);
    } else if (m->slot_of[to] != 0 && to != badge) {
        assert_capmap_err(status, CAPMAP_E_EXISTS);
    } else {
        assert_capmap_err(status, CAPMAP_OK);
        uint32_t slot = m->slot_of[badge], refs = m->refs_of[badge];
        m->slot_of[badge] = 0;
        m->slot_of[to] = slot;
        m->refs_of[to] = refs;
    }
}

static void stress_step(struct capmap *map, struct model *m, uint32_t step)
{
    uint64_t badge = rng_next() % STRESS_BADGES;
    uint32_t choice = (uint32_t)(rng_next() % 16);
    if (step < 7000 || choice < 6) {
        stress_insert(map, m, badge);
    } else if (choice < 12) {
        stress_unref(map, m, badge);
    } else if (choice < 14) {
        int status = capmap_ref(map, badge);
        if (m->slot_of[badge] == 0)
            assert_capmap_err(status, CAPMAP_E_NOENT);
        else
            assert_int_equal(status, ++m->refs_of[badge]);
    } else {
        stress_rekey(map, m, badge);
    }
}

static void test_random_stress(void **state)
{
    (void)state;
    struct region r = new_map(STRESS_CAPACITY);
    struct model *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    rng_state = 0x5eed5eed5eedull;
    uint32_t peak = 0;
    for (uint32_t step = 0; step < STRESS_STEPS; step++) {
        stress_step(r.map, m, step);
        assert_int_equal(capmap_count(r.map), m->count);
        assert_valid(r);
        peak = m->count > peak ? m->count : peak;
    }
    assert_true(peak >= 4000);
    for (uint64_t badge = 0; badge < STRESS_BADGES; badge++) {
        const struct capmap_entry *e = capmap_find(r.map, badge);
        assert_int_equal(e == NULL ? 0 : e->slot, m->slot_of[badge]);
        assert_int_equal(e == NULL ? 0 : e->refcount, m->slot_of[badge] ? m->refs_of[badge] : 0);
    }
    free(m);
    free(r.map);
}

/* ---- validate on corrupted maps ---- */

/* A valid 64-entry map with 40 used entries (badges 10, 20, ...; slots 1..40). */
static struct region sample(void)
{
    struct region r = new_map(64);
    for (uint32_t i = 0; i < 40; i++)
        assert_capmap_err(capmap_insert(r.map, 10 * (i + 1), 1 + i), CAPMAP_OK);
    assert_valid(r);
    return r;
}

static uint32_t leftmost(struct region r)
{
    return (uint32_t)(capmap_first(r.map) - entry(r, 0));
}

static uint32_t rightmost(struct region r)
{
    uint32_t node = r.map->root;
    while (entry(r, node)->link.right != CAPMAP_NIL)
        node = entry(r, node)->link.right;
    return node;
}

static uint32_t first_free(struct region r)
{
    return r.map->free_head;
}

static uint32_t last_free(struct region r)
{
    uint32_t i = r.map->free_head;
    while (entry(r, i)->next_free != CAPMAP_NIL)
        i = entry(r, i)->next_free;
    return i;
}

/* Links entry `by` into the tree where `node` was (same badge, links, height). */
static void replace_in_tree(struct region r, uint32_t node, uint32_t by)
{
    entry(r, by)->link = entry(r, node)->link;
    uint64_t key = entry(r, node)->link.key;
    if (r.map->root == node) {
        r.map->root = by;
        return;
    }
    for (uint32_t i = r.map->root;;) {
        struct avl_link *l = &entry(r, i)->link;
        uint32_t *child = key < l->key ? &l->left : &l->right;
        if (*child == node) {
            *child = by;
            return;
        }
        i = *child;
    }
}

/* Applies one corruption to a fresh sample and checks validate's verdict. */
#define CORRUPT(want, ...)                                                                         \
    do {                                                                                           \
        struct region c = sample();                                                                \
        size_t size = c.size;                                                                      \
        __VA_ARGS__;                                                                               \
        assert_capmap_err(capmap_validate(c.map, size), want);                                     \
        free(c.map);                                                                               \
    } while (0)

static void test_validate_header(void **state)
{
    (void)state;
    CORRUPT(CAPMAP_E_MAGIC, c.map->magic ^= 0x100);
    CORRUPT(CAPMAP_E_VERSION, c.map->version = 2);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->entry_size = 32);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->reserved = 1);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->entries_offset = 44);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->entries_offset = 32);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->entries_offset = 0xfffffff8u);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->entries_offset = 48); /* last entry past the end */
    CORRUPT(CAPMAP_E_LAYOUT, c.map->capacity = 65);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->capacity = 0);
    CORRUPT(CAPMAP_E_LAYOUT, c.map->capacity = 0xffffffffu);
    CORRUPT(CAPMAP_E_LAYOUT, size = c.size - 1);
    CORRUPT(CAPMAP_E_LAYOUT, size = 39);
    CORRUPT(CAPMAP_E_LAYOUT, size = 0);
    CORRUPT(CAPMAP_E_INDEX, c.map->capacity = 60); /* cuts the free list (40..63) */
    assert_capmap_err(capmap_validate(NULL, 100), CAPMAP_E_ALIGN);
    struct region r = sample();
    uint8_t *shifted = malloc(r.size + 4);
    assert_non_null(shifted);
    memcpy(shifted + 4, r.map, r.size);
    assert_capmap_err(capmap_validate((const struct capmap *)(shifted + 4), r.size),
                      CAPMAP_E_ALIGN);
    free(shifted);
    free(r.map);
}

static void test_validate_tree(void **state)
{
    (void)state;
    CORRUPT(CAPMAP_E_COUNT, c.map->count = 65);
    CORRUPT(CAPMAP_E_COUNT, c.map->count = 41);
    CORRUPT(CAPMAP_E_COUNT, c.map->count = 39);
    CORRUPT(CAPMAP_E_INDEX, c.map->root = 64);
    CORRUPT(CAPMAP_E_INDEX, entry(c, leftmost(c))->link.left = 64);
    CORRUPT(CAPMAP_E_INDEX, entry(c, rightmost(c))->link.right = 0x80000000u);
    CORRUPT(CAPMAP_E_TREE_CYCLE, entry(c, leftmost(c))->link.left = c.map->root);
    CORRUPT(CAPMAP_E_TREE_CYCLE, entry(c, leftmost(c))->link.left = leftmost(c));
    CORRUPT(CAPMAP_E_TREE_ORDER, entry(c, rightmost(c))->link.right = c.map->root);
    CORRUPT(CAPMAP_E_TREE_ORDER, entry(c, leftmost(c))->link.key = 1000);
    CORRUPT(CAPMAP_E_TREE_ORDER, entry(c, leftmost(c))->link.key = 20); /* badge twice */
    CORRUPT(CAPMAP_E_TREE_HEIGHT, entry(c, c.map->root)->link.height = 99);
    CORRUPT(CAPMAP_E_TREE_HEIGHT, entry(c, leftmost(c))->link.height = 0);
    /* A free entry linked in a used one's place, and a used entry marked free. */
    CORRUPT(CAPMAP_E_TREE_FREE, replace_in_tree(c, leftmost(c), first_free(c)));
    CORRUPT(CAPMAP_E_TREE_FREE, replace_in_tree(c, c.map->root, first_free(c)));
    CORRUPT(CAPMAP_E_TREE_FREE, entry(c, c.map->root)->refcount = 0);
}

static void test_validate_entries(void **state)
{
    (void)state;
    CORRUPT(CAPMAP_E_SLOT_DUP, capmap_find(c.map, 70)->slot = capmap_slot(c.map, 300));
    CORRUPT(CAPMAP_E_SLOT, capmap_find(c.map, 70)->slot = 0);
    CORRUPT(CAPMAP_E_SLOT, capmap_find(c.map, 70)->slot = CAPMAP_SLOT_LIMIT);
    CORRUPT(CAPMAP_E_REFCOUNT, capmap_find(c.map, 70)->refcount = CAPMAP_REFCOUNT_MAX + 1);
    CORRUPT(CAPMAP_E_FREE_LIST, capmap_find(c.map, 70)->next_free = 3);
    /* A free entry marked used, but not linked: more used entries than count. */
    CORRUPT(CAPMAP_E_COUNT, {
        entry(c, last_free(c))->refcount = 1;
        entry(c, last_free(c))->slot = 1000;
    });
}

static void test_validate_free_list(void **state)
{
    (void)state;
    CORRUPT(CAPMAP_E_INDEX, c.map->free_head = 64);
    CORRUPT(CAPMAP_E_INDEX, entry(c, last_free(c))->next_free = 99);
    CORRUPT(CAPMAP_E_FREE_CYCLE, entry(c, last_free(c))->next_free = first_free(c));
    CORRUPT(CAPMAP_E_FREE_CYCLE, entry(c, first_free(c))->next_free = first_free(c));
    CORRUPT(CAPMAP_E_FREE_LIST, c.map->free_head = entry(c, first_free(c))->next_free);
    CORRUPT(CAPMAP_E_FREE_LIST, c.map->free_head = CAPMAP_NIL);
    CORRUPT(CAPMAP_E_FREE_LIST, c.map->free_head = c.map->root); /* a used entry */
    CORRUPT(CAPMAP_OK, {
        /* Any order of the free list is fine as long as it holds every free entry. */
        uint32_t a = first_free(c), b = entry(c, a)->next_free;
        entry(c, a)->next_free = entry(c, b)->next_free;
        entry(c, b)->next_free = a;
        c.map->free_head = b;
    });
}

/* Random regions and every single-byte change of a valid one: a verdict, never a crash. */
static void test_validate_garbage(void **state)
{
    (void)state;
    struct region r = sample();
    struct region c = copy_map(r);
    rng_state = 99;
    for (uint32_t round = 0; round < 3000; round++) {
        uint8_t *bytes = (uint8_t *)c.map;
        uint32_t start = round % 3 == 0 ? 0 : 40; /* keep the header most of the time */
        for (size_t i = start; i < c.size; i++)
            bytes[i] = (uint8_t)rng_next();
        if (round % 3 == 2) {
            /* Plausible links so the walks go deep instead of out of range. */
            for (uint32_t i = 0; i < 64; i++) {
                entry(c, i)->link.left = (uint32_t)(rng_next() % 66);
                entry(c, i)->link.right = (uint32_t)(rng_next() % 66);
                entry(c, i)->next_free = (uint32_t)(rng_next() % 66);
                entry(c, i)->refcount = (uint32_t)(rng_next() % 2);
            }
        }
        assert_true(capmap_validate(c.map, c.size) < 0);
        memcpy(c.map, r.map, r.size);
    }
    uint32_t accepted = 0;
    for (size_t i = 0; i < r.size; i++) {
        ((uint8_t *)c.map)[i] ^= 0xa5;
        if (capmap_validate(c.map, c.size) == CAPMAP_OK) {
            /* Accepted after a change (a free entry's badge, a reserved byte...): still usable. */
            accepted++;
            assert_capmap_err(capmap_insert(c.map, 0xfeed, 9000), CAPMAP_OK);
            assert_capmap_err(capmap_remove(c.map, 10, NULL), CAPMAP_OK);
            assert_valid(c);
        }
        memcpy(c.map, r.map, r.size);
    }
    assert_true(accepted > 0 && accepted < r.size);
    free(c.map);
    free(r.map);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(capmap_error_name(CAPMAP_OK), "CAPMAP_OK");
    assert_string_equal(capmap_error_name(CAPMAP_E_FULL), "CAPMAP_E_FULL");
    assert_string_equal(capmap_error_name(CAPMAP_E_TREE_CYCLE), "CAPMAP_E_TREE_CYCLE");
    assert_string_equal(capmap_error_name(CAPMAP_E_SLOT_DUP), "CAPMAP_E_SLOT_DUP");
    assert_string_equal(capmap_error_name(CAPMAP_E_UNTRANSLATED - 1), "CAPMAP_E_UNKNOWN");
    assert_string_equal(capmap_error_name(3), "CAPMAP_E_UNKNOWN");
    assert_string_equal(capmap_error_name(CAPMAP_E_UNTRANSLATED), "CAPMAP_E_UNTRANSLATED");
    for (int err = CAPMAP_E_UNTRANSLATED; err <= 0; err++)
        for (int other = err + 1; other <= 0; other++)
            assert_string_not_equal(capmap_error_name(err), capmap_error_name(other));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_static_storage),
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_insert_find_remove),
        cmocka_unit_test(test_refcount),
        cmocka_unit_test(test_adopt),
        cmocka_unit_test(test_duplicate_and_bad_slot),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_iteration_order),
        cmocka_unit_test(test_rekey),
        cmocka_unit_test(test_rewrite_and_rebuild),
        cmocka_unit_test(test_rebuild_errors),
        cmocka_unit_test(test_random_stress),
        cmocka_unit_test(test_validate_header),
        cmocka_unit_test(test_validate_tree),
        cmocka_unit_test(test_validate_entries),
        cmocka_unit_test(test_validate_free_list),
        cmocka_unit_test(test_validate_garbage),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
