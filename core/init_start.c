/*
 * Starting init, core's only child: its PD (funded by core with all RAM left
 * for dataspaces and CORE_INIT_CAPS capabilities), CPU and LOG sessions paid
 * by that PD, the parent object, the ELF image, a stack with the startup block
 * on top, the initial capabilities in the slots include/ferry/component.h
 * names, and the main thread. Core stays quiet on success.
 */
#include "core.h"
#include "elf/elf.h"
#include <ferry/iface/dataspace.h>
#include <ferry/iface/rm.h>
#include <stdio.h>
#include <string.h>

#define INIT_STACK_PAGES 16
#define INIT_CPU_RAM     (CORE_SESSION_COST_RAM + 16 * CORE_THREAD_COST_RAM) /* 16 threads */
#define INIT_CPU_CAPS    (CORE_SESSION_COST_CAPS + 16)
#define INIT_LOG_RAM     CORE_SESSION_COST_RAM
#define INIT_LOG_CAPS    CORE_SESSION_COST_CAPS

struct init_env {
    struct session *pd, *cpu, *log;
    struct core_obj *parent;
    struct cpu_thread *main;
    uint64_t entry, sp;
    struct ferry_startup *startup; /* core's view of it, on init's stack */
};

static long open_internal(struct session *payer, const char *service, const char *label,
                          uint64_t ram, uint64_t caps, struct session **out)
{
    struct session_request req = {.ram = ram, .caps = caps};
    snprintf(req.service, sizeof(req.service), "%s", service);
    snprintf(req.label, sizeof(req.label), "%s", label);
    return session_open(payer, payer ? payer->label : NULL, &req, out);
}

/* One PT_LOAD segment into a RAM dataspace of init's PD, attached at its vaddr. */
static long load_segment(struct session *pd, const struct elf_image *elf,
                         const struct elf_segment *seg)
{
    uint64_t start = seg->vaddr & ~(FERRY_PAGE_SIZE - 1);
    if (seg->vaddr + seg->memsz < seg->vaddr || seg->vaddr + seg->memsz > FERRY_COMP_ATTACH_END)
        return FERRY_E_RANGE;
    uint64_t end = PAGE_ROUND_UP(seg->vaddr + seg->memsz);
    struct dataspace *ds;
    long err = ds_alloc_ram(pd, end - start, FERRY_DS_WRITABLE, &ds);
    if (err)
        return err;
    memcpy(ds->core_addr + (seg->vaddr - start), elf->data + seg->offset, seg->filesz);
    unsigned flags = ((seg->flags & ELF_PF_W) ? FERRY_RM_WRITE : 0) |
                     ((seg->flags & ELF_PF_X) ? FERRY_RM_EXEC : 0);
    uint64_t addr;
    return region_map_attach(pd->pd.space, ds, start, 0, 0, flags, &addr);
}

static long load_image(struct init_env *env, const struct ferry_boot_module *m)
{
    struct elf_image elf;
    int e = elf_open(&elf, rom_module_data(m), m->size);
    if (e) {
        printf("core: boot module 'init' is no valid ELF executable: %s\n", elf_error_name(e));
        return FERRY_E_INVAL;
    }
    for (unsigned i = 0; i < elf.phnum; i++) {
        struct elf_segment seg;
        int r = elf_load_segment(&elf, i, &seg);
        if (r < 0) {
            printf("core: boot module 'init': segment %u: %s\n", i, elf_error_name(r));
            return FERRY_E_INVAL;
        }
        long err = r == 1 && seg.memsz ? load_segment(env->pd, &elf, &seg) : FERRY_OK;
        if (err)
            return err;
    }
    env->entry = elf.entry;
    return FERRY_OK;
}

/* The stack, with the startup block at its top; sp points at the block. */
static long make_stack(struct init_env *env)
{
    struct dataspace *ds;
    uint64_t size = INIT_STACK_PAGES * FERRY_PAGE_SIZE, base;
    long err = ds_alloc_ram(env->pd, size, FERRY_DS_WRITABLE, &ds);
    if (!err)
        err = region_map_attach(env->pd->pd.space, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &base);
    if (err)
        return err;
    env->sp = (base + size - sizeof(struct ferry_startup)) & ~15ul;
    env->startup = (struct ferry_startup *)(ds->core_addr + (env->sp - base));
    env->startup->magic = FERRY_STARTUP_MAGIC;
    snprintf(env->startup->name, sizeof(env->startup->name), "init");
    return FERRY_OK;
}

/* Maps core's capability into init's slot and notes its badge in the startup block. */
static long give(struct init_env *env, unsigned slot, const struct core_obj *o)
{
    env->startup->badge[slot] = o->rpc.badge;
    return sys_task_map(env->pd->pd.task_sel, o->sel, slot, FERRY_RIGHT_W | FERRY_RIGHT_G);
}

static long give_initial_caps(struct init_env *env)
{
    long err = give(env, FERRY_COMP_SEL_PARENT, env->parent);
    if (!err)
        err = give(env, FERRY_COMP_SEL_PD, &env->pd->obj);
    if (!err)
        err = give(env, FERRY_COMP_SEL_CPU, &env->cpu->obj);
    if (!err)
        err = give(env, FERRY_COMP_SEL_LOG, &env->log->obj);
    if (!err)
        err = give(env, FERRY_COMP_SEL_RM, &env->pd->pd.space->obj);
    if (!err)
        err = give(env, FERRY_COMP_SEL_THREAD, &env->main->obj);
    /* FERRY_COMP_SEL_TASK was put there with the PD; a kernel task has no badge */
    return err;
}

static long start(struct init_env *env, const struct ferry_boot_module *m)
{
    long err = open_internal(NULL, "PD", "init", ram_free_bytes(), CORE_INIT_CAPS, &env->pd);
    if (!err)
        err = open_internal(env->pd, "CPU", "", INIT_CPU_RAM, INIT_CPU_CAPS, &env->cpu);
    if (!err)
        err = open_internal(env->pd, "LOG", "", INIT_LOG_RAM, INIT_LOG_CAPS, &env->log);
    if (!err)
        err = parent_create(env->pd, &env->parent);
    if (!err)
        err = load_image(env, m);
    if (!err)
        err = make_stack(env);
    if (!err)
        err = cpu_session_create_thread(env->cpu, env->pd, CORE_INIT_PRIO, "main", &env->main);
    if (!err)
        err = give_initial_caps(env);
    if (!err)
        err = cpu_thread_start(env->main, env->entry, env->sp);
    return err;
}

long init_start(void)
{
    const struct ferry_boot_module *m = rom_find_module("init");
    if (!m) {
        printf("core: no boot module 'init'\n");
        return FERRY_E_NOENT;
    }
    static struct init_env env;
    long err = start(&env, m);
    if (err)
        printf("core: cannot start init: %s\n", ferry_error_name(err));
    return err;
}
