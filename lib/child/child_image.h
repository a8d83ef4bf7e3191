/*
 * A child's initial image: the one construction path of a component,
 * independent of how memory and capabilities reach the child. Shared by
 * core (starting init with direct kernel calls: core/init_start.c), the base
 * library (init's and rtcr's children through sessions: lib/base/child.c) and
 * rtcr's restore, which builds a child the same way and overwrites its state
 * before it runs.
 *
 * What it decides: the ELF's segments as page-aligned regions with their
 * rights; the stack with the startup block at its top and the initial stack
 * pointer; the table of initial capabilities (role -> slot, from
 * include/ferry/component.h) and their badges in the startup block. What the
 * constructor supplies (struct child_image_ops): a fresh RAM region attached
 * in the child with a local view of it, and the mapping of one capability
 * into a slot of the child.
 *
 * Freestanding (no allocation, no stdio); host-tested (tests/unit/test_child.c).
 * The ELF is untrusted: every size and address is checked for overflow.
 */
#ifndef FERRY_LIB_CHILD_IMAGE_H
#define FERRY_LIB_CHILD_IMAGE_H

#include <ferry/component.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHILD_IMAGE_MAX_SEGMENTS 8
#define CHILD_IMAGE_STACK        (64ul * 1024)

/* Region rights, as the region map's FERRY_RM_* flags. */
#define CHILD_IMAGE_WRITE 0x1u   /* = FERRY_RM_WRITE */
#define CHILD_IMAGE_EXEC  0x2u   /* = FERRY_RM_EXEC */
#define CHILD_IMAGE_ANY   (~0ul) /* = FERRY_RM_ANY: the constructor picks the address */

/* The steps of constructing and starting a child, in order: on failure, the
 * one that failed. */
enum child_step {
    CHILD_STEP_NONE = 0,
    CHILD_STEP_SLOT,          /* the parent has no room for another child */
    CHILD_STEP_FAULT_SIGNAL,  /* the parent's fault handler for the child */
    CHILD_STEP_PD,            /* PD session */
    CHILD_STEP_NATIVE_PD,     /* its native PD capability */
    CHILD_STEP_CPU,           /* CPU session */
    CHILD_STEP_LOG,           /* LOG session */
    CHILD_STEP_ADDRESS_SPACE, /* its address space */
    CHILD_STEP_THREAD,        /* the main thread */
    CHILD_STEP_PARENT_CAP,    /* the child's parent capability */
    CHILD_STEP_ROM,           /* the binary's ROM: not a boot module */
    CHILD_STEP_ELF,           /* the binary is no valid ELF (child_failure.elf says why) */
    CHILD_STEP_SEGMENT,       /* an ELF segment's memory */
    CHILD_STEP_STACK,         /* the stack with the startup block */
    CHILD_STEP_CAPS,          /* the initial capabilities */
    CHILD_STEP_EXCEPTION,     /* the exception handler */
    CHILD_STEP_START,         /* the main thread's start */
    CHILD_STEP_COUNT
};

/* Where a construction failed. */
struct child_failure {
    enum child_step step;
    int elf; /* CHILD_STEP_ELF: the ELF_E_* code, or CHILD_IMAGE_E_* */
};

/* Image errors beyond the ELF reader's (lib/elf/elf.h), in child_failure.elf. */
#define CHILD_IMAGE_E_RANGE    (-100) /* a segment outside [0, FERRY_COMP_ATTACH_BASE) */
#define CHILD_IMAGE_E_SEGMENTS (-101) /* more than CHILD_IMAGE_MAX_SEGMENTS segments */

/* "PD session", "stack", ...: for messages. */
const char *child_step_name(enum child_step step);
/* The ELF error's name for CHILD_STEP_ELF ("ELF_E_MAGIC"), else child_step_name. */
const char *child_failure_name(const struct child_failure *f);

/* One loadable segment as a region of the child. */
struct child_image_segment {
    uint64_t base;    /* page-aligned address in the child */
    uint64_t size;    /* page multiple, > 0 */
    uint64_t copy_at; /* where in the region the file bytes go */
    uint64_t offset;  /* of the file bytes in the ELF */
    uint64_t filesz;  /* <= size - copy_at */
    unsigned flags;   /* CHILD_IMAGE_WRITE / EXEC */
};

struct child_image_layout {
    uint64_t entry;
    unsigned count;
    struct child_image_segment segments[CHILD_IMAGE_MAX_SEGMENTS];
};

/*
 * Validates the ELF in elf[0..size) and computes its regions: every segment
 * lies below FERRY_COMP_ATTACH_BASE, nothing wraps. Returns 0, an ELF_E_* code
 * or CHILD_IMAGE_E_*.
 */
int child_image_layout(const void *elf, size_t size, struct child_image_layout *out);

/* Copies segment i's file bytes into `region` (its local view, zeroed by the
 * constructor's allocation). */
void child_image_fill(const struct child_image_layout *layout, const void *elf, unsigned i,
                      uint8_t *region);

/* The initial capabilities: each role's slot is include/ferry/component.h's. */
enum child_cap {
    CHILD_CAP_PARENT,
    CHILD_CAP_PD,
    CHILD_CAP_CPU,
    CHILD_CAP_LOG,
    CHILD_CAP_RM,
    CHILD_CAP_THREAD,
    CHILD_CAP_COUNT
};
extern const uint32_t child_cap_slot[CHILD_CAP_COUNT];

struct child_image_info {
    const char *name;
    uint64_t cap[CHILD_CAP_COUNT];   /* the constructor's handle of each (slot or selector) */
    uint64_t badge[CHILD_CAP_COUNT]; /* what the child's runtime will see */
    unsigned arg_count;              /* at most FERRY_STARTUP_ARGS are used */
    const char *const *arg_key, *const *arg_value;
};

/* Writes the startup block (include/ferry/component.h). */
void child_image_startup(struct ferry_startup *s, const struct child_image_info *info);

/* Where the startup block sits in a stack of `stack_size` bytes (16-byte
 * aligned, at the top): the initial sp is the stack's address plus this. */
uint64_t child_image_startup_offset(uint64_t stack_size);

/* The constructor's transport. */
struct child_image_ops {
    /*
     * A fresh zeroed RAM region of `size` bytes attached in the child at `at`
     * (or CHILD_IMAGE_ANY) with `flags`; *local is a writable view of it for
     * the constructor, *where the child's address. The region belongs to the
     * child from then on.
     */
    long (*region)(void *ctx, uint64_t at, uint64_t size, unsigned flags, uint8_t **local,
                   uint64_t *where);
    /* The constructor's view of a region is no longer needed. */
    void (*region_done)(void *ctx, uint8_t *local);
    /* Maps the constructor's capability `cap` into the child's `slot`. */
    long (*give_cap)(void *ctx, uint32_t slot, uint64_t cap);
};

/* The result of child_image_build: where the main thread starts. */
struct child_image_start {
    uint64_t entry, sp;
};

/*
 * Builds the child's image: a region per segment with its file bytes, the
 * stack (CHILD_IMAGE_STACK) with the startup block, the initial capabilities.
 * Returns FERRY_OK with *start, or the error with *failure. On error the
 * regions already made stay with the child (its owner frees them with it).
 */
long child_image_build(const struct child_image_ops *ops, void *ctx, const void *elf, size_t size,
                       const struct child_image_info *info, struct child_image_start *start,
                       struct child_failure *failure);

#endif
