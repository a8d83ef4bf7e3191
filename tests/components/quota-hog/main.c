/*
 * quota-hog: exhausts its quota on every kind of object core keeps for a
 * client, one kind per session of its own (so each exhaustion is of that
 * session's quota), and reports how many it got and which error ended it:
 *
 *   signals and RPC gates   a PD session (PD_ALLOC_SIGNAL, PD_ALLOC_RPC_CAP)
 *   threads                 a CPU session (CPU_CREATE_THREAD)
 *   region maps             an RM session (RM_CREATE)
 *   dataspaces              a PD session (PD_ALLOC_RAM)
 *   attachments             a managed map of an RM session (RM_ATTACH)
 *
 * Core must answer E_QUOTA or E_CAPQUOTA, never E_NOMEM, and the counts follow
 * from the charging rules alone (docs/framework.md, "Sessions, labels and
 * quota"), whatever other clients hold.
 *
 * Arguments: `role hog` (large donations; when done it keeps everything and
 * announces the service named by `done`, whose sessions are denied: a
 * sibling's open then tells it this hog is done; a session request with
 * args "exit" makes it exit) or `role victim` (small donations, after it has
 * waited for the services named in `wait`, comma separated; then it asks
 * each of them to exit and exits itself).
 */
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <client.h>
#include <env.h>
#include <root.h>
#include <stdio.h>
#include <string.h>

/* Donations of the sessions, one per kind. */
struct donations {
    uint64_t caps_pd_ram, caps_pd_caps; /* signals and RPC gates */
    uint64_t cpu_ram, cpu_caps;         /* threads (one of them for the RPC gates) */
    uint64_t maps_ram, maps_caps;       /* region maps */
    uint64_t ds_ram, ds_caps;           /* dataspaces */
    uint64_t att_ram;                   /* attachments (caps: session, map, its dataspace) */
};

static const struct donations hog = {256 * 1024, 690,        1024 * 1024, 176,      128 * 1024,
                                     241,        512 * 1024, 60,          64 * 1024};
static const struct donations victim = {64 * 1024, 24,         128 * 1024, 12,       64 * 1024,
                                        21,        128 * 1024, 14,         16 * 1024};

#define ATT_MAP_SIZE (64ul << 20) /* room for more attachments than core ever had entries */

static struct env *env;

static void report(const char *kind, unsigned long count, long err)
{
    printf("%s: %lu, then %s\n", kind, count, ferry_error_name(err));
}

static long open_session(const char *service, const char *label, uint64_t ram, uint64_t caps,
                         uint32_t *s)
{
    long err = env_session(env, service, label, NULL, ram, caps, s);
    if (err)
        printf("UNEXPECTED: %s session: %s\n", service, ferry_error_name(err));
    return err;
}

/* RM_CREATE of a managed map; its capability is kept in *map if map != NULL. */
static long map_create(uint32_t rm, uint64_t size, uint32_t *map)
{
    uint32_t m;
    long err = rm_create(rm, size, &m);
    if (err)
        return err;
    if (map)
        *map = m;
    else
        env_cap_drop(m); /* the map stays, charged to the session */
    return FERRY_OK;
}

/* Signals and RPC gates, alternately, until the PD session's quota is gone. */
static void hog_caps(const struct donations *d, uint32_t cpu)
{
    uint32_t pd, thread;
    if (open_session("PD", "signals", d->caps_pd_ram, d->caps_pd_caps, &pd))
        return;
    long err = cpu_create_thread(cpu, pd, "gates", 100, &thread);
    if (err) {
        printf("UNEXPECTED: thread for the RPC gates: %s\n", ferry_error_name(err));
        return;
    }
    unsigned long count = 0;
    for (;; count++) {
        uint32_t cap;
        err =
            count % 2 ? pd_alloc_rpc_cap(pd, thread, &cap, NULL) : pd_alloc_signal(pd, &cap, NULL);
        if (err)
            break;
        env_cap_drop(cap); /* the object stays, charged to the session */
    }
    report("signals and RPC gates", count, err);
}

static void hog_threads(uint32_t cpu)
{
    unsigned long count = 0;
    uint32_t thread;
    long err;
    while ((err = cpu_create_thread(cpu, env->pd, "hog", 100, &thread)) == FERRY_OK)
        count++;
    report("threads", count, err);
}

static void hog_maps(const struct donations *d)
{
    uint32_t rm;
    if (open_session("RM", "maps", d->maps_ram, d->maps_caps, &rm))
        return;
    unsigned long count = 0;
    long err;
    while ((err = map_create(rm, FERRY_PAGE_SIZE, NULL)) == FERRY_OK)
        count++;
    report("region maps", count, err);
}

static void hog_dataspaces(const struct donations *d)
{
    uint32_t pd, ds;
    if (open_session("PD", "dataspaces", d->ds_ram, d->ds_caps, &pd))
        return;
    unsigned long count = 0;
    long err;
    while ((err = pd_alloc_ram(pd, FERRY_PAGE_SIZE, &ds)) == FERRY_OK)
        count++;
    report("dataspaces", count, err);
}

/* One page of ours attached at every page of a managed map of our own. */
static void hog_attachments(const struct donations *d)
{
    uint32_t rm, map, ds;
    if (open_session("RM", "attachments", d->att_ram, 3, &rm))
        return;
    long err = map_create(rm, ATT_MAP_SIZE, &map);
    if (!err)
        err = pd_alloc_ram(env->pd, FERRY_PAGE_SIZE, &ds);
    if (err) {
        printf("UNEXPECTED: map or dataspace to attach: %s\n", ferry_error_name(err));
        return;
    }
    unsigned long count = 0;
    uint64_t at;
    while (count < ATT_MAP_SIZE / FERRY_PAGE_SIZE &&
           (err = rm_attach(map, ds, count * FERRY_PAGE_SIZE, 0, 0, 0, &at)) == FERRY_OK)
        count++;
    report("attachments", count, err);
}

static void hog_all(const struct donations *d)
{
    uint32_t cpu;
    if (open_session("CPU", "threads", d->cpu_ram, d->cpu_caps, &cpu))
        return;
    hog_caps(d, cpu);
    hog_threads(cpu);
    hog_maps(d);
    hog_dataspaces(d);
    hog_attachments(d);
}

/* ---- role hog: announce `done`, exit when asked ---- */

static uint32_t exit_signal;

static void exit_waiter(void *arg)
{
    (void)arg;
    sys_irq_wait(exit_signal, FERRY_TIMEOUT_NEVER);
    printf("asked to exit\n");
    env_exit(env, 0);
}

static long done_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                      uint64_t caps, struct rpc_object **session)
{
    (void)root;
    (void)label;
    (void)ram;
    (void)caps;
    (void)session;
    if (args && strcmp(args, "exit") == 0)
        sys_irq_trigger(exit_signal); /* not here: init waits for this answer */
    return FERRY_E_DENIED;            /* "done": nothing to open */
}

static void done_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    (void)session;
}

static struct service_root done_root = {.open = done_open, .close = done_close};

static void role_hog(void)
{
    const char *done = env_arg(env, "done");
    long err = env_signal_alloc(env, &exit_signal);
    if (!err && !env_thread_spawn(env, "exit", 100, exit_waiter, NULL, &err))
        err = err ? err : FERRY_E_NOMEM;
    if (err || !done) {
        printf("UNEXPECTED: cannot set up the exit: %s\n",
               done ? ferry_error_name(err) : "no done");
        return;
    }
    hog_all(&hog);
    if ((err = env_serve(env, done, &done_root)))
        printf("UNEXPECTED: cannot announce %s: %s\n", done, ferry_error_name(err));
    else
        printf("done, holding everything\n");
}

/* ---- role victim ---- */

/* Calls `service` with `args` until it is announced; its answer is E_DENIED. */
static void call_sibling(const char *service, const char *args)
{
    uint32_t s;
    long err;
    while ((err = env_session(env, service, "", args, 0, 0, &s)) == FERRY_E_BUSY)
        ;
    if (err != FERRY_E_DENIED)
        printf("UNEXPECTED: %s: %s\n", service, ferry_error_name(err));
}

/* Calls every service of the comma-separated list `wait`. */
static void call_siblings(const char *wait, const char *args)
{
    char name[FERRY_NAME_MAX];
    while (*wait) {
        size_t n = strcspn(wait, ",");
        snprintf(name, sizeof(name), "%.*s", (int)n, wait);
        call_sibling(name, args);
        wait += n + (wait[n] == ',');
    }
}

static void role_victim(void)
{
    const char *wait = env_arg(env, "wait");
    call_siblings(wait ? wait : "", NULL);
    printf("every hog is done\n");
    hog_all(&victim);
    call_siblings(wait ? wait : "", "exit");
    env_exit(env, 0);
}

void component_construct(struct env *e)
{
    env = e;
    const char *role = env_arg(env, "role");
    if (role && strcmp(role, "hog") == 0)
        role_hog();
    else if (role && strcmp(role, "victim") == 0)
        role_victim();
    else
        printf("UNEXPECTED: role must be hog or victim\n");
}
