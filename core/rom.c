/*
 * ROM sessions: a boot module as a read-only RAM dataspace. Modules sit in
 * the initrd unaligned, so each session gets a copy in fresh pages, charged to
 * the session (module size rounded up to pages + 1 cap): the donation must
 * cover it, or the open fails with E_QUOTA.
 */
#include "core.h"
#include <ferry/iface/rom.h>
#include <string.h>

/* Core's read-only view of the boot modules archive. */
#define INITRD_WINDOW 0x10000000ul
#define INITRD_MAX    0x10000000ul

static const struct ferry_bootinfo *boot;

long rom_init(const struct ferry_bootinfo *bi)
{
    boot = bi;
    if (bi->initrd_size == 0)
        return FERRY_OK;
    if (bi->initrd_size > INITRD_MAX)
        return FERRY_E_RANGE;
    return sys_mem_map(FERRY_ROOT_SEL_TASK, FERRY_ROOT_SEL_INITRD, 0, INITRD_WINDOW,
                       bi->initrd_size / FERRY_PAGE_SIZE, FERRY_RIGHT_R);
}

const struct ferry_boot_module *rom_find_module(const char *name)
{
    for (unsigned i = 0; i < boot->module_count && i < FERRY_BOOT_MAX_MODULES; i++)
        if (strncmp(boot->modules[i].name, name, sizeof(boot->modules[i].name)) == 0)
            return &boot->modules[i];
    return NULL;
}

const uint8_t *rom_module_data(const struct ferry_boot_module *m)
{
    return (const uint8_t *)INITRD_WINDOW + m->offset;
}

static long rom_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface rom_iface = {"ROM", ferry_rom_sigs, ARRAY_SIZE(ferry_rom_sigs),
                                    rom_dispatch};

/* The module a session asks for: "name=" or else the label's last element. */
static const char *rom_wanted(const struct session *s, const char *args, char *buf, size_t size)
{
    if (args_get(args, "name", buf, size))
        return buf;
    const char *last = s->label;
    for (const char *p = s->label; (p = strstr(p, "-> ")) != NULL; p += 3)
        last = p + 3;
    return last;
}

long rom_open(struct session *s, const char *args)
{
    char buf[FERRY_ARGS_MAX];
    const struct ferry_boot_module *m = rom_find_module(rom_wanted(s, args, buf, sizeof(buf)));
    if (!m)
        return FERRY_E_NOENT;
    long err = ds_alloc_ram(s, m->size ? m->size : 1, 0, &s->rom.ds);
    if (err)
        return err;
    memcpy(s->rom.ds->core_addr, rom_module_data(m), m->size);
    s->rom.size = m->size;
    return FERRY_OK;
}

void rom_close(struct session *s)
{
    ds_free_owned_by(s);
}

static long rom_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_ROM_DATASPACE:
        rpc_reply_cap(req, s->rom.ds->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        FERRY_RPC_MSG(ferry_rom_dataspace_out, req->mr)->size = s->rom.size;
        req->reply_words = FERRY_RPC_WORDS(ferry_rom_dataspace_out);
        return FERRY_OK;
    }
    return FERRY_E_BADOP;
}
