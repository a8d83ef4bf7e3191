#include "client.h"
#include <ferry/iface/rom.h>
#include <ferry/iface/timer.h>
#include <string.h>

long timer_sigh(uint32_t timer, uint32_t signal)
{
    rpc_send_cap(0, signal, FERRY_RIGHTS_ALL);
    return rpc_call(timer, FERRY_TIMER_SIGH, 0, 1, NULL);
}

static long timer_call1(uint32_t timer, unsigned op, uint64_t arg)
{
    rpc_mr()[0] = arg;
    return rpc_call(timer, op, 1, 0, NULL);
}

long timer_oneshot(uint32_t timer, uint64_t us)
{
    return timer_call1(timer, FERRY_TIMER_ONESHOT, us);
}

long timer_periodic(uint32_t timer, uint64_t period_us)
{
    return timer_call1(timer, FERRY_TIMER_PERIODIC, period_us);
}

long timer_stop(uint32_t timer)
{
    return rpc_call(timer, FERRY_TIMER_STOP, 0, 0, NULL);
}

long timer_elapsed_us(uint32_t timer, uint64_t *us)
{
    long err = rpc_call(timer, FERRY_TIMER_ELAPSED, 0, 0, NULL);
    if (err == FERRY_OK)
        *us = rpc_mr()[0];
    return err;
}

long rom_dataspace(uint32_t rom, uint32_t *ds, uint64_t *size)
{
    struct rpc_result res;
    long err = rpc_call(rom, FERRY_ROM_DATASPACE, 0, 0, &res);
    if (err)
        return err;
    *size = rpc_mr()[0]; /* before the import, which may make calls of its own */
    return env_import_cap(&res, ds);
}

long rom_attach(struct env *env, const char *name, uint64_t ram, uint32_t *rom, uint64_t *addr,
                uint64_t *size)
{
    char args[FERRY_ARGS_MAX] = "name=";
    strncat(args, name, sizeof(args) - sizeof("name="));
    uint32_t ds = 0;
    long err = env_session(env, "ROM", name, args, ram, 4, rom);
    if (err)
        return err;
    err = rom_dataspace(*rom, &ds, size);
    if (!err)
        err = env_attach(env, ds, FERRY_RM_ANY, 0, 0, 0, addr);
    if (ds)
        env_cap_release(env_cap_badge(ds)); /* the attachment keeps the memory */
    if (err)
        env_session_close(env, *rom);
    return err;
}

void rom_detach(struct env *env, uint32_t rom, uint64_t addr)
{
    env_detach(env, addr);
    env_session_close(env, rom);
}
