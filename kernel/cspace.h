/*
 * Capability spaces: CSPACE_SLOTS slots per task, indexed by a selector.
 *
 * Two levels so that a task with few capabilities costs one page:
 *
 *   task->cspace[sel / 256] --> leaf page: struct cap[256] (16 bytes each)
 *
 * Leaf pages are allocated when a slot in them is first filled and are kept
 * until the task is destroyed. Slot 0 is never filled: selector 0 means "none".
 */
#ifndef KERNEL_CSPACE_H
#define KERNEL_CSPACE_H

#include "object.h"
#include <stddef.h>
#include <stdint.h>

#define CSPACE_LEAF_SLOTS 256
#define CSPACE_LEAVES     64
#define CSPACE_SLOTS      (CSPACE_LEAF_SLOTS * CSPACE_LEAVES) /* 16384 */

struct task;

/* The slot for sel, or NULL if sel is out of range or its leaf is absent. */
struct cap *cspace_slot(struct task *task, uint64_t sel);
/* The same on a task's leaf table (task->cspace), inline for the IPC fastpath. */
static inline struct cap *cspace_slot_in(struct cap *const *leaves, uint64_t sel)
{
    if (sel == 0 || sel >= CSPACE_SLOTS)
        return NULL;
    struct cap *leaf = leaves[sel / CSPACE_LEAF_SLOTS];
    return leaf ? &leaf[sel % CSPACE_LEAF_SLOTS] : NULL;
}

/* The capability at sel if the slot holds a live object of `type` (or any
 * type if type == FERRY_OBJ_NONE) with all of `rights`; else NULL and *err
 * set: E_BADSEL, E_BADTYPE, E_NORIGHTS or, for a destroyed object, E_DEAD. */
struct cap *cspace_lookup(struct task *task, uint64_t sel, enum ferry_obj_type type,
                          uint64_t rights, long *err);

/* Puts obj into an empty slot. 0, -E_RANGE, -E_OCCUPIED or -E_NOMEM. */
long cspace_insert(struct task *task, uint64_t sel, struct kobj *obj, uint64_t rights);

/* Empties a slot; the object is freed if that was its last reference
 * (object.h). 0 or -E_BADSEL (out of range or already empty). */
long cspace_remove(struct task *task, uint64_t sel);

/* Empties every slot and frees the leaf pages (task destruction). */
void cspace_destroy(struct task *task);

/* First occupied selector >= sel, or -1. */
int64_t cspace_next(struct task *task, uint64_t sel);

#endif
