#include "object.h"
#include "gate.h"
#include "irq.h"
#include "list.h"
#include "pmem.h"

static uint64_t next_object_id = 1;

void kobj_init(struct kobj *obj, enum ferry_obj_type type)
{
    obj->type = type;
    obj->id = next_object_id++;
    obj->refs = 0;
}

uint64_t kobj_label(const struct kobj *obj)
{
    switch (obj->type) {
    case FERRY_OBJ_GATE:
        return container_of(obj, const struct gate, obj)->label;
    case FERRY_OBJ_IRQ:
        return container_of(obj, const struct irq, obj)->label;
    default:
        return 0;
    }
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
