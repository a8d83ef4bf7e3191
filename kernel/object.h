/*
 * Kernel objects and capabilities.
 *
 * Every object starts with a struct kobj: its type and a kernel object id,
 * unique for the lifetime of the machine and never reused, so that user space
 * (the checkpointer) can tell whether two capabilities name the same object.
 * `refs` counts the capability slots that hold the object.
 *
 * Objects are never destroyed in this version: unmapping the last capability
 * leaves the object allocated (see docs/kernel.md, "Limits").
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <ferry/object.h>
#include <stdint.h>

struct kobj {
    uint64_t id;
    uint32_t refs;
    uint8_t type; /* enum ferry_obj_type */
};

/* A capability: one slot of a capability space. obj == NULL: empty slot. */
struct cap {
    struct kobj *obj;
    uint64_t rights;
};

void kobj_init(struct kobj *obj, enum ferry_obj_type type);

/* Type-specific label: a gate's or IRQ's label, 0 for other objects. */
uint64_t kobj_label(const struct kobj *obj);

/*
 * A range of physical memory: all free RAM of a region, the boot modules
 * archive, or a device's MMIO window. Mapped page by page into tasks.
 */
struct memory {
    struct kobj obj;
    uint64_t paddr, size;
    uint8_t device; /* MMIO: never executable */
};

struct memory *memory_create(uint64_t paddr, uint64_t size, int device);

/* The root factory: the one object that can create others. */
struct factory {
    struct kobj obj;
};

#endif
