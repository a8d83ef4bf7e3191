/*
 * ckpt-managed: memory through a managed region map. It opens an RM session,
 * creates a managed region map of `kb` KiB, attaches two RAM dataspaces into
 * it (the first at offset 0, the second one page from the end, a hole
 * between them), attaches the map's dataspace into its address space and
 * writes a pattern through it. Each Timer tick adds to a word of each
 * dataspace (through the map) and checks the pattern; at tick `grow` it
 * attaches a third dataspace into the hole (after a restore: the map must
 * still be usable) and writes it too. Lines:
 *
 *     NAME: started
 *     NAME: managed map of N KiB at 0xADDR
 *     NAME: tick N: map 0xADDR, words A B C D ok
 *     NAME: grew the map at tick N
 *     NAME: served by its parent: dataspace D, thread T, main thread T, region map R, managed
 *           dataspace M
 *     NAME: done after N ticks
 *
 * `ok` becomes `WRONG` when a word or the pattern differs from what the
 * ticks so far put there (memory lost or a dataspace not where it was).
 * `served by its parent` (at the start and at tick 11) says, for a RAM
 * dataspace, a thread it created, its main thread (slot 6, from its
 * construction), the managed map and its dataspace, whether
 * the capability it holds is a gate served by the same thread as its parent
 * object (yes/no): under rtcr, whether rtcr handed it its own virtual object
 * instead of core's (the kernel's TASK_CAP_INFO: the gate's receiver).
 *
 * Arguments: ticks (default 40), period_ms (default 20), kb (default 64),
 * grow (default 30), grow_offset (default 0: the third dataspace has that many
 * pages more, before the one attached into the map: an attachment at a
 * nonzero offset into its dataspace).
 */
#include <client.h>
#include <ferry/iface/rm.h>
#include <stdio.h>
#include "../ckpt.h"

#define PAGE_SIZE 4096ul

static volatile uint64_t *map; /* the managed map as this component sees it */
static uint64_t map_size;
static uint32_t rm_session, managed, managed_ds, first_ds, idle_thread;

static void print_served(void)
{
    const char *d = ckpt_served_by_parent(first_ds), *t = ckpt_served_by_parent(idle_thread);
    const char *main_thread = ckpt_served_by_parent(FERRY_COMP_SEL_THREAD);
    const char *r = ckpt_served_by_parent(managed), *m = ckpt_served_by_parent(managed_ds);
    printf("%s: served by its parent: dataspace %s, thread %s, main thread %s, region map %s, "
           "managed dataspace %s\n",
           ckpt_name, d, t, main_thread, r, m);
}

/* A second thread that only sleeps (its capability is what is probed). */
static void idle(void *arg)
{
    (void)arg;
    for (;;)
        sys_sleep(1000 * 1000);
}

/* Attaches `pages` pages of a fresh RAM dataspace of `skip` + `pages` pages,
 * from its page `skip` on, at `offset` into the managed map. */
static void attach_ram(uint64_t offset, uint64_t pages, uint64_t skip)
{
    uint32_t ds;
    uint64_t at;
    long err = pd_alloc_ram(ckpt_env->pd, (skip + pages) * PAGE_SIZE, &ds);
    if (err)
        ckpt_fail("PD_ALLOC_RAM", err);
    if (!first_ds)
        first_ds = ds;
    if ((err = rm_attach(managed, ds, offset, pages * PAGE_SIZE, skip * PAGE_SIZE, FERRY_RM_WRITE,
                         &at)))
        ckpt_fail("RM_ATTACH into the managed map", err);
    if (at != offset)
        ckpt_fail("RM_ATTACH at its offset", FERRY_E_RANGE);
}

/* Word i of page p of the map. */
static volatile uint64_t *word(uint64_t page, uint64_t i)
{
    return &map[page * (PAGE_SIZE / 8) + i];
}

/* The pattern of the first page: word i holds i * 3 + 1. */
static int pattern_ok(void)
{
    for (uint64_t i = 1; i < PAGE_SIZE / 8; i++)
        if (*word(0, i) != i * 3 + 1)
            return 0;
    return 1;
}

void component_construct(struct env *env)
{
    ckpt_init(env);
    uint64_t want = ckpt_arg("ticks", 40);
    uint64_t period_ms = ckpt_arg("period_ms", 20);
    uint64_t grow = ckpt_arg("grow", 30);
    uint64_t grow_offset = ckpt_arg("grow_offset", 0);
    map_size = ckpt_arg("kb", 64) * 1024;
    uint64_t last = map_size / PAGE_SIZE - 1, hole = last / 2;
    printf("%s: started\n", ckpt_name);

    uint32_t timer, signal, ds;
    uint64_t at;
    long err;
    if ((err = env_session(ckpt_env, "RM", "", NULL, 8192, 8, &rm_session)))
        ckpt_fail("RM session", err);
    if ((err = rm_create(rm_session, map_size, &managed)))
        ckpt_fail("RM_CREATE", err);
    attach_ram(0, 2, 0);
    attach_ram(last * PAGE_SIZE, 1, 0);
    if ((err = rm_dataspace(managed, &ds)))
        ckpt_fail("RM_DATASPACE", err);
    managed_ds = ds;
    if (!(idle_thread = env_thread_spawn(ckpt_env, "idle", 10, idle, NULL, &err)))
        ckpt_fail("spawning the idle thread", err);
    if ((err = env_attach(ckpt_env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &at)))
        ckpt_fail("attaching the managed map", err);
    map = (volatile uint64_t *)at;
    for (uint64_t i = 1; i < PAGE_SIZE / 8; i++)
        *word(0, i) = i * 3 + 1;
    printf("%s: managed map of %lu KiB at 0x%lx\n", ckpt_name, (unsigned long)(map_size / 1024),
           (unsigned long)at);
    print_served();

    signal = ckpt_timer_signal(&timer);
    if ((err = timer_periodic(timer, period_ms * 1000)))
        ckpt_fail("TIMER_PERIODIC", err);

    volatile uint64_t t = 0, grown = 0; /* in memory, not registers */
    while (t < want) {
        if ((err = sys_irq_wait(signal, FERRY_TIMEOUT_NEVER)))
            ckpt_fail("waiting for the timer signal", err);
        t = t + 1;
        if (t == 11)
            print_served(); /* after a restore at tick 10: the restored objects */
        if (t == grow) {
            attach_ram(hole * PAGE_SIZE, 1, grow_offset);
            grown = t;
            printf("%s: grew the map at tick %lu\n", ckpt_name, (unsigned long)t);
        }
        *word(0, 0) += 1;    /* first dataspace, first page */
        *word(1, 7) += 2;    /* first dataspace, second page */
        *word(last, 5) += 3; /* second dataspace */
        if (grown)
            *word(hole, 9) += 4; /* the third, from its tick on */
        uint64_t g = grown ? t - grown + 1 : 0;
        uint64_t third = grown ? *word(hole, 9) : 0; /* the hole: a fault nobody resolves */
        int ok = *word(0, 0) == t && *word(1, 7) == 2 * t && *word(last, 5) == 3 * t &&
                 third == 4 * g && pattern_ok();
        printf("%s: tick %lu: map 0x%lx, words %lu %lu %lu %lu %s\n", ckpt_name, (unsigned long)t,
               (unsigned long)(uintptr_t)map, (unsigned long)*word(0, 0),
               (unsigned long)*word(1, 7), (unsigned long)*word(last, 5), (unsigned long)third,
               ok ? "ok" : "WRONG");
    }
    timer_stop(timer);
    printf("%s: done after %lu ticks\n", ckpt_name, (unsigned long)t);
    env_exit(ckpt_env, 0);
}
