/*
 * The server's side of the session protocol (root.h): one request signal per
 * component, a table of the services it serves, and the handler that fetches
 * and answers the parent's pending requests on the entrypoint.
 */
#include "root.h"
#include <ferry/iface/parent.h>
#include <ferry/macros.h>
#include <string.h>

struct served {
    char name[FERRY_NAME_MAX];
    struct service_root *root;
};

static struct served served[ROOT_MAX_SERVICES];
static struct signal_handler requests; /* triggered by the parent */
static bool requests_ready;

static struct service_root *root_of(const char *service)
{
    for (unsigned i = 0; i < ROOT_MAX_SERVICES; i++)
        if (served[i].root && !strcmp(served[i].name, service))
            return served[i].root;
    return NULL;
}

static long request_refuse(struct env *env, uint64_t ticket, long error)
{
    struct ferry_parent_request_refuse_in *in =
        FERRY_RPC_MSG(ferry_parent_request_refuse_in, rpc_mr());
    in->ticket = ticket;
    in->error = (uint64_t)error;
    return rpc_call(env->parent, FERRY_PARENT_REQUEST_REFUSE,
                    FERRY_RPC_WORDS(ferry_parent_request_refuse_in), 0, NULL);
}

/* Opens the session and hands it to the parent. */
static void request_open(struct env *env, const struct ferry_parent_request_next_out *r)
{
    struct service_root *root = root_of(r->service);
    if (!root) {
        request_refuse(env, r->ticket, FERRY_E_DENIED);
        return;
    }
    struct rpc_object *session = NULL;
    long err = root->open(root, r->label, r->args, r->ram, r->caps, &session);
    if (err) {
        request_refuse(env, r->ticket, err);
        return;
    }
    uint32_t gate = env_rpc_register(env, session, &err);
    if (!gate) {
        root->close(root, session);
        request_refuse(env, r->ticket, err);
        return;
    }
    /* sent, not called: the entrypoint is back waiting for the next request
     * at once; a delivery the parent does not take comes back as a CLOSE */
    struct ferry_parent_request_deliver_in *in =
        FERRY_RPC_MSG(ferry_parent_request_deliver_in, rpc_mr());
    in->ticket = r->ticket;
    rpc_copy_words((uint64_t *)(void *)in->service, (const uint64_t *)(const void *)r->service,
                   FERRY_NAME_WORDS);
    rpc_send_cap(FERRY_PARENT_REQUEST_DELIVER_CAP_SESSION, gate, FERRY_RIGHTS_ALL);
    if (sys_ipc_send(env->parent,
                     FERRY_TAG(FERRY_RPC_WORDS(ferry_parent_request_deliver_in), 1,
                               FERRY_PARENT_REQUEST_DELIVER),
                     FERRY_TIMEOUT_NEVER)) {
        root->close(root, session); /* no parent to take it */
        env_rpc_unregister(env, session);
    }
}

static void request_close(struct env *env, const struct ferry_parent_request_next_out *r)
{
    struct service_root *root = root_of(r->service);
    struct rpc_object *session = rpc_pool_find(env->ep.pool, r->session);
    if (!root || !session)
        return; /* not ours (any more): nothing to close */
    root->close(root, session);
    env_rpc_unregister(env, session);
}

/* Answers one request from the parent (a copy: the callbacks' own RPCs reuse
 * the message words). Returns whether more wait. */
static bool request_handle(struct env *env, const struct ferry_parent_request_next_out *msg)
{
    struct ferry_parent_request_next_out r;
    RPC_COPY_MSG(&r, msg);
    r.service[sizeof(r.service) - 1] = r.label[sizeof(r.label) - 1] = 0;
    r.args[sizeof(r.args) - 1] = 0;
    if (r.kind == FERRY_PARENT_REQUEST_OPEN)
        request_open(env, &r);
    else if (r.kind == FERRY_PARENT_REQUEST_CLOSE)
        request_close(env, &r);
    return r.more != 0;
}

/* Fetches and answers requests while the parent says more wait. */
static void serve_requests(void *arg)
{
    struct env *env = arg;
    for (;;) {
        struct rpc_result res;
        if (rpc_call(env->parent, FERRY_PARENT_REQUEST_NEXT, 0, 0, &res) != FERRY_OK ||
            res.words < FERRY_RPC_WORDS(ferry_parent_request_next_out))
            return; /* E_NOENT: none left */
        if (!request_handle(env, FERRY_RPC_MSG(ferry_parent_request_next_out, rpc_mr())))
            return; /* the parent tells again when another one comes */
    }
}

/* The request gate's object: a request the parent sent while the entrypoint
 * waited (FERRY_PARENT_PUSH_REQUEST; nobody waits for a reply). */
static long push_dispatch(void *self, struct rpc_request *req)
{
    struct env *env = self;
    if (request_handle(env, FERRY_RPC_MSG(ferry_parent_request_next_out, req->mr)))
        serve_requests(env);
    return RPC_NO_REPLY;
}

static const struct ferry_rpc_sig push_sigs[] = FERRY_RPC_SIGS(FERRY_PARENT_PUSH_RPCS);
static const struct rpc_iface push_iface = {"parent push", push_sigs, ARRAY_SIZE(push_sigs),
                                            push_dispatch};
static struct rpc_object push = {.iface = &push_iface};
static uint32_t push_gate;

long env_serve(struct env *env, const char *service, struct service_root *root)
{
    struct served *entry = NULL;
    for (unsigned i = 0; i < ROOT_MAX_SERVICES && !entry; i++)
        if (!served[i].root)
            entry = &served[i];
    if (!entry || strlen(service) >= sizeof(entry->name))
        return entry ? FERRY_E_INVAL : FERRY_E_NOMEM;
    if (root_of(service))
        return FERRY_E_EXISTS;
    long err;
    if (!requests_ready) {
        if ((err = env_signal_handler(env, &requests, serve_requests, env)))
            return err;
        requests_ready = true;
    }
    if (!push_gate) {
        push.self = env;
        if (!(push_gate = env_rpc_register(env, &push, &err)))
            return err;
    }
    root->env = env;
    entry->root = root;
    memcpy(entry->name, service, strlen(service) + 1);
    if ((err = env_announce(env, service, requests.signal, push_gate)))
        entry->root = NULL;
    return err;
}
