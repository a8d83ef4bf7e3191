/* The capability-slot allocator (lib/base/slot.c), against a model kept slot by slot. */
// host-sources: lib/base/slot.c
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/slot.h"

static struct slot_alloc alloc;
static bool model[SLOT_MAX]; /* taken, inside [first, limit) */
static uint32_t first_slot, limit_slot;

static void start(uint32_t first, uint32_t limit)
{
    slot_alloc_init(&alloc, first, limit);
    memset(model, 0, sizeof(model));
    first_slot = first ? first : 1;
    limit_slot = limit > SLOT_MAX ? SLOT_MAX : limit;
}

/* The lowest run of `count` free slots, found slot by slot; 0 if none (or
 * count is 0). */
static uint32_t model_run(uint32_t count)
{
    if (count == 0)
        return 0;
    uint32_t run = 0;
    for (uint32_t s = first_slot; s < limit_slot; s++) {
        run = model[s] ? 0 : run + 1;
        if (run == count)
            return s + 1 - count;
    }
    return 0;
}

static void alloc_run_as_model(uint32_t count)
{
    uint32_t want = model_run(count);
    assert_int_equal(slot_alloc_run(&alloc, count), want);
    for (uint32_t s = want; want && s < want + count; s++)
        model[s] = true;
}

static uint32_t model_used(void)
{
    uint32_t used = 0;
    for (uint32_t s = first_slot; s < limit_slot; s++)
        used += model[s];
    return used;
}

/* Runs inside one word, across word boundaries, longer than a word, none left. */
static void runs_where_a_scan_finds_them(void **state)
{
    (void)state;
    start(3, 300);
    alloc_run_as_model(8); /* 3..10 */
    assert_int_equal(alloc.used, 8);
    alloc_run_as_model(60); /* 11..70: across the first word boundary */
    alloc_run_as_model(1);
    slot_free(&alloc, 5);
    model[5] = false;
    slot_free(&alloc, 6);
    model[6] = false;
    alloc_run_as_model(3);   /* the hole is too small: after 71 */
    alloc_run_as_model(2);   /* fits the hole exactly */
    alloc_run_as_model(150); /* longer than two words */
    alloc_run_as_model(100); /* not enough left before limit */
    alloc_run_as_model(0);
    assert_int_equal(alloc.used, model_used());
    /* the run ends exactly at limit */
    uint32_t left = limit_slot - model_run(1);
    alloc_run_as_model(left);
    assert_int_equal(slot_alloc_run(&alloc, 1), 0);
}

/* A range is taken whole or not at all: every slot free and inside [first, limit). */
static void take_range_all_or_nothing(void **state)
{
    (void)state;
    start(10, 100);
    assert_int_equal(slot_take_range(&alloc, 20, 8), 1);
    assert_int_equal(alloc.used, 8);
    assert_int_equal(slot_take_range(&alloc, 27, 2), 0); /* 27 is taken, 28 is not */
    assert_int_equal(slot_take_range(&alloc, 9, 1), 0);  /* below first */
    assert_int_equal(slot_take_range(&alloc, 95, 6), 0); /* past limit */
    assert_int_equal(slot_take_range(&alloc, 200, 1), 0);
    assert_int_equal(alloc.used, 8);
    assert_int_equal(slot_take_range(&alloc, 28, 0), 1); /* nothing to take */
    assert_int_equal(slot_take_range(&alloc, 95, 5), 1); /* up to limit */
    for (uint32_t s = 20; s < 28; s++)
        model[s] = true;
    for (uint32_t s = 95; s < 100; s++)
        model[s] = true;
    assert_int_equal(alloc.used, model_used());
    alloc_run_as_model(8);  /* 10..17: the taken ranges are skipped */
    alloc_run_as_model(60); /* 28..87 */
    alloc_run_as_model(8);  /* none left: 88..94 is 7 */
}

/* Random allocations, runs and frees against the model, at odd bounds. */
static void random_against_model(void **state)
{
    (void)state;
    static const uint32_t bounds[][2] = {{0, 64}, {1, 1000}, {64, 128}, {70, 16384}, {5, 20000}};
    srand(0x510f);
    for (unsigned b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
        start(bounds[b][0], bounds[b][1]);
        for (unsigned step = 0; step < 4000; step++) {
            unsigned what = (unsigned)rand() % 4;
            if (what == 0) {
                alloc_run_as_model(1 + (unsigned)rand() % 80);
            } else if (what == 1) {
                uint32_t s = slot_alloc(&alloc);
                if (s) {
                    assert_false(model[s]);
                    model[s] = true;
                }
            } else {
                uint32_t s = first_slot + (uint32_t)rand() % (limit_slot - first_slot);
                slot_free(&alloc, s);
                model[s] = false;
            }
        }
        assert_int_equal(alloc.used, model_used());
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_where_a_scan_finds_them),
        cmocka_unit_test(take_range_all_or_nothing),
        cmocka_unit_test(random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
