/*
 * Serving a service: the server's side of the session protocol with the
 * parent (docs/framework.md, "Session requests to a child server").
 *
 * env_serve announces the service with the component's request gate (an RPC
 * object on the entrypoint) and request signal. The parent sends a request to
 * the gate when the entrypoint waits for a message, and triggers the signal
 * otherwise; then the runtime fetches the pending requests on the entrypoint
 * (PARENT_REQUEST_NEXT, while the parent says more wait). An open runs the
 * root's open callback, registers the session object and sends its capability
 * to the parent (PARENT_REQUEST_DELIVER, without waiting: a delivery the
 * parent does not take comes back as a close), or refuses with the callback's
 * error (PARENT_REQUEST_REFUSE); a close runs the close callback and
 * unregisters the object. The parent never waits for the server, so a
 * callback may itself ask the parent for sessions.
 */
#ifndef FERRY_BASE_ROOT_H
#define FERRY_BASE_ROOT_H

#include "env.h"

#define ROOT_MAX_SERVICES 4 /* services one component serves */

struct service_root {
    struct env *env;
    /* Creates a session; sets *session (whose iface and self it fills in). */
    long (*open)(struct service_root *root, const char *label, const char *args, uint64_t ram,
                 uint64_t caps, struct rpc_object **session);
    /* The session is about to be unregistered: free what it holds. */
    void (*close)(struct service_root *root, struct rpc_object *session);
};

/* Registers the root for `service` and announces it to the parent. */
long env_serve(struct env *env, const char *service, struct service_root *root);

#endif
