/*
 * hog: uses up its RAM quota (heap and dataspaces), then its capability
 * quota, and reports the errors it gets. Nothing else may suffer.
 */
#include <ferry/iface/pd.h>
#include <client.h>
#include <env.h>
#include <stdio.h>
#include <stdlib.h>

#define HOG_CHUNK (64ul * 1024)

static void idle(void *arg)
{
    (void)arg;
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

static uint64_t ram_used(struct env *env)
{
    struct ferry_pd_quota_out q;
    return pd_quota(env->pd, &q) ? 0 : q.ram_used;
}

static uint64_t caps_used(struct env *env)
{
    struct ferry_pd_quota_out q;
    return pd_quota(env->pd, &q) ? 0 : q.cap_used;
}

/* Threads until the CPU session's quota is used up; the failed attempt must
 * give back the stack it had already allocated. */
static void threads(struct env *env)
{
    unsigned long count = 0;
    long err;
    while (env_thread_spawn(env, "idle", 100, idle, NULL, &err))
        count++;
    uint64_t before = ram_used(env);
    uint32_t none = env_thread_spawn(env, "idle", 100, idle, NULL, &err);
    printf("threads: %lu, then %s; the failed spawn left %s\n", count, ferry_error_name(err),
           !none && ram_used(env) == before ? "nothing behind" : "MEMORY CHARGED");

    /* a signal handler needs a thread too: its signal and gate must be given back */
    static struct signal_handler handler;
    uint64_t caps = caps_used(env), ram = ram_used(env);
    err = env_signal_handler(env, &handler, idle, NULL);
    printf("signal handler without a thread: %s; it left %s\n", ferry_error_name(err),
           caps_used(env) == caps && ram_used(env) == ram ? "nothing behind" : "MEMORY CHARGED");
}

void component_construct(struct env *env)
{
    threads(env);
    /* core keeps its structs of signals in RAM charged to us (docs/framework.md,
     * "Sessions, labels and quota"): keep a page for them past the heap */
    uint32_t reserve_ds;
    long err;
    void *reserve = env_alloc_attached(env, FERRY_PAGE_SIZE, &reserve_ds, &err);
    unsigned long chunks = 0;
    while (malloc(HOG_CHUNK))
        chunks++;
    printf("heap exhausted after %lu KiB\n", chunks * HOG_CHUNK / 1024);

    uint32_t ds;
    err = pd_alloc_ram(env->pd, 1ul << 30, &ds);
    printf("1 GiB dataspace: %s\n", ferry_error_name(err));
    if (reserve)
        env_free_attached(env, reserve, reserve_ds);

    unsigned long signals = 0;
    uint32_t signal;
    while ((err = env_signal_alloc(env, &signal)) == FERRY_OK)
        signals++;
    printf("capability quota exhausted after %lu signals: %s\n", signals, ferry_error_name(err));
    printf("still alive\n");
    env_exit(env, 0);
}
