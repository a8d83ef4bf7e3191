/*
 * Dataspaces: RAM (also what ROM sessions hand out, then without
 * FERRY_DS_WRITABLE), device windows (IO_MEM) and managed dataspaces (the view
 * of an RM session's region map). Clients only ask DS_INFO (and DS_PHYS); everything else
 * happens where a dataspace is attached (rm.c).
 */
#include "core.h"
#include <ferry/iface/dataspace.h>
#include <string.h>

static struct list dataspaces = {&dataspaces, &dataspaces}; /* every live dataspace */

static long ds_dispatch(void *object, struct rpc_request *req)
{
    struct dataspace *ds = container_of((struct core_obj *)object, struct dataspace, obj);
    switch (req->opcode) {
    case FERRY_DS_INFO:
        *FERRY_RPC_MSG(ferry_ds_info_out, req->mr) =
            (struct ferry_ds_info_out){ds->size, ds->flags};
        req->reply_words = FERRY_RPC_WORDS(ferry_ds_info_out);
        return FERRY_OK;
    case FERRY_DS_PHYS:
        /* only writable RAM is DMA memory: not ROM copies, devices, managed maps */
        if (ds->kind != DS_RAM || !(ds->flags & FERRY_DS_WRITABLE))
            return FERRY_E_INVAL;
        FERRY_RPC_MSG(ferry_ds_phys_out, req->mr)->paddr = ram_paddr(&ds->ram);
        req->reply_words = FERRY_RPC_WORDS(ferry_ds_phys_out);
        return FERRY_OK;
    }
    return FERRY_E_BADOP;
}

const struct rpc_iface ds_iface = {"dataspace", ferry_ds_sigs, ARRAY_SIZE(ferry_ds_sigs),
                                   ds_dispatch};

/* Charges `ram` and `caps` (plus its slice) to the owner and publishes; on
 * failure nothing is left charged. */
static long ds_new(struct session *owner, uint64_t ram, uint64_t caps, struct dataspace **out)
{
    struct dataspace *ds;
    long err = meta_alloc(&owner->account, ram, caps, sizeof(*ds), (void **)&ds);
    if (err)
        return err;
    if ((err = obj_publish_gate(&ds->obj, OBJ_DATASPACE, &ds_iface, FERRY_ROOT_SEL_THREAD))) {
        meta_free(&owner->account, ram, caps, ds);
        return err;
    }
    ds->owner = owner;
    ds->charged_ram = ram;
    ds->charged_caps = caps;
    list_push_back(&dataspaces, &ds->link);
    *out = ds;
    return FERRY_OK;
}

/* Unpublishes it, gives back its charge and its slice. */
static void ds_delete(struct dataspace *ds)
{
    struct session *owner = ds->owner;
    list_remove(&ds->link);
    obj_retire(&ds->obj);
    meta_free(&owner->account, ds->charged_ram, ds->charged_caps, ds);
}

long ds_alloc_ram(struct session *owner, uint64_t size, uint32_t flags, struct dataspace **out)
{
    if (size == 0 || size > UINT64_MAX - FERRY_PAGE_SIZE)
        return FERRY_E_INVAL;
    uint64_t bytes = PAGE_ROUND_UP(size);
    struct dataspace *ds;
    long err = ds_new(owner, bytes, 1, &ds);
    if (err)
        return err;
    err = ram_alloc(bytes / FERRY_PAGE_SIZE, &ds->ram);
    if (err) {
        ds_delete(ds);
        return err;
    }
    ds->kind = DS_RAM;
    ds->flags = flags;
    ds->size = bytes;
    ds->mem_sel = ds->ram.mem_sel;
    ds->mem_offset = ds->ram.offset;
    ds->core_addr = ds->ram.core_addr;
    *out = ds;
    return FERRY_OK;
}

long ds_create_device(struct session *owner, uint32_t mem_sel, uint64_t offset, uint64_t size,
                      struct dataspace **out)
{
    struct dataspace *ds;
    long err = ds_new(owner, 0, 1, &ds);
    if (err)
        return err;
    ds->kind = DS_DEVICE;
    ds->flags = FERRY_DS_WRITABLE | FERRY_DS_DEVICE;
    ds->size = size;
    ds->mem_sel = mem_sel;
    ds->mem_offset = offset;
    *out = ds;
    return FERRY_OK;
}

long ds_create_managed(struct session *owner, struct region_map *rm, struct dataspace **out)
{
    struct dataspace *ds;
    long err = ds_new(owner, 0, 1, &ds); /* freed with the map, not on its own */
    if (err)
        return err;
    ds->kind = DS_MANAGED;
    ds->flags = FERRY_DS_WRITABLE | FERRY_DS_MANAGED;
    ds->size = rm->end - rm->base;
    ds->managed = rm;
    *out = ds;
    return FERRY_OK;
}

void ds_free(struct dataspace *ds)
{
    region_map_detach_everywhere(ds);
    if (ds->kind == DS_RAM)
        ram_free(&ds->ram);
    ds_delete(ds);
}

void ds_free_owned_by(struct session *owner)
{
    /* ds_free frees no other dataspace: the saved next one stays valid */
    for (struct list *l = dataspaces.next, *next; l != &dataspaces; l = next) {
        next = l->next;
        struct dataspace *ds = container_of(l, struct dataspace, link);
        /* managed dataspaces go with their map (region_map_destroy) */
        if (ds->owner == owner && ds->kind != DS_MANAGED)
            ds_free(ds);
    }
}
