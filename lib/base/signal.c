/*
 * Signal handlers: a signal is a software IRQ object from the PD session.
 * A helper thread per handler waits on it and, for each trigger, calls the
 * handler's RPC object on the entrypoint, where fn runs (env.h).
 */
#include "client.h"
#include "env.h"

#define SIGNAL_DISPATCH    1
#define SIGNAL_THREAD_PRIO 120

static long signal_dispatch(void *self, struct rpc_request *req)
{
    (void)req;
    struct signal_handler *h = self;
    h->fn(h->arg);
    return FERRY_OK;
}

static const struct ferry_rpc_sig signal_sigs[] = {{SIGNAL_DISPATCH, 0, 0}};
static const struct rpc_iface signal_iface = {"signal", signal_sigs, 1, signal_dispatch};

static void signal_thread(void *arg)
{
    struct signal_handler *h = arg;
    for (;;) {
        if (sys_irq_wait(h->signal, FERRY_TIMEOUT_NEVER) != FERRY_OK)
            sys_sleep(FERRY_TIMEOUT_NEVER); /* signal gone: nothing will come */
        rpc_call(h->gate, SIGNAL_DISPATCH, 0, 0, NULL);
    }
}

long env_signal_alloc(struct env *env, uint32_t *signal)
{
    return pd_alloc_signal(env->pd, signal, NULL); /* its badge: in the capability map */
}

long env_signal_handler(struct env *env, struct signal_handler *h, void (*fn)(void *), void *arg)
{
    long err = env_signal_alloc(env, &h->signal);
    if (err)
        return err;
    h->fn = fn;
    h->arg = arg;
    h->obj.iface = &signal_iface;
    h->obj.self = h;
    h->gate = env_rpc_register(env, &h->obj, &err);
    if (h->gate && env_thread_spawn(env, "signal", SIGNAL_THREAD_PRIO, signal_thread, h, &err))
        return FERRY_OK;
    /* nothing half-made stays charged */
    if (h->gate)
        env_rpc_unregister(env, &h->obj);
    pd_free_signal(env->pd, h->signal);
    env_cap_drop(h->signal);
    return err;
}
