/*
 * Kernel objects and capabilities.
 *
 * Every object starts with a struct kobj: its type and a kernel object id,
 * unique for the lifetime of the machine and never reused, so that user space
 * (the checkpointer) can tell whether two capabilities name the same object.
 *
 * Lifetime (docs/kernel.md, "Object lifetime"). An object is
 *   live      usable through its capabilities;
 *   dead      destroyed (TASK_UNMAP with FERRY_UNMAP_DESTROY, or its task or
 *             receiving thread was destroyed): it holds nothing any more, every
 *             operation through a capability to it fails with E_DEAD, but its
 *             memory stays while something still points at it;
 *   freed     its memory is back in the kernel pool.
 * Two counters say who points at an object:
 *   refs   capability slots holding it;
 *   holds  kernel pointers that keep its memory: each one is listed with the
 *          field that holds it (thread.h, gate.h, irq.h, task.h), plus short
 *          holds a system call takes on objects it works on across a destroy.
 * An object is freed exactly when refs == 0, holds == 0 and kobj_freeable():
 * gates and IRQs whenever that happens (nobody can reach them any more; a
 * live one is destroyed first), threads and tasks only once dead (a live
 * thread runs without any capability; only a destroy stops it), memory and
 * the factory never (boot objects, a fixed number).
 *
 * Invariants: an object with refs > 0 or holds > 0 is never freed; a dead
 * object never gains a hold (object creation and configuration look their
 * arguments up with cspace_lookup, which refuses dead objects), so a dead
 * object's holds only fall. Capabilities to a dead object may still be copied
 * and transferred (a checkpointer can copy a capability space as it is); they
 * stay dead.
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <ferry/object.h>
#include <ferry/objinfo.h>
#include <stdbool.h>
#include <stdint.h>

struct kobj {
    uint64_t id;
    uint64_t label; /* gates and IRQs: fixed at creation (kobj_label); 0 for others */
    uint32_t refs;  /* capability slots holding the object */
    uint32_t holds; /* kernel pointers keeping its memory (see above) */
    uint8_t type;   /* enum ferry_obj_type */
    bool dead;      /* destroyed: see above */
};

/* A capability: one slot of a capability space. obj == NULL: empty slot. */
struct cap {
    struct kobj *obj;
    uint64_t rights;
};

void kobj_init(struct kobj *obj, enum ferry_obj_type type);

/* Type-specific label: a gate's or IRQ's label, 0 for other objects. */
static inline uint64_t kobj_label(const struct kobj *obj)
{
    return obj->label;
}

/* Fills *out (struct ferry_obj_info, objinfo.h) with what the object is and,
 * for a live one, its type's state; obj NULL: an empty slot. Changes nothing.
 * The caller sets out->rights. */
void kobj_info(const struct kobj *obj, struct ferry_obj_info *out);

/* Takes and drops a hold; dropping the last one may free the object. */
void kobj_hold(struct kobj *obj);
void kobj_unhold(struct kobj *obj);

/* Frees the object if nothing refers to it any more (see above). */
void kobj_maybe_free(struct kobj *obj);

/*
 * Destroys the object: it is dead afterwards and has released everything it
 * held (threads woken with E_DEAD, queues emptied, memory of its own such as a
 * UTCB or page tables freed). Its struct is freed too if nothing refers to it.
 * Destroying a dead object does nothing. Not for memory or the factory.
 */
void kobj_destroy(struct kobj *obj);

/* Can this type of object be destroyed (TASK_UNMAP's FERRY_UNMAP_DESTROY)? */
bool kobj_destroyable(const struct kobj *obj);

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
