/*
 * The component environment: what every component's code sees.
 *
 * A component defines
 *
 *     void component_construct(struct env *env);
 *
 * The runtime calls it on the component's first thread once the environment
 * is set up; when it returns, that thread becomes the component's
 * entrypoint and serves the RPC objects the component registered
 * (env_rpc_register) and its signal handlers, one request at a time. So all
 * component code after construction runs on the entrypoint and needs no
 * locks, unless the component starts threads of its own (env_thread_spawn).
 *
 * stdout/stderr (picolibc's printf) go to the LOG session line by line.
 * malloc/free work on a heap of RAM dataspaces from the PD session.
 */
#ifndef FERRY_BASE_ENV_H
#define FERRY_BASE_ENV_H

#include "rpc.h"
#include <ferry/component.h>
#include <ferry/iface/rm.h>
#include <stdint.h>

struct env {
    /* initial capabilities: slots, see include/ferry/component.h */
    uint32_t parent, pd, cpu, log, rm, main_thread, task;
    const struct ferry_startup *startup; /* name, arguments (its badges: cleared at start) */
    struct rpc_ep ep;                    /* the entrypoint (the first thread) */
};

void component_construct(struct env *env);

/* The component's configuration argument `key` (init's `arg` lines), or NULL. */
const char *env_arg(const struct env *env, const char *key);

/* Ends the component: tells the parent, which tears it down. Never returns. */
void env_exit(struct env *env, int code) __attribute__((noreturn));

/* ---- sessions (from the parent) ---- */

/* Opens a session of `service` with `args` ("key=value,...", may be NULL),
 * donating `ram` bytes and `caps` capabilities of quota. Returns the error;
 * the session capability's slot in *session. A request the parent passes to
 * a child server is waited for (E_TIMEOUT when the server does not answer
 * within the parent's bound). */
long env_session(struct env *env, const char *service, const char *label, const char *args,
                 uint64_t ram, uint64_t caps, uint32_t *session);
/* How long env_session waits for a pending request at most (a parent's own
 * bound on its child servers must be shorter). */
#define ENV_SESSION_WAIT_US (5ul * 1000 * 1000)
/* A session paid by the PD session `payer` (PARENT_SESSION_PAID): only core
 * serves it, for the parent of the PD's component. */
long env_session_paid(struct env *env, const char *service, const char *label, const char *args,
                      uint64_t ram, uint64_t caps, uint32_t payer, uint32_t *session);
long env_session_upgrade(struct env *env, uint32_t session, uint64_t ram, uint64_t caps);
long env_session_close(struct env *env, uint32_t session);
/* Offers a service to the parent, which sends session requests to `gate`
 * while the entrypoint waits and triggers `signal` when they wait otherwise
 * (root.h's env_serve does this and answers them). */
long env_announce(struct env *env, const char *service, uint32_t signal, uint32_t gate);

/* ---- capabilities ---- */

/*
 * The badge rule (docs/framework.md, "Badge tables"): an application names a
 * capability by its SLOT, never by its badge. Badges change when a component
 * is restored (on another ECU every object gets a new one); they live only in
 * the runtime's badge tables (the capability map and the RPC object pool),
 * which the runtime reports to its PD and a checkpointer rewrites. So no
 * function here takes or returns a badge, and a component must not keep one
 * (badge_runtime.h holds the runtime's own badge-level functions).
 */

/* Keeps capability argument i of a request (rpc_keep_cap) and takes ownership of
 * it: the slot that now stands for the object (an object already held stays in
 * its slot, one more reference), 0 if it could not be kept. */
uint32_t env_cap_keep(struct rpc_request *req, unsigned i);
/* Drops one reference to the capability in `slot`; the slot is unmapped when the
 * last one goes. */
void env_cap_drop(uint32_t slot);
/* References the runtime holds to the capability in `slot` (0: not held). */
uint32_t env_cap_refs(uint32_t slot);

/* Prints the capability map: one line per entry, "badge -> slot (refs)". */
void env_capmap_dump(const char *who);

/* Imports every capability of an RPC result; returns cap 0's slot (0 if none). */
uint32_t env_import_result(struct rpc_result *res);
/* The same for a result that must carry a capability: E_INVAL if it did not
 * (or it could not be received or entered into the map). */
long env_import_cap(struct rpc_result *res, uint32_t *cap);

/* ---- RPC objects served by this component ---- */

/* Allocates a gate for `obj` (PD_ALLOC_RPC_CAP, bound to the entrypoint) and
 * registers it in the object pool (obj->handle). Returns the gate's slot, or 0
 * with *err. */
uint32_t env_rpc_register(struct env *env, struct rpc_object *obj, long *err);
/* The slot of a registered object's gate (0 if not registered). */
uint32_t env_rpc_gate(const struct env *env, const struct rpc_object *obj);
/* Unregisters the object and frees its gate. */
void env_rpc_unregister(struct env *env, struct rpc_object *obj);

/* ---- memory ---- */

/* A fresh RAM dataspace of `bytes` attached at FERRY_RM_ANY (read-write);
 * returns its address or NULL (err says why), the dataspace in *ds. */
void *env_alloc_attached(struct env *env, uint64_t bytes, uint32_t *ds, long *err);
/* Detaches and frees what env_alloc_attached returned. */
void env_free_attached(struct env *env, void *addr, uint32_t ds);
long env_attach(struct env *env, uint32_t ds, uint64_t at, uint64_t size, uint64_t offset,
                unsigned flags, uint64_t *addr);
long env_detach(struct env *env, uint64_t addr);
/* (the same on any region map and PD session, a child's for its parent:
 * rm_attach, rm_detach, pd_alloc_ram, pd_free_ram in client.h) */

/* ---- threads and signals ---- */

/* Starts fn(arg) on a new thread with its own stack (and TLS) at priority prio.
 * Returns the thread capability's slot, or 0 with *err. */
uint32_t env_thread_spawn(struct env *env, const char *name, unsigned prio, void (*fn)(void *),
                          void *arg, long *err);

/* A bare signal: wait for it with sys_irq_wait(*signal, timeout) yourself; free
 * it with pd_free_signal(env->pd, signal) and env_cap_drop(signal). */
long env_signal_alloc(struct env *env, uint32_t *signal);

/*
 * A signal handler: a signal (software IRQ) whose triggers run fn(arg) on the
 * entrypoint. A small helper thread waits on the signal and passes each
 * trigger to the entrypoint through a local RPC, so handlers run serialised
 * with the component's other RPC objects.
 */
struct signal_handler {
    struct rpc_object obj; /* the entrypoint-side object the helper calls */
    void (*fn)(void *arg);
    void *arg;
    uint32_t signal; /* slot of the signal capability (give it to a source) */
    uint32_t gate;   /* the helper's way into the entrypoint */
};
long env_signal_handler(struct env *env, struct signal_handler *h, void (*fn)(void *), void *arg);

#endif
