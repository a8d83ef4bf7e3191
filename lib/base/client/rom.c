/*
 * Client stubs: ROM session (include/ferry/iface/rom.h), and attaching a
 * module read-only.
 */
#include "../client.h"
#include <string.h>

long rom_dataspace(uint32_t rom, uint32_t *ds, uint64_t *size)
{
    return client_call(rom, FERRY_ROM_DATASPACE, 0, 0, size,
                       FERRY_RPC_WORDS(ferry_rom_dataspace_out), ds);
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
        env_cap_drop(ds); /* the attachment keeps the memory */
    if (err)
        env_session_close(env, *rom);
    return err;
}

void rom_detach(struct env *env, uint32_t rom, uint64_t addr)
{
    env_detach(env, addr);
    env_session_close(env, rom);
}
