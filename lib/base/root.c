#include <ferry/macros.h>
#include "root.h"
#include <ferry/iface/root.h>
#include <stdio.h>

static const struct ferry_rpc_sig root_sigs[] = FERRY_RPC_SIGS(FERRY_ROOT_RPCS);

static long root_session(struct service_root *root, struct rpc_request *req)
{
    char label[FERRY_LABEL_MAX], args[FERRY_ARGS_MAX];
    uint64_t ram = req->mr[FERRY_SESSION_W_RAM], caps = req->mr[FERRY_SESSION_W_CAPS];
    rpc_get_string(req->mr + FERRY_SESSION_W_LABEL, FERRY_LABEL_WORDS, label);
    rpc_get_string(req->mr + FERRY_SESSION_W_ARGS, FERRY_ARGS_WORDS, args);
    struct rpc_object *session = NULL;
    long err = root->open(root, label, args, ram, caps, &session);
    if (err)
        return err;
    uint32_t gate = env_rpc_register(root->env, session, &err);
    if (!gate) {
        root->close(root, session);
        return err;
    }
    rpc_reply_cap(req, gate, FERRY_RIGHTS_ALL);
    return FERRY_OK;
}

static long root_close(struct service_root *root, struct rpc_request *req)
{
    struct rpc_object *session = rpc_pool_find(root->env->ep.pool, req->cap_badge[0]);
    if (!session || session == &root->obj)
        return FERRY_E_BADOBJ;
    root->close(root, session);
    env_rpc_unregister(root->env, session, env_cap_lookup(session->badge));
    return FERRY_OK;
}

static long root_dispatch(void *self, struct rpc_request *req)
{
    struct service_root *root = self;
    switch (req->opcode) {
    case FERRY_ROOT_SESSION:
        return root_session(root, req);
    case FERRY_ROOT_CLOSE:
        return root_close(root, req);
    default:
        return FERRY_E_DENIED; /* ROOT_UPGRADE: sessions here have fixed quota */
    }
}

static const struct rpc_iface root_iface = {
    "root", root_sigs, ARRAY_SIZE(root_sigs), root_dispatch};

long env_serve(struct env *env, const char *service, struct service_root *root)
{
    long err;
    root->env = env;
    root->obj.iface = &root_iface;
    root->obj.self = root;
    if (!env_rpc_register(env, &root->obj, &err))
        return err;
    return env_announce(env, service, &root->obj);
}
