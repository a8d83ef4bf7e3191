/*
 * init: starts the children its configuration (boot module "init.cfg")
 * names, gives them their quota, and decides where their session requests go:
 * to init's parent (core), to a sibling that announced the service, or
 * nowhere. The mechanism (session tables, requests to child servers, exits
 * and faults) is the base library's parent server (lib/base/parent_server.h);
 * init is its policy: the configuration and its routes.
 */
#include <config/config.h>
#include <client.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/pd.h>
#include <parent_server.h>
#include <stdio.h>
#include <string.h>

#define INIT_CONFIG_MODULE "init.cfg"
#define INIT_CONFIG_MAX    (64ul * 1024)  /* RAM lent to the configuration's ROM session */
#define INIT_RESERVE_RAM   (512ul * 1024) /* init's own needs: never given to children */
#define INIT_RESERVE_CAPS  256ul

_Static_assert(CONFIG_MAX_CHILDREN <= PS_MAX_CHILDREN &&
                   CONFIG_MAX_CHILDREN <= FERRY_INIT_MAX_CHILDREN,
               "every configured child fits the parent server and init's CPU session");

static struct init_config config;
static struct parent_server ps;

/* Reads and parses the configuration. Returns the error (reported) if there
 * is none to read. */
static long read_config(struct env *env)
{
    uint32_t rom;
    uint64_t addr, size;
    long err = rom_attach(env, INIT_CONFIG_MODULE, INIT_CONFIG_MAX, &rom, &addr, &size);
    if (err == FERRY_E_QUOTA)
        printf("configuration '%s' is too large: init reads at most %lu KiB\n", INIT_CONFIG_MODULE,
               INIT_CONFIG_MAX / 1024 - 4);
    else if (err == FERRY_E_NOENT || err == FERRY_E_DENIED)
        printf("no configuration: boot module '%s' is missing\n", INIT_CONFIG_MODULE);
    else if (err)
        printf("no configuration: ROM '%s': %s\n", INIT_CONFIG_MODULE, ferry_error_name(err));
    if (err)
        return err;
    config_parse(&config, INIT_CONFIG_MODULE, (const char *)addr, size, ps_print_config_error,
                 NULL);
    rom_detach(env, rom, addr);
    return FERRY_OK;
}

/* What init can still give away: its PD's quotas minus what it uses (nothing
 * if it cannot tell). */
static struct config_budget budget(struct env *env)
{
    struct config_budget b = {0, INIT_RESERVE_RAM, 0, INIT_RESERVE_CAPS};
    struct ferry_pd_quota_out q;
    if (pd_quota(env->pd, &q))
        return b;
    b.ram_avail = q.ram_quota > q.ram_used ? q.ram_quota - q.ram_used : 0;
    b.caps_avail = q.cap_quota > q.cap_used ? q.cap_quota - q.cap_used : 0;
    return b;
}

/* ---- the policy ---- */

static void route(struct parent_server *server, struct ps_child *client, const char *service,
                  struct ps_route *out)
{
    const struct init_route *r = config_route(client->policy_data, service);
    switch (r->target) {
    case ROUTE_PARENT:
        *out = (struct ps_route){.kind = PS_ROUTE_PARENT};
        break;
    case ROUTE_CHILD:
        *out = (struct ps_route){.kind = PS_ROUTE_CHILD,
                                 .server = parent_server_child(server, r->child),
                                 .name = r->child};
        break;
    default:
        *out = (struct ps_route){.kind = PS_ROUTE_DENIED};
    }
}

/*
 * What a checkpointer will do, done at a child's exit while its memory is
 * still there (verbose only): its capability map, read from outside.
 */
static void inspect_capmap(struct ps_child *c)
{
    struct child_capmap_info info;
    long err = child_capmap_inspect(ps.env, &c->child, &info);
    if (err)
        printf("capability map of '%s': not readable: %s\n", c->child.name, ferry_error_name(err));
    else if (info.layout != CAPMAP_OK)
        printf("capability map of '%s': corrupt: %s\n", c->child.name,
               capmap_error_name(info.layout));
    else
        printf("capability map of '%s': %u entries, layout valid, %u of them match the kernel's "
               "slots\n",
               c->child.name, info.entries, info.confirmed);
}

static void exited(struct parent_server *server, struct ps_child *c, long code)
{
    if (server->verbose)
        inspect_capmap(c);
    printf("child '%s' exited with code %ld\n", c->child.name, code);
}

static void faulted(struct parent_server *server, struct ps_child *c, const struct ps_fault *f)
{
    (void)server;
    ps_print_fault("", c, f);
}

/* Only children that serve others are left (serves-only yes): init ends them. */
static void ending(struct parent_server *server, struct ps_child *c)
{
    (void)server;
    printf("ending '%s': it only serves others (serves-only), and every other child has ended\n",
           c->child.name);
}

/* With no child left, init's work is done: it ends too (core then powers off). */
static void all_ended(struct parent_server *server)
{
    printf("all children have ended\n");
    env_exit(server->env, 0);
}

static const struct ps_policy init_policy = {
    .route = route, .exited = exited, .faulted = faulted, .ending = ending, .all_ended = all_ended};

/* ---- start ---- */

/* Starts one configured child; true if it runs. */
static bool start_child(struct env *env, const struct init_child *cfg)
{
    char msg[CONFIG_MSG_MAX];
    struct config_budget b = budget(env);
    uint64_t left;
    switch (config_quota_check(cfg, &b, &left)) {
    case CONFIG_QUOTA_RAM:
        snprintf(msg, sizeof(msg), "child '%s': RAM quota %lu exceeds the %lu bytes init has",
                 cfg->name, (unsigned long)cfg->ram, (unsigned long)left);
        config_child_error(&config, cfg, msg);
        return false;
    case CONFIG_QUOTA_CAPS:
        snprintf(msg, sizeof(msg),
                 "child '%s': capability quota %lu exceeds the %lu capabilities init has",
                 cfg->name, (unsigned long)cfg->caps, (unsigned long)left);
        config_child_error(&config, cfg, msg);
        return false;
    case CONFIG_QUOTA_OK:
        break;
    }
    struct child_config cc;
    struct child_failure failure;
    struct ps_child *c;
    ps_child_config(cfg, cfg->name, &cc);
    long err = parent_server_start_child(&ps, &cc, (void *)cfg, &c, &failure);
    if (!err)
        c->serves_only = cfg->serves_only;
    if (err == FERRY_E_NOENT && failure.step == CHILD_STEP_ROM) {
        snprintf(msg, sizeof(msg), "child '%s': binary '%s' is not a boot module", cfg->name,
                 cfg->binary);
        config_child_error(&config, cfg, msg);
    } else if (err) {
        snprintf(msg, sizeof(msg), "child '%s' not started: %s: %s", cfg->name,
                 child_failure_name(&failure), ferry_error_name(err));
        config_child_error(&config, cfg, msg);
    } else if (config.verbose) {
        printf("started '%s' (ram %lu, caps %lu)\n", cfg->name, (unsigned long)cfg->ram,
               (unsigned long)cfg->caps);
    }
    return err == FERRY_OK;
}

void component_construct(struct env *env)
{
    parent_server_init(&ps, env, &init_policy, NULL);
    if (read_config(env))
        env_exit(env, 1);
    ps.verbose = config.verbose;
    if (config.child_count && !config_client_count(&config)) {
        printf("%s: every child only serves others (serves-only yes): nothing would use them\n",
               INIT_CONFIG_MODULE);
        env_exit(env, 1);
    }
    unsigned started = 0;
    for (unsigned i = 0; i < config.child_count; i++)
        started += start_child(env, &config.children[i]);
    if (!started) {
        printf("%s: no child could be started (%u configured)\n", INIT_CONFIG_MODULE,
               config.child_count);
        env_exit(env, 1);
    }
    parent_server_started(&ps);
}
