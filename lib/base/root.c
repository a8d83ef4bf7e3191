/*
 * The server's side of the session protocol (root.h): one request signal per
 * component, a table of the services it serves, and the handler that fetches
 * and answers the parent's pending requests on the entrypoint.
 */
#include "root.h"
#include <ferry/iface/parent.h>
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

/* Opens the session, hands it to the parent; undoes it if the parent no
 * longer wants it (the request was given up: E_NOENT). */
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
    FERRY_RPC_MSG(ferry_parent_request_deliver_in, rpc_mr())->ticket = r->ticket;
    rpc_send_cap(FERRY_PARENT_REQUEST_DELIVER_CAP_SESSION, gate, FERRY_RIGHTS_ALL);
    if (rpc_call(env->parent, FERRY_PARENT_REQUEST_DELIVER,
                 FERRY_RPC_WORDS(ferry_parent_request_deliver_in), 1, NULL)) {
        root->close(root, session);
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

/* The request signal's handler: answers every request the parent holds. */
static void serve_requests(void *arg)
{
    struct env *env = arg;
    for (;;) {
        struct rpc_result res;
        if (rpc_call(env->parent, FERRY_PARENT_REQUEST_NEXT, 0, 0, &res) != FERRY_OK ||
            res.words < FERRY_RPC_WORDS(ferry_parent_request_next_out))
            return; /* E_NOENT: none left */
        /* a copy: the callbacks' own RPCs reuse the message words */
        struct ferry_parent_request_next_out r;
        RPC_COPY_MSG(&r, FERRY_RPC_MSG(ferry_parent_request_next_out, rpc_mr()));
        r.service[sizeof(r.service) - 1] = r.label[sizeof(r.label) - 1] = 0;
        r.args[sizeof(r.args) - 1] = 0;
        if (r.kind == FERRY_PARENT_REQUEST_OPEN)
            request_open(env, &r);
        else if (r.kind == FERRY_PARENT_REQUEST_CLOSE)
            request_close(env, &r);
        if (!r.more)
            return; /* the parent signals again when another one comes */
    }
}

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
    root->env = env;
    entry->root = root;
    memcpy(entry->name, service, strlen(service) + 1);
    if ((err = env_announce(env, service, requests.signal)))
        entry->root = NULL;
    return err;
}
