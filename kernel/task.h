/* Tasks: an address space plus a capability space. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "cspace.h"
#include "list.h"
#include "object.h"
#include "vm.h"

/*
 * Holds on a task (object.h): one per live thread of it (thread->task).
 * A dead task has no threads, no capabilities, no page tables: root == NULL
 * and every cspace leaf NULL; only the struct waits for its last reference.
 */
struct task {
    struct kobj obj;
    pte_t *root;                       /* Sv39 root table (kernel part shared); NULL once dead */
    struct cap *cspace[CSPACE_LEAVES]; /* leaf pages, see cspace.h */
    struct list threads;               /* live threads of the task: thread.task_link */
};

struct task *task_create(void);

/* Destroys every thread of the task, empties its capability space (dropping
 * those references may free other objects) and frees its page tables. Memory
 * mapped into it is only unmapped: frames belong to memory objects. */
void task_destroy(struct task *task);
void task_free(struct task *task);

#endif
