/*
 * ckpt-mem: touched memory for the checkpoint benchmark (bench/rtcr.scn).
 * It fills `mib` MiB of RAM dataspaces with a pattern without zero pages,
 * measures in guest instructions (rdinstret, exact under -icount) what a
 * plain copy of the same bytes costs in this guest, then gives a checkpointer
 * two moments to act on:
 *
 *     bench: copy_memcpy_MIB_mib     N instructions (memcpy: lib/mem, N.NN per byte)
 *     bench: copy_words_MIB_mib      N instructions (64-bit word loop, N.NN per byte)
 *     NAME: touched MIB MiB
 *     NAME: dirtied P of T pages      (`pause_ms` later: every 100th page written)
 *     NAME: memory intact              (`pause_ms` after that, and every `pause_ms`)
 *
 * The copy's destination is freed before `touched`, so only the `mib` MiB
 * stay. After `dirtied` it keeps checking the whole pattern (`memory CORRUPT
 * at word W` at the first wrong one), so a restore that lost a page shows.
 * One page of its initialised data (nonzero in the ELF, so in the region a
 * restore loads again) is cleared at the start: a restore must zero it again
 * although no image stores it (zero pages are elided); `memory CORRUPT in the
 * cleared data page` if not.
 *
 * Arguments: mib (default 1), pause_ms (default 300), copy (measure the
 * copies: 1, default; 0 skips them), small (1: one more page, attached a
 * second time with a size of 100 bytes, under a page; at `dirtied` a word
 * is written through that small attachment only, and checked with the rest:
 * a checkpointer must count a sub-page attachment as its whole page).
 */
#include <env.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../ckpt.h"

#define PAGE        4096ul
#define DIRTY_EVERY 100 /* 1 % of the pages */

/* Nonzero as loaded, zero from the start of component_construct on. */
static uint64_t cleared[PAGE / 8]
    __attribute__((aligned(4096))) = {[0 ... PAGE / 8 - 1] = 0x5a5a5a5a5a5a5a5aul};

#define SMALL_BYTES 100 /* the small attachment's size: under a page */
#define SMALL_WORD  3   /* the word written through it */

static uint64_t pattern(uint64_t word, uint64_t generation)
{
    return (word * 0x9e3779b97f4a7c15ull) ^ (generation << 56) ^ 0x5a5a5a5a5a5a5a5aull;
}

static uint64_t *alloc(uint64_t bytes, uint32_t *ds)
{
    long err;
    uint64_t *p = env_alloc_attached(ckpt_env, bytes, ds, &err);
    if (!p)
        ckpt_fail("allocating the memory", err);
    return p;
}

/* The word-wise baseline: what a copy costs without picolibc's byte loop. */
static void __attribute__((noinline)) copy_words(uint64_t *dst, const uint64_t *src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i += 4) {
        uint64_t a = src[i], b = src[i + 1], c = src[i + 2], d = src[i + 3];
        dst[i] = a;
        dst[i + 1] = b;
        dst[i + 2] = c;
        dst[i + 3] = d;
    }
}

static void report(const char *what, uint64_t mib, uint64_t instructions, uint64_t bytes)
{
    uint64_t hundredths = instructions * 100 / bytes;
    printf("bench: copy_%s_%lu_mib %lu instructions (%lu.%02lu per byte)\n", what,
           (unsigned long)mib, (unsigned long)instructions, (unsigned long)(hundredths / 100),
           (unsigned long)(hundredths % 100));
}

static void measure_copies(const uint64_t *src, uint64_t mib, uint64_t bytes)
{
    uint32_t ds;
    uint64_t *dst = alloc(bytes, &ds);
    for (uint64_t i = 0; i < bytes / 8; i += PAGE / 8) /* fault the destination in */
        dst[i] = 1;
    uint64_t t0 = sys_instret();
    memcpy(dst, src, bytes);
    uint64_t t1 = sys_instret();
    copy_words(dst, src, bytes / 8);
    uint64_t t2 = sys_instret();
    if (memcmp(dst, src, 64) || dst[bytes / 8 - 1] != src[bytes / 8 - 1])
        ckpt_fail("checking the copy", FERRY_E_INVAL);
    report("memcpy", mib, t1 - t0, bytes);
    report("words", mib, t2 - t1, bytes);
    env_free_attached(ckpt_env, dst, ds);
}

/* The first wrong word, or `words` if all are right. */
static uint64_t check(const uint64_t *mem, uint64_t words)
{
    for (uint64_t i = 0; i < words; i++) {
        uint64_t page = i / (PAGE / 8);
        uint64_t gen = page % DIRTY_EVERY == 0 && i % (PAGE / 8) == 0 ? 1 : 0;
        if (mem[i] != pattern(i, gen))
            return i;
    }
    return words;
}

void component_construct(struct env *e)
{
    ckpt_init(e);
    uint64_t mib = ckpt_arg("mib", 1), pause_ms = ckpt_arg("pause_ms", 300);
    uint64_t bytes = mib << 20, words = bytes / 8, pages = bytes / PAGE;
    if (!mib || mib > 1024)
        ckpt_fail("checking mib (1..1024)", FERRY_E_INVAL);
    memset(cleared, 0, sizeof(cleared));
    uint32_t ds;
    uint64_t *mem = alloc(bytes, &ds);
    for (uint64_t i = 0; i < words; i++)
        mem[i] = pattern(i, 0);
    if (ckpt_arg("copy", 1))
        measure_copies(mem, mib, bytes);
    uint64_t *page = NULL, small_at = 0;
    if (ckpt_arg("small", 0)) {
        uint32_t page_ds;
        long err;
        page = alloc(PAGE, &page_ds);
        for (uint64_t i = 0; i < PAGE / 8; i++)
            page[i] = pattern(i, 0);
        if ((err = env_attach(ckpt_env, page_ds, FERRY_RM_ANY, SMALL_BYTES, 0, FERRY_RM_WRITE,
                              &small_at)))
            ckpt_fail("attaching 100 bytes of the page", err);
    }
    printf("%s: touched %lu MiB\n", ckpt_name, (unsigned long)mib);

    sys_sleep(pause_ms * 1000);
    uint64_t dirtied = 0;
    for (uint64_t p = 0; p < pages; p += DIRTY_EVERY, dirtied++)
        mem[p * (PAGE / 8)] = pattern(p * (PAGE / 8), 1);
    if (page) /* through the small attachment only */
        ((volatile uint64_t *)small_at)[SMALL_WORD] = pattern(SMALL_WORD, 1);
    printf("%s: dirtied %lu of %lu pages\n", ckpt_name, (unsigned long)dirtied,
           (unsigned long)pages);
    for (;;) {
        sys_sleep(pause_ms * 1000);
        uint64_t bad = check(mem, words);
        uint64_t any = 0;
        for (uint64_t i = 0; i < PAGE / 8; i++)
            any |= cleared[i];
        if (any)
            printf("%s: memory CORRUPT in the cleared data page\n", ckpt_name);
        else if (page && page[SMALL_WORD] != pattern(SMALL_WORD, 1))
            printf("%s: memory CORRUPT in the page written through 100 bytes\n", ckpt_name);
        else if (bad == words)
            printf("%s: memory intact\n", ckpt_name);
        else
            printf("%s: memory CORRUPT at word %lu: %#lx\n", ckpt_name, (unsigned long)bad,
                   (unsigned long)mem[bad]);
    }
}
