/*
 * Kernel capability-space test root task: TASK_MAP, TASK_UNMAP,
 * TASK_CAP_INFO, TASK_CAP_NEXT and TASK_CAP_BATCH on the own task and on new tasks, rights,
 * object ids and FACTORY_CREATE errors; badsel.c uses an empty slot with
 * every call that takes a selector.
 */
#include <ferry/macros.h>
#include "caps.h"
#include <stdio.h>

#define GATE_LABEL 0x6a7e

void test_ok(const char *what)
{
    printf("caps: %s ok\n", what);
}

void check_same(uint64_t task, uint64_t sel, uint64_t src, uint64_t rights)
{
    struct sys_cap_info want = runtime_cap_info(OWN, src), got = runtime_cap_info(task, sel);
    CHECK(want.type != FERRY_OBJ_NONE, "source slot %lu is empty", (unsigned long)src);
    CHECK(got.type == want.type && got.label == want.label && got.id == want.id,
          "slot %lu: type %lu label %lx id %lu, source: type %lu label %lx id %lu",
          (unsigned long)sel, (unsigned long)got.type, (unsigned long)got.label,
          (unsigned long)got.id, (unsigned long)want.type, (unsigned long)want.label,
          (unsigned long)want.id);
    CHECK(got.rights == rights, "slot %lu: rights %lx, expected %lx", (unsigned long)sel,
          (unsigned long)got.rights, (unsigned long)rights);
}

void check_empty(uint64_t task, uint64_t sel)
{
    struct sys_cap_info info = runtime_cap_info(task, sel);
    CHECK(info.type == FERRY_OBJ_NONE && info.rights == 0 && info.label == 0 && info.id == 0,
          "slot %lu not empty: type %lu rights %lx id %lu", (unsigned long)sel,
          (unsigned long)info.type, (unsigned long)info.rights, (unsigned long)info.id);
}

static uint64_t gate;  /* a gate received by our own thread, all rights */
static uint64_t other; /* a second task */

static void test_map_own(void)
{
    uint64_t dest = runtime_alloc_sel();
    check_empty(OWN, dest);
    CHECK_ERR(sys_task_map(OWN, gate, dest, FERRY_RIGHTS_ALL), FERRY_OK);
    check_same(OWN, dest, gate, FERRY_RIGHTS_ALL);
    CHECK(runtime_cap_info(OWN, dest).label == GATE_LABEL, "label");
    check_same(OWN, gate, gate, FERRY_RIGHTS_ALL); /* the source stays */
    CHECK_ERR(sys_task_unmap(OWN, dest), FERRY_OK);
    check_empty(OWN, dest);
    check_same(OWN, gate, gate, FERRY_RIGHTS_ALL);
    CHECK_ERR(sys_task_unmap(OWN, dest), FERRY_E_BADSEL);
    test_ok("map, introspect and unmap in the own task");
}

static void test_map_other(void)
{
    check_empty(other, 7);
    CHECK_ERR(sys_task_map(other, gate, 7, FERRY_RIGHTS_ALL), FERRY_OK);
    check_same(other, 7, gate, FERRY_RIGHTS_ALL);
    CHECK(runtime_cap_info(other, 7).label == GATE_LABEL, "label in the other task");
    check_empty(OWN, 7); /* our own slot 7 is not touched */
    CHECK_ERR(sys_task_map(other, OWN, 8, FERRY_RIGHT_R), FERRY_OK);
    check_same(other, 8, OWN, FERRY_RIGHT_R);
    CHECK_ERR(sys_task_map(other, FERRY_ROOT_SEL_INITRD, 16383, FERRY_RIGHTS_ALL), FERRY_OK);
    check_same(other, 16383, FERRY_ROOT_SEL_INITRD, FERRY_RIGHT_R);
    CHECK_ERR(sys_task_unmap(other, 8), FERRY_OK);
    check_empty(other, 8);
    check_same(other, 7, gate, FERRY_RIGHTS_ALL);
    CHECK_ERR(sys_task_unmap(other, 8), FERRY_E_BADSEL);
    CHECK_ERR(sys_task_unmap(other, 9), FERRY_E_BADSEL);
    CHECK_ERR(sys_task_unmap(other, 16383), FERRY_OK);
    test_ok("map, introspect and unmap in another task");
}

static void test_occupied(void)
{
    /* other:7 holds the gate; our slot 1 is our task */
    struct sys_cap_info before_other = runtime_cap_info(other, 7),
                        before_own = runtime_cap_info(OWN, OWN);
    CHECK_ERR(sys_task_map(other, gate, 7, FERRY_RIGHTS_ALL), FERRY_E_OCCUPIED);
    CHECK_ERR(sys_task_map(other, FERRY_ROOT_SEL_FACTORY, 7, FERRY_RIGHT_R), FERRY_E_OCCUPIED);
    CHECK_ERR(sys_task_map(OWN, gate, OWN, FERRY_RIGHT_R), FERRY_E_OCCUPIED);
    CHECK_ERR(sys_task_map(OWN, gate, gate, FERRY_RIGHT_R), FERRY_E_OCCUPIED);
    struct sys_cap_info after_other = runtime_cap_info(other, 7),
                        after_own = runtime_cap_info(OWN, OWN);
    CHECK(after_other.id == before_other.id && after_other.rights == before_other.rights,
          "occupied slot of the other task changed");
    CHECK(after_own.id == before_own.id && after_own.type == FERRY_OBJ_TASK &&
              after_own.rights == FERRY_RIGHTS_ALL,
          "own slot 1 changed");
    check_same(OWN, gate, gate, FERRY_RIGHTS_ALL);
    CHECK(runtime_cap_info(OWN, gate).label == GATE_LABEL, "gate changed");
    test_ok("map into an occupied slot: E_OCCUPIED");
}

static void test_ranges(void)
{
    const uint64_t bad[] = {0, SLOTS, SLOTS + 1, 1ul << 32, ~0ul};
    struct sys_cap_info info;
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_ERR(sys_task_map(OWN, gate, bad[i], FERRY_RIGHTS_ALL), FERRY_E_RANGE);
        CHECK_ERR(sys_task_map(other, gate, bad[i], FERRY_RIGHTS_ALL), FERRY_E_RANGE);
        CHECK_ERR(sys_task_cap_info(OWN, bad[i], &info), FERRY_E_RANGE);
        CHECK_ERR(sys_task_cap_info(other, bad[i], &info), FERRY_E_RANGE);
        CHECK_ERR(sys_task_unmap(other, bad[i]), FERRY_E_BADSEL);
        CHECK_ERR(sys_task_map(other, bad[i], 20, FERRY_RIGHTS_ALL), FERRY_E_BADSEL);
    }
    check_empty(other, 20);
    /* the last valid slot works like any other */
    CHECK_ERR(sys_task_map(other, gate, SLOTS - 1, FERRY_RIGHT_W), FERRY_OK);
    check_same(other, SLOTS - 1, gate, FERRY_RIGHT_W);
    CHECK_ERR(sys_task_unmap(other, SLOTS - 1), FERRY_OK);
    /* TASK_UNMAP knows one flag (FERRY_UNMAP_DESTROY, tests/kernel/destroy); others are invalid */
    CHECK_ERR(sys_task_unmap_flags(other, 7, FERRY_UNMAP_DESTROY << 1), FERRY_E_INVAL);
    CHECK_ERR(sys_task_unmap_flags(other, 7, ~0ul), FERRY_E_INVAL);
    check_same(other, 7, gate, FERRY_RIGHTS_ALL);
    test_ok("slot 0 and slots >= 16384: E_RANGE (map, cap_info), E_BADSEL (unmap)");
}

static void test_rights_shrink(void)
{
    uint64_t rw = runtime_copy_cap(gate, FERRY_RIGHT_R | FERRY_RIGHT_W);
    check_same(OWN, rw, gate, FERRY_RIGHT_R | FERRY_RIGHT_W);
    uint64_t r = runtime_copy_cap(rw, FERRY_RIGHT_R);
    check_same(OWN, r, gate, FERRY_RIGHT_R);
    uint64_t still_r = runtime_copy_cap(r, FERRY_RIGHTS_ALL);
    check_same(OWN, still_r, gate, FERRY_RIGHT_R);
    uint64_t none = runtime_copy_cap(r, FERRY_RIGHT_W | FERRY_RIGHT_G);
    check_same(OWN, none, gate, 0);
    uint64_t masked = runtime_copy_cap(gate, ~0ul); /* bits beyond ALL are no rights */
    check_same(OWN, masked, gate, FERRY_RIGHTS_ALL);
    CHECK_ERR(sys_task_map(other, r, 30, FERRY_RIGHTS_ALL), FERRY_OK);
    check_same(other, 30, gate, FERRY_RIGHT_R);

    /* and fewer rights mean less power: a factory copy without W creates nothing */
    uint64_t factory_r = runtime_copy_cap(FERRY_ROOT_SEL_FACTORY, FERRY_RIGHT_R);
    uint64_t dest = runtime_alloc_sel();
    CHECK_ERR(sys_create(factory_r, FERRY_OBJ_TASK, dest, 0, 0), FERRY_E_NORIGHTS);
    check_empty(OWN, dest);
    test_ok("rights only shrink through map");
}

static void test_task_rights(void)
{
    uint64_t other_r = runtime_copy_cap(other, FERRY_RIGHT_R);
    uint64_t other_w = runtime_copy_cap(other, FERRY_RIGHT_W);
    struct sys_cap_info info;
    uint64_t next;
    CHECK_ERR(sys_task_map(other_r, gate, 40, FERRY_RIGHTS_ALL), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_task_unmap(other_r, 7), FERRY_E_NORIGHTS);
    check_empty(other, 40);
    check_same(other_r, 7, gate, FERRY_RIGHTS_ALL); /* R is enough to look */
    CHECK_ERR(sys_task_cap_next(other_r, 1, &next), FERRY_OK);

    CHECK_ERR(sys_task_cap_info(other_w, 7, &info), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_task_cap_next(other_w, 1, &next), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_task_map(other_w, gate, 40, FERRY_RIGHT_R), FERRY_OK); /* W is enough to map */
    check_same(other, 40, gate, FERRY_RIGHT_R);
    CHECK_ERR(sys_task_unmap(other_w, 40), FERRY_OK);
    check_empty(other, 40);

    /* the same holds for a reduced capability to our own task */
    uint64_t own_r = runtime_copy_cap(OWN, FERRY_RIGHT_R);
    uint64_t dest = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(own_r, gate, dest, FERRY_RIGHTS_ALL), FERRY_E_NORIGHTS);
    check_empty(OWN, dest);
    uint64_t own_w = runtime_copy_cap(OWN, FERRY_RIGHT_W);
    CHECK_ERR(sys_task_cap_info(own_w, gate, &info), FERRY_E_NORIGHTS);
    test_ok("task without W cannot be mapped into, without R not introspected");
}

/* Every slot of `task` from 0 on, through TASK_CAP_NEXT, into `out`. */
static unsigned enumerate(uint64_t task, uint64_t *out, unsigned max)
{
    unsigned n = 0;
    uint64_t sel = 0, next;
    long err;
    while ((err = sys_task_cap_next(task, sel, &next)) == FERRY_OK) {
        CHECK(next >= sel && next < SLOTS, "cap_next(%lu) = %lu", (unsigned long)sel,
              (unsigned long)next);
        CHECK(n < max, "more than %u slots", max);
        out[n++] = next;
        sel = next + 1;
    }
    CHECK_ERR(err, FERRY_E_NOENT);
    return n;
}

/* TASK_CAP_INFO on every slot agrees with the enumeration `slots`. */
static void check_enumeration(uint64_t task, const uint64_t *slots, unsigned n)
{
    unsigned k = 0;
    for (uint64_t sel = 1; sel < SLOTS; sel++) {
        int listed = k < n && slots[k] == sel;
        struct sys_cap_info info = runtime_cap_info(task, sel);
        CHECK((info.type != FERRY_OBJ_NONE) == listed, "slot %lu: type %lu, listed %d",
              (unsigned long)sel, (unsigned long)info.type, listed);
        k += listed;
    }
    CHECK(k == n, "enumeration has slots outside 1..16383");
}

static void test_cap_next(void)
{
    uint64_t fresh = runtime_create(FERRY_OBJ_TASK, 0, 0), next, slots[8];
    CHECK_ERR(sys_task_cap_next(fresh, 0, &next), FERRY_E_NOENT);
    CHECK_ERR(sys_task_map(fresh, gate, 300, FERRY_RIGHTS_ALL), FERRY_OK);
    CHECK_ERR(sys_task_map(fresh, FERRY_ROOT_SEL_INITRD, 16383, FERRY_RIGHT_R), FERRY_OK);
    CHECK_ERR(sys_task_map(fresh, OWN, 5, FERRY_RIGHT_R), FERRY_OK);
    unsigned n = enumerate(fresh, slots, 8);
    CHECK(n == 3 && slots[0] == 5 && slots[1] == 300 && slots[2] == 16383,
          "enumerated %u slots: %lu %lu %lu", n, (unsigned long)slots[0], (unsigned long)slots[1],
          (unsigned long)slots[2]);
    check_enumeration(fresh, slots, n);

    /* the slot asked for counts itself; past the end there is nothing */
    const uint64_t from[] = {5, 6, 299, 300, 301, 16383};
    const uint64_t want[] = {5, 300, 300, 300, 16383, 16383};
    for (unsigned i = 0; i < 6; i++) {
        CHECK_ERR(sys_task_cap_next(fresh, from[i], &next), FERRY_OK);
        CHECK(next == want[i], "cap_next(%lu) = %lu", (unsigned long)from[i], (unsigned long)next);
    }
    CHECK_ERR(sys_task_cap_next(fresh, SLOTS, &next), FERRY_E_NOENT);
    CHECK_ERR(sys_task_cap_next(fresh, ~0ul, &next), FERRY_E_NOENT);

    CHECK_ERR(sys_task_unmap(fresh, 300), FERRY_OK);
    n = enumerate(fresh, slots, 8);
    CHECK(n == 2 && slots[0] == 5 && slots[1] == 16383, "after unmap: %u slots", n);

    /* our own task: every slot cap_next names is occupied, and no other */
    static uint64_t own_slots[SLOTS];
    n = enumerate(OWN, own_slots, SLOTS);
    CHECK(n > 5 && own_slots[0] == FERRY_ROOT_SEL_TASK, "own task: %u slots", n);
    check_enumeration(OWN, own_slots, n);
    test_ok("cap_next enumerates exactly the occupied slots");
}

/* One TASK_CAP_BATCH of `task` from `start`, at most `max` entries: every
 * entry agrees with TASK_CAP_INFO, the slots ascend from `start`, and the
 * entries are copied to `out` (the UTCB buf is reused by the next call). */
static struct sys_cap_batch batch_of(uint64_t task, uint64_t start, uint64_t max,
                                     struct ferry_cap_entry *out)
{
    struct sys_cap_batch b;
    CHECK_ERR(sys_task_cap_batch(task, start, max, &b), FERRY_OK);
    CHECK(b.version == FERRY_CAP_ENTRY_VERSION && b.count <= max, "batch: version %lu count %lu",
          (unsigned long)b.version, (unsigned long)b.count);
    for (uint64_t i = 0; i < b.count; i++)
        out[i] = b.entry[i];
    for (uint64_t i = 0; i < b.count; i++) {
        const struct ferry_cap_entry *e = &out[i];
        CHECK(e->slot >= start && (i == 0 || e->slot > out[i - 1].slot),
              "batch from %lu: entry %lu is slot %u", (unsigned long)start, (unsigned long)i,
              e->slot);
        struct sys_cap_info info = runtime_cap_info(task, e->slot);
        CHECK(info.type == e->type && info.type != FERRY_OBJ_NONE && info.rights == e->rights &&
                  info.label == e->label && info.id == e->id &&
                  !!(info.flags & FERRY_CAP_DEAD) == !!(e->flags & FERRY_CAP_ENTRY_DEAD),
              "slot %u: the batch's entry differs from TASK_CAP_INFO", e->slot);
    }
    CHECK(b.next == 0 || (b.count == max && b.next > out[max - 1].slot),
          "batch from %lu: next %lu after %lu entries", (unsigned long)start, (unsigned long)b.next,
          (unsigned long)b.count);
    return b;
}

/* The slots of one batch are exactly `want` (n of them), then `next`. */
static void check_batch(uint64_t task, uint64_t start, uint64_t max, const uint64_t *want,
                        unsigned n, uint64_t next)
{
    static struct ferry_cap_entry e[FERRY_CAP_BATCH_MAX];
    struct sys_cap_batch b = batch_of(task, start, max, e);
    CHECK(b.count == n && b.next == next, "batch(%lu, %lu): %lu entries, next %lu (want %u, %lu)",
          (unsigned long)start, (unsigned long)max, (unsigned long)b.count, (unsigned long)b.next,
          n, (unsigned long)next);
    for (unsigned i = 0; i < n; i++)
        CHECK(e[i].slot == want[i], "batch(%lu): entry %u is slot %u, not %lu",
              (unsigned long)start, i, e[i].slot, (unsigned long)want[i]);
}

/* Batches across the two-level space's leaves (256 slots each), an empty
 * space, a full UTCB buf, bad arguments and dead capabilities. */
static void test_cap_batch(void)
{
    uint64_t fresh = runtime_create(FERRY_OBJ_TASK, 0, 0);
    check_batch(fresh, 1, FERRY_CAP_BATCH_MAX, NULL, 0, 0); /* no leaf at all */

    const uint64_t slots[] = {5, 255, 256, 257, 511, 512, 1024, 16383};
    for (unsigned i = 0; i < ARRAY_SIZE(slots); i++)
        CHECK_ERR(sys_task_map(fresh, i % 2 ? gate : OWN, slots[i], FERRY_RIGHT_R), FERRY_OK);
    check_batch(fresh, 1, FERRY_CAP_BATCH_MAX, slots, 8, 0);
    check_batch(fresh, 1, 2, slots, 2, 256);       /* the last slot of leaf 0, then leaf 1 */
    check_batch(fresh, 256, 3, slots + 2, 3, 512); /* leaf 1's first and last, then leaf 2 */
    check_batch(fresh, 6, 1, slots + 1, 1, 256);
    check_batch(fresh, 513, 1, slots + 6, 1, 16383); /* absent leaf 3 skipped to leaf 4's first */
    check_batch(fresh, 1025, 1, slots + 7, 1, 0);    /* absent leaves skipped to the last slot */
    check_batch(fresh, 16383, 1, slots + 7, 1, 0);
    CHECK_ERR(sys_task_unmap(fresh, 16383), FERRY_OK);
    CHECK_ERR(sys_task_unmap(fresh, 1024), FERRY_OK);
    check_batch(fresh, 513, FERRY_CAP_BATCH_MAX, NULL, 0, 0); /* a leaf left empty */

    /* a full UTCB buf: 130 slots across the leaf boundary at 1024 */
    uint64_t full = runtime_create(FERRY_OBJ_TASK, 0, 0);
    static uint64_t many[130];
    for (unsigned i = 0; i < 130; i++) {
        many[i] = 1000 + i;
        CHECK_ERR(sys_task_map(full, gate, many[i], FERRY_RIGHT_R), FERRY_OK);
    }
    check_batch(full, 1, FERRY_CAP_BATCH_MAX, many, FERRY_CAP_BATCH_MAX, 1128);
    check_batch(full, 1128, FERRY_CAP_BATCH_MAX, many + 128, 2, 0);

    /* the own task read in batches is what TASK_CAP_NEXT enumerates */
    static uint64_t own[SLOTS];
    static struct ferry_cap_entry e[FERRY_CAP_BATCH_MAX];
    unsigned n = enumerate(OWN, own, SLOTS), k = 0;
    for (uint64_t start = 1; start;) {
        struct sys_cap_batch b = batch_of(OWN, start, 7, e);
        for (uint64_t i = 0; i < b.count; i++, k++)
            CHECK(k < n && e[i].slot == own[k], "own task: batch entry %u is slot %u", k,
                  e[i].slot);
        start = b.next;
    }
    CHECK(k == n, "own task: %u slots in batches, %u through cap_next", k, n);

    /* bad arguments: the start slot E_RANGE, the entry count E_INVAL, no R */
    const uint64_t bad_start[] = {0, SLOTS, ~0ul};
    for (unsigned i = 0; i < ARRAY_SIZE(bad_start); i++)
        CHECK_ERR(sys_task_cap_batch(fresh, bad_start[i], 1, NULL), FERRY_E_RANGE);
    CHECK_ERR(sys_task_cap_batch(fresh, 1, 0, NULL), FERRY_E_INVAL);
    CHECK_ERR(sys_task_cap_batch(fresh, 1, FERRY_CAP_BATCH_MAX + 1, NULL), FERRY_E_INVAL);
    CHECK_ERR(sys_task_cap_batch(fresh, 0, 0, NULL), FERRY_E_RANGE); /* the slot checked first */
    CHECK_ERR(sys_task_cap_batch(runtime_copy_cap(fresh, FERRY_RIGHT_W), 1, 1, NULL),
              FERRY_E_NORIGHTS);

    /* a dead capability is listed, flagged */
    uint64_t victim = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, 0xdead);
    CHECK_ERR(sys_task_map(fresh, victim, 300, FERRY_RIGHTS_ALL), FERRY_OK);
    CHECK_ERR(sys_task_unmap_flags(OWN, victim, FERRY_UNMAP_DESTROY), FERRY_OK);
    struct sys_cap_batch b = batch_of(fresh, 257, 3, e);
    CHECK(b.count == 3 && e[0].slot == 257 && !(e[0].flags & FERRY_CAP_ENTRY_DEAD) &&
              e[1].slot == 300 && e[1].flags == FERRY_CAP_ENTRY_DEAD && e[1].label == 0xdead &&
              e[1].type == FERRY_OBJ_GATE && e[2].slot == 511 && !e[2].flags,
          "dead gate: %lu entries, slot %u flags %x", (unsigned long)b.count, e[1].slot,
          e[1].flags);
    test_ok("cap_batch: leaves, empty space, full UTCB buf, bad start E_RANGE, dead flagged");
}

static void test_object_ids(void)
{
    uint64_t task = runtime_create(FERRY_OBJ_TASK, 0, 0);
    uint64_t thread = runtime_create(FERRY_OBJ_THREAD, task, 0x10000);
    uint64_t irq = runtime_create(FERRY_OBJ_IRQ, 0, 0x1e0);
    uint64_t thread_id = runtime_cap_info(OWN, thread).id;
    const uint64_t sels[] = {
        OWN,
        FERRY_ROOT_SEL_THREAD,
        FERRY_ROOT_SEL_FACTORY,
        FERRY_ROOT_SEL_INITRD,
        FERRY_ROOT_SEL_IMAGE,
        FERRY_ROOT_SEL_RAM,
        other,
        gate,
        task,
        thread,
        irq,
        runtime_create(FERRY_OBJ_GATE, thread, GATE_LABEL), /* same label, another gate */
        runtime_create(FERRY_OBJ_GATE, thread, GATE_LABEL),
        runtime_create(FERRY_OBJ_TASK, 0, 0),
    };
    enum { N = ARRAY_SIZE(sels) };
    uint64_t ids[N];
    for (unsigned i = 0; i < N; i++) {
        ids[i] = runtime_cap_info(OWN, sels[i]).id;
        CHECK(ids[i] != 0, "slot %lu has id 0", (unsigned long)sels[i]);
        for (unsigned j = 0; j < i; j++)
            CHECK(ids[i] != ids[j], "slots %lu and %lu share id %lu", (unsigned long)sels[i],
                  (unsigned long)sels[j], (unsigned long)ids[i]);
    }
    /* stable: later creations, copies and other tasks' views change nothing */
    runtime_create(FERRY_OBJ_GATE, thread, 1);
    uint64_t copy = runtime_copy_cap(thread, FERRY_RIGHT_R);
    CHECK_ERR(sys_task_map(task, thread, 99, FERRY_RIGHT_W), FERRY_OK);
    for (unsigned i = 0; i < N; i++)
        CHECK(runtime_cap_info(OWN, sels[i]).id == ids[i], "id of slot %lu changed",
              (unsigned long)sels[i]);
    CHECK(runtime_cap_info(OWN, copy).id == thread_id && runtime_cap_info(task, 99).id == thread_id,
          "copies of the thread have other ids");
    struct sys_cap_info info = runtime_cap_info(OWN, irq);
    CHECK(info.type == FERRY_OBJ_IRQ && info.label == 0x1e0, "irq: type %lu label %lx",
          (unsigned long)info.type, (unsigned long)info.label);
    test_ok("object ids unique across objects and stable");
}

static void test_factory_errors(void)
{
    uint64_t dest = runtime_alloc_sel();
    const uint64_t bad_types[] = {
        FERRY_OBJ_NONE, FERRY_OBJ_FACTORY, FERRY_OBJ_MEMORY, FERRY_OBJ_TYPE_COUNT, 99, ~0ul};
    for (unsigned i = 0; i < ARRAY_SIZE(bad_types); i++) {
        CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, bad_types[i], dest, 0, 0), FERRY_E_INVAL);
        check_empty(OWN, dest);
    }
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, gate, 0, 0), FERRY_E_OCCUPIED);
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, OWN, FERRY_ROOT_SEL_THREAD, 1),
              FERRY_E_OCCUPIED);
    check_same(OWN, gate, gate, FERRY_RIGHTS_ALL);
    CHECK(runtime_cap_info(OWN, gate).label == GATE_LABEL, "occupied slot changed");
    CHECK(runtime_cap_info(OWN, OWN).type == FERRY_OBJ_TASK, "own task slot changed");
    const uint64_t bad_dest[] = {0, SLOTS, ~0ul};
    for (unsigned i = 0; i < 3; i++)
        CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, bad_dest[i], 0, 0),
                  FERRY_E_RANGE);
    CHECK_ERR(sys_create(OWN, FERRY_OBJ_TASK, dest, 0, 0), FERRY_E_BADTYPE);
    check_empty(OWN, dest);
    /* the slot is still usable */
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, dest, 0, 0), FERRY_OK);
    CHECK(runtime_cap_info(OWN, dest).type == FERRY_OBJ_TASK &&
              runtime_cap_info(OWN, dest).rights == FERRY_RIGHTS_ALL,
          "created task");
    test_ok("factory_create: unknown type E_INVAL, occupied E_OCCUPIED, dest 0 E_RANGE");
}

/* The root task's initial capabilities carry exactly the rights docs/kernel.md
 * gives them (memory never G: it is granted by mapping, not by transfer). */
static void test_root_rights(const struct ferry_bootinfo *bi)
{
    const uint64_t all = FERRY_RIGHTS_ALL, rwx = FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X;
    check_same(OWN, FERRY_ROOT_SEL_TASK, FERRY_ROOT_SEL_TASK, all);
    check_same(OWN, FERRY_ROOT_SEL_THREAD, FERRY_ROOT_SEL_THREAD, all);
    check_same(OWN, FERRY_ROOT_SEL_FACTORY, FERRY_ROOT_SEL_FACTORY, all);
    check_same(OWN, FERRY_ROOT_SEL_INITRD, FERRY_ROOT_SEL_INITRD, FERRY_RIGHT_R);
    check_same(OWN, FERRY_ROOT_SEL_IMAGE, FERRY_ROOT_SEL_IMAGE, rwx);
    CHECK(bi->ram_count > 0, "no RAM capability");
    for (unsigned i = 0; i < bi->ram_count; i++)
        check_same(OWN, bi->ram[i].sel, bi->ram[i].sel, rwx);
    for (unsigned i = 0; i < bi->device_count; i++)
        check_same(OWN, bi->devices[i].sel, bi->devices[i].sel, FERRY_RIGHT_R | FERRY_RIGHT_W);
    test_ok("root task's initial capabilities have the documented rights");
}

int root_main(const struct ferry_bootinfo *bi)
{
    test_root_rights(bi);
    gate = runtime_create(FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, GATE_LABEL);
    other = runtime_create(FERRY_OBJ_TASK, 0, 0);
    test_map_own();
    test_map_other();
    test_occupied();
    test_ranges();
    test_rights_shrink();
    test_task_rights();
    test_cap_next();
    test_cap_batch();
    test_object_ids();
    test_factory_errors();
    test_empty_slot_everywhere();
    printf("caps: all tests passed\n");
    return 0;
}
