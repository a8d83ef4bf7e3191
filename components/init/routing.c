/*
 * Session routing: init serves the PARENT interface to each child. A
 * session request is decided by the child's routes (config_route):
 *   parent  forwarded to core as PARENT_SESSION_PAID, the child's PD paying;
 *   child   forwarded to the sibling's announced root (ROOT_SESSION);
 *   denied  E_DENIED.
 * init keeps a reference to every session it hands out, so it can close them
 * when the child exits or faults.
 */
#include <ferry/macros.h>
#include "routing.h"
#include <ferry/iface/cpu.h>
#include <ferry/iface/root.h>
#include <stdio.h>
#include <string.h>

static const struct ferry_rpc_sig parent_sigs[] = FERRY_RPC_SIGS(FERRY_PARENT_RPCS);

static struct init_child_state *child_by_name(struct init_state *s, const char *name)
{
    for (unsigned i = 0; i < s->config->child_count; i++)
        if (s->children[i].cfg && !strcmp(s->children[i].cfg->name, name))
            return &s->children[i];
    return NULL;
}

static struct init_session *session_by_badge(struct init_child_state *c, uint64_t badge)
{
    for (unsigned i = 0; i < INIT_CHILD_SESSIONS; i++)
        if (c->sessions[i].used && c->sessions[i].badge == badge)
            return &c->sessions[i];
    return NULL;
}

static struct init_session *session_free_entry(struct init_child_state *c)
{
    for (unsigned i = 0; i < INIT_CHILD_SESSIONS; i++)
        if (!c->sessions[i].used)
            return &c->sessions[i];
    return NULL;
}

static struct init_service *service_of(struct init_child_state *c, const char *name)
{
    for (unsigned i = 0; i < INIT_CHILD_SERVICES; i++)
        if (c->services[i].used && !strcmp(c->services[i].name, name))
            return &c->services[i];
    return NULL;
}

/* ---- forwarding ---- */

/* The request in the UTCB goes on to core, paid by the child's PD. */
static long forward_to_parent(struct init_child_state *c, struct rpc_result *res)
{
    rpc_send_cap(0, c->child.pd, FERRY_RIGHTS_ALL);
    return rpc_call(c->state->env->parent, FERRY_PARENT_SESSION_PAID, FERRY_SESSION_WORDS, 1, res);
}

/* Every child is started before init serves requests: a server that is not
 * alive now has ended (or never started) and will not come. */
static long forward_to_child(struct init_child_state *server, const char *service,
                             struct rpc_result *res, uint64_t *root_badge)
{
    if (!server->alive) {
        printf("%s: server '%s' is not running\n", service, server->cfg->name);
        return FERRY_E_DENIED;
    }
    struct init_service *svc = service_of(server, service);
    if (!svc)
        return FERRY_E_BUSY; /* not announced yet: the client may retry */
    *root_badge = svc->root_badge;
    return rpc_call_timeout(svc->root, FERRY_ROOT_SESSION, FERRY_SESSION_WORDS, 0,
                            INIT_SERVER_TIMEOUT, res);
}

static long do_session(struct init_child_state *c, struct rpc_request *req)
{
    char service[FERRY_NAME_MAX], label[FERRY_LABEL_MAX], full[FERRY_LABEL_MAX];
    rpc_get_string(req->mr + FERRY_SESSION_W_SERVICE, FERRY_NAME_WORDS, service);
    rpc_get_string(req->mr + FERRY_SESSION_W_LABEL, FERRY_LABEL_WORDS, label);
    const struct init_route *route = config_route(c->cfg, service);
    struct init_session *slot = session_free_entry(c);
    if (route->target == ROUTE_DENIED) {
        printf("'%s' requested a %s session: denied\n", c->cfg->name, service);
        return FERRY_E_DENIED;
    }
    if (!slot)
        return FERRY_E_CAPQUOTA;
    if (c->state->config->verbose)
        printf("'%s' requests a %s session: %s%s%s\n", c->cfg->name, service,
               config_target_name(route->target), route->target == ROUTE_CHILD ? " " : "",
               route->target == ROUTE_CHILD ? route->child : "");
    if (label[0])
        snprintf(full, sizeof(full), "%s -> %s", c->cfg->name, label);
    else
        snprintf(full, sizeof(full), "%s", c->cfg->name);
    rpc_put_string(req->mr + FERRY_SESSION_W_LABEL, FERRY_LABEL_WORDS, full);

    struct rpc_result res;
    struct init_child_state *server = NULL;
    uint64_t root_badge = 0;
    long err;
    if (route->target == ROUTE_PARENT) {
        err = forward_to_parent(c, &res);
    } else {
        server = child_by_name(c->state, route->child);
        err = server ? forward_to_child(server, service, &res, &root_badge) : FERRY_E_DENIED;
    }
    if (err)
        return err;
    uint32_t cap = env_import_result(&res);
    if (!cap)
        return FERRY_E_INVAL;
    *slot = (struct init_session){true, cap, res.cap_badge[0],
                                  server ? (int)(server - c->state->children) : INIT_PARENT_NONE,
                                  root_badge};
    rpc_reply_cap(req, cap, FERRY_RIGHTS_ALL);
    return FERRY_OK;
}

/* Closes one session of child c with its server and drops init's reference. */
static long session_close(struct init_child_state *c, struct init_session *s)
{
    struct env *env = c->state->env;
    long err;
    if (s->server == INIT_PARENT_NONE) {
        err = env_session_close(env, s->slot);
    } else {
        uint32_t root = env_cap_lookup(s->root_badge); /* 0: the server has ended */
        err = FERRY_OK;
        if (root) {
            rpc_send_cap(0, s->slot, FERRY_RIGHTS_ALL);
            err = rpc_call_timeout(root, FERRY_ROOT_CLOSE, 0, 1, INIT_SERVER_TIMEOUT, NULL);
        }
        env_cap_release(s->badge);
    }
    s->used = false;
    return err;
}

static long do_close(struct init_child_state *c, struct rpc_request *req)
{
    struct init_session *s = session_by_badge(c, req->cap_badge[0]);
    return s ? session_close(c, s) : FERRY_E_BADOBJ;
}

static long do_upgrade(struct init_child_state *c, struct rpc_request *req)
{
    struct init_session *s = session_by_badge(c, req->cap_badge[0]);
    if (!s)
        return FERRY_E_BADOBJ;
    uint64_t ram = req->mr[0], caps = req->mr[1];
    if (s->server != INIT_PARENT_NONE)
        return FERRY_E_DENIED; /* sibling servers keep their own accounts */
    return env_session_upgrade(c->state->env, s->slot, ram, caps);
}

static long do_announce(struct init_child_state *c, struct rpc_request *req)
{
    char name[FERRY_NAME_MAX];
    rpc_get_string(req->mr, FERRY_NAME_WORDS, name);
    for (unsigned i = 0; i < c->state->config->child_count; i++)
        if (service_of(&c->state->children[i], name))
            return FERRY_E_EXISTS;
    for (unsigned i = 0; i < INIT_CHILD_SERVICES; i++) {
        struct init_service *svc = &c->services[i];
        if (svc->used)
            continue;
        svc->root_badge = req->cap_badge[0];
        svc->root = env_cap_import(rpc_keep_cap(req, 0), svc->root_badge);
        if (!svc->root)
            return FERRY_E_INVAL;
        svc->used = true;
        snprintf(svc->name, sizeof(svc->name), "%s", name);
        if (c->state->config->verbose)
            printf("'%s' announced %s\n", c->cfg->name, name);
        return FERRY_OK;
    }
    return FERRY_E_CAPQUOTA;
}

/* With no child left, init's work is done: it ends too (core then powers off). */
static void routing_check_all_ended(struct init_state *s)
{
    for (unsigned i = 0; i < s->config->child_count; i++)
        if (s->children[i].alive)
            return;
    printf("all children have ended\n");
    env_exit(s->env, 0);
}

/* Ends a child: its sessions, its services, then its own PD, CPU and LOG. */
static void child_teardown(struct init_child_state *c)
{
    for (unsigned i = 0; i < INIT_CHILD_SESSIONS; i++)
        if (c->sessions[i].used)
            session_close(c, &c->sessions[i]);
    for (unsigned i = 0; i < INIT_CHILD_SERVICES; i++)
        if (c->services[i].used) {
            env_cap_release(c->services[i].root_badge);
            c->services[i].used = false;
        }
    child_destroy(c->state->env, &c->child);
    c->alive = false;
    routing_check_all_ended(c->state);
}

/*
 * What a checkpointer will do, done at a child's exit while its memory is
 * still there: find its capability map through the PD, validate it and check
 * each entry against the kernel's view of the slot.
 */
static void inspect_capmap(struct init_child_state *c)
{
    struct child_capmap_info info;
    long err = child_capmap_inspect(c->state->env, &c->child, &info);
    if (err)
        printf("capability map of '%s': not readable: %s\n", c->cfg->name, ferry_error_name(err));
    else if (info.layout != CAPMAP_OK)
        printf("capability map of '%s': corrupt: %s\n", c->cfg->name,
               capmap_error_name(info.layout));
    else
        printf("capability map of '%s': %u entries, layout valid, %u of them match the kernel's "
               "slots\n",
               c->cfg->name, info.entries, info.confirmed);
}

static long do_exit(struct init_child_state *c, struct rpc_request *req)
{
    uint64_t code = req->mr[0];
    if (c->state->config->verbose)
        inspect_capmap(c);
    printf("child '%s' exited with code %ld\n", c->cfg->name, (long)code);
    child_teardown(c);
    return RPC_NO_REPLY;
}

static long parent_dispatch(void *self, struct rpc_request *req)
{
    struct init_child_state *c = self;
    if (!c->alive)
        return FERRY_E_BADOBJ;
    switch (req->opcode) {
    case FERRY_PARENT_SESSION:
        return do_session(c, req);
    case FERRY_PARENT_UPGRADE:
        return do_upgrade(c, req);
    case FERRY_PARENT_CLOSE:
        return do_close(c, req);
    case FERRY_PARENT_ANNOUNCE:
        return do_announce(c, req);
    case FERRY_PARENT_EXIT:
        return do_exit(c, req);
    default:
        return FERRY_E_BADOP; /* PARENT_SESSION_PAID: only core serves it */
    }
}

static const struct rpc_iface parent_iface = {
    "parent", parent_sigs, ARRAY_SIZE(parent_sigs), parent_dispatch};

/* ---- faults ---- */

static void on_child_fault(void *arg)
{
    struct init_child_state *c = arg;
    if (!c->alive)
        return;
    uint64_t *mr = rpc_mr();
    if (rpc_call(c->child.thread, FERRY_THREAD_INFO, 0, 0, NULL) == FERRY_OK &&
        mr[3] != FERRY_THREAD_FAULT_NONE)
        printf("child '%s' faulted: %s at 0x%lx (pc 0x%lx)\n", c->cfg->name,
               mr[3] == FERRY_THREAD_FAULT_PAGE ? "page fault" : "exception", (unsigned long)mr[4],
               (unsigned long)mr[5]);
    else
        printf("child '%s' faulted\n", c->cfg->name);
    child_teardown(c);
}

/* ---- start ---- */

void routing_init(struct init_state *state, const struct init_config *config)
{
    memset(state, 0, sizeof(*state));
    state->config = config;
}

static void child_config(const struct init_child *cfg, struct child_config *out)
{
    *out = (struct child_config){.name = cfg->name,
                                 .binary = cfg->binary,
                                 .ram = cfg->ram,
                                 .caps = cfg->caps,
                                 .arg_count = cfg->arg_count};
    for (unsigned i = 0; i < cfg->arg_count && i < FERRY_STARTUP_ARGS; i++) {
        out->arg_key[i] = cfg->args[i].key;
        out->arg_value[i] = cfg->args[i].value;
    }
}

void routing_started(struct init_state *state, struct env *env)
{
    state->env = env;
    routing_check_all_ended(state);
}

long routing_start_child(struct env *env, struct init_state *state, const struct init_child *cfg,
                         const char **what)
{
    struct init_child_state *c = &state->children[cfg - state->config->children];
    state->env = env;
    c->cfg = cfg;
    c->state = state;
    long err;
    if (!c->fault_handler_ready) {
        *what = "fault signal";
        if ((err = env_signal_handler(env, &c->fault, on_child_fault, c)))
            return err;
        c->fault_handler_ready = true;
    }
    struct child_config cc;
    child_config(cfg, &cc);
    cc.fault_signal = c->fault.signal;
    c->child.parent_obj.iface = &parent_iface;
    c->child.parent_obj.self = c;
    c->alive = true; /* before the start: the child may call at once */
    if ((err = child_start(env, &cc, &c->child, what)))
        c->alive = false;
    return err;
}
