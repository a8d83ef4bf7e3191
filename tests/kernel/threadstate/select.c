/*
 * Selective THREAD_READ / THREAD_WRITE (FERRY_TS_*): for every selection,
 * a read writes exactly the selected parts (and the header) into the buffer
 * and leaves every other byte as it was; a write changes exactly the
 * selected parts of the thread (run is read only) and leaves the others.
 * Selections of 0 or with unknown bits are refused with E_INVAL, touching
 * neither the buffer nor the thread.
 */
#include "threadstate.h"
#include <ferry/macros.h>
#include <stdio.h>
#include <string.h>

#define POISON 0xa5

static const uint64_t parts[] = {FERRY_TS_REGS, FERRY_TS_FP, FERRY_TS_RUN, FERRY_TS_UTCB};
static const char *const part_names[] = {"REGS", "FP", "RUN", "UTCB"};

/* A full state of recognisable values, different for each seed. fp_used
 * follows fcsr (THREAD_WRITE sets fp_used when fcsr is nonzero). */
static void fill_state(struct ferry_thread_state *st, unsigned seed)
{
    ferry_thread_state_init(st);
    for (unsigned i = 1; i < 32; i++)
        st->x[i] = 0x1000000000000000ull * seed + 0x100 * i + seed;
    st->pc = 0x10000 + 4 * seed;
    for (unsigned i = 0; i < 32; i++)
        st->f[i] = 0x2000000000000000ull * seed + 0x200 * i + seed;
    st->fcsr = seed & 1 ? 0x20 | seed : 0;
    st->fp_used = seed & 1;
    for (unsigned i = 0; i < FERRY_UTCB_STATE; i++)
        st->utcb[i] = (uint8_t)(i * 13 + seed * 29 + 1);
}

static void write_all(uint64_t thread, const struct ferry_thread_state *st)
{
    CHECK_ERR(state_write(thread, st), FERRY_OK);
}

/* The whole state as THREAD_READ of everything returns it. */
static void read_all(uint64_t thread, struct ferry_thread_state *out)
{
    state_read(thread, out);
}

/* Compares one part of a and b; returns whether the bytes are equal. */
static int part_equal(uint64_t part, const void *a, const void *b)
{
    struct ferry_ts_range r = ferry_ts_part_range(part);
    return !memcmp((const uint8_t *)a + r.off, (const uint8_t *)b + r.off, r.len);
}

/* Every byte of part in buf is POISON. */
static int part_poisoned(uint64_t part, const uint8_t *buf)
{
    struct ferry_ts_range r = ferry_ts_part_range(part);
    for (uint32_t i = 0; i < r.len; i++)
        if (buf[r.off + i] != POISON)
            return 0;
    return 1;
}

/* The parts' ranges tile the state after the header, in order. */
static void check_ranges(void)
{
    uint32_t at = 0x010;
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
        struct ferry_ts_range r = ferry_ts_part_range(parts[i]);
        CHECK(r.off == at && r.len, "part %s at 0x%x len 0x%x", part_names[i], r.off, r.len);
        at += r.len;
    }
    CHECK(at == sizeof(struct ferry_thread_state), "parts end at 0x%x", at);
    CHECK(ferry_ts_part_range(FERRY_TS_ALL).len == 0, "a selection of several parts has a range");
}

/* THREAD_READ of sel: selected parts exact, the rest of the buffer untouched. */
static void check_read(uint64_t thread, uint64_t sel, const struct ferry_thread_state *ref)
{
    uint8_t *buf = sys_utcb()->buf;
    memset(buf, POISON, FERRY_UTCB_BUF);
    CHECK_ERR(sys_thread_read_sel(thread, sel), FERRY_OK);
    const struct ferry_thread_state *got = (const struct ferry_thread_state *)buf;
    CHECK(got->magic == FERRY_THREAD_STATE_MAGIC && got->version == FERRY_THREAD_STATE_VERSION,
          "read of 0x%lx: header 0x%lx %lu", (unsigned long)sel, (unsigned long)got->magic,
          (unsigned long)got->version);
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
        if (sel & parts[i])
            CHECK(part_equal(parts[i], got, ref), "read of 0x%lx: part %s differs",
                  (unsigned long)sel, part_names[i]);
        else
            CHECK(part_poisoned(parts[i], buf), "read of 0x%lx: unselected part %s was written",
                  (unsigned long)sel, part_names[i]);
    }
    for (size_t i = sizeof(struct ferry_thread_state); i < FERRY_UTCB_BUF; i++)
        CHECK(buf[i] == POISON, "read of 0x%lx wrote byte 0x%lx past the state", (unsigned long)sel,
              (unsigned long)i);
}

/* THREAD_WRITE of sel from `b` into a thread holding `a`: selected parts
 * become b's, the others stay a's; run never changes. */
static void check_write(uint64_t thread, uint64_t sel, const struct ferry_thread_state *a,
                        const struct ferry_thread_state *b)
{
    struct ferry_thread_state before, after;
    write_all(thread, a);
    read_all(thread, &before);
    memcpy(sys_utcb()->buf, b, sizeof(*b));
    CHECK_ERR(sys_thread_write_sel(thread, sel), FERRY_OK);
    read_all(thread, &after);
    for (unsigned i = 0; i < ARRAY_SIZE(parts); i++) {
        const struct ferry_thread_state *want =
            (sel & parts[i]) && parts[i] != FERRY_TS_RUN ? b : &before;
        CHECK(part_equal(parts[i], &after, want), "write of 0x%lx: part %s is %s",
              (unsigned long)sel, part_names[i],
              want == b ? "not what was written" : "changed though not selected");
    }
}

/* Bad selections: E_INVAL from both calls, buffer and thread untouched. */
static void check_bad(uint64_t thread, const struct ferry_thread_state *a,
                      const struct ferry_thread_state *b)
{
    static const uint64_t bad[] = {0,          FERRY_TS_ALL + 1,           1ull << 4,
                                   1ull << 63, FERRY_TS_REGS | 1ull << 32, ~0ull};
    struct ferry_thread_state after;
    write_all(thread, a);
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        uint8_t *buf = sys_utcb()->buf;
        memset(buf, POISON, FERRY_UTCB_BUF);
        CHECK_ERR(sys_thread_read_sel(thread, bad[i]), FERRY_E_INVAL);
        for (size_t j = 0; j < FERRY_UTCB_BUF; j++)
            CHECK(buf[j] == POISON, "refused read of 0x%lx wrote byte 0x%lx", (unsigned long)bad[i],
                  (unsigned long)j);
        memcpy(buf, b, sizeof(*b));
        CHECK_ERR(sys_thread_write_sel(thread, bad[i]), FERRY_E_INVAL);
        read_all(thread, &after);
        CHECK(part_equal(FERRY_TS_REGS, &after, a) && part_equal(FERRY_TS_FP, &after, a) &&
                  part_equal(FERRY_TS_UTCB, &after, a),
              "refused write of 0x%lx changed the thread", (unsigned long)bad[i]);
    }
    /* the selection is checked before the rights and state of the thread */
    CHECK_ERR(sys_thread_read_sel(FERRY_ROOT_SEL_THREAD, 0), FERRY_E_INVAL);
    CHECK_ERR(sys_thread_write_sel(FERRY_ROOT_SEL_THREAD, 1ull << 4), FERRY_E_INVAL);
}

void test_selections(void)
{
    static struct ferry_thread_state a, b, ref;
    struct worker w;
    worker_create(&w, 0, PRIO_HIGH); /* never started: readable and writable */
    check_ranges();
    fill_state(&a, 1);
    fill_state(&b, 2);
    write_all(w.thread, &a);
    read_all(w.thread, &ref);
    CHECK(part_equal(FERRY_TS_REGS, &ref, &a) && part_equal(FERRY_TS_FP, &ref, &a) &&
              part_equal(FERRY_TS_UTCB, &ref, &a),
          "a full write did not read back");
    for (uint64_t sel = 1; sel <= FERRY_TS_ALL; sel++)
        check_read(w.thread, sel, &ref);
    for (uint64_t sel = 1; sel <= FERRY_TS_ALL; sel++) {
        check_write(w.thread, sel, &a, &b);
        check_write(w.thread, sel, &b, &a);
    }
    check_bad(w.thread, &a, &b);
    printf("threadstate: every selection reads and writes exactly its parts ok\n");
}
