/*
 * The parent server: the mechanism every parent of components shares (init
 * now, the checkpointer rtcr next). It serves the PARENT interface to each
 * child, keeps the table of sessions each child holds, the services each child
 * announced and the requests waiting for a child server, starts children
 * (child.c) and tears them down on exit or fault. Decisions and reactions are
 * the policy's: where a session request goes, what to do when a child ends.
 *
 * A parent never waits for a child. A session request routed to a child
 * server is queued here and handed to the server without waiting: sent to its
 * request gate if its entrypoint waits for a message (IPC_SEND, zero
 * timeout), else announced by its request signal (the server fetches it). The
 * client's runtime asks (PARENT_SESSION_RESULT) until the server has answered,
 * or until the parent's bound has passed (E_TIMEOUT, and the server is
 * reported by name). Meanwhile the parent serves everyone else. The protocol
 * is documented in docs/framework.md, "Session requests to a child server".
 *
 * Everything runs on the parent's entrypoint: the children's parent objects
 * and their fault signal handlers. No locks.
 */
#ifndef FERRY_BASE_PARENT_SERVER_H
#define FERRY_BASE_PARENT_SERVER_H

#include "child.h"
#include <config/config.h>
#include <ferry/iface/parent.h>

#define PS_MAX_CHILDREN 16
#define PS_CHILD_SESSIONS                                                                          \
    16 /* sessions one child may hold (and requests pending), unless its                           \
           configuration says `sessions N` (child_config.sessions) */
#define PS_SESSIONS                                                                                \
    256                       /* session entries of all children: one pool, each child's           \
                                 limit reserved from it when the child is constructed */
#define PS_CHILD_SERVICES  4  /* services one child announces */
#define PS_CLOSE_QUEUE     16 /* closes waiting for one server to fetch them */
#define PS_SERVER_BOUND_US (500ul * 1000) /* a server answers a request within 0.5 s */

/* A ticket is a sequence number above PS_TICKET_ENTRY_BITS bits naming the
 * session entry (its index in the pool): a request is found without a search. */
#define PS_TICKET_ENTRY_BITS 8
#define PS_TICKET_ENTRY_MASK ((1ull << PS_TICKET_ENTRY_BITS) - 1)
_Static_assert(CONFIG_MAX_SESSIONS == PS_SESSIONS, "`sessions N` can ask for the whole pool");
_Static_assert(PS_SESSIONS <= 1u << PS_TICKET_ENTRY_BITS,
               "a ticket's low bits name every session entry");

struct parent_server;
struct ps_child;
struct ps_session;

enum ps_route_kind {
    PS_ROUTE_DENIED = 0, /* E_DENIED */
    PS_ROUTE_PARENT = 1, /* to the parent's own parent, paid by the child's PD */
    PS_ROUTE_CHILD = 2,  /* to the child `server`, which must announce the service */
};

struct ps_route {
    enum ps_route_kind kind;
    struct ps_child *server; /* PS_ROUTE_CHILD: NULL if no such child was started */
    const char *name;        /* PS_ROUTE_CHILD: the server's name, for messages */
    bool own_quota;          /* PS_ROUTE_PARENT: a plain request paid by the parent itself
                                (its parent routes it anywhere), not by the client's PD;
                                the parent waits for the answer (ENV_SESSION_WAIT_US) */
};

/* What core told about a faulted child's main thread (THREAD_INFO). */
struct ps_fault {
    bool known;    /* false: the main thread reported no fault (another thread did) */
    uint64_t kind; /* FERRY_THREAD_FAULT_* */
    uint64_t addr, pc;
};

/*
 * The policy. Every callback runs on the entrypoint; ps->policy_ctx is the
 * policy's own state, child->policy_data its per-child state. A NULL route
 * denies; other NULL callbacks do nothing.
 */
struct ps_policy {
    /* Where client's request for `service` goes. Must not make RPCs: the
     * request waits in the message words to be forwarded. */
    void (*route)(struct parent_server *ps, struct ps_child *client, const char *service,
                  struct ps_route *out);
    /* The child ended (exit code, or a fault): called before its teardown,
     * while its memory can still be read. */
    void (*exited)(struct parent_server *ps, struct ps_child *child, long code);
    void (*faulted)(struct parent_server *ps, struct ps_child *child, const struct ps_fault *fault);
    /* The fault signal came but the main thread shows no fault: does any thread of
     * the child show one? NULL: assume so. An entry is reused after a child ends,
     * so the late signal of a child that faulted just before it was killed
     * reaches the next one; a policy that knows all threads (rtcr) says false
     * then, and the signal is ignored. */
    bool (*fault_confirmed)(struct parent_server *ps, struct ps_child *child);
    /* The child only serves others (serves_only) and no child without serves_only is
     * alive: the parent ends it now (called before its teardown, which does not wait for
     * it; then exited is not called). */
    void (*ending)(struct parent_server *ps, struct ps_child *child);
    /* No child is alive any more (only after parent_server_started). */
    void (*all_ended)(struct parent_server *ps);
    /* A session routed to the parent was opened (s->slot, s->badge; s->request holds the
     * request as forwarded). The policy may hand the client its own object instead (a
     * virtual session, rtcr): it sets *gate to that object's gate and s->virt_badge to its
     * badge, and keeps s->slot for itself; *gate 0 hands out the real one. An error fails
     * the request (the real session is closed). */
    long (*virtualise)(struct parent_server *ps, struct ps_child *client, struct ps_session *s,
                       uint32_t *gate);
    /* A virtualised session (or one the policy keeps a record of: s->virt set,
     * virt_badge 0) ends (closed by the client, or the client's teardown): the
     * policy drops its object; the real session is closed afterwards. */
    void (*unvirtualise)(struct parent_server *ps, struct ps_child *client, struct ps_session *s);
};

/* A session a child holds, or has asked for. */
enum ps_session_state {
    PS_SESSION_FREE = 0,
    PS_SESSION_QUEUED,  /* waiting for the server to fetch it */
    PS_SESSION_FETCHED, /* the server is opening it */
    PS_SESSION_READY,   /* opened; the client has not collected it yet */
    PS_SESSION_FAILED,  /* refused or timed out; the client has not collected the error */
    PS_SESSION_OPEN,    /* the client holds it */
};

struct ps_session {
    enum ps_session_state state;
    struct ps_child *client; /* not FREE: whose entry it is */
    uint64_t ticket;         /* QUEUED..FAILED: names the request */
    uint64_t deadline;       /* QUEUED, FETCHED: sys_clock_us() past which it fails */
    long error;              /* FAILED */
    struct ps_child *server; /* NULL: the parent's parent serves it */
    uint32_t slot;           /* READY, OPEN: the parent's reference */
    uint64_t badge;
    struct ferry_parent_session_in request;     /* QUEUED, FETCHED: as the server gets it;
                                                   sessions at the parent: as forwarded */
    struct ps_session *queue_prev, *queue_next; /* QUEUED: its place in server's queue */
    uint64_t virt_badge; /* not 0: virtualised (policy->virtualise), the client's badge */
    void *virt;          /* the policy's object of a virtualised session (or record) */
};

struct ps_service {
    bool used;
    char name[FERRY_NAME_MAX];
};

/* A session of this server to close, waiting for the server to fetch it. */
struct ps_close {
    uint64_t badge;               /* of the session object, the server's own */
    char service[FERRY_NAME_MAX]; /* which of its services serves it */
};

struct ps_child {
    struct parent_server *ps;
    struct child child; /* its environment (child.h); child.name is its name */
    void *policy_data;  /* the policy's per-child state (init: its configuration) */
    bool alive;
    bool serves_only; /* set by the policy before parent_server_started: the child only serves
                         the others, and is ended once every child without it has ended */
    struct signal_handler fault;
    bool fault_ready;
    /* its entries in the parent server's pool: at most session_limit (reserved for it
     * while it has this entry) are not FREE */
    unsigned session_limit, session_count;
    /* as a server */
    struct ps_service services[PS_CHILD_SERVICES];
    uint32_t request_signal; /* from PARENT_ANNOUNCE: triggered when requests wait */
    uint64_t request_signal_badge;
    uint32_t request_gate; /* from PARENT_ANNOUNCE: requests are sent to it when it waits */
    uint64_t request_gate_badge;
    bool untold; /* requests wait that it was not told of (busy): a client asks again */
    struct ps_session *queue_head, *queue_tail; /* its QUEUED requests, oldest first */
    unsigned queued;                            /* how many */
    struct ps_close closes[PS_CLOSE_QUEUE];
    unsigned close_count;
    /* verbose log of repeated requests for a service not announced yet */
    char waiting_for[FERRY_NAME_MAX];
    unsigned waiting_repeats;
};

struct parent_server {
    struct env *env;
    const struct ps_policy *policy;
    void *policy_ctx;
    bool verbose;             /* log routing decisions and announcements */
    uint64_t server_bound_us; /* PS_SERVER_BOUND_US unless the policy sets another
                                 (below ENV_SESSION_WAIT_US) */
    uint64_t next_ticket;
    bool started; /* every child of the configuration was tried */
    bool ending;  /* ending the serves_only children: their teardowns do not check again */
    struct ps_child children[PS_MAX_CHILDREN];
    struct ps_session sessions[PS_SESSIONS]; /* every child's, s->client naming whose */
};

/* Prepares an empty parent server. */
void parent_server_init(struct parent_server *ps, struct env *env, const struct ps_policy *policy,
                        void *policy_ctx);

/*
 * Constructs a child from cfg in a free entry (child_construct, with a fault
 * handler and a parent object served here) without starting it: a restore
 * overwrites its state, then resumes it. Returns FERRY_OK with *out, or the
 * error with *failure (CHILD_STEP_SLOT: no free entry).
 */
long parent_server_construct_child(struct parent_server *ps, const struct child_config *cfg,
                                   void *policy_data, struct ps_child **out,
                                   struct child_failure *failure);

/*
 * Starts a child from cfg in a free entry (child_start, with a fault handler
 * and a parent object served here). Returns FERRY_OK with *out, or the error
 * with *failure naming the step that failed (CHILD_STEP_SLOT: no free entry).
 */
long parent_server_start_child(struct parent_server *ps, const struct child_config *cfg,
                               void *policy_data, struct ps_child **out,
                               struct child_failure *failure);

/* Every child was tried: from now on, when no child without serves_only is
 * alive, the serves_only children are ended (the one in the highest entry, the
 * last started, first; policy->ending before each), then all_ended runs (at
 * once if no child is alive). */
void parent_server_started(struct parent_server *ps);

/*
 * Enters a session the policy opened itself at the parent for `child` (a
 * restore re-opens the sessions a child held): slot and badge as from the
 * parent, request as forwarded. The entry is OPEN and ends like any other
 * (policy->unvirtualise first if the policy sets virt_badge). NULL if the
 * child's table is full.
 */
struct ps_session *parent_server_session_add(struct ps_child *child,
                                             const struct ferry_parent_session_in *request,
                                             uint32_t slot, uint64_t badge);

/*
 * Enters an open session of `client` served by the child `server` that the
 * policy re-created itself (a restore re-creates client and server): `slot`
 * and `badge` are the server's session object (one reference of the caller's
 * taken over), `request` as the server got it. It ends like one opened
 * through the parent: the client's PARENT_CLOSE (or its end) asks the server
 * to close it, and the server's end releases it. server NULL: a session at
 * the parent's parent (parent_server_session_add). NULL if the client's
 * table is full.
 */
struct ps_session *ps_adopt_session(struct ps_child *client,
                                    const struct ferry_parent_session_in *request,
                                    struct ps_child *server, uint32_t slot, uint64_t badge);

/*
 * Enters a service `name` that `server` announced in an earlier life (a
 * restored server's runtime does not announce again), as PARENT_ANNOUNCE
 * would: requests for it are routed to the server again, told through the
 * request `signal` and `gate` (the caller's slots; one reference of each
 * taken over, released at the server's end). FERRY_E_EXISTS: another living
 * child serves `name`; FERRY_E_INVAL: not the signal and gate of the server's
 * other services; FERRY_E_CAPQUOTA: PS_CHILD_SERVICES announced. On an error
 * the references stay the caller's.
 */
long ps_adopt_service(struct ps_child *server, const char *name, uint32_t signal,
                      uint64_t signal_badge, uint32_t gate, uint64_t gate_badge);

/* Ends a living child as if it had exited (its sessions, services, PD); the
 * policy's exited callback is not called. */
void parent_server_kill(struct parent_server *ps, struct ps_child *child);

/* The living child called `name`, or NULL. */
struct ps_child *parent_server_child(struct parent_server *ps, const char *name);

/* ---- reports a parent's policy prints (init and rtcr word them alike) ---- */

/* A config_error_fn (lib/config) printing "FILE:LINE: reason" to the log. */
void ps_print_config_error(void *ctx, const char *file, unsigned line, const char *msg);
/* Prints "PREFIXchild 'NAME' faulted", with the kind, address and pc when known. */
void ps_print_fault(const char *prefix, const struct ps_child *c, const struct ps_fault *f);

/* The startup configuration of a configured child (lib/config's struct
 * init_child) under `name`: its binary, quota and arguments (pointing into cfg). */
struct init_child;
void ps_child_config(const struct init_child *cfg, const char *name, struct child_config *out);

#endif
