/*
 * The parent server (parent_server.h): the PARENT interface served to each
 * child, the children's session tables, the request queues of child servers,
 * and the teardown of children. Policy decisions go through ps->policy.
 *
 * Invariants, per child c and session entry s of c:
 *   - s->server is NULL (served by the parent's parent) or another child;
 *   - QUEUED and FETCHED entries have a ticket and a deadline, and their
 *     server had announced s->request.service when they were queued;
 *   - READY and OPEN entries hold one reference of the parent (s->slot with
 *     s->badge, in the capability map), except an OPEN entry whose server
 *     ended (slot 0: the server's objects are gone);
 *   - tickets are unique (ps->next_ticket only grows), never 0, and their low
 *     PS_TICKET_ENTRY_BITS name the entry that holds them;
 *   - an entry is in its server's queue (queue_head..queue_tail, counted in
 *     queued) exactly when it is QUEUED, in the order of its ticket; FETCHED
 *     means the server got it (sent to its request gate, or REQUEST_NEXT);
 *   - a server is `untold` when requests wait that it was neither sent nor
 *     signalled: the client of the newest one was answered `handed` 0 and
 *     asks again at once, and its SESSION_RESULT tells the server.
 */
#include "parent_server.h"
#include <config/config.h>
#include "client.h"
#include "badge_runtime.h"
#include <ferry/iface/cpu.h>
#include <ferry/macros.h>
#include <ferry/object.h>
#include <stdio.h>
#include <string.h>

_Static_assert(PS_SERVER_BOUND_US < ENV_SESSION_WAIT_US,
               "a request fails in the parent before its client stops waiting");

/* ---- lookup ---- */

static struct ps_session *session_open_by_badge(struct ps_child *c, uint64_t badge)
{
    for (unsigned i = 0; i < PS_SESSIONS; i++) {
        struct ps_session *s = &c->ps->sessions[i];
        if (s->state == PS_SESSION_OPEN && s->client == c &&
            (s->virt_badge ? s->virt_badge : s->badge) == badge)
            return s;
    }
    return NULL;
}

static bool session_pending(const struct ps_session *s)
{
    return s->state >= PS_SESSION_QUEUED && s->state <= PS_SESSION_FAILED;
}

/* The pending entry `ticket` names, if it is one of c's; NULL otherwise. */
static struct ps_session *session_by_ticket(struct ps_child *c, uint64_t ticket)
{
    struct ps_session *s = &c->ps->sessions[(ticket & PS_TICKET_ENTRY_MASK) % PS_SESSIONS];
    return ticket && s->client == c && s->ticket == ticket && session_pending(s) ? s : NULL;
}

/* A new ticket for entry s of child c: unique, never 0, and naming the entry. */
static uint64_t ticket_new(struct ps_child *c, struct ps_session *s)
{
    return ++c->ps->next_ticket << PS_TICKET_ENTRY_BITS | (uint64_t)(s - c->ps->sessions);
}

/* The child whose entry the pending s is. */
static struct ps_child *session_client(struct parent_server *ps, const struct ps_session *s)
{
    (void)ps;
    return s->client;
}

/* A free entry of the pool for c (session_claim makes it c's once it is
 * used), or NULL if c holds its limit already (else the pool has room:
 * construct_child reserved c's limit). */
static struct ps_session *session_free_entry(struct ps_child *c)
{
    if (c->session_count >= c->session_limit) {
        printf("'%s' holds %u sessions (and requests), its limit (`sessions` in its "
               "configuration)\n",
               c->child.name, c->session_limit);
        return NULL;
    }
    for (unsigned i = 0; i < PS_SESSIONS; i++) {
        struct ps_session *s = &c->ps->sessions[i];
        if (s->state == PS_SESSION_FREE)
            return s;
    }
    return NULL;
}

/* Makes the free entry s c's: from here until session_free it counts
 * against c's limit. Invariant: an entry has a client iff it is not FREE. */
static void session_claim(struct ps_child *c, struct ps_session *s, enum ps_session_state state)
{
    s->client = c;
    c->session_count++;
    s->state = state;
}

static struct ps_service *service_of(struct ps_child *c, const char *name)
{
    for (unsigned i = 0; i < PS_CHILD_SERVICES; i++)
        if (c->services[i].used && !strcmp(c->services[i].name, name))
            return &c->services[i];
    return NULL;
}

static bool child_used(const struct ps_child *c)
{
    return c->ps != NULL;
}

struct ps_child *parent_server_child(struct parent_server *ps, const char *name)
{
    for (unsigned i = 0; i < PS_MAX_CHILDREN; i++)
        if (child_used(&ps->children[i]) && !strcmp(ps->children[i].child.name, name))
            return &ps->children[i];
    return NULL;
}

/* ---- the requests of a child server ---- */

/* Appends the QUEUED entry s to its server's queue. */
static void queue_append(struct ps_session *s)
{
    struct ps_child *server = s->server;
    s->queue_next = NULL;
    s->queue_prev = server->queue_tail;
    if (server->queue_tail)
        server->queue_tail->queue_next = s;
    else
        server->queue_head = s;
    server->queue_tail = s;
    server->queued++;
}

/* Takes the QUEUED entry s out of its server's queue (it leaves QUEUED). */
static void queue_remove(struct ps_session *s)
{
    struct ps_child *server = s->server;
    if (s->queue_prev)
        s->queue_prev->queue_next = s->queue_next;
    else
        server->queue_head = s->queue_next;
    if (s->queue_next)
        s->queue_next->queue_prev = s->queue_prev;
    else
        server->queue_tail = s->queue_prev;
    s->queue_prev = s->queue_next = NULL;
    server->queued--;
}

/* A pending request fails; the client collects `err` with its next SESSION_RESULT. */
static void request_fail(struct ps_session *s, long err)
{
    if (s->state == PS_SESSION_QUEUED)
        queue_remove(s);
    s->state = PS_SESSION_FAILED;
    s->error = err;
}

/* Whether the QUEUED or FETCHED request s is past its deadline; if so, the
 * server is named (the caller fails the request with E_TIMEOUT). */
static bool request_late(struct parent_server *ps, const struct ps_session *s)
{
    if ((s->state != PS_SESSION_QUEUED && s->state != PS_SESSION_FETCHED) ||
        sys_clock_us() <= s->deadline)
        return false;
    printf("server '%s' did not answer a session request for '%s' within %lu ms (client '%s')\n",
           s->server->child.name, s->request.service, (unsigned long)(ps->server_bound_us / 1000),
           session_client(ps, s)->child.name);
    return true;
}

/* What `server` gets next: a close (closes go first), its oldest queued
 * request that is not late (*s; the late ones before it fail), or nothing. */
enum ps_next { PS_NEXT_NONE, PS_NEXT_CLOSE, PS_NEXT_OPEN };
static enum ps_next request_next(struct ps_child *server, struct ps_session **s)
{
    if (server->close_count)
        return PS_NEXT_CLOSE;
    while ((*s = server->queue_head)) {
        if (!request_late(server->ps, *s))
            return PS_NEXT_OPEN;
        request_fail(*s, FERRY_E_TIMEOUT); /* leaves the queue */
    }
    return PS_NEXT_NONE;
}

/* Writes what request_next found as the server gets it (nothing taken yet). */
static void request_write(struct ps_child *server, enum ps_next next, const struct ps_session *s,
                          struct ferry_parent_request_next_out *out)
{
    out->more = server->queued + server->close_count - 1; /* after this one */
    if (next == PS_NEXT_CLOSE) {
        const struct ps_close *close = &server->closes[0];
        out->ticket = out->ram = out->caps = 0;
        out->kind = FERRY_PARENT_REQUEST_CLOSE;
        out->session = close->badge;
        rpc_copy_words((uint64_t *)(void *)out->service,
                       (const uint64_t *)(const void *)close->service, FERRY_NAME_WORDS);
        /* nothing of earlier messages leaks out */
        uint64_t *rest = (uint64_t *)(void *)out->label;
        for (unsigned i = 0; i < FERRY_LABEL_WORDS + FERRY_ARGS_WORDS; i++)
            rest[i] = 0;
        return;
    }
    out->ticket = s->ticket;
    out->kind = FERRY_PARENT_REQUEST_OPEN;
    out->ram = s->request.ram;
    out->caps = s->request.caps;
    out->session = 0;
    /* service, label and args: the same words in both layouts */
    rpc_copy_words((uint64_t *)(void *)out->service,
                   (const uint64_t *)(const void *)s->request.service,
                   FERRY_NAME_WORDS + FERRY_LABEL_WORDS + FERRY_ARGS_WORDS);
}

/* The server has got what request_next found: a close is done with, a request
 * is FETCHED. */
static void request_take(struct ps_child *server, enum ps_next next, struct ps_session *s)
{
    if (next == PS_NEXT_CLOSE) {
        memmove(&server->closes[0], &server->closes[1],
                --server->close_count * sizeof(server->closes[0]));
        return;
    }
    queue_remove(s);
    s->state = PS_SESSION_FETCHED;
}

/*
 * Tells the server that requests wait, never waiting for it: if its
 * entrypoint waits for a message, the next request is sent to its request
 * gate (IPC_SEND with a zero timeout, which fails at once when the server is
 * busy) and true returned. Otherwise, if `signal`, its request signal is
 * triggered (the server fetches with PARENT_REQUEST_NEXT); if not, the server
 * is marked untold and the caller's client asks again soon
 * (do_session_result tells it then). Uses the message words.
 */
static bool server_notify(struct ps_child *server, bool signal)
{
    struct ps_session *s = NULL;
    enum ps_next next = request_next(server, &s);
    server->untold = false;
    if (next == PS_NEXT_NONE)
        return false;
    if (server->request_gate) {
        request_write(server, next, s, FERRY_RPC_MSG(ferry_parent_request_next_out, rpc_mr()));
        if (sys_ipc_send(server->request_gate,
                         FERRY_TAG(FERRY_RPC_WORDS(ferry_parent_request_next_out), 0,
                                   FERRY_PARENT_PUSH_REQUEST),
                         FERRY_TIMEOUT_POLL) == FERRY_OK) {
            request_take(server, next, s);
            return true;
        }
    }
    if (signal && server->request_signal)
        sys_irq_trigger(server->request_signal);
    else
        server->untold = true;
    return false;
}

/* The request `ticket` that `server` fetched, or NULL (unknown, or given up). */
static struct ps_session *request_fetched(struct parent_server *ps, struct ps_child *server,
                                          uint64_t ticket)
{
    struct ps_session *s = &ps->sessions[(ticket & PS_TICKET_ENTRY_MASK) % PS_SESSIONS];
    s = s->client ? session_by_ticket(s->client, ticket) : NULL;
    return s && s->server == server && s->state == PS_SESSION_FETCHED ? s : NULL;
}

/* Asks the server to close its session object `badge` of `service` (words
 * of FERRY_NAME_MAX bytes, NUL-terminated). */
static void server_queue_close(struct ps_child *server, uint64_t badge, const char *service)
{
    if (server->close_count < PS_CLOSE_QUEUE) {
        struct ps_close *close = &server->closes[server->close_count++];
        close->badge = badge;
        rpc_copy_words((uint64_t *)(void *)close->service, (const uint64_t *)(const void *)service,
                       FERRY_NAME_WORDS);
        server_notify(server, true); /* nobody asks again for a close */
    } else {
        printf("server '%s' has %u closes waiting: session of '%s' left open\n", server->child.name,
               PS_CLOSE_QUEUE, service);
    }
}

/* ---- sessions ---- */

/* Marks the entry free (what else it holds is meaningless from then on). */
static void session_free(struct ps_session *s)
{
    if (s->state == PS_SESSION_QUEUED)
        queue_remove(s);
    s->state = PS_SESSION_FREE;
    if (s->client)
        s->client->session_count--;
    s->client = NULL;
    s->server = NULL;
    s->slot = 0;
    s->ticket = 0;
    s->virt_badge = 0;
    s->virt = NULL;
}

/* Ends session entry s of child c, whatever its state. */
static void session_end(struct ps_child *c, struct ps_session *s)
{
    struct env *env = c->ps->env;
    if (s->state == PS_SESSION_OPEN || s->state == PS_SESSION_READY) {
        if ((s->virt_badge || s->virt) && c->ps->policy->unvirtualise)
            c->ps->policy->unvirtualise(c->ps, c, s);
        if (!s->server) {
            env_session_close(env, s->slot);
        } else if (s->slot) {
            if (s->server->alive)
                server_queue_close(s->server, s->badge, s->request.service);
            env_cap_release(s->badge);
        }
    }
    /* QUEUED: never fetched; FETCHED: the server's late DELIVER gets E_NOENT
     * and it closes the session itself. */
    session_free(s);
}

/* The request in the message words (label already the parent's) opened at
 * the parent's parent, paid by `payer` (the client's PD, or the PD session a
 * client that is a parent itself named in PARENT_SESSION_PAID). */
static long open_at_parent(struct ps_child *c, struct ps_session *s, uint32_t payer)
{
    struct rpc_result res;
    rpc_send_cap(FERRY_PARENT_SESSION_PAID_CAP_PAYER, payer, FERRY_RIGHTS_ALL);
    long err =
        rpc_call(c->ps->env->parent, FERRY_PARENT_SESSION_PAID, FERRY_SESSION_WORDS, 1, &res);
    if (err)
        return err;
    uint32_t cap;
    if ((err = env_import_cap(&res, &cap)))
        return err;
    session_claim(c, s, PS_SESSION_OPEN);
    s->server = NULL;
    s->slot = cap;
    s->badge = res.cap_badge[0];
    return FERRY_OK;
}

/* The request in the message words (label already the parent's) as a plain
 * session request of the parent, paid by the parent's own PD. */
static long open_own(struct ps_child *c, struct ps_session *s)
{
    struct ferry_parent_session_in in;
    RPC_COPY_MSG(&in, FERRY_RPC_MSG(ferry_parent_session_in, rpc_mr()));
    uint32_t cap;
    long err = env_session(c->ps->env, in.service, in.label, in.args, in.ram, in.caps, &cap);
    if (err)
        return err;
    session_claim(c, s, PS_SESSION_OPEN);
    s->server = NULL;
    s->slot = cap;
    s->badge = env_cap_badge(cap);
    return FERRY_OK;
}

/* The count of requests repeated while their server had not announced. */
static void log_repeats(struct ps_child *c)
{
    if (c->waiting_repeats)
        printf("'%s' asked %u more times for a %s session\n", c->child.name, c->waiting_repeats,
               c->waiting_for);
    c->waiting_repeats = 0;
    c->waiting_for[0] = 0;
}

/* Verbose log of a routing decision: a request repeated while its server has
 * not announced the service is logged once, then counted. */
static void log_route(struct ps_child *c, const char *service, const struct ps_route *route,
                      const char *server_name, bool waiting)
{
    if (!c->ps->verbose)
        return;
    if (waiting && !strcmp(c->waiting_for, service)) {
        c->waiting_repeats++;
        return;
    }
    log_repeats(c);
    if (waiting)
        snprintf(c->waiting_for, sizeof(c->waiting_for), "%s", service);
    printf("'%s' requests a %s session: %s%s%s%s\n", c->child.name, service,
           route->kind == PS_ROUTE_PARENT ? "parent" : "child", server_name ? " " : "",
           server_name ? server_name : "", waiting ? " (not announced yet)" : "");
}

/* Appends `s` to out[*len] within FERRY_LABEL_MAX - 1 bytes. */
static void label_append(char *out, unsigned *len, const char *s)
{
    while (*s && *len < FERRY_LABEL_MAX - 1)
        out[(*len)++] = *s++;
}

/* Rewrites a request's NUL-terminated label L as "NAME -> L" ("NAME" if L is
 * empty), truncated and NUL-padded to FERRY_LABEL_MAX bytes (as snprintf
 * would, without its cost: this runs for every session request). */
static void label_prefix(char *label, const char *name)
{
    char out[FERRY_LABEL_MAX];
    unsigned len = 0;
    label_append(out, &len, name);
    if (label[0]) {
        label_append(out, &len, " -> ");
        label_append(out, &len, label);
    }
    while (len < FERRY_LABEL_MAX)
        out[len++] = 0;
    rpc_copy_words((uint64_t *)(void *)label, (const uint64_t *)(const void *)out,
                   FERRY_LABEL_WORDS);
}

/*
 * The request stays in the message words, where it came in, and is forwarded
 * from there: only the label is rewritten ("CLIENT -> label"). So nothing on
 * the way may make an RPC (the policy's route callback must not; printf
 * restores the words it uses).
 */
static long do_session(struct ps_child *c, struct rpc_request *req, bool paid)
{
    struct parent_server *ps = c->ps;
    struct ferry_parent_session_in *in = FERRY_RPC_MSG(ferry_parent_session_in, req->mr);
    in->service[sizeof(in->service) - 1] = in->label[sizeof(in->label) - 1] = 0;
    in->args[sizeof(in->args) - 1] = 0;
    char service[FERRY_NAME_MAX];
    rpc_copy_words((uint64_t *)(void *)service, (const uint64_t *)(const void *)in->service,
                   FERRY_NAME_WORDS);

    struct ps_route route = {.kind = PS_ROUTE_DENIED};
    if (ps->policy->route)
        ps->policy->route(ps, c, service, &route);
    if (route.kind == PS_ROUTE_DENIED || (paid && route.kind != PS_ROUTE_PARENT)) {
        printf("'%s' requested a %s session%s: denied\n", c->child.name, service,
               route.kind == PS_ROUTE_DENIED ? "" : " paid by another PD (only to the parent)");
        return FERRY_E_DENIED;
    }
    struct ps_session *s = session_free_entry(c);
    if (!s)
        return FERRY_E_CAPQUOTA;

    label_prefix(in->label, c->child.name);

    if (route.kind == PS_ROUTE_PARENT) {
        log_route(c, service, &route, NULL, false);
        if (ps->policy->virtualise)
            RPC_COPY_MSG(&s->request, in);
        uint32_t payer = paid ? req->cap_slot[FERRY_PARENT_SESSION_PAID_CAP_PAYER] : c->child.pd;
        long err = route.own_quota ? open_own(c, s)
                   : payer         ? open_at_parent(c, s, payer)
                                   : FERRY_E_INVAL;
        if (err)
            return err;
        uint32_t gate = 0;
        if (ps->policy->virtualise && (err = ps->policy->virtualise(ps, c, s, &gate))) {
            s->virt_badge = 0;
            session_end(c, s);
            return err;
        }
        *FERRY_RPC_MSG(ferry_parent_session_out, req->mr) = (struct ferry_parent_session_out){0, 0};
        req->reply_words = FERRY_RPC_WORDS(ferry_parent_session_out);
        rpc_reply_cap(req, gate ? gate : s->slot, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    }

    struct ps_child *server = route.server;
    if (server == c) {
        printf("'%s' requested a %s session: routed to itself, denied\n", c->child.name, service);
        return FERRY_E_DENIED;
    }
    if (!server || !server->alive) {
        printf("%s: server '%s' is not running\n", service, route.name ? route.name : "?");
        return FERRY_E_DENIED;
    }
    if (!service_of(server, service)) {
        log_route(c, service, &route, server->child.name, true);
        return FERRY_E_BUSY; /* not announced yet: the client may ask again */
    }
    log_route(c, service, &route, server->child.name, false);
    session_claim(c, s, PS_SESSION_QUEUED);
    s->ticket = ticket_new(c, s);
    s->deadline = sys_clock_us() + ps->server_bound_us;
    s->server = server;
    s->slot = 0;
    RPC_COPY_MSG(&s->request, in);
    queue_append(s);
    /* the server's entrypoint is often just finishing the previous request:
     * then the client asks for the result at once and we try again */
    bool handed = server_notify(server, false);
    struct ferry_parent_session_out *out = FERRY_RPC_MSG(ferry_parent_session_out, req->mr);
    out->ticket = s->ticket;
    out->handed = handed;
    req->reply_words = FERRY_RPC_WORDS(ferry_parent_session_out);
    return FERRY_OK;
}

static long do_session_result(struct ps_child *c, struct rpc_request *req)
{
    uint64_t ticket = FERRY_RPC_MSG(ferry_parent_session_result_in, req->mr)->ticket;
    struct ps_session *s = session_by_ticket(c, ticket);
    if (!s)
        return FERRY_E_NOENT;
    if (request_late(c->ps, s)) {
        session_free(s); /* the client collects the error now */
        return FERRY_E_TIMEOUT;
    }
    if (s->state == PS_SESSION_QUEUED && s->server->untold)
        server_notify(s->server, true); /* second try: now or by the signal */
    struct ferry_parent_session_result_out *out =
        FERRY_RPC_MSG(ferry_parent_session_result_out, req->mr);
    req->reply_words = FERRY_RPC_WORDS(ferry_parent_session_result_out);
    switch (s->state) {
    case PS_SESSION_READY:
        s->state = PS_SESSION_OPEN;
        s->ticket = 0;
        out->pending = 0;
        rpc_reply_cap(req, s->slot, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    case PS_SESSION_FAILED: {
        long err = s->error;
        session_free(s);
        return err;
    }
    default: /* QUEUED, FETCHED */
        out->pending = 1;
        return FERRY_OK;
    }
}

static long do_close(struct ps_child *c, struct rpc_request *req)
{
    struct ps_session *s = session_open_by_badge(c, req->cap_badge[FERRY_PARENT_CLOSE_CAP_SESSION]);
    if (!s)
        return FERRY_E_BADOBJ;
    session_end(c, s);
    return FERRY_OK;
}

static long do_upgrade(struct ps_child *c, struct rpc_request *req)
{
    struct ferry_parent_upgrade_in in = *FERRY_RPC_MSG(ferry_parent_upgrade_in, req->mr);
    struct ps_session *s =
        session_open_by_badge(c, req->cap_badge[FERRY_PARENT_UPGRADE_CAP_SESSION]);
    if (!s)
        return FERRY_E_BADOBJ;
    if (s->server)
        return FERRY_E_DENIED; /* child servers keep their own accounts */
    return env_session_upgrade(c->ps->env, s->slot, in.ram, in.caps);
}

/* ---- the server's side ---- */

/* Whether c may announce `name` with the request signal and gate of these
 * badges: no other living child serves it, c's earlier announcements used
 * the same signal and gate, and c has room for another service. */
static long service_check(struct ps_child *c, const char *name, uint64_t signal_badge,
                          uint64_t gate_badge)
{
    struct parent_server *ps = c->ps;
    for (unsigned i = 0; i < PS_MAX_CHILDREN; i++)
        if (ps->children[i].alive && service_of(&ps->children[i], name))
            return FERRY_E_EXISTS;
    if (c->request_signal &&
        (signal_badge != c->request_signal_badge || gate_badge != c->request_gate_badge))
        return FERRY_E_INVAL; /* one request signal and gate per server */
    for (unsigned i = 0; i < PS_CHILD_SERVICES; i++)
        if (!c->services[i].used)
            return FERRY_OK;
    return FERRY_E_CAPQUOTA;
}

/* Enters `name` into c's services (service_check said there is room). */
static void service_enter(struct ps_child *c, const char *name)
{
    struct ps_service *svc = NULL;
    for (unsigned i = 0; i < PS_CHILD_SERVICES && !svc; i++)
        if (!c->services[i].used)
            svc = &c->services[i];
    svc->used = true;
    snprintf(svc->name, sizeof(svc->name), "%s", name);
    if (c->ps->verbose)
        printf("'%s' announced %s\n", c->child.name, name);
}

static long do_announce(struct ps_child *c, struct rpc_request *req)
{
    char name[FERRY_NAME_MAX];
    memcpy(name, FERRY_RPC_MSG(ferry_parent_announce_in, req->mr)->service, sizeof(name));
    name[sizeof(name) - 1] = 0;
    uint64_t badge = req->cap_badge[FERRY_PARENT_ANNOUNCE_CAP_SIGNAL];
    uint64_t gate_badge = req->cap_badge[FERRY_PARENT_ANNOUNCE_CAP_GATE];
    if (!name[0] || req->cap_type[FERRY_PARENT_ANNOUNCE_CAP_SIGNAL] != FERRY_OBJ_IRQ ||
        req->cap_type[FERRY_PARENT_ANNOUNCE_CAP_GATE] != FERRY_OBJ_GATE)
        return FERRY_E_INVAL; /* no name, or no signal and gate to tell the server with */
    long err = service_check(c, name, badge, gate_badge);
    if (err)
        return err;
    if (!c->request_signal) {
        c->request_signal =
            env_cap_import(rpc_keep_cap(req, FERRY_PARENT_ANNOUNCE_CAP_SIGNAL), badge);
        if (!c->request_signal)
            return FERRY_E_INVAL;
        c->request_signal_badge = badge;
        c->request_gate =
            env_cap_import(rpc_keep_cap(req, FERRY_PARENT_ANNOUNCE_CAP_GATE), gate_badge);
        c->request_gate_badge = c->request_gate ? gate_badge : 0;
    }
    service_enter(c, name);
    return FERRY_OK;
}

static long do_request_next(struct ps_child *server, struct rpc_request *req)
{
    struct ps_session *s = NULL;
    enum ps_next next = request_next(server, &s);
    if (next == PS_NEXT_NONE)
        return FERRY_E_NOENT;
    request_write(server, next, s, FERRY_RPC_MSG(ferry_parent_request_next_out, req->mr));
    request_take(server, next, s);
    req->reply_words = FERRY_RPC_WORDS(ferry_parent_request_next_out);
    return FERRY_OK;
}

static long do_request_deliver(struct ps_child *server, struct rpc_request *req)
{
    struct ferry_parent_request_deliver_in *in =
        FERRY_RPC_MSG(ferry_parent_request_deliver_in, req->mr);
    in->service[sizeof(in->service) - 1] = 0;
    struct ps_session *s = request_fetched(server->ps, server, in->ticket);
    uint64_t badge = req->cap_badge[FERRY_PARENT_REQUEST_DELIVER_CAP_SESSION];
    uint32_t slot =
        s ? env_cap_import(rpc_keep_cap(req, FERRY_PARENT_REQUEST_DELIVER_CAP_SESSION), badge) : 0;
    if (!slot) {
        /* given up (late), unknown, or not a capability: the server gets it
         * back as a CLOSE (its runtime sends DELIVER without waiting) */
        long err = s ? FERRY_E_INVAL : FERRY_E_NOENT;
        if (s)
            request_fail(s, err);
        if (badge && server->request_signal)
            server_queue_close(server, badge, in->service);
        return err;
    }
    s->state = PS_SESSION_READY;
    s->slot = slot;
    s->badge = badge;
    return RPC_NO_REPLY;
}

static long do_request_refuse(struct ps_child *server, struct rpc_request *req)
{
    struct ferry_parent_request_refuse_in in =
        *FERRY_RPC_MSG(ferry_parent_request_refuse_in, req->mr);
    struct ps_session *s = request_fetched(server->ps, server, in.ticket);
    if (!s)
        return FERRY_E_NOENT;
    /* a refusal is an error: OK or an unknown code becomes E_INVAL */
    request_fail(s, in.error > FERRY_OK && in.error < FERRY_ERROR_COUNT ? (long)in.error
                                                                        : FERRY_E_INVAL);
    return FERRY_OK;
}

/* ---- ends of children ---- */

static void child_teardown(struct ps_child *c);

/* Whether a child without serves_only is alive. */
static bool client_alive(const struct parent_server *ps)
{
    for (unsigned i = 0; i < PS_MAX_CHILDREN; i++)
        if (ps->children[i].alive && !ps->children[i].serves_only)
            return true;
    return false;
}

/* Only serves_only children are alive: each is ended, the highest entry (the
 * last started) first, so a server outlives the servers started after it
 * (possibly its clients). A teardown never waits for the child: core stops
 * its threads whatever they do. */
static void end_servers(struct parent_server *ps)
{
    ps->ending = true;
    for (unsigned i = PS_MAX_CHILDREN; i-- > 0;) {
        struct ps_child *c = &ps->children[i];
        if (!c->alive)
            continue;
        if (ps->policy->ending)
            ps->policy->ending(ps, c);
        child_teardown(c);
    }
    ps->ending = false;
}

/* After a child's end (or the start): when no child without serves_only is
 * left, the serves_only ones are ended, and then all_ended runs. */
static void check_all_ended(struct parent_server *ps)
{
    if (!ps->started || ps->ending || client_alive(ps))
        return;
    end_servers(ps);
    if (ps->policy->all_ended)
        ps->policy->all_ended(ps);
}

/* What c served is gone: its clients' requests fail, their sessions are dead. */
static void server_gone(struct ps_child *server)
{
    struct parent_server *ps = server->ps;
    for (unsigned i = 0; i < PS_SESSIONS; i++) {
        struct ps_session *s = &ps->sessions[i];
        if (s->state == PS_SESSION_FREE || s->server != server)
            continue;
        if (s->state == PS_SESSION_QUEUED || s->state == PS_SESSION_FETCHED) {
            request_fail(s, FERRY_E_DENIED);
        } else if (s->slot && (s->state == PS_SESSION_READY || s->state == PS_SESSION_OPEN)) {
            env_cap_release(s->badge);
            s->slot = 0;
        }
    }
    memset(server->services, 0, sizeof(server->services));
    server->close_count = 0;
    server->untold = false;
    if (server->request_signal)
        env_cap_release(server->request_signal_badge);
    if (server->request_gate)
        env_cap_release(server->request_gate_badge);
    server->request_signal = server->request_gate = 0;
    server->request_signal_badge = server->request_gate_badge = 0;
}

/* Ends a child: its sessions, its services, then its own PD, CPU and LOG. */
static void child_teardown(struct ps_child *c)
{
    if (c->ps->verbose)
        log_repeats(c);
    c->alive = false;
    for (unsigned i = 0; i < PS_SESSIONS; i++)
        if (c->ps->sessions[i].client == c)
            session_end(c, &c->ps->sessions[i]);
    server_gone(c);
    struct parent_server *ps = c->ps;
    child_destroy(ps->env, &c->child);
    /* the entry is free for the next child (a restore); its fault handler stays */
    c->ps = NULL;
    memset(&c->child, 0, sizeof(c->child));
    check_all_ended(ps);
}

struct ps_session *parent_server_session_add(struct ps_child *child,
                                             const struct ferry_parent_session_in *request,
                                             uint32_t slot, uint64_t badge)
{
    return ps_adopt_session(child, request, NULL, slot, badge);
}

struct ps_session *ps_adopt_session(struct ps_child *client,
                                    const struct ferry_parent_session_in *request,
                                    struct ps_child *server, uint32_t slot, uint64_t badge)
{
    struct ps_session *s = session_free_entry(client);
    if (!s)
        return NULL;
    session_free(s);
    session_claim(client, s, PS_SESSION_OPEN);
    s->server = server;
    s->slot = slot;
    s->badge = badge;
    RPC_COPY_MSG(&s->request, request);
    return s;
}

long ps_adopt_service(struct ps_child *server, const char *name, uint32_t signal,
                      uint64_t signal_badge, uint32_t gate, uint64_t gate_badge)
{
    long err = service_check(server, name, signal_badge, gate_badge);
    if (err)
        return err;
    if (!server->request_signal) {
        server->request_signal = signal;
        server->request_signal_badge = signal_badge;
        server->request_gate = gate;
        server->request_gate_badge = gate_badge;
    } else { /* the same objects again: the references given are not needed */
        env_cap_release(signal_badge);
        env_cap_release(gate_badge);
    }
    service_enter(server, name);
    return FERRY_OK;
}

void parent_server_kill(struct parent_server *ps, struct ps_child *child)
{
    (void)ps;
    if (child->alive)
        child_teardown(child);
}

static long do_exit(struct ps_child *c, struct rpc_request *req)
{
    long code = (long)FERRY_RPC_MSG(ferry_parent_exit_in, req->mr)->code;
    if (c->ps->policy->exited)
        c->ps->policy->exited(c->ps, c, code);
    child_teardown(c);
    return RPC_NO_REPLY;
}

static long parent_dispatch(void *self, struct rpc_request *req)
{
    struct ps_child *c = self;
    if (!c->alive)
        return FERRY_E_BADOBJ;
    switch (req->opcode) {
    case FERRY_PARENT_SESSION:
        return do_session(c, req, false);
    case FERRY_PARENT_SESSION_PAID: /* a child that is a parent itself (rtcr) */
        return do_session(c, req, true);
    case FERRY_PARENT_SESSION_RESULT:
        return do_session_result(c, req);
    case FERRY_PARENT_UPGRADE:
        return do_upgrade(c, req);
    case FERRY_PARENT_CLOSE:
        return do_close(c, req);
    case FERRY_PARENT_ANNOUNCE:
        return do_announce(c, req);
    case FERRY_PARENT_REQUEST_NEXT:
        return do_request_next(c, req);
    case FERRY_PARENT_REQUEST_DELIVER:
        return do_request_deliver(c, req);
    case FERRY_PARENT_REQUEST_REFUSE:
        return do_request_refuse(c, req);
    case FERRY_PARENT_EXIT:
        return do_exit(c, req);
    default:
        return FERRY_E_BADOP;
    }
}

static const struct rpc_iface parent_iface = {"parent", ferry_parent_sigs,
                                              ARRAY_SIZE(ferry_parent_sigs), parent_dispatch};

static void on_child_fault(void *arg)
{
    struct ps_child *c = arg;
    if (!c->alive)
        return;
    struct ps_fault fault = {0};
    struct ferry_thread_info_out info;
    if (thread_info(c->child.thread, &info) == FERRY_OK &&
        info.fault_kind != FERRY_THREAD_FAULT_NONE)
        fault = (struct ps_fault){true, info.fault_kind, info.fault_addr, info.fault_pc};
    if (!fault.known && c->ps->policy->fault_confirmed && !c->ps->policy->fault_confirmed(c->ps, c))
        return; /* a late signal of the entry's previous child */
    if (c->ps->policy->faulted)
        c->ps->policy->faulted(c->ps, c, &fault);
    child_teardown(c);
}

/* ---- start ---- */

void parent_server_init(struct parent_server *ps, struct env *env, const struct ps_policy *policy,
                        void *policy_ctx)
{
    memset(ps, 0, sizeof(*ps));
    ps->env = env;
    ps->policy = policy;
    ps->policy_ctx = policy_ctx;
    ps->server_bound_us = PS_SERVER_BOUND_US;
}

/* A free entry: never used, or used by a child whose start failed (its fault
 * handler is kept for the next one). */
static struct ps_child *child_free_entry(struct parent_server *ps)
{
    for (unsigned i = 0; i < PS_MAX_CHILDREN; i++)
        if (!child_used(&ps->children[i]))
            return &ps->children[i];
    return NULL;
}

/* Session entries of the pool not reserved for a living child. */
static unsigned sessions_unreserved(const struct parent_server *ps)
{
    unsigned reserved = 0;
    for (unsigned i = 0; i < PS_MAX_CHILDREN; i++)
        if (ps->children[i].alive)
            reserved += ps->children[i].session_limit;
    return reserved < PS_SESSIONS ? PS_SESSIONS - reserved : 0;
}

/* The entry of a child whose construction or start failed (child.c closed
 * everything) is free again; its fault handler stays for the next one. */
static void child_entry_release(struct ps_child *c)
{
    c->alive = false;
    c->ps = NULL;
    memset(&c->child, 0, sizeof(c->child));
}

long parent_server_construct_child(struct parent_server *ps, const struct child_config *cfg,
                                   void *policy_data, struct ps_child **out,
                                   struct child_failure *failure)
{
    struct ps_child *c = child_free_entry(ps);
    *failure = (struct child_failure){CHILD_STEP_SLOT, 0};
    if (!c)
        return FERRY_E_NOMEM;
    long err;
    if (!c->fault_ready) {
        *failure = (struct child_failure){CHILD_STEP_FAULT_SIGNAL, 0};
        if ((err = env_signal_handler(ps->env, &c->fault, on_child_fault, c)))
            return err;
        c->fault_ready = true;
    }
    unsigned limit = cfg->sessions ? cfg->sessions : PS_CHILD_SESSIONS;
    if (limit > sessions_unreserved(ps)) {
        printf("child '%s' not started: it may hold %u sessions, the parent server has %u of "
               "%u left\n",
               cfg->name, limit, sessions_unreserved(ps), PS_SESSIONS);
        *failure = (struct child_failure){CHILD_STEP_SLOT, 0};
        return FERRY_E_CAPQUOTA;
    }
    c->session_limit = limit;
    c->session_count = 0;
    struct child_config cc = *cfg;
    cc.fault_signal = c->fault.signal;
    c->child.parent_obj.iface = &parent_iface;
    c->child.parent_obj.self = c;
    c->policy_data = policy_data;
    c->ps = ps;
    c->serves_only = false; /* the policy sets it */
    c->alive = true;        /* before it runs: it may call at once */
    if ((err = child_construct(ps->env, &cc, &c->child, failure))) {
        child_entry_release(c);
        return err;
    }
    *out = c;
    return FERRY_OK;
}

long parent_server_start_child(struct parent_server *ps, const struct child_config *cfg,
                               void *policy_data, struct ps_child **out,
                               struct child_failure *failure)
{
    struct ps_child *c;
    long err = parent_server_construct_child(ps, cfg, policy_data, &c, failure);
    if (err)
        return err;
    if ((err = child_run(ps->env, &c->child, failure))) { /* child_run destroyed it */
        child_entry_release(c);
        return err;
    }
    *out = c;
    return FERRY_OK;
}

void parent_server_started(struct parent_server *ps)
{
    ps->started = true;
    check_all_ended(ps);
}

void ps_print_config_error(void *ctx, const char *file, unsigned line, const char *msg)
{
    (void)ctx;
    char buf[CONFIG_MSG_MAX + CONFIG_FILE_MAX + 16];
    config_format_error(buf, sizeof(buf), file, line, msg);
    printf("%s\n", buf);
}

void ps_print_fault(const char *prefix, const struct ps_child *c, const struct ps_fault *f)
{
    if (f->known)
        printf("%schild '%s' faulted: %s at 0x%lx (pc 0x%lx)\n", prefix, c->child.name,
               f->kind == FERRY_THREAD_FAULT_PAGE ? "page fault" : "exception",
               (unsigned long)f->addr, (unsigned long)f->pc);
    else
        printf("%schild '%s' faulted\n", prefix, c->child.name);
}

void ps_child_config(const struct init_child *cfg, const char *name, struct child_config *out)
{
    *out = (struct child_config){.name = name,
                                 .binary = cfg->binary,
                                 .ram = cfg->ram,
                                 .caps = cfg->caps,
                                 .sessions = cfg->sessions,
                                 .arg_count = cfg->arg_count};
    for (unsigned i = 0; i < cfg->arg_count && i < FERRY_STARTUP_ARGS; i++) {
        out->arg_key[i] = cfg->args[i].key;
        out->arg_value[i] = cfg->args[i].value;
    }
}
