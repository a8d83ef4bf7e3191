/*
 * A child's initial image (child_image.h): ELF layout, startup block, initial
 * capability table, and the construction that puts them together through the
 * constructor's transport.
 */
#include "child_image.h"
#include <elf/elf.h>
#include <ferry/error.h>
#include <ferry/utcb.h>
#include <string.h>

#define PAGE_MASK (FERRY_PAGE_SIZE - 1)

const uint32_t child_cap_slot[CHILD_CAP_COUNT] = {
    [CHILD_CAP_PARENT] = FERRY_COMP_SEL_PARENT, [CHILD_CAP_PD] = FERRY_COMP_SEL_PD,
    [CHILD_CAP_CPU] = FERRY_COMP_SEL_CPU,       [CHILD_CAP_LOG] = FERRY_COMP_SEL_LOG,
    [CHILD_CAP_RM] = FERRY_COMP_SEL_RM,         [CHILD_CAP_THREAD] = FERRY_COMP_SEL_THREAD,
};

const char *child_step_name(enum child_step step)
{
    static const char *const names[CHILD_STEP_COUNT] = {
        [CHILD_STEP_NONE] = "none",
        [CHILD_STEP_SLOT] = "child table",
        [CHILD_STEP_FAULT_SIGNAL] = "fault signal",
        [CHILD_STEP_PD] = "PD session",
        [CHILD_STEP_NATIVE_PD] = "native PD",
        [CHILD_STEP_CPU] = "CPU session",
        [CHILD_STEP_LOG] = "LOG session",
        [CHILD_STEP_ADDRESS_SPACE] = "address space",
        [CHILD_STEP_THREAD] = "main thread",
        [CHILD_STEP_PARENT_CAP] = "parent capability",
        [CHILD_STEP_ROM] = "ROM session",
        [CHILD_STEP_ELF] = "ELF",
        [CHILD_STEP_SEGMENT] = "ELF segment",
        [CHILD_STEP_STACK] = "stack",
        [CHILD_STEP_CAPS] = "initial capabilities",
        [CHILD_STEP_EXCEPTION] = "exception handler",
        [CHILD_STEP_START] = "start",
    };
    return (unsigned)step < CHILD_STEP_COUNT ? names[step] : "?";
}

const char *child_failure_name(const struct child_failure *f)
{
    if (f->step != CHILD_STEP_ELF)
        return child_step_name(f->step);
    if (f->elf == CHILD_IMAGE_E_RANGE)
        return "CHILD_IMAGE_E_RANGE";
    if (f->elf == CHILD_IMAGE_E_SEGMENTS)
        return "CHILD_IMAGE_E_SEGMENTS";
    return elf_error_name(f->elf);
}

/* Segment seg as a region: page-aligned, below FERRY_COMP_ATTACH_BASE, no
 * sum wrapping. 0 or CHILD_IMAGE_E_RANGE. */
static int segment_region(const struct elf_segment *seg, struct child_image_segment *out)
{
    uint64_t end, end_up;
    if (__builtin_add_overflow(seg->vaddr, seg->memsz, &end) ||
        __builtin_add_overflow(end, PAGE_MASK, &end_up) || end > FERRY_COMP_ATTACH_BASE)
        return CHILD_IMAGE_E_RANGE;
    uint64_t base = seg->vaddr & ~PAGE_MASK;
    *out = (struct child_image_segment){
        .base = base,
        .size = (end_up & ~PAGE_MASK) - base,
        .copy_at = seg->vaddr - base,
        .offset = seg->offset,
        .filesz = seg->filesz,
        .flags = (seg->flags & ELF_PF_W ? CHILD_IMAGE_WRITE : 0) |
                 (seg->flags & ELF_PF_X ? CHILD_IMAGE_EXEC : 0),
    };
    return 0;
}

int child_image_layout(const void *elf, size_t size, struct child_image_layout *out)
{
    struct elf_image img;
    memset(out, 0, sizeof(*out));
    int r = elf_open(&img, elf, size);
    if (r < 0)
        return r;
    out->entry = img.entry;
    for (unsigned i = 0; i < img.phnum; i++) {
        struct elf_segment seg;
        r = elf_load_segment(&img, i, &seg);
        if (r < 0)
            return r;
        if (r == 0 || seg.memsz == 0)
            continue;
        if (out->count == CHILD_IMAGE_MAX_SEGMENTS)
            return CHILD_IMAGE_E_SEGMENTS;
        if ((r = segment_region(&seg, &out->segments[out->count])))
            return r;
        out->count++;
    }
    return 0;
}

void child_image_fill(const struct child_image_layout *layout, const void *elf, unsigned i,
                      uint8_t *region)
{
    const struct child_image_segment *s = &layout->segments[i];
    memcpy(region + s->copy_at, (const uint8_t *)elf + s->offset, s->filesz);
}

uint64_t child_image_startup_offset(uint64_t stack_size)
{
    return (stack_size - sizeof(struct ferry_startup)) & ~15ul;
}

/* Copies at most size - 1 bytes of src and terminates (dst is zeroed). */
static void copy_name(char *dst, size_t size, const char *src)
{
    for (size_t i = 0; src && i + 1 < size && src[i]; i++)
        dst[i] = src[i];
}

void child_image_startup(struct ferry_startup *s, const struct child_image_info *info)
{
    memset(s, 0, sizeof(*s));
    s->magic = FERRY_STARTUP_MAGIC;
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++)
        s->badge[child_cap_slot[i]] = info->badge[i];
    copy_name(s->name, sizeof(s->name), info->name);
    for (unsigned i = 0; i < info->arg_count && i < FERRY_STARTUP_ARGS; i++) {
        copy_name(s->args[i].key, sizeof(s->args[i].key), info->arg_key[i]);
        copy_name(s->args[i].value, sizeof(s->args[i].value), info->arg_value[i]);
    }
}

long child_image_build(const struct child_image_ops *ops, void *ctx, const void *elf, size_t size,
                       const struct child_image_info *info, struct child_image_start *start,
                       struct child_failure *failure)
{
    struct child_image_layout layout;
    int r = child_image_layout(elf, size, &layout);
    if (r) {
        *failure = (struct child_failure){CHILD_STEP_ELF, r};
        return r == CHILD_IMAGE_E_RANGE ? FERRY_E_RANGE : FERRY_E_INVAL;
    }
    uint8_t *local;
    uint64_t where;
    long err;
    *failure = (struct child_failure){CHILD_STEP_SEGMENT, 0};
    for (unsigned i = 0; i < layout.count; i++) {
        const struct child_image_segment *s = &layout.segments[i];
        if ((err = ops->region(ctx, s->base, s->size, s->flags, &local, &where)))
            return err;
        child_image_fill(&layout, elf, i, local);
        ops->region_done(ctx, local);
    }
    *failure = (struct child_failure){CHILD_STEP_STACK, 0};
    if ((err = ops->region(ctx, CHILD_IMAGE_ANY, CHILD_IMAGE_STACK, CHILD_IMAGE_WRITE, &local,
                           &where)))
        return err;
    uint64_t offset = child_image_startup_offset(CHILD_IMAGE_STACK);
    child_image_startup((struct ferry_startup *)(void *)(local + offset), info);
    ops->region_done(ctx, local);
    *failure = (struct child_failure){CHILD_STEP_CAPS, 0};
    for (unsigned i = 0; i < CHILD_CAP_COUNT; i++)
        if ((err = ops->give_cap(ctx, child_cap_slot[i], info->cap[i])))
            return err;
    *start = (struct child_image_start){layout.entry, where + offset};
    *failure = (struct child_failure){CHILD_STEP_NONE, 0};
    return FERRY_OK;
}
