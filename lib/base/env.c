/*
 * Component start and the environment's sessions (env.h).
 */
#include "client.h"
#include "env.h"
#include "lock.h"
#include "badge_runtime.h"
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <stdio.h>
#include <string.h>

_Thread_local struct ferry_utcb *ferry_utcb_self;

/*
 * The capability map lives in .bss, like the object pool; their addresses and
 * sizes are reported to the PD at start (struct ferry_report), so that the PD's
 * owner can find them.
 * cap_lock serialises every change to it and to the slot allocator's users
 * that go with it (import, release).
 */
#define ENV_CAPMAP_CAPACITY 1024
static CAPMAP_STORAGE(ENV_CAPMAP_CAPACITY) capmap_region __attribute__((aligned(8)));
struct capmap *env_capmap = &capmap_region.header;
static struct lock cap_lock = LOCK_INIT;

static struct slot_alloc slots;
#define ENV_POOL_CAPACITY 256
static RPC_POOL_STORAGE(ENV_POOL_CAPACITY) pool_storage __attribute__((aligned(8)));
static struct rpc_pool pool;
static struct env the_env;

/* ---- capabilities ---- */

uint32_t env_cap_import(uint32_t slot, uint64_t badge)
{
    uint32_t held = 0;
    if (!slot)
        return 0;
    if (!badge) { /* no badge, no identity: it could not be told from others */
        rpc_slot_release(slot);
        return 0;
    }
    lock_acquire(&cap_lock);
    int r = capmap_adopt(env_capmap, badge, slot, &held);
    lock_release(&cap_lock);
    if (r < 0) { /* map full: the capability cannot be accounted for, drop it */
        rpc_slot_release(slot);
        return 0;
    }
    if (r == 1)
        rpc_slot_release(slot); /* folded into the slot already holding it */
    return held;
}

void env_cap_release(uint64_t badge)
{
    uint32_t slot = 0;
    lock_acquire(&cap_lock);
    int left = capmap_unref(env_capmap, badge, &slot);
    lock_release(&cap_lock);
    if (left == 0)
        rpc_slot_release(slot);
}

uint32_t env_cap_lookup(uint64_t badge)
{
    lock_acquire(&cap_lock);
    uint32_t slot = capmap_slot(env_capmap, badge);
    lock_release(&cap_lock);
    return slot;
}

uint64_t env_cap_badge(uint32_t slot)
{
    struct sys_cap_info info;
    if (!slot || sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) != FERRY_OK)
        return 0;
    return info.label;
}

uint32_t env_cap_keep(struct rpc_request *req, unsigned i)
{
    if (i >= req->caps)
        return 0;
    return env_cap_import(rpc_keep_cap(req, i), req->cap_badge[i]);
}

void env_cap_drop(uint32_t slot)
{
    uint64_t badge = env_cap_badge(slot);
    if (badge)
        env_cap_release(badge);
}

uint32_t env_cap_refs(uint32_t slot)
{
    uint64_t badge = env_cap_badge(slot);
    lock_acquire(&cap_lock);
    const struct capmap_entry *e = badge ? capmap_find(env_capmap, badge) : NULL;
    uint32_t refs = e && e->slot == slot ? e->refcount : 0;
    lock_release(&cap_lock);
    return refs;
}

uint32_t env_import_result(struct rpc_result *res)
{
    uint32_t first = 0;
    for (unsigned i = 0; i < res->caps; i++) {
        uint32_t slot = env_cap_import(res->cap_slot[i], res->cap_badge[i]);
        res->cap_slot[i] = slot;
        if (i == 0)
            first = slot;
    }
    return first;
}

void env_capmap_dump(const char *who)
{
    printf("%s: capability map holds %u entries\n", who, capmap_count(env_capmap));
    for (struct capmap_entry *e = capmap_first(env_capmap); e; e = capmap_next(env_capmap, e))
        printf("  badge %lu -> slot %u (refs %u)\n", (unsigned long)e->link.key, e->slot,
               e->refcount);
}

long env_import_cap(struct rpc_result *res, uint32_t *cap)
{
    *cap = res->caps ? env_import_result(res) : 0;
    return *cap ? FERRY_OK : FERRY_E_INVAL;
}

/* ---- sessions ---- */

static void put_session_request(const char *service, const char *label, const char *args,
                                uint64_t ram, uint64_t caps)
{
    struct ferry_parent_session_in *in = FERRY_RPC_MSG(ferry_parent_session_in, rpc_mr());
    in->ram = ram;
    in->caps = caps;
    rpc_put_string((uint64_t *)(void *)in->service, FERRY_NAME_WORDS, service);
    rpc_put_string((uint64_t *)(void *)in->label, FERRY_LABEL_WORDS, label);
    rpc_put_string((uint64_t *)(void *)in->args, FERRY_ARGS_WORDS, args);
}

/*
 * A server started next to us may not have announced its service yet: the
 * parent answers E_BUSY, and we ask again a little later, for up to
 * ENV_SESSION_RETRIES * ENV_SESSION_RETRY_US.
 *
 * A request the parent queued for a child server is pending: we ask for its
 * result (PARENT_SESSION_RESULT) after yielding the CPU (ENV_SESSION_POLL_YIELDS
 * times), then after pauses from ENV_SESSION_POLL_MIN_US doubling up to
 * ENV_SESSION_POLL_MAX_US; at once the first time if the parent could not hand
 * the request to the busy server yet (`handed` 0: it tries again when asked).
 * The parent bounds the server's answer (E_TIMEOUT); ENV_SESSION_WAIT_US only
 * guards against a parent that never decides.
 */
#define ENV_SESSION_RETRY_US    10000ul
#define ENV_SESSION_RETRIES     500
#define ENV_SESSION_POLL_YIELDS 4
#define ENV_SESSION_POLL_MIN_US 100ul
#define ENV_SESSION_POLL_MAX_US 10000ul

/* Waits before asking again whether the pending request has its answer;
 * counts what it slept in *waited (µs). */
static void session_pause(unsigned round, uint64_t *pause, uint64_t *waited)
{
    if (round < ENV_SESSION_POLL_YIELDS) {
        sys_yield(); /* a server ready to answer runs first */
        return;
    }
    sys_sleep(*pause);
    *waited += *pause;
    *pause = *pause * 2 > ENV_SESSION_POLL_MAX_US ? ENV_SESSION_POLL_MAX_US : *pause * 2;
}

/* Waits for the pending request `ticket`; its result (the session) in *res. */
static long session_wait(struct env *env, uint64_t ticket, bool ask_now, struct rpc_result *res)
{
    uint64_t pause = ENV_SESSION_POLL_MIN_US, waited = 0;
    for (unsigned round = 0;; round++) {
        if (round || !ask_now)
            session_pause(round, &pause, &waited);
        FERRY_RPC_MSG(ferry_parent_session_result_in, rpc_mr())->ticket = ticket;
        long err = rpc_call(env->parent, FERRY_PARENT_SESSION_RESULT,
                            FERRY_RPC_WORDS(ferry_parent_session_result_in), 0, res);
        if (err || res->caps || res->words < FERRY_RPC_WORDS(ferry_parent_session_result_out) ||
            !FERRY_RPC_MSG(ferry_parent_session_result_out, rpc_mr())->pending)
            return err;
        if (waited >= ENV_SESSION_WAIT_US)
            return FERRY_E_TIMEOUT;
    }
}

/* A reply to PARENT_SESSION: the session (cap[0]) or a ticket to wait for. */
static long session_reply(struct env *env, struct rpc_result *res, uint32_t *session)
{
    if (!res->caps && res->words >= FERRY_RPC_WORDS(ferry_parent_session_out)) {
        struct ferry_parent_session_out out = *FERRY_RPC_MSG(ferry_parent_session_out, rpc_mr());
        long err = out.ticket ? session_wait(env, out.ticket, !out.handed, res) : FERRY_E_INVAL;
        if (err)
            return err;
    }
    return env_import_cap(res, session);
}

long env_session(struct env *env, const char *service, const char *label, const char *args,
                 uint64_t ram, uint64_t caps, uint32_t *session)
{
    struct rpc_result res;
    long err;
    for (unsigned attempt = 0;; attempt++) {
        put_session_request(service, label, args, ram, caps);
        err = rpc_call(env->parent, FERRY_PARENT_SESSION, FERRY_SESSION_WORDS, 0, &res);
        if (err != FERRY_E_BUSY || attempt == ENV_SESSION_RETRIES)
            break;
        sys_sleep(ENV_SESSION_RETRY_US);
    }
    return err ? err : session_reply(env, &res, session);
}

long env_session_paid(struct env *env, const char *service, const char *label, const char *args,
                      uint64_t ram, uint64_t caps, uint32_t payer, uint32_t *session)
{
    struct rpc_result res;
    put_session_request(service, label, args, ram, caps);
    rpc_send_cap(FERRY_PARENT_SESSION_PAID_CAP_PAYER, payer, FERRY_RIGHTS_ALL);
    long err = rpc_call(env->parent, FERRY_PARENT_SESSION_PAID, FERRY_SESSION_WORDS, 1, &res);
    return err ? err : env_import_cap(&res, session);
}

long env_session_upgrade(struct env *env, uint32_t session, uint64_t ram, uint64_t caps)
{
    struct ferry_parent_upgrade_in *in = FERRY_RPC_MSG(ferry_parent_upgrade_in, rpc_mr());
    in->ram = ram;
    in->caps = caps;
    rpc_send_cap(FERRY_PARENT_UPGRADE_CAP_SESSION, session, FERRY_RIGHTS_ALL);
    return rpc_call(env->parent, FERRY_PARENT_UPGRADE, FERRY_RPC_WORDS(ferry_parent_upgrade_in), 1,
                    NULL);
}

long env_session_close(struct env *env, uint32_t session)
{
    uint64_t badge = env_cap_badge(session);
    rpc_send_cap(FERRY_PARENT_CLOSE_CAP_SESSION, session, FERRY_RIGHTS_ALL);
    long err = rpc_call(env->parent, FERRY_PARENT_CLOSE, 0, 1, NULL);
    if (err == FERRY_OK && badge)
        env_cap_release(badge);
    return err;
}

long env_announce(struct env *env, const char *service, uint32_t signal, uint32_t gate)
{
    if (!signal || !gate)
        return FERRY_E_INVAL;
    struct ferry_parent_announce_in *in = FERRY_RPC_MSG(ferry_parent_announce_in, rpc_mr());
    rpc_put_string((uint64_t *)(void *)in->service, FERRY_NAME_WORDS, service);
    rpc_send_cap(FERRY_PARENT_ANNOUNCE_CAP_SIGNAL, signal, FERRY_RIGHTS_ALL);
    rpc_send_cap(FERRY_PARENT_ANNOUNCE_CAP_GATE, gate, FERRY_RIGHTS_ALL);
    return rpc_call(env->parent, FERRY_PARENT_ANNOUNCE, FERRY_RPC_WORDS(ferry_parent_announce_in),
                    2, NULL);
}

void env_exit(struct env *env, int code)
{
    fflush(stdout);
    FERRY_RPC_MSG(ferry_parent_exit_in, rpc_mr())->code = (uint64_t)(int64_t)code;
    rpc_call(env->parent, FERRY_PARENT_EXIT, FERRY_RPC_WORDS(ferry_parent_exit_in), 0, NULL);
    for (;;) /* the parent tears us down; nothing may run meanwhile */
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

const char *env_arg(const struct env *env, const char *key)
{
    const struct ferry_startup *s = env->startup;
    for (unsigned i = 0; i < FERRY_STARTUP_ARGS; i++)
        if (s->args[i].key[0] && !strncmp(s->args[i].key, key, sizeof(s->args[i].key)))
            return s->args[i].value;
    return NULL;
}

/* ---- RPC objects ---- */

uint32_t env_rpc_register(struct env *env, struct rpc_object *obj, long *err)
{
    uint32_t gate;
    uint64_t badge;
    *err = pd_alloc_rpc_cap(env->pd, env->main_thread, &gate, &badge);
    if (*err)
        return 0;
    if (rpc_pool_insert(env->ep.pool, obj, badge) < 0) {
        pd_free_rpc_cap(env->pd, gate);
        env_cap_release(badge);
        *err = FERRY_E_NOMEM;
        return 0;
    }
    return gate;
}

uint32_t env_rpc_gate(const struct env *env, const struct rpc_object *obj)
{
    uint64_t badge = rpc_pool_badge(env->ep.pool, obj);
    return badge ? env_cap_lookup(badge) : 0;
}

void env_rpc_unregister(struct env *env, struct rpc_object *obj)
{
    uint64_t badge = rpc_pool_badge(env->ep.pool, obj);
    if (!badge)
        return;
    uint32_t gate = env_cap_lookup(badge);
    rpc_pool_remove(env->ep.pool, obj);
    pd_free_rpc_cap(env->pd, gate);
    env_cap_release(badge);
}

/* ---- start ---- */

void base_stdio_init(struct env *env);
void base_heap_init(struct env *env);

/* Tells the PD where the badge tables are (struct ferry_report). */
static void tables_report(struct env *env)
{
    uint32_t ds;
    uint64_t addr;
    if (pd_report(env->pd, &ds) || env_attach(env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr))
        return;
    struct ferry_report *report = (struct ferry_report *)addr;
    report->version = FERRY_REPORT_VERSION;
    report->table[0] = (struct ferry_report_table){FERRY_TABLE_CAPMAP, env_capmap->version,
                                                   (uint64_t)env_capmap, sizeof(capmap_region)};
    report->table[1] =
        (struct ferry_report_table){FERRY_TABLE_RPC_POOL, pool.index->version, (uint64_t)pool.index,
                                    sizeof(pool_storage.index)};
    report->count = 2;
    report->magic = FERRY_REPORT_MAGIC; /* last: the report is complete */
}

/* Sets up the runtime. The startup block's badges go into the capability map and
 * are cleared where they were: after this, badges exist only in the badge tables
 * (the badge rule), none in memory a restore would not rewrite. */
static void env_setup(struct env *env, struct ferry_startup *startup)
{
    slot_alloc_init(&slots, FERRY_COMP_SEL_FREE, FERRY_COMP_SEL_LIMIT);
    rpc_init(&slots, FERRY_COMP_SEL_TASK);
    capmap_init(env_capmap, sizeof(capmap_region), ENV_CAPMAP_CAPACITY);
    for (uint32_t slot = 1; slot < FERRY_COMP_SEL_FREE; slot++) {
        if (startup->badge[slot])
            capmap_insert(env_capmap, startup->badge[slot], slot);
        startup->badge[slot] = 0;
    }
    rpc_pool_init(&pool, &pool_storage.index.header, sizeof(pool_storage.index),
                  pool_storage.objects, ENV_POOL_CAPACITY);
    *env = (struct env){
        .parent = FERRY_COMP_SEL_PARENT,
        .pd = FERRY_COMP_SEL_PD,
        .cpu = FERRY_COMP_SEL_CPU,
        .log = FERRY_COMP_SEL_LOG,
        .rm = FERRY_COMP_SEL_RM,
        .main_thread = FERRY_COMP_SEL_THREAD,
        .task = FERRY_COMP_SEL_TASK,
        .startup = startup,
        .ep = {.pool = &pool},
    };
}

void base_main_start(struct ferry_utcb *utcb, struct ferry_startup *startup)
{
    ferry_utcb_self = utcb;
    if (startup->magic != FERRY_STARTUP_MAGIC) {
        /* no badges, no name: nothing to build an environment from */
        for (;;)
            sys_sleep(FERRY_TIMEOUT_NEVER);
    }
    env_setup(&the_env, startup);
    base_stdio_init(&the_env);
    base_heap_init(&the_env);
    tables_report(&the_env);
    component_construct(&the_env);
    fflush(stdout);
    rpc_ep_serve(&the_env.ep);
}
