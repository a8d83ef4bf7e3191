/*
 * base-stress: several threads of one component use the base library at the
 * same time: RPCs with capability results (the receive windows, the slot
 * allocator and the capability map under concurrent use), heap allocations
 * and LOG output. At the end the capability map must be valid and hold
 * exactly what the component holds, and every slot must be accounted for.
 */
#include <ferry/iface/pd.h>
#include <ferry/iface/store.h>
#include <client.h>
#include <env.h>
#include <badge_runtime.h> /* the capability map itself: this test checks it */
#include <ferry/macros.h>
#include <string.h>
#include <tables.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS    4
#define ROUNDS     150
#define WORKER_PRI 100

static struct env *env;
static uint32_t store;
static uint64_t shared_id; /* the shared object's id in the Store session */

struct worker {
    unsigned id;
    unsigned done, errors;
};

static struct worker workers[WORKERS];

/* One round: the shared object again (folds into one slot), a signal of its
 * own (a new slot, then freed), and some heap. */
static void round_trip(struct worker *w)
{
    uint32_t again;
    if (store_lookup(store, shared_id, &again)) {
        w->errors++;
        return;
    }
    env_cap_drop(again); /* folded into the object's slot: one reference less */

    uint32_t signal;
    if (env_signal_alloc(env, &signal)) {
        w->errors++;
        return;
    }
    if (pd_free_signal(env->pd, signal))
        w->errors++;
    env_cap_drop(signal);

    void *p = malloc(64 + 8 * w->id);
    if (!p)
        w->errors++;
    free(p);
}

static void worker_main(void *arg)
{
    struct worker *w = arg;
    for (unsigned i = 0; i < ROUNDS; i++)
        round_trip(w);
    printf("worker %u: %u rounds, %u errors\n", w->id, ROUNDS, w->errors);
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

/*
 * The PD report as a checkpointer reads it, from our own PD: the set of badge
 * tables is valid, and rekeying copies of them with the identity translation
 * of every badge they hold succeeds (tables_rekey_all).
 */
static int check_report(void)
{
    uint32_t ds;
    uint64_t addr;
    if (pd_report(env->pd, &ds) || env_attach(env, ds, FERRY_RM_ANY, 0, 0, 0, &addr))
        return TABLES_E_REPORT;
    const struct ferry_report *report = (const struct ferry_report *)addr;
    static uint64_t copy[2][CAPMAP_REGION_SIZE(1024) / 8]; /* the runtime's two tables */
    static struct badge_translation same[512];
    struct tables_copy copies[FERRY_REPORT_MAX_TABLES];
    size_t n = 0;
    int err = tables_report_validate(report, NULL);
    for (unsigned i = 0; !err && i < report->count; i++) {
        const struct ferry_report_table *t = &report->table[i];
        if (i >= ARRAY_SIZE(copy) || t->size > sizeof(copy[i])) {
            err = TABLES_E_PLACE;
            break;
        }
        memcpy(copy[i], (const void *)t->vaddr, t->size);
        copies[i] = (struct tables_copy){copy[i], t->size};
        struct capmap *m = (struct capmap *)copy[i];
        for (struct capmap_entry *e = capmap_first(m); e && n < ARRAY_SIZE(same);
             e = capmap_next(m, e))
            if (!badge_translation_find(same, n, e->link.key))
                same[n++] = (struct badge_translation){e->link.key, e->link.key};
    }
    if (!err)
        err = tables_rekey_all(report, copies, same, n, NULL);
    printf("report: %u badge tables (%s), %s\n", report->count,
           report->count == 2 && report->table[0].kind == FERRY_TABLE_CAPMAP &&
                   report->table[1].kind == FERRY_TABLE_RPC_POOL
               ? "capability map, RPC object pool"
               : "unexpected kinds",
           tables_error_name(err));
    env_detach(env, addr);
    env_cap_drop(ds);
    return err;
}

static uint32_t create_shared_object(void)
{
    uint32_t object;
    return store_create(store, 42, &object, &shared_id) ? 0 : object;
}

void component_construct(struct env *e)
{
    env = e;
    long err = env_session(env, "Store", "", NULL, 64 * 1024, 16, &store);
    uint32_t obj = err ? 0 : create_shared_object();
    if (!obj) {
        printf("setup failed: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    unsigned before = capmap_count(env_capmap);
    for (unsigned i = 0; i < WORKERS; i++) {
        workers[i].id = i;
        if (!env_thread_spawn(env, "worker", WORKER_PRI, worker_main, &workers[i], &err)) {
            printf("thread %u: %s\n", i, ferry_error_name(err));
            env_exit(env, 1);
        }
    }
    for (unsigned i = 0; i < WORKERS; i++)
        while (!__atomic_load_n(&workers[i].done, __ATOMIC_ACQUIRE))
            sys_sleep(1000);

    unsigned errors = 0;
    for (unsigned i = 0; i < WORKERS; i++)
        errors += workers[i].errors;
    int layout = capmap_validate(env_capmap, CAPMAP_REGION_SIZE(env_capmap->capacity));
    uint32_t shared = env_cap_refs(obj);
    /* worker threads and their stacks stay: WORKERS threads + stacks added */
    printf("%u errors; capability map %s, %u entries (%u before the workers), shared object "
           "refs %u\n",
           errors, layout == CAPMAP_OK ? "valid" : capmap_error_name(layout),
           capmap_count(env_capmap), before, shared);
    int report = check_report();
    unsigned loose = 0; /* the runtime cleared the startup block's badges */
    for (unsigned i = 0; i < FERRY_COMP_SEL_FREE; i++)
        loose += env->startup->badge[i] != 0;
    printf("startup block: %u badges left\n", loose);
    report = report ? report : loose ? TABLES_E_TABLE : TABLES_OK;
    env_exit(env, errors || layout != CAPMAP_OK || shared != 1 || report != TABLES_OK);
}
