/*
 * Kernel stress test: STRESS_CALLS random system calls (fixed seed, printed)
 * against victims in every thread state, then proof that the system still
 * works: a fresh thread and gate carry an IPC round trip, a page is mapped and
 * used, a sleep ends on time.
 */
#include "stress.h"
#include <stdio.h>
#include <string.h>

#define PROGRESS_EVERY 20000u
#define SLOT_REFRESH_EVERY 500u
#define EXHAUSTED_CALLS 10000u

static void storm(void)
{
    unsigned restored = 0;
    stress_running = true;
    for (unsigned i = 1; i <= STRESS_CALLS; i++) {
        if (i % SLOT_REFRESH_EVERY == 1) {
            restored += victims_restore();
            slot_cache_refresh();
        }
        stress_one();
        stress_progress = i;
        if (i % PROGRESS_EVERY == 0)
            printf("stress: %u calls\n", i);
    }
    stress_running = false;
    printf("stress: %u random calls done (%lu defused, %lu objects created, %lu destroyed, %u "
           "victim caps restored)\n",
           STRESS_CALLS, (unsigned long)stats.defused, (unsigned long)stats.created,
           (unsigned long)stats.destroyed, restored);
}

static void print_histogram(void)
{
    for (unsigned code = 0; code < FERRY_ERROR_COUNT; code++)
        if (stats.result[code])
            printf("stress: %s %lu\n", ferry_error_name(code), (unsigned long)stats.result[code]);
    uint64_t total = 0;
    for (unsigned code = 0; code <= FERRY_ERROR_COUNT; code++)
        total += stats.result[code];
    CHECK(total == STRESS_CALLS && stats.calls == STRESS_CALLS, "histogram holds %lu results",
          (unsigned long)total);
    for (unsigned nr = 0; nr < 63; nr++)
        if (stats.per_call_ok[nr])
            printf("stress: syscall %u: %lu calls, %lu ok\n", nr,
                   (unsigned long)stats.per_call[nr], (unsigned long)stats.per_call_ok[nr]);
    printf("stress: invalid syscall numbers %lu\n", (unsigned long)stats.per_call[63]);
    const uint64_t *st = stats.states_read;
    printf("stress: thread states read: inactive %lu, ready %lu, blocked %lu, reply_wait %lu, "
           "faulted %lu\n",
           (unsigned long)st[FERRY_RUN_INACTIVE], (unsigned long)st[FERRY_RUN_READY],
           (unsigned long)st[FERRY_RUN_BLOCKED], (unsigned long)st[FERRY_RUN_REPLY_WAIT],
           (unsigned long)st[FERRY_RUN_FAULTED]);
}

/* ---- after the storm ---- */

#define FINAL_WORDS 8
#define FINAL_LABEL 0xf1a1

static void final_server(void *arg)
{
    (void)arg;
    struct ferry_utcb *u = sys_utcb();
    uint64_t tag = 0, label = 0;
    long err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label);
    for (;;) {
        uint64_t reply = FERRY_TAG(0, 0, 0xbad);
        if (err == FERRY_OK && label == FINAL_LABEL) {
            for (unsigned i = 0; i < FERRY_TAG_WORDS(tag); i++)
                u->mr[i] = u->mr[i] * 3 + 1;
            reply = FERRY_TAG(FERRY_TAG_WORDS(tag), 0, FERRY_TAG_PROTO(tag) + 1);
        }
        err = sys_ipc_reply_wait(reply, FERRY_TIMEOUT_NEVER, &tag, &label);
    }
}

static void check_own_slots(void)
{
    struct sel_info info;
    CHECK(sel_lookup(FERRY_ROOT_SEL_TASK, &info) && info.id == reg_root_task_id(),
          "own task slot changed");
    CHECK(sel_lookup(FERRY_ROOT_SEL_THREAD, &info) && info.id == reg_root_thread_id(),
          "own thread slot changed");
    CHECK(sel_lookup(FERRY_ROOT_SEL_FACTORY, &info) && info.type == FERRY_OBJ_FACTORY,
          "factory slot changed");
}

/* A fresh thread and gate, made after the storm: the kernel can still create. */
static uint64_t create_final_server(void)
{
    uint64_t server = runtime_thread_spawn(final_server, 0, 150);
    CHECK(server, "fresh server thread could not be created");
    reg_protect_thread(server); /* the exhaustion phase storms on */
    uint64_t gate = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, gate, server, FINAL_LABEL),
              FERRY_OK);
    return gate;
}

static void check_ipc_round_trip(uint64_t gate)
{
    struct ferry_utcb *u = sys_utcb();
    u->rcv_window = 0; /* the storm left random values here */
    for (unsigned i = 0; i < FINAL_WORDS; i++)
        u->mr[i] = 100 + i;
    uint64_t rtag = 0;
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(FINAL_WORDS, 0, 0x41), 100000, &rtag), FERRY_OK);
    CHECK(FERRY_TAG_WORDS(rtag) == FINAL_WORDS && FERRY_TAG_PROTO(rtag) == 0x42,
          "reply tag %lx", (unsigned long)rtag);
    for (unsigned i = 0; i < FINAL_WORDS; i++)
        CHECK(u->mr[i] == (100 + i) * 3 + 1, "reply word %u is %lu", i, (unsigned long)u->mr[i]);
}

static void check_fresh_page(void)
{
    volatile uint64_t *page = runtime_alloc_pages(1);
    CHECK(page, "no page could be mapped");
    for (unsigned i = 0; i < FERRY_PAGE_SIZE / 8; i++)
        page[i] = i * 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < FERRY_PAGE_SIZE / 8; i++)
        CHECK(page[i] == i * 0x9e3779b97f4a7c15ull, "page word %u lost", i);
    uint64_t paddr = 0, info = 0;
    CHECK_ERR(sys_mem_query(FERRY_ROOT_SEL_TASK, (uint64_t)page, &paddr, &info), FERRY_OK);
    CHECK((info & FERRY_MEMQ_MAPPED) && (info & FERRY_MEMQ_DIRTY) && paddr,
          "fresh page query: info %lx", (unsigned long)info);
}

static void check_sleep(void)
{
    uint64_t before = sys_clock_us();
    CHECK_ERR(sys_sleep(1000), FERRY_OK);
    uint64_t slept = sys_clock_us() - before;
    CHECK(slept >= 1000 && slept < 1000000, "sleep of 1 ms took %lu us", (unsigned long)slept);
}

int root_main(const struct ferry_bootinfo *bi)
{
    printf("stress: seed 0x%lx\n", (unsigned long)STRESS_SEED);
    rng_seed(STRESS_SEED);
    reg_init(bi);
    printf("stress: %lu KiB kernel pool, ram[0] %lu KiB\n",
           (unsigned long)(bi->kernel_pool_free >> 10), (unsigned long)(bi->ram[0].size >> 10));
    victims_setup(bi);
    CHECK_ERR(sys_sleep(2000), FERRY_OK); /* let the victims reach their states */
    printf("stress: victims ready\n");

    storm();
    print_histogram();

    check_own_slots();
    uint64_t gate = create_final_server();
    check_ipc_round_trip(gate);
    check_fresh_page();
    check_sleep();
    printf("stress: system still working after %u calls\n", STRESS_CALLS);

    /* exhausting the pool comes last: later calls meet E_NOMEM everywhere */
    unsigned objects = exhaust_kernel_pool();
    printf("stress: kernel pool exhausted after %u more objects\n", objects);
    for (unsigned i = 0; i < EXHAUSTED_CALLS; i++)
        stress_one();
    check_own_slots();
    check_ipc_round_trip(gate);
    check_sleep();
    printf("stress: IPC and sleep still work after %u calls with the pool exhausted "
           "(%lu E_NOMEM in all)\n",
           EXHAUSTED_CALLS, (unsigned long)stats.result[FERRY_E_NOMEM]);

    /* every victim, in whatever state the storm left it, and the pool filler */
    unsigned victims = victims_destroy(), released = exhaust_release();
    uint64_t task = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, task, 0, 0), FERRY_OK);
    CHECK_ERR(sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, task, FERRY_UNMAP_DESTROY), FERRY_OK);
    check_own_slots();
    check_ipc_round_trip(gate);
    check_sleep();
    printf("stress: %u victims and %u pool-filling objects destroyed: the pool serves again, "
           "IPC and sleep work\n",
           victims, released);
    printf("stress: all tests passed\n");
    return 0;
}
