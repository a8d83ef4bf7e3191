/*
 * Starting a child through sessions (child.h): the environment, then the
 * image through lib/child/child_image.c, whose transport here is RAM
 * dataspaces of the child's PD attached to its address space (NPD_MAP for the
 * capabilities).
 */
#include "child.h"
#include "client.h"
#include "badge_runtime.h"
#include "tables.h"
#include <ferry/iface/cpu.h>
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/rom.h>
#include <ferry/macros.h>
#include <string.h>

_Static_assert(CHILD_IMAGE_WRITE == FERRY_RM_WRITE && CHILD_IMAGE_EXEC == FERRY_RM_EXEC &&
                   CHILD_IMAGE_ANY == FERRY_RM_ANY,
               "child_image's region flags are the region map's");

/* ---- the transport of child_image_build ---- */

struct build_ctx {
    struct env *env;
    struct child *child;
    uint32_t ds; /* of the region being filled */
};

static long build_region(void *ctx, uint64_t at, uint64_t size, unsigned flags, uint8_t **local,
                         uint64_t *where)
{
    struct build_ctx *b = ctx;
    struct child *child = b->child;
    uint64_t addr;
    long err = pd_alloc_ram(child->pd, size, &b->ds);
    if (err)
        return err;
    err = env_attach(b->env, b->ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr);
    if (err == FERRY_OK) {
        err = rm_attach(child->rm, b->ds, at, size, 0, flags, where);
        if (err)
            env_detach(b->env, addr);
    }
    if (err == FERRY_OK && child->region_count < CHILD_MAX_REGIONS) {
        child->regions[child->region_count++] = (struct child_region){b->ds, *where, size};
    } else {
        env_cap_drop(b->ds); /* the child's PD owns it */
    }
    *local = (uint8_t *)addr;
    return err;
}

static void build_region_done(void *ctx, uint8_t *local)
{
    struct build_ctx *b = ctx;
    env_detach(b->env, (uint64_t)local);
}

static long build_give_cap(void *ctx, uint32_t slot, uint64_t cap)
{
    struct build_ctx *b = ctx;
    return npd_map(b->child->npd, (uint32_t)cap, slot, FERRY_RIGHTS_ALL);
}

static const struct child_image_ops build_ops = {build_region, build_region_done, build_give_cap};

/* ---- construction ---- */

/* Sessions and objects, in the order child_destroy undoes them. */
static long open_environment(struct env *env, const struct child_config *cfg, struct child *child,
                             struct child_failure *failure)
{
    long err;
    *failure = (struct child_failure){CHILD_STEP_PD, 0};
    if ((err = env_session(env, "PD", cfg->name, "", cfg->ram, cfg->caps, &child->pd)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_NATIVE_PD, 0};
    if ((err = pd_native(child->pd, &child->npd)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_CPU, 0};
    if ((err = env_session_paid(env, "CPU", cfg->name, "", CHILD_CPU_RAM, CHILD_CPU_CAPS, child->pd,
                                &child->cpu)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_LOG, 0};
    if ((err = env_session_paid(env, "LOG", cfg->name, "", CHILD_LOG_RAM, CHILD_LOG_CAPS, child->pd,
                                &child->log)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_ADDRESS_SPACE, 0};
    if ((err = pd_address_space(child->pd, &child->rm)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_THREAD, 0};
    if ((err = cpu_create_thread(child->cpu, child->pd, "main", CHILD_PRIO, &child->thread)))
        return err;
    *failure = (struct child_failure){CHILD_STEP_PARENT_CAP, 0};
    child->parent_gate = env_rpc_register(env, &child->parent_obj, &err);
    return err;
}

/* The image from the boot module `binary`, through a ROM session. */
static long build_image(struct env *env, const struct child_config *cfg, struct child *child,
                        struct child_failure *failure)
{
    uint32_t rom;
    uint64_t addr, size;
    *failure = (struct child_failure){CHILD_STEP_ROM, 0};
    long err = rom_attach(env, cfg->binary, CHILD_ROM_RAM, &rom, &addr, &size);
    if (err)
        return err;
    struct child_image_info info = {.name = cfg->name,
                                    .arg_count = cfg->arg_count,
                                    .arg_key = cfg->arg_key,
                                    .arg_value = cfg->arg_value};
    const uint32_t caps[CHILD_CAP_COUNT] = {
        [CHILD_CAP_PARENT] = child->parent_gate,
        [CHILD_CAP_PD] = child->pd,
        [CHILD_CAP_CPU] = child->cpu,
        [CHILD_CAP_LOG] = child->log,
        [CHILD_CAP_RM] = child->rm,
        [CHILD_CAP_THREAD] = child->thread,
    };
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++) {
        info.cap[i] = caps[i];
        info.badge[i] = env_cap_badge(caps[i]); /* the parent gate's label is its badge too */
        if (cfg->initial_cap[i]) {
            info.cap[i] = cfg->initial_cap[i];
            info.badge[i] = cfg->initial_badge[i];
        }
    }
    struct build_ctx ctx = {env, child, 0};
    err = child_image_build(&build_ops, &ctx, (const void *)addr, size, &info, &child->start,
                            failure);
    rom_detach(env, rom, addr);
    return err;
}

long child_construct(struct env *env, const struct child_config *cfg, struct child *child,
                     struct child_failure *failure)
{
    strncpy(child->name, cfg->name, sizeof(child->name) - 1);
    long err = open_environment(env, cfg, child, failure);
    if (!err)
        err = build_image(env, cfg, child, failure);
    if (!err && cfg->fault_signal) {
        *failure = (struct child_failure){CHILD_STEP_EXCEPTION, 0};
        err = cpu_exception_sigh(child->cpu, cfg->fault_signal);
    }
    if (err)
        child_destroy(env, child);
    return err;
}

long child_run(struct env *env, struct child *child, struct child_failure *failure)
{
    *failure = (struct child_failure){CHILD_STEP_START, 0};
    long err = thread_start(child->thread, child->start.entry, child->start.sp);
    if (err) {
        child_destroy(env, child);
        return err;
    }
    child->started = true;
    return FERRY_OK;
}

long child_start(struct env *env, const struct child_config *cfg, struct child *child,
                 struct child_failure *failure)
{
    long err = child_construct(env, cfg, child, failure);
    return err ? err : child_run(env, child, failure);
}

void child_destroy(struct env *env, struct child *child)
{
    for (unsigned i = 0; i < child->region_count; i++)
        env_cap_drop(child->regions[i].ds);
    child->region_count = 0;
    if (child->parent_gate)
        env_rpc_unregister(env, &child->parent_obj);
    uint32_t *sessions[] = {&child->cpu, &child->log, &child->pd};
    if (child->thread)
        env_cap_drop(child->thread);
    if (child->rm)
        env_cap_drop(child->rm);
    if (child->npd)
        env_cap_drop(child->npd);
    for (unsigned i = 0; i < ARRAY_SIZE(sessions); i++)
        if (*sessions[i])
            env_session_close(env, *sessions[i]);
    child->parent_gate = child->thread = child->rm = child->npd = 0;
    child->cpu = child->log = child->pd = 0;
    child->started = false;
}

/* ---- looking into a child ---- */

/* A copy of the child's report page (include/ferry/component.h): E_NOENT before its
 * runtime wrote one, E_INVAL if it breaks the report's rules (tables_report_validate). */
static long read_report(struct env *env, struct child *child, struct ferry_report *report)
{
    uint32_t ds;
    uint64_t addr;
    long err = npd_report(child->npd, &ds);
    if (err)
        return err;
    err = env_attach(env, ds, FERRY_RM_ANY, 0, 0, 0, &addr);
    if (err == FERRY_OK) {
        memcpy(report, (const void *)addr, sizeof(*report));
        env_detach(env, addr);
    }
    env_cap_drop(ds);
    if (err == FERRY_OK && report->magic != FERRY_REPORT_MAGIC)
        err = FERRY_E_NOENT;
    else if (err == FERRY_OK && tables_report_validate(report, NULL) != TABLES_OK)
        err = FERRY_E_INVAL;
    return err;
}

/* The validated report's table of `kind`, or NULL. */
static const struct ferry_report_table *report_table(const struct ferry_report *report,
                                                     uint32_t kind)
{
    for (unsigned i = 0; i < report->count; i++)
        if (report->table[i].kind == kind)
            return &report->table[i];
    return NULL;
}

/* Does the kernel agree that `slot` of the child holds a gate labelled `badge`? */
static bool slot_holds(struct child *child, uint32_t slot, uint64_t badge)
{
    struct ferry_npd_cap_info_out info;
    return npd_cap_info(child->npd, slot, &info) == FERRY_OK && info.label == badge;
}

long child_capmap_inspect(struct env *env, struct child *child, struct child_capmap_info *info)
{
    struct ferry_report report;
    long err = read_report(env, child, &report);
    if (err)
        return err;
    const struct ferry_report_table *t = report_table(&report, FERRY_TABLE_CAPMAP);
    if (!t)
        return FERRY_E_NOENT;
    const struct child_region *region = NULL;
    for (unsigned i = 0; i < child->region_count; i++) {
        const struct child_region *r = &child->regions[i];
        if (t->vaddr >= r->vaddr && t->size <= r->size && t->vaddr - r->vaddr <= r->size - t->size)
            region = r;
    }
    if (!region)
        return FERRY_E_RANGE; /* not in memory the parent gave the child */
    uint64_t addr;
    if ((err = env_attach(env, region->ds, FERRY_RM_ANY, 0, 0, 0, &addr)))
        return err;
    struct capmap *map = (struct capmap *)(addr + (t->vaddr - region->vaddr));
    *info = (struct child_capmap_info){.layout = capmap_validate(map, t->size)};
    if (info->layout == CAPMAP_OK)
        for (struct capmap_entry *e = capmap_first(map); e; e = capmap_next(map, e)) {
            info->entries++;
            info->confirmed += slot_holds(child, e->slot, e->link.key);
        }
    env_detach(env, addr);
    return FERRY_OK;
}
