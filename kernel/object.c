#include "object.h"
#include "gate.h"
#include "irq.h"
#include "klib.h"
#include "list.h"
#include "pmem.h"
#include "task.h"
#include "thread.h"
#include "timer.h"
#include <ferry/syscall.h>

static uint64_t next_object_id = 1;

void kobj_init(struct kobj *obj, enum ferry_obj_type type)
{
    obj->type = type;
    obj->id = next_object_id++;
    obj->refs = 0;
    obj->holds = 0;
    obj->dead = false;
    obj->label = 0;
}

static void gate_info(const struct gate *gate, struct ferry_gate_info *out)
{
    out->receiver = gate->receiver->obj.id;
    /* the receiver's queue is FIFO over all its gates: pick this gate's */
    const struct list *queue = &gate->receiver->send_queue;
    for (const struct list *pos = queue->next; pos != queue; pos = pos->next) {
        const struct thread *sender = container_of(pos, const struct thread, wait_link);
        if (sender->send_gate != gate)
            continue;
        if (out->senders < FERRY_OBJ_INFO_IDS)
            out->sender[out->senders] = sender->obj.id;
        out->senders++;
    }
}

static void irq_info(const struct irq *irq, struct ferry_irq_info *out)
{
    out->pending = irq->count;
    out->source = irq->hwirq;
    out->awaiting_ack = irq->awaiting_ack;
    out->waiter = irq->waiter ? irq->waiter->obj.id : 0;
}

static void thread_info(const struct thread *t, struct ferry_thread_info *out)
{
    out->task = t->task->obj.id;
    out->utcb_va = t->utcb_va;
    out->pager = t->pager ? t->pager->obj.id : 0;
    out->exc_handler = t->exc_handler ? t->exc_handler->obj.id : 0;
    out->prio = t->prio;
    out->slice_us = timer_ticks_to_us(t->slice_ticks);
    out->reply_to = t->reply_to ? t->reply_to->obj.id : 0;
    thread_run_info(t, &out->run);
}

static void task_info(const struct task *task, struct ferry_task_info *out)
{
    for (const struct list *pos = task->threads.next; pos != &task->threads; pos = pos->next) {
        if (out->threads < FERRY_OBJ_INFO_IDS)
            out->thread[out->threads] = container_of(pos, const struct thread, task_link)->obj.id;
        out->threads++;
    }
    out->asid = task->root ? vm_root_asid(task->root) : 0;
}

void kobj_info(const struct kobj *obj, struct ferry_obj_info *out)
{
    memset(out, 0, sizeof(*out));
    out->magic = FERRY_OBJ_INFO_MAGIC;
    out->version = FERRY_OBJ_INFO_VERSION;
    if (!obj)
        return; /* an empty slot: type NONE */
    out->type = obj->type;
    out->flags = obj->dead ? FERRY_CAP_DEAD : 0;
    out->id = obj->id;
    out->label = kobj_label(obj);
    if (obj->dead)
        return; /* it holds nothing any more */
    switch (obj->type) {
    case FERRY_OBJ_GATE:
        gate_info(container_of(obj, const struct gate, obj), &out->gate);
        break;
    case FERRY_OBJ_IRQ:
        irq_info(container_of(obj, const struct irq, obj), &out->irq);
        break;
    case FERRY_OBJ_THREAD:
        thread_info(container_of(obj, const struct thread, obj), &out->thread);
        break;
    case FERRY_OBJ_TASK:
        task_info(container_of(obj, const struct task, obj), &out->task);
        break;
    case FERRY_OBJ_MEMORY: {
        const struct memory *mem = container_of(obj, const struct memory, obj);
        out->memory = (struct ferry_memory_info){mem->paddr, mem->size, mem->device};
        break;
    }
    default:
        break; /* the factory: nothing beyond its id */
    }
}

bool kobj_destroyable(const struct kobj *obj)
{
    return obj->type == FERRY_OBJ_TASK || obj->type == FERRY_OBJ_THREAD ||
           obj->type == FERRY_OBJ_GATE || obj->type == FERRY_OBJ_IRQ;
}

/* The type's own teardown; obj is live, destroyable and held by the caller. */
static void destroy_by_type(struct kobj *obj)
{
    switch (obj->type) {
    case FERRY_OBJ_TASK:
        task_destroy(container_of(obj, struct task, obj));
        break;
    case FERRY_OBJ_THREAD:
        thread_destroy(container_of(obj, struct thread, obj));
        break;
    case FERRY_OBJ_GATE:
        gate_destroy(container_of(obj, struct gate, obj));
        break;
    case FERRY_OBJ_IRQ:
        irq_destroy(container_of(obj, struct irq, obj));
        break;
    default:
        panic("destroying object %lu of type %u", obj->id, obj->type);
    }
    KASSERT(obj->dead);
}

void kobj_destroy(struct kobj *obj)
{
    if (obj->dead || !kobj_destroyable(obj))
        return;
    /* held while it tears down: waking a thread or emptying a capability
     * space can drop the last other reference to it */
    kobj_hold(obj);
    destroy_by_type(obj);
    kobj_unhold(obj);
}

/* Which objects go back to the pool once nothing refers to them (object.h). */
static bool kobj_freeable(const struct kobj *obj)
{
    switch (obj->type) {
    case FERRY_OBJ_GATE:
    case FERRY_OBJ_IRQ:
        return true;
    case FERRY_OBJ_TASK:
    case FERRY_OBJ_THREAD:
        return obj->dead;
    default:
        return false;
    }
}

static void kobj_free(struct kobj *obj)
{
    if (!obj->dead) {
        /* an unreachable gate or IRQ: releases its receiver link or PLIC source */
        obj->holds++;
        destroy_by_type(obj);
        obj->holds--;
        KASSERT(obj->refs == 0 && obj->holds == 0);
    }
    switch (obj->type) {
    case FERRY_OBJ_TASK:
        task_free(container_of(obj, struct task, obj));
        break;
    case FERRY_OBJ_THREAD:
        thread_free(container_of(obj, struct thread, obj));
        break;
    case FERRY_OBJ_GATE:
        kmem_free(container_of(obj, struct gate, obj), sizeof(struct gate));
        break;
    case FERRY_OBJ_IRQ:
        kmem_free(container_of(obj, struct irq, obj), sizeof(struct irq));
        break;
    default:
        panic("freeing object %lu of type %u", obj->id, obj->type);
    }
}

void kobj_maybe_free(struct kobj *obj)
{
    if (obj->refs == 0 && obj->holds == 0 && kobj_freeable(obj))
        kobj_free(obj);
}

void kobj_hold(struct kobj *obj)
{
    KASSERT(obj->holds != UINT32_MAX);
    obj->holds++;
}

void kobj_unhold(struct kobj *obj)
{
    KASSERT(obj->holds > 0);
    obj->holds--;
    kobj_maybe_free(obj);
}

struct memory *memory_create(uint64_t paddr, uint64_t size, int device)
{
    struct memory *mem = kmem_alloc(sizeof(*mem));
    if (!mem)
        return NULL;
    kobj_init(&mem->obj, FERRY_OBJ_MEMORY);
    mem->paddr = paddr;
    mem->size = size;
    mem->device = (uint8_t)device;
    return mem;
}
