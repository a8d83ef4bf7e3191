#include "task.h"
#include "klib.h"
#include "pmem.h"
#include "thread.h"
#include "trap.h"

struct task *task_create(void)
{
    struct task *task = kmem_alloc(sizeof(*task));
    if (!task)
        return NULL;
    task->root = vm_create_root();
    if (!task->root) {
        kmem_free(task, sizeof(*task));
        return NULL;
    }
    kobj_init(&task->obj, FERRY_OBJ_TASK);
    list_init(&task->threads);
    return task;
}

void task_destroy(struct task *task)
{
    task->obj.dead = true;
    /* threads first: none may run in (or be created into) a dying task */
    while (!list_empty(&task->threads))
        kobj_destroy(&container_of(task->threads.next, struct thread, task_link)->obj);
    cspace_destroy(task);
    /* the hart may still run on this root table (a thread destroyed its own
     * task): leave it before the table goes back to the pool */
    trap_forget_task(task);
    vm_destroy_root(task->root);
    task->root = NULL;
}

void task_free(struct task *task)
{
    KASSERT(task->obj.dead && !task->root && list_empty(&task->threads));
    kmem_free(task, sizeof(*task));
}
