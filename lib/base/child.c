#include <ferry/macros.h>
#include "child.h"
#include "client.h"
#include <elf/elf.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/rom.h>
#include <string.h>

#define PAGE_MASK (FERRY_PAGE_SIZE - 1)
/* the startup block sits at the top of the stack; sp starts at it, 16-byte aligned */
#define CHILD_STARTUP_OFFSET ((CHILD_STACK - sizeof(struct ferry_startup)) & ~15ul)

/* A RAM dataspace of the child holding `fill`'s output, attached in the child at `at`. */
static long child_region(struct env *env, struct child *child, uint64_t at, uint64_t size,
                         unsigned flags, void (*fill)(uint8_t *, const void *), const void *ctx,
                         uint64_t *addr)
{
    uint32_t ds;
    uint64_t local, where = at;
    long err = pd_alloc_ram(child->pd, size, &ds);
    if (err)
        return err;
    err = env_attach(env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &local);
    if (err == FERRY_OK) {
        fill((uint8_t *)local, ctx);
        env_detach(env, local);
        err = rm_attach(child->rm, ds, at, size, 0, flags, &where);
    }
    if (err == FERRY_OK && child->region_count < CHILD_MAX_REGIONS) {
        child->regions[child->region_count++] = (struct child_region){ds, where, size};
    } else {
        env_cap_release(env_cap_badge(ds)); /* the child's PD owns it */
    }
    if (addr)
        *addr = where;
    return err;
}

struct segment_fill {
    const struct elf_image *img;
    const struct elf_segment *seg;
};

static void fill_segment(uint8_t *dst, const void *ctx)
{
    const struct segment_fill *f = ctx;
    memcpy(dst + (f->seg->vaddr & PAGE_MASK), f->img->data + f->seg->offset, f->seg->filesz);
}

static long load_elf(struct env *env, struct child *child, const struct elf_image *img,
                     const char **what)
{
    for (unsigned i = 0; i < img->phnum; i++) {
        struct elf_segment seg;
        int r = elf_load_segment(img, i, &seg);
        if (r < 0) {
            *what = elf_error_name(r);
            return FERRY_E_INVAL;
        }
        if (r == 0 || seg.memsz == 0)
            continue;
        uint64_t start = seg.vaddr & ~PAGE_MASK;
        uint64_t size = (seg.vaddr + seg.memsz - start + PAGE_MASK) & ~PAGE_MASK;
        unsigned flags = (seg.flags & ELF_PF_W ? FERRY_RM_WRITE : 0) |
                         (seg.flags & ELF_PF_X ? FERRY_RM_EXEC : 0);
        struct segment_fill f = {img, &seg};
        long err = child_region(env, child, start, size, flags, fill_segment, &f, NULL);
        if (err) {
            *what = "ELF segment";
            return err;
        }
    }
    return FERRY_OK;
}

static long load_binary(struct env *env, struct child *child, const char *binary, uint64_t *entry,
                        const char **what)
{
    uint32_t rom;
    uint64_t addr, size;
    *what = "ROM session";
    long err = rom_attach(env, binary, CHILD_ROM_RAM, &rom, &addr, &size);
    if (err)
        return err;
    struct elf_image img;
    int r = elf_open(&img, (const void *)addr, size);
    if (r < 0) {
        *what = elf_error_name(r);
        err = FERRY_E_INVAL;
    } else {
        *entry = img.entry;
        err = load_elf(env, child, &img, what);
    }
    rom_detach(env, rom, addr);
    return err;
}

struct startup_fill {
    const struct ferry_startup *startup;
};

static void fill_stack(uint8_t *dst, const void *ctx)
{
    const struct startup_fill *f = ctx;
    memcpy(dst + CHILD_STARTUP_OFFSET, f->startup, sizeof(struct ferry_startup));
}

static void build_startup(const struct child_config *cfg, const struct child *child,
                          struct ferry_startup *s)
{
    memset(s, 0, sizeof(*s));
    s->magic = FERRY_STARTUP_MAGIC;
    s->badge[FERRY_COMP_SEL_PARENT] = child->parent_obj.badge;
    s->badge[FERRY_COMP_SEL_PD] = env_cap_badge(child->pd);
    s->badge[FERRY_COMP_SEL_CPU] = env_cap_badge(child->cpu);
    s->badge[FERRY_COMP_SEL_LOG] = env_cap_badge(child->log);
    s->badge[FERRY_COMP_SEL_RM] = env_cap_badge(child->rm);
    s->badge[FERRY_COMP_SEL_THREAD] = env_cap_badge(child->thread);
    strncpy(s->name, cfg->name, sizeof(s->name) - 1);
    for (unsigned i = 0; i < cfg->arg_count && i < FERRY_STARTUP_ARGS; i++) {
        strncpy(s->args[i].key, cfg->arg_key[i], sizeof(s->args[i].key) - 1);
        strncpy(s->args[i].value, cfg->arg_value[i], sizeof(s->args[i].value) - 1);
    }
}

static long map_initial_caps(struct child *child)
{
    const struct {
        uint32_t slot, cap;
    } caps[] = {
        {FERRY_COMP_SEL_PARENT, child->parent_gate},
        {FERRY_COMP_SEL_PD, child->pd},
        {FERRY_COMP_SEL_CPU, child->cpu},
        {FERRY_COMP_SEL_LOG, child->log},
        {FERRY_COMP_SEL_RM, child->rm},
        {FERRY_COMP_SEL_THREAD, child->thread},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(caps); i++) {
        long err = npd_map(child->npd, caps[i].cap, caps[i].slot, FERRY_RIGHTS_ALL);
        if (err)
            return err;
    }
    return FERRY_OK;
}

/* Sessions and objects, in the order child_destroy undoes them. */
static long open_environment(struct env *env, const struct child_config *cfg, struct child *child,
                             const char **what)
{
    long err;
    *what = "PD session";
    if ((err = env_session(env, "PD", cfg->name, "", cfg->ram, cfg->caps, &child->pd)))
        return err;
    *what = "native PD";
    if ((err = pd_native(child->pd, &child->npd)))
        return err;
    *what = "CPU session";
    if ((err = env_session_paid(env, "CPU", cfg->name, "", CHILD_CPU_RAM, CHILD_CPU_CAPS, child->pd,
                                &child->cpu)))
        return err;
    *what = "LOG session";
    if ((err = env_session_paid(env, "LOG", cfg->name, "", CHILD_LOG_RAM, CHILD_LOG_CAPS, child->pd,
                                &child->log)))
        return err;
    *what = "address space";
    if ((err = pd_address_space(child->pd, &child->rm)))
        return err;
    *what = "main thread";
    if ((err = cpu_create_thread(child->cpu, child->pd, "main", CHILD_PRIO, &child->thread)))
        return err;
    *what = "parent capability";
    child->parent_gate = env_rpc_register(env, &child->parent_obj, &err);
    return err;
}

long child_start(struct env *env, const struct child_config *cfg, struct child *child,
                 const char **what)
{
    uint64_t entry = 0, stack;
    struct ferry_startup startup;
    strncpy(child->name, cfg->name, sizeof(child->name) - 1);
    long err = open_environment(env, cfg, child, what);
    if (!err)
        err = load_binary(env, child, cfg->binary, &entry, what);
    if (!err) {
        *what = "stack";
        build_startup(cfg, child, &startup);
        struct startup_fill f = {&startup};
        err = child_region(env, child, FERRY_RM_ANY, CHILD_STACK, FERRY_RM_WRITE, fill_stack, &f,
                           &stack);
    }
    if (!err) {
        *what = "initial capabilities";
        err = map_initial_caps(child);
    }
    if (!err && cfg->fault_signal) {
        *what = "exception handler";
        err = cpu_exception_sigh(child->cpu, cfg->fault_signal);
    }
    if (!err) {
        *what = "start";
        err = thread_start(child->thread, entry, stack + CHILD_STARTUP_OFFSET);
    }
    if (err) {
        child_destroy(env, child);
        return err;
    }
    child->started = true;
    return FERRY_OK;
}

void child_destroy(struct env *env, struct child *child)
{
    for (unsigned i = 0; i < child->region_count; i++)
        env_cap_release(env_cap_badge(child->regions[i].ds));
    child->region_count = 0;
    if (child->parent_gate)
        env_rpc_unregister(env, &child->parent_obj, child->parent_gate);
    uint32_t *sessions[] = {&child->cpu, &child->log, &child->pd};
    if (child->thread)
        env_cap_release(env_cap_badge(child->thread));
    if (child->rm)
        env_cap_release(env_cap_badge(child->rm));
    if (child->npd)
        env_cap_release(env_cap_badge(child->npd));
    for (unsigned i = 0; i < 3; i++)
        if (*sessions[i])
            env_session_close(env, *sessions[i]);
    child->parent_gate = child->thread = child->rm = child->npd = 0;
    child->cpu = child->log = child->pd = 0;
    child->started = false;
}

/* ---- looking into a child ---- */

static long read_capmap_report(struct env *env, struct child *child,
                               struct ferry_capmap_report *report)
{
    uint32_t ds;
    uint64_t addr;
    long err = npd_capmap_report(child->npd, &ds);
    if (err)
        return err;
    err = env_attach(env, ds, FERRY_RM_ANY, 0, 0, 0, &addr);
    if (err == FERRY_OK) {
        memcpy(report, (const void *)addr, sizeof(*report));
        env_detach(env, addr);
    }
    env_cap_release(env_cap_badge(ds));
    if (err == FERRY_OK && report->magic != FERRY_CAPMAP_REPORT_MAGIC)
        err = FERRY_E_NOENT;
    return err;
}

/* Does the kernel agree that `slot` of the child holds a gate labelled `badge`? */
static bool slot_holds(struct child *child, uint32_t slot, uint64_t badge)
{
    struct ferry_npd_cap_info_out info;
    return npd_cap_info(child->npd, slot, &info) == FERRY_OK && info.label == badge;
}

long child_capmap_inspect(struct env *env, struct child *child, struct child_capmap_info *info)
{
    struct ferry_capmap_report report;
    long err = read_capmap_report(env, child, &report);
    if (err)
        return err;
    const struct child_region *region = NULL;
    for (unsigned i = 0; i < child->region_count; i++) {
        const struct child_region *r = &child->regions[i];
        if (report.vaddr >= r->vaddr && report.size <= r->size &&
            report.vaddr - r->vaddr <= r->size - report.size)
            region = r;
    }
    if (!region)
        return FERRY_E_RANGE; /* not in memory the parent gave the child */
    uint64_t addr;
    if ((err = env_attach(env, region->ds, FERRY_RM_ANY, 0, 0, 0, &addr)))
        return err;
    struct capmap *map = (struct capmap *)(addr + (report.vaddr - region->vaddr));
    *info = (struct child_capmap_info){.layout = capmap_validate(map, report.size)};
    if (info->layout == CAPMAP_OK)
        for (struct capmap_entry *e = capmap_first(map); e; e = capmap_next(map, e)) {
            info->entries++;
            info->confirmed += slot_holds(child, e->slot, e->link.key);
        }
    env_detach(env, addr);
    return FERRY_OK;
}
