/*
 * Unit tests for lib/base/tables (the badge tables of the PD report, seen
 * from outside): the report's checks, every table kind validated and rekeyed,
 * the whole set all or nothing, each badge once after a rekey, a missing or
 * bad translation refused before anything is written.
 */
// host-sources: lib/base/avl.c lib/base/capmap.c lib/base/rpc_pool.c lib/base/tables.c
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/rpc_pool.h"
#include "base/tables.h"

#define MAP_CAPACITY  16
#define POOL_CAPACITY 8
#define MAP_VADDR     0x40000000ull
#define POOL_VADDR    0x40010000ull

#define assert_tables_err(got, want)                                                               \
    do {                                                                                           \
        int got_ = (got), want_ = (want);                                                          \
        if (got_ != want_)                                                                         \
            fail_msg("%s: got %s, want %s", #got, tables_error_name(got_),                         \
                     tables_error_name(want_));                                                    \
    } while (0)

/* A component's two tables as a checkpointer copied them, and its report. */
static CAPMAP_STORAGE(MAP_CAPACITY) map __attribute__((aligned(8)));
static RPC_POOL_STORAGE(POOL_CAPACITY) pool_storage __attribute__((aligned(8)));
static struct rpc_pool pool;
static struct rpc_object objects[3];
static struct ferry_report report;
static struct tables_copy copies[2];
/* backups to prove "nothing written" */
static uint8_t map_backup[sizeof(map)], pool_backup[sizeof(pool_storage.index)];

static const uint64_t map_badges[] = {101, 102, 103, 104};
static const uint32_t map_slots[] = {16, 17, 18, 19};
static const uint64_t pool_badges[] = {103, 105, 106}; /* 103: our own object, held too */

static struct badge_translation tr[] = {
    {101, 9001}, {102, 9002}, {103, 9003}, {104, 9004}, {105, 9005}, {106, 9006}, {107, 9007},
};

static int setup(void **state)
{
    (void)state;
    assert_int_equal(capmap_init(&map.header, sizeof(map), MAP_CAPACITY), CAPMAP_OK);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(capmap_insert(&map.header, map_badges[i], map_slots[i]), CAPMAP_OK);
    capmap_ref(&map.header, 102); /* two references */
    assert_int_equal(rpc_pool_init(&pool, &pool_storage.index.header, sizeof(pool_storage.index),
                                   pool_storage.objects, POOL_CAPACITY),
                     CAPMAP_OK);
    for (unsigned i = 0; i < 3; i++) {
        objects[i] = (struct rpc_object){0};
        assert_int_equal(rpc_pool_insert(&pool, &objects[i], pool_badges[i]), 0);
    }
    rpc_pool_remove(&pool, &objects[1]); /* a hole: handles are positions, not a count */
    assert_int_equal(rpc_pool_insert(&pool, &objects[1], pool_badges[1]), 0);
    memset(&report, 0, sizeof(report));
    report.magic = FERRY_REPORT_MAGIC;
    report.version = FERRY_REPORT_VERSION;
    report.count = 2;
    report.table[0] =
        (struct ferry_report_table){FERRY_TABLE_CAPMAP, CAPMAP_VERSION, MAP_VADDR, sizeof(map)};
    report.table[1] = (struct ferry_report_table){FERRY_TABLE_RPC_POOL, CAPMAP_VERSION, POOL_VADDR,
                                                  sizeof(pool_storage.index)};
    copies[0] = (struct tables_copy){&map, sizeof(map)};
    copies[1] = (struct tables_copy){&pool_storage.index, sizeof(pool_storage.index)};
    memcpy(map_backup, &map, sizeof(map));
    memcpy(pool_backup, &pool_storage.index, sizeof(pool_backup));
    return 0;
}

static void assert_unchanged(void)
{
    assert_memory_equal(map_backup, &map, sizeof(map));
    assert_memory_equal(pool_backup, &pool_storage.index, sizeof(pool_backup));
}

/* How often `badge` is a key of the table. */
static unsigned occurrences(struct capmap *m, uint64_t badge)
{
    unsigned n = 0;
    for (struct capmap_entry *e = capmap_first(m); e; e = capmap_next(m, e))
        n += e->link.key == badge;
    return n;
}

static void test_valid_set_rekeyed(void **state)
{
    (void)state;
    struct tables_failure f;
    assert_tables_err(tables_report_validate(&report, &f), TABLES_OK);
    assert_tables_err(tables_rekey_all(&report, copies, tr, 7, &f), TABLES_OK);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(capmap_slot(&map.header, map_badges[i]), 0);
        assert_int_equal(capmap_slot(&map.header, 9000 + map_badges[i] - 100), map_slots[i]);
        assert_int_equal(occurrences(&map.header, 9000 + map_badges[i] - 100), 1);
    }
    assert_int_equal(capmap_find(&map.header, 9002)->refcount, 2);
    assert_int_equal(capmap_count(&map.header), 4);
    for (unsigned i = 0; i < 3; i++) {
        uint64_t now = 9000 + pool_badges[i] - 100;
        assert_null(rpc_pool_find(&pool, pool_badges[i]));
        assert_ptr_equal(rpc_pool_find(&pool, now), &objects[i]); /* handles kept */
        assert_int_equal(rpc_pool_badge(&pool, &objects[i]), now);
        assert_int_equal(occurrences(pool.index, now), 1);
    }
    assert_tables_err(tables_validate(FERRY_TABLE_CAPMAP, CAPMAP_VERSION, &map, sizeof(map), NULL),
                      TABLES_OK);
    assert_tables_err(
        tables_validate(FERRY_TABLE_RPC_POOL, CAPMAP_VERSION, pool.index, pool.index_size, NULL),
        TABLES_OK);
}

/* New badges overlapping old ones (a swap): fine, the rewrite is all at once. */
static void test_overlapping_badges(void **state)
{
    (void)state;
    struct badge_translation swap[] = {{101, 102}, {102, 101}, {103, 106},
                                       {104, 104}, {105, 103}, {106, 105}};
    assert_tables_err(tables_rekey_all(&report, copies, swap, 6, NULL), TABLES_OK);
    assert_int_equal(capmap_slot(&map.header, 102), 16);
    assert_int_equal(capmap_slot(&map.header, 101), 17);
    assert_int_equal(capmap_slot(&map.header, 106), 18);
    assert_int_equal(capmap_slot(&map.header, 104), 19);
    assert_ptr_equal(rpc_pool_find(&pool, 106), &objects[0]);
    assert_ptr_equal(rpc_pool_find(&pool, 103), &objects[1]);
    assert_ptr_equal(rpc_pool_find(&pool, 105), &objects[2]);
}

/* A badge without translation in either table: refused, naming it; nothing written. */
static void test_missing_translation(void **state)
{
    (void)state;
    struct tables_failure f;
    struct badge_translation no104[] = {
        {101, 9001}, {102, 9002}, {103, 9003}, {105, 9005}, {106, 9006}};
    assert_tables_err(tables_rekey_all(&report, copies, no104, 5, &f), TABLES_E_UNTRANSLATED);
    assert_int_equal(f.table, 0);
    assert_int_equal(f.kind, FERRY_TABLE_CAPMAP);
    assert_int_equal(f.badge, 104);
    assert_unchanged();
    /* only the pool lacks one: the map, checked and fine, is not rewritten either */
    struct badge_translation no106[] = {
        {101, 9001}, {102, 9002}, {103, 9003}, {104, 9004}, {105, 9005}};
    assert_tables_err(tables_rekey_all(&report, copies, no106, 5, &f), TABLES_E_UNTRANSLATED);
    assert_int_equal(f.table, 1);
    assert_int_equal(f.kind, FERRY_TABLE_RPC_POOL);
    assert_int_equal(f.badge, 106);
    assert_unchanged();
    uint64_t badge = 0;
    int detail;
    assert_tables_err(
        tables_rekey(FERRY_TABLE_RPC_POOL, pool.index, pool.index_size, no106, 5, &detail, &badge),
        TABLES_E_UNTRANSLATED);
    assert_int_equal(badge, 106);
    assert_unchanged();
}

/* A translation table that could make a badge appear twice, or names 0: refused first. */
static void test_bad_translation(void **state)
{
    (void)state;
    struct tables_failure f;
    struct badge_translation twice_new[] = {{101, 9001}, {102, 9001}, {103, 9003},
                                            {104, 9004}, {105, 9005}, {106, 9006}};
    struct badge_translation twice_old[] = {{101, 9001}, {101, 9002}};
    struct badge_translation zero_new[] = {{101, 0}};
    struct badge_translation zero_old[] = {{0, 5}};
    assert_tables_err(tables_rekey_all(&report, copies, twice_new, 6, &f), TABLES_E_TRANSLATION);
    assert_int_equal(f.badge, 102);
    assert_tables_err(tables_rekey_all(&report, copies, twice_old, 2, &f), TABLES_E_TRANSLATION);
    assert_tables_err(tables_rekey_all(&report, copies, zero_new, 1, &f), TABLES_E_TRANSLATION);
    assert_tables_err(tables_rekey_all(&report, copies, zero_old, 1, &f), TABLES_E_TRANSLATION);
    assert_unchanged();
}

/* Every corruption of the report page is found, each with its error. */
static const struct {
    const char *what;
    int want;
} report_cases[] = {
    {"magic", TABLES_E_REPORT},
    {"version", TABLES_E_REPORT},
    {"count", TABLES_E_REPORT},
    {"unused entry", TABLES_E_REPORT},
    {"count too small leaves an entry", TABLES_E_REPORT},
    {"unknown kind", TABLES_E_KIND},
    {"kind 0", TABLES_E_KIND},
    {"kind twice", TABLES_E_KIND},
    {"table version", TABLES_E_VERSION},
    {"unaligned", TABLES_E_PLACE},
    {"size 0", TABLES_E_PLACE},
    {"huge", TABLES_E_PLACE},
    {"wraps", TABLES_E_PLACE},
    {"overlap", TABLES_E_PLACE},
};

static void corrupt_report(struct ferry_report *r, unsigned i)
{
    switch (i) {
    case 0:
        r->magic ^= 1;
        break;
    case 1:
        r->version = 2;
        break;
    case 2:
        r->count = FERRY_REPORT_MAX_TABLES + 1;
        break;
    case 3:
        r->table[5].size = 8;
        break;
    case 4:
        r->count = 1;
        break;
    case 5:
        r->table[1].kind = 9;
        break;
    case 6:
        r->table[0].kind = 0;
        break;
    case 7:
        r->table[1].kind = FERRY_TABLE_CAPMAP;
        break;
    case 8:
        r->table[0].version = 2;
        break;
    case 9:
        r->table[0].vaddr += 4;
        break;
    case 10:
        r->table[1].size = 0;
        break;
    case 11:
        r->table[1].size = TABLES_MAX_SIZE + 8;
        break;
    case 12:
        r->table[1].vaddr = ~7ull;
        break;
    case 13:
        r->table[1].vaddr = MAP_VADDR + 8;
        break;
    }
}

static void test_report_corruptions(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof(report_cases) / sizeof(report_cases[0]); i++) {
        struct ferry_report r = report;
        corrupt_report(&r, i);
        struct tables_failure f;
        int got = tables_report_validate(&r, &f);
        if (got != report_cases[i].want)
            fail_msg("report corruption '%s': got %s, want %s", report_cases[i].what,
                     tables_error_name(got), tables_error_name(report_cases[i].want));
        assert_tables_err(tables_rekey_all(&r, copies, tr, 7, NULL), report_cases[i].want);
        assert_unchanged();
    }
}

/* Copies that do not match the report. */
static void test_copy_mismatch(void **state)
{
    (void)state;
    struct tables_failure f;
    copies[1].size -= 8;
    assert_tables_err(tables_rekey_all(&report, copies, tr, 7, &f), TABLES_E_COPY);
    assert_int_equal(f.table, 1);
    copies[1].size += 8;
    copies[0].data = NULL;
    assert_tables_err(tables_rekey_all(&report, copies, tr, 7, &f), TABLES_E_COPY);
    assert_int_equal(f.table, 0);
    assert_unchanged();
}

static struct capmap_entry *pool_entry(uint32_t i)
{
    return capmap_entry_at(pool.index, i);
}

/* Every corruption of a table is found, with the table's own error, before any write. */
static const struct {
    const char *what;
    unsigned table;
    int detail;
} table_cases[] = {
    {"map magic", 0, CAPMAP_E_MAGIC},           {"map version", 0, CAPMAP_E_VERSION},
    {"map entry size", 0, CAPMAP_E_LAYOUT},     {"map capacity past the copy", 0, CAPMAP_E_LAYOUT},
    {"map count", 0, CAPMAP_E_COUNT},           {"map root out of range", 0, CAPMAP_E_INDEX},
    {"map key order", 0, CAPMAP_E_TREE_ORDER},  {"map height", 0, CAPMAP_E_TREE_HEIGHT},
    {"map slot 0", 0, CAPMAP_E_SLOT},           {"map slot twice", 0, CAPMAP_E_SLOT_DUP},
    {"map refcount", 0, CAPMAP_E_REFCOUNT},     {"map free list", 0, CAPMAP_E_FREE_LIST},
    {"pool magic", 1, CAPMAP_E_MAGIC},          {"pool handle not its position", 1, CAPMAP_E_SLOT},
    {"pool handles swapped", 1, CAPMAP_E_SLOT}, {"pool refcount 2", 1, CAPMAP_E_REFCOUNT},
    {"pool count", 1, CAPMAP_E_COUNT},
};

static void corrupt_table(unsigned i)
{
    struct capmap_entry *root = &map.entries[map.header.root];
    switch (i) {
    case 0:
        map.header.magic ^= 1;
        break;
    case 1:
        map.header.version = 7;
        break;
    case 2:
        map.header.entry_size = 48;
        break;
    case 3:
        map.header.capacity = MAP_CAPACITY + 1;
        break;
    case 4:
        map.header.count = 3;
        break;
    case 5:
        map.header.root = MAP_CAPACITY;
        break;
    case 6:
        root->link.key = 1;
        break;
    case 7:
        root->link.height = 9;
        break;
    case 8:
        map.entries[0].slot = 0;
        break;
    case 9:
        map.entries[1].slot = map.entries[0].slot;
        break;
    case 10:
        map.entries[0].refcount = 0x80000000u;
        break;
    case 11:
        map.header.free_head = 0;
        break;
    case 12:
        pool.index->magic = 0;
        break;
    case 13:
        pool_entry(2)->slot = 7; /* in range, unique, not its position + 1 */
        break;
    case 14:
        pool_entry(0)->slot = 2, pool_entry(1)->slot = 1;
        break;
    case 15:
        pool_entry(0)->refcount = 2;
        break;
    case 16:
        pool.index->count = 2;
        break;
    }
}

static void test_table_corruptions(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof(table_cases) / sizeof(table_cases[0]); i++) {
        setup(NULL);
        corrupt_table(i);
        unsigned t = table_cases[i].table;
        static uint8_t before[sizeof(map)];
        memcpy(before, copies[t].data, copies[t].size);
        struct tables_failure f = {0};
        int got = tables_rekey_all(&report, copies, tr, 7, &f);
        if (got != TABLES_E_TABLE || f.table != t || f.detail != table_cases[i].detail)
            fail_msg("table corruption '%s': got %s (table %u, %s), want TABLES_E_TABLE (table "
                     "%u, %s)",
                     table_cases[i].what, tables_error_name(got), f.table,
                     capmap_error_name(f.detail), t, capmap_error_name(table_cases[i].detail));
        assert_memory_equal(before, copies[t].data, copies[t].size);
    }
}

/* Every single-byte flip of a table's used part: rejected, or harmless (the
 * rekey still yields valid tables); never a crash or a read outside. */
static void test_byte_flips(void **state)
{
    (void)state;
    size_t used = sizeof(struct capmap) + 4 * sizeof(struct capmap_entry);
    unsigned rejected = 0;
    for (size_t off = 0; off < used; off++)
        for (unsigned t = 0; t < 2; t++) {
            setup(NULL);
            ((uint8_t *)copies[t].data)[off] ^= 0x5a;
            int got = tables_rekey_all(&report, copies, tr, 7, NULL);
            if (got == TABLES_OK) {
                assert_tables_err(tables_validate(report.table[t].kind, CAPMAP_VERSION,
                                                  copies[t].data, copies[t].size, NULL),
                                  TABLES_OK);
            } else {
                rejected++;
            }
        }
    assert_true(rejected > used); /* most bytes matter */
}

static void test_unknown_kind_and_names(void **state)
{
    (void)state;
    int detail;
    assert_tables_err(tables_validate(7, CAPMAP_VERSION, &map, sizeof(map), &detail),
                      TABLES_E_KIND);
    assert_tables_err(tables_rekey(0, &map, sizeof(map), tr, 7, &detail, NULL), TABLES_E_KIND);
    assert_tables_err(
        tables_validate(FERRY_TABLE_CAPMAP, CAPMAP_VERSION + 1, &map, sizeof(map), &detail),
        TABLES_E_VERSION);
    assert_string_equal(tables_error_name(TABLES_E_UNTRANSLATED), "TABLES_E_UNTRANSLATED");
    assert_string_equal(tables_error_name(TABLES_E_UNTRANSLATED - 1), "TABLES_E_UNKNOWN");
    assert_string_equal(tables_error_name(1), "TABLES_E_UNKNOWN");
    for (int e = TABLES_E_UNTRANSLATED; e <= 0; e++)
        for (int o = e + 1; o <= 0; o++)
            assert_string_not_equal(tables_error_name(e), tables_error_name(o));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_valid_set_rekeyed, setup),
        cmocka_unit_test_setup(test_overlapping_badges, setup),
        cmocka_unit_test_setup(test_missing_translation, setup),
        cmocka_unit_test_setup(test_bad_translation, setup),
        cmocka_unit_test_setup(test_report_corruptions, setup),
        cmocka_unit_test_setup(test_copy_mismatch, setup),
        cmocka_unit_test(test_table_corruptions),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test_setup(test_unknown_kind_and_names, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
