#include "task.h"
#include "pmem.h"

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
    return task;
}
