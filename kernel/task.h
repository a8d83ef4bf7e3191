/* Tasks: an address space plus a capability space. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "cspace.h"
#include "object.h"
#include "vm.h"

struct task {
    struct kobj obj;
    pte_t *root;                      /* Sv39 root table (kernel part shared) */
    struct cap *cspace[CSPACE_LEAVES]; /* leaf pages, see cspace.h */
};

struct task *task_create(void);

#endif
