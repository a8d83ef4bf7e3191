/*
 * init: starts the children its configuration (boot module "init.cfg")
 * names, gives them their quota, and routes their session requests: to init's
 * parent (core), to a sibling that announced the service, or nowhere.
 *
 * Everything runs on init's entrypoint: the children's parent objects
 * (PARENT interface) and the per-child fault signal handlers.
 */
#include "config.h"
#include "routing.h"
#include <child.h>
#include <client.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/pd.h>
#include <stdio.h>
#include <string.h>

#define INIT_CONFIG_MODULE "init.cfg"

static struct init_config config;
static struct init_state state;

static void report_config_error(void *ctx, const char *file, unsigned line, const char *msg)
{
    (void)ctx;
    char buf[CONFIG_MSG_MAX + CONFIG_FILE_MAX + 16];
    config_format_error(buf, sizeof(buf), file, line, msg);
    printf("%s\n", buf);
}

/* Reads and parses the configuration; 0 if there is none to read. */
static int read_config(struct env *env)
{
    uint32_t rom;
    uint64_t addr, size;
    long err = rom_attach(env, INIT_CONFIG_MODULE, 64 * 1024, &rom, &addr, &size);
    if (err) {
        printf("no configuration: ROM '%s': %s\n", INIT_CONFIG_MODULE, ferry_error_name(err));
        return 0;
    }
    config_parse(&config, INIT_CONFIG_MODULE, (const char *)addr, size, report_config_error, NULL);
    rom_detach(env, rom, addr);
    return 1;
}

/* RAM init can still give away: its PD's quota minus what it uses. */
static uint64_t ram_available(struct env *env)
{
    if (rpc_call(env->pd, FERRY_PD_QUOTA, 0, 0, NULL))
        return 0;
    uint64_t *mr = rpc_mr();
    return mr[0] - mr[1];
}

static void start_child(struct env *env, const struct init_child *cfg)
{
    char msg[CONFIG_MSG_MAX];
    uint64_t avail = ram_available(env);
    if (cfg->ram + INIT_RESERVE_RAM > avail) {
        snprintf(msg, sizeof(msg), "child '%s': RAM quota %lu exceeds the %lu bytes init has",
                 cfg->name, (unsigned long)cfg->ram,
                 (unsigned long)(avail > INIT_RESERVE_RAM ? avail - INIT_RESERVE_RAM : 0));
        config_child_error(&config, cfg, msg);
        return;
    }
    const char *what = "";
    long err = routing_start_child(env, &state, cfg, &what);
    if (err == FERRY_E_NOENT && !strcmp(what, "ROM session")) {
        snprintf(msg, sizeof(msg), "child '%s': binary '%s' is not a boot module", cfg->name,
                 cfg->binary);
        config_child_error(&config, cfg, msg);
    } else if (err) {
        snprintf(msg, sizeof(msg), "child '%s' not started: %s: %s", cfg->name, what,
                 ferry_error_name(err));
        config_child_error(&config, cfg, msg);
    } else if (config.verbose) {
        printf("started '%s' (ram %lu, caps %lu)\n", cfg->name, (unsigned long)cfg->ram,
               (unsigned long)cfg->caps);
    }
}

void component_construct(struct env *env)
{
    if (!read_config(env))
        return;
    routing_init(&state, &config);
    for (unsigned i = 0; i < config.child_count; i++)
        start_child(env, &config.children[i]);
    routing_started(&state, env);
}
