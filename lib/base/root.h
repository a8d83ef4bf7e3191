/*
 * Serving a service: a root (the ROOT interface) opens and closes sessions
 * on behalf of the parent. The component supplies open/close; the root
 * registers each session object on the entrypoint and hands its capability
 * out.
 */
#ifndef FERRY_BASE_ROOT_H
#define FERRY_BASE_ROOT_H

#include "env.h"

struct service_root {
    struct rpc_object obj;
    struct env *env;
    /* Creates a session; sets *session (whose iface and self it fills in). */
    long (*open)(struct service_root *root, const char *label, const char *args, uint64_t ram,
                 uint64_t caps, struct rpc_object **session);
    /* The session is about to be unregistered: free what it holds. */
    void (*close)(struct service_root *root, struct rpc_object *session);
};

/* Registers the root and announces `service` to the parent. */
long env_serve(struct env *env, const char *service, struct service_root *root);

#endif
