/*
 * Starting init, core's only child: its PD (funded by core with all RAM left
 * for dataspaces and CORE_INIT_CAPS capabilities), CPU and LOG sessions paid
 * by that PD, the parent object and the main thread; then its image through
 * the one child construction path (lib/child/child_image.h), whose transport
 * here is core's own: dataspaces filled through core's mapping, attached to
 * init's address space, and capabilities mapped by TASK_MAP. Core stays quiet
 * on success.
 */
#include "core.h"
#include <child/child_image.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/rm.h>
#include <stdio.h>
#include <string.h>

/* init's CPU session: its main thread, a fault-signal thread per child it
 * may start (FERRY_INIT_MAX_CHILDREN) and one for its own use. */
#define INIT_THREADS  (2 + FERRY_INIT_MAX_CHILDREN)
#define INIT_CPU_RAM  CORE_CPU_SESSION_RAM(INIT_THREADS)
#define INIT_CPU_CAPS (CORE_SESSION_COST_CAPS + INIT_THREADS)
#define INIT_LOG_RAM  CORE_SESSION_COST_RAM
#define INIT_LOG_CAPS CORE_SESSION_COST_CAPS

struct init_env {
    struct session *pd, *cpu, *log;
    struct core_obj *parent;
    struct cpu_thread *main;
    struct child_image_start start;
};

static long open_internal(struct session *payer, const char *service, const char *label,
                          uint64_t ram, uint64_t caps, struct session **out)
{
    struct session_request req = {.ram = ram, .caps = caps};
    snprintf(req.service, sizeof(req.service), "%s", service);
    snprintf(req.label, sizeof(req.label), "%s", label);
    return session_open(payer, payer ? payer->label : NULL, &req, out);
}

/* ---- the transport of child_image_build ---- */

static long region(void *ctx, uint64_t at, uint64_t size, unsigned flags, uint8_t **local,
                   uint64_t *where)
{
    struct init_env *env = ctx;
    struct dataspace *ds;
    long err = ds_alloc_ram(env->pd, size, FERRY_DS_WRITABLE, &ds);
    if (err)
        return err;
    *local = ds->core_addr;
    return region_map_attach(env->pd->pd.space, ds, at, 0, 0, flags, where);
}

static void region_done(void *ctx, uint8_t *local)
{
    (void)ctx, (void)local; /* core's mapping of RAM stays */
}

static long give_cap(void *ctx, uint32_t slot, uint64_t cap)
{
    struct init_env *env = ctx;
    const struct core_obj *o = (const struct core_obj *)(uintptr_t)cap;
    return sys_task_map(env->pd->pd.task_sel, o->sel, slot, FERRY_RIGHT_W | FERRY_RIGHT_G);
}

static const struct child_image_ops ops = {region, region_done, give_cap};

/* ---- start ---- */

static long build(struct init_env *env, const struct ferry_boot_module *m,
                  struct child_failure *failure)
{
    const struct core_obj *objs[CHILD_CAP_COUNT] = {
        [CHILD_CAP_PARENT] = env->parent,         [CHILD_CAP_PD] = &env->pd->obj,
        [CHILD_CAP_CPU] = &env->cpu->obj,         [CHILD_CAP_LOG] = &env->log->obj,
        [CHILD_CAP_RM] = &env->pd->pd.space->obj, [CHILD_CAP_THREAD] = &env->main->obj,
    };
    struct child_image_info info = {.name = "init"};
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++) {
        info.cap[i] = (uintptr_t)objs[i];
        info.badge[i] = objs[i]->badge;
    }
    /* FERRY_COMP_SEL_TASK was put there with the PD; a kernel task has no badge */
    return child_image_build(&ops, env, rom_module_data(m), m->size, &info, &env->start, failure);
}

static long start(struct init_env *env, const struct ferry_boot_module *m,
                  struct child_failure *failure)
{
    long err;
    *failure = (struct child_failure){CHILD_STEP_PD, 0};
    if ((err = open_internal(NULL, "PD", "init", ram_free_bytes(), CORE_INIT_CAPS, &env->pd)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_CPU, 0};
    if ((err = open_internal(env->pd, "CPU", "", INIT_CPU_RAM, INIT_CPU_CAPS, &env->cpu)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_LOG, 0};
    if ((err = open_internal(env->pd, "LOG", "", INIT_LOG_RAM, INIT_LOG_CAPS, &env->log)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_PARENT_CAP, 0};
    if ((err = parent_create(env->pd, &env->parent)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_THREAD, 0};
    if ((err = cpu_session_create_thread(env->cpu, env->pd, CORE_INIT_PRIO, FERRY_CPU_UTCB_ANY,
                                         "main", &env->main)))
        return err;
    if ((err = build(env, m, failure)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_START, 0};
    return cpu_thread_start(env->main, env->start.entry, env->start.sp);
}

long init_start(void)
{
    const struct ferry_boot_module *m = rom_find_module("init");
    if (!m) {
        printf("core: no boot module 'init'\n");
        return FERRY_E_NOENT;
    }
    static struct init_env env;
    struct child_failure failure;
    long err = start(&env, m, &failure);
    if (err && failure.step == CHILD_STEP_ELF)
        printf("core: boot module 'init' is no valid ELF executable: %s\n",
               child_failure_name(&failure));
    else if (err)
        printf("core: init's %s: %s\n", child_step_name(failure.step), ferry_error_name(err));
    if (err)
        printf("core: cannot start init: %s\n", ferry_error_name(err));
    return err;
}
