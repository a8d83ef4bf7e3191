#include "cspace.h"
#include "klib.h"
#include "pmem.h"
#include "task.h"
#include <ferry/error.h>

struct cap *cspace_slot(struct task *task, uint64_t sel)
{
    return cspace_slot_in(task->cspace, sel);
}

struct cap *cspace_lookup(struct task *task, uint64_t sel, enum ferry_obj_type type,
                          uint64_t rights, long *err)
{
    struct cap *cap = cspace_slot(task, sel);
    if (!cap || !cap->obj) {
        *err = FERRY_E_BADSEL;
        return NULL;
    }
    if (type != FERRY_OBJ_NONE && cap->obj->type != type) {
        *err = FERRY_E_BADTYPE;
        return NULL;
    }
    if ((cap->rights & rights) != rights) {
        *err = FERRY_E_NORIGHTS;
        return NULL;
    }
    if (cap->obj->dead) {
        *err = FERRY_E_DEAD;
        return NULL;
    }
    return cap;
}

long cspace_insert(struct task *task, uint64_t sel, struct kobj *obj, uint64_t rights)
{
    if (sel == 0 || sel >= CSPACE_SLOTS)
        return -FERRY_E_RANGE;
    struct cap **leaf = &task->cspace[sel / CSPACE_LEAF_SLOTS];
    if (!*leaf) {
        _Static_assert(sizeof(struct cap) * CSPACE_LEAF_SLOTS == PAGE_SIZE, "leaf is a page");
        *leaf = frame_alloc();
        if (!*leaf)
            return -FERRY_E_NOMEM;
    }
    struct cap *cap = &(*leaf)[sel % CSPACE_LEAF_SLOTS];
    if (cap->obj)
        return -FERRY_E_OCCUPIED;
    cap->obj = obj;
    cap->rights = rights & FERRY_RIGHTS_ALL;
    obj->refs++;
    return 0;
}

long cspace_remove(struct task *task, uint64_t sel)
{
    struct cap *cap = cspace_slot(task, sel);
    if (!cap || !cap->obj)
        return -FERRY_E_BADSEL;
    struct kobj *obj = cap->obj;
    cap->obj = NULL;
    cap->rights = 0;
    obj->refs--;
    kobj_maybe_free(obj); /* the slot is empty first: freeing may look at capability spaces */
    return 0;
}

void cspace_destroy(struct task *task)
{
    for (unsigned leaf = 0; leaf < CSPACE_LEAVES; leaf++) {
        if (!task->cspace[leaf])
            continue;
        for (unsigned i = 0; i < CSPACE_LEAF_SLOTS; i++)
            if (task->cspace[leaf][i].obj)
                cspace_remove(task, (uint64_t)leaf * CSPACE_LEAF_SLOTS + i);
        frame_free(task->cspace[leaf]);
        task->cspace[leaf] = NULL;
    }
}

int64_t cspace_next(struct task *task, uint64_t sel)
{
    for (; sel < CSPACE_SLOTS; sel++) {
        struct cap *leaf = task->cspace[sel / CSPACE_LEAF_SLOTS];
        if (!leaf) {
            sel = (sel / CSPACE_LEAF_SLOTS + 1) * CSPACE_LEAF_SLOTS - 1;
            continue;
        }
        if (sel != 0 && leaf[sel % CSPACE_LEAF_SLOTS].obj)
            return (int64_t)sel;
    }
    return -1;
}
