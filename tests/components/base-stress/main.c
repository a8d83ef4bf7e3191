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
#include <stdio.h>
#include <stdlib.h>

#define WORKERS    4
#define ROUNDS     150
#define WORKER_PRI 100

static struct env *env;
static uint32_t store;
static uint64_t shared_badge;

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
    if (store_lookup(store, shared_badge, &again)) {
        w->errors++;
        return;
    }
    env_cap_release(shared_badge);

    uint32_t signal;
    uint64_t badge;
    if (env_signal_alloc(env, &signal, &badge)) {
        w->errors++;
        return;
    }
    if (pd_free_signal(env->pd, signal))
        w->errors++;
    env_cap_release(badge);

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

static uint32_t create_shared_object(void)
{
    uint32_t object;
    return store_create(store, 42, &object, &shared_badge) ? 0 : object;
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
    struct capmap_entry *shared = capmap_find(env_capmap, shared_badge);
    /* worker threads and their stacks stay: WORKERS threads + stacks added */
    printf("%u errors; capability map %s, %u entries (%u before the workers), shared object "
           "refs %u\n",
           errors, layout == CAPMAP_OK ? "valid" : capmap_error_name(layout),
           capmap_count(env_capmap), before, shared ? shared->refcount : 0);
    env_exit(env, errors || layout != CAPMAP_OK || !shared || shared->refcount != 1);
}
