/*
 * stub-check: the client stubs (lib/base/client.h) against a server that
 * breaks the layout it claims, as a faulty or hostile server (or a
 * virtualising parent with a bug) might: a "Timer" object on a second
 * entrypoint of this component whose TIMER_ELAPSED replies without the
 * word its layout promises, and whose TIMER_STOP replies a capability
 * nobody asked for. A stub must report the short reply (E_INVAL, its result
 * untouched) and drop the extra capability. Exit code: the failed checks.
 */
#include <client.h>
#include <env.h>
#include <ferry/iface/timer.h>
#include <ferry/macros.h>
#include <stdio.h>

#define LIAR_PRIO  110
#define STOP_CALLS 50

static struct env *env;
static unsigned failures;

static void check(bool ok, const char *what)
{
    failures += !ok;
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
}

static long liar_dispatch(void *self, struct rpc_request *req)
{
    (void)self;
    switch (req->opcode) {
    case FERRY_TIMER_ELAPSED:
        return FERRY_OK; /* struct ferry_timer_elapsed_out is one word: none is sent */
    case FERRY_TIMER_STOP:
        rpc_reply_cap(req, env->log, FERRY_RIGHT_W); /* TIMER_STOP has no result */
        return FERRY_OK;
    default:
        return FERRY_E_BADOP;
    }
}

static const struct rpc_iface liar_iface = {"liar", ferry_timer_sigs, ARRAY_SIZE(ferry_timer_sigs),
                                            liar_dispatch};
static struct rpc_object liar = {.iface = &liar_iface};
static RPC_POOL_STORAGE(1) pool_storage __attribute__((aligned(8)));
static struct rpc_pool pool;
static struct rpc_ep ep = {.pool = &pool};

static void serve(void *arg)
{
    rpc_ep_serve(arg);
}

/* How many slots of our capability space hold the kernel object `id`. */
static unsigned holders(uint64_t id)
{
    unsigned n = 0;
    uint64_t slot = 1;
    struct sys_cap_info info;
    while (sys_task_cap_next(FERRY_COMP_SEL_TASK, slot, &slot) == FERRY_OK) {
        n += sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) == FERRY_OK && info.id == id;
        slot++;
    }
    return n;
}

/* A gate to the liar, served by a thread of ours (the entrypoint runs this test). */
static uint32_t liar_gate(void)
{
    long err;
    uint32_t gate;
    uint64_t badge; /* a pool of our own, so we register the object ourselves */
    rpc_pool_init(&pool, &pool_storage.index.header, sizeof(pool_storage.index),
                  pool_storage.objects, 1);
    uint32_t thread = env_thread_spawn(env, "liar", LIAR_PRIO, serve, &ep, &err);
    if (!thread || (err = pd_alloc_rpc_cap(env->pd, thread, &gate, &badge)) ||
        rpc_pool_insert(&pool, &liar, badge) < 0) {
        printf("setup failed: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    return gate;
}

void component_construct(struct env *e)
{
    env = e;
    uint32_t gate = liar_gate();
    struct sys_cap_info log;
    sys_task_cap_info(FERRY_COMP_SEL_TASK, env->log, &log);

    uint64_t us = 0x5e7;
    long err = timer_elapsed_us(gate, &us);
    printf("short reply: %s\n", ferry_error_name(err));
    check(err == FERRY_E_INVAL && us == 0x5e7, "a reply without its words is E_INVAL, "
                                               "the result untouched");

    unsigned before = holders(log.id), stopped = 0;
    for (unsigned i = 0; i < STOP_CALLS; i++)
        stopped += timer_stop(gate) == FERRY_OK;
    check(stopped == STOP_CALLS, "an unexpected capability does not fail the call");
    check(before == 1 && holders(log.id) == before,
          "the unexpected capabilities are dropped, none stays in a slot");
    printf("stub-check: %u failed\n", failures);
    env_exit(env, (int)failures);
}
