/*
 * parent-probe: children that test a parent's session protocol
 * (docs/framework.md, "Session requests to a child server"). Its role comes
 * from the configuration's `arg role`:
 *
 *   mute    serves "Mute", whose open never returns; ends itself after
 *           `linger` ms (from a second thread: its entrypoint stays stuck)
 *   nested  serves "Nested", whose open asks the parent for a LOG session
 *           first (a server calling its parent inside its own open); ends
 *           after `linger` ms
 *   slow    serves "Slow", whose open answers after `slow` ms (past the
 *           parent's bound) and whose close prints; ends after `linger` ms
 * (all three announce their service only after `delay` ms)
 *   client  waits `delay` ms, asks for a session of `service`, prints the
 *           result and exits
 *   rude    calls the server side of the protocol with what it never got
 *           (unknown tickets, a gate instead of a signal, a refusal with OK)
 *           and prints each answer
 */
#include <env.h>
#include <ferry/iface/parent.h>
#include <root.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_SESSION_RAM  (16ul * 1024)
#define PROBE_SESSION_CAPS 4
#define PROBE_LOG_RAM      (8ul * 1024)
#define PROBE_LOG_CAPS     2

static struct env *probe_env;

static unsigned long arg_ms(const char *key, unsigned long fallback)
{
    const char *value = env_arg(probe_env, key);
    return value ? strtoul(value, NULL, 10) : fallback;
}

/* Session objects without operations: only their existence is tested. */
static const struct rpc_iface probe_iface = {"probe", NULL, 0, NULL};
static struct rpc_object probe_sessions[4];

static long mute_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                      uint64_t caps, struct rpc_object **session)
{
    (void)root, (void)args, (void)ram, (void)caps, (void)session;
    printf("Mute: request from '%s' taken, never answered\n", label);
    sys_sleep(FERRY_TIMEOUT_NEVER); /* the parent must not wait for this */
    return FERRY_E_TIMEOUT;
}

static long nested_open(struct service_root *root, const char *label, const char *args,
                        uint64_t ram, uint64_t caps, struct rpc_object **session)
{
    (void)args, (void)ram, (void)caps;
    uint32_t log;
    long err = env_session(root->env, "LOG", "inner", NULL, PROBE_LOG_RAM, PROBE_LOG_CAPS, &log);
    if (err) {
        printf("Nested: LOG session inside open failed: %s\n", ferry_error_name(err));
        return err;
    }
    printf("Nested: opened a LOG session inside open for '%s'\n", label);
    env_session_close(root->env, log);
    for (unsigned i = 0; i < sizeof(probe_sessions) / sizeof(probe_sessions[0]); i++)
        if (!probe_sessions[i].iface) {
            probe_sessions[i] = (struct rpc_object){.iface = &probe_iface};
            *session = &probe_sessions[i];
            return FERRY_OK;
        }
    return FERRY_E_CAPQUOTA;
}

/* Opens a session after `slow` ms: later than the parent's bound. */
static long slow_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                      uint64_t caps, struct rpc_object **session)
{
    (void)root, (void)args, (void)ram, (void)caps;
    printf("Slow: request from '%s' taken, answered late\n", label);
    sys_sleep(arg_ms("slow", 800) * 1000);
    probe_sessions[0] = (struct rpc_object){.iface = &probe_iface};
    *session = &probe_sessions[0];
    return FERRY_OK;
}

static void probe_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    session->iface = NULL;
}

static void slow_close(struct service_root *root, struct rpc_object *session)
{
    printf("Slow: session closed\n");
    probe_close(root, session);
}

static struct service_root mute_root = {.open = mute_open, .close = probe_close};
static struct service_root nested_root = {.open = nested_open, .close = probe_close};
static struct service_root slow_root = {.open = slow_open, .close = slow_close};

/* Ends the component after `linger` ms, whatever its entrypoint does. */
static void linger_then_exit(void *arg)
{
    (void)arg;
    sys_sleep(arg_ms("linger", 1000) * 1000);
    printf("lingered long enough: exit\n");
    env_exit(probe_env, 0);
}

static void serve(struct env *env, const char *service, struct service_root *root)
{
    sys_sleep(arg_ms("delay", 0) * 1000);
    long err = env_serve(env, service, root);
    if (!err && !env_thread_spawn(env, "linger", 100, linger_then_exit, NULL, &err))
        printf("linger thread: %s\n", ferry_error_name(err));
    if (err) {
        printf("cannot serve %s: %s\n", service, ferry_error_name(err));
        env_exit(env, 1);
    }
    printf("serving %s\n", service);
}

static void client(struct env *env)
{
    const char *service = env_arg(env, "service");
    sys_sleep(arg_ms("delay", 0) * 1000);
    uint32_t session;
    long err = env_session(env, service ? service : "?", "", NULL, PROBE_SESSION_RAM,
                           PROBE_SESSION_CAPS, &session);
    if (err) {
        printf("%s session failed: %s\n", service, ferry_error_name(err));
        env_exit(env, 1);
    }
    printf("%s session: OK\n", service);
    env_session_close(env, session);
    env_exit(env, 0);
}

/* One PARENT call with `words` words already set; its error, with the name. */
static void rude_call(struct env *env, const char *what, unsigned op, unsigned words, unsigned caps)
{
    long err = rpc_call(env->parent, op, words, caps, NULL);
    printf("%s: %s\n", what, ferry_error_name(err));
}

static void rude(struct env *env)
{
    FERRY_RPC_MSG(ferry_parent_session_result_in, rpc_mr())->ticket = 12345;
    rude_call(env, "result of a ticket never given", FERRY_PARENT_SESSION_RESULT,
              FERRY_RPC_WORDS(ferry_parent_session_result_in), 0);
    rude_call(env, "next request without announcing", FERRY_PARENT_REQUEST_NEXT, 0, 0);
    FERRY_RPC_MSG(ferry_parent_request_deliver_in, rpc_mr())->ticket = 1;
    rpc_send_cap(FERRY_PARENT_REQUEST_DELIVER_CAP_SESSION, env->log, FERRY_RIGHTS_ALL);
    rude_call(env, "delivering a request never fetched", FERRY_PARENT_REQUEST_DELIVER,
              FERRY_RPC_WORDS(ferry_parent_request_deliver_in), 1);
    struct ferry_parent_request_refuse_in *refuse =
        FERRY_RPC_MSG(ferry_parent_request_refuse_in, rpc_mr());
    refuse->ticket = 1;
    refuse->error = FERRY_OK;
    rude_call(env, "refusing a request never fetched", FERRY_PARENT_REQUEST_REFUSE,
              FERRY_RPC_WORDS(ferry_parent_request_refuse_in), 0);
    rpc_put_string(rpc_mr(), FERRY_NAME_WORDS, "Rude");
    rpc_send_cap(FERRY_PARENT_ANNOUNCE_CAP_SIGNAL, env->log, FERRY_RIGHTS_ALL);
    rpc_send_cap(FERRY_PARENT_ANNOUNCE_CAP_GATE, env->log, FERRY_RIGHTS_ALL);
    rude_call(env, "announcing with a gate instead of a signal", FERRY_PARENT_ANNOUNCE,
              FERRY_RPC_WORDS(ferry_parent_announce_in), 2);
    rude_call(env, "session request with too few words", FERRY_PARENT_SESSION, 2, 0);
    env_exit(env, 0);
}

void component_construct(struct env *env)
{
    probe_env = env;
    const char *role = env_arg(env, "role");
    if (role && !strcmp(role, "mute"))
        serve(env, "Mute", &mute_root);
    else if (role && !strcmp(role, "nested"))
        serve(env, "Nested", &nested_root);
    else if (role && !strcmp(role, "slow"))
        serve(env, "Slow", &slow_root);
    else if (role && !strcmp(role, "client"))
        client(env);
    else if (role && !strcmp(role, "rude"))
        rude(env);
    else {
        printf("unknown role '%s'\n", role ? role : "");
        env_exit(env, 1);
    }
}
