/*
 * Region maps: the address space of every PD, and managed region maps that
 * RM sessions create, which are themselves dataspaces.
 *
 * Address space: dataspaces attached to it are mapped eagerly (MEM_MAP of the
 * whole region), so a fault there means nothing is attached or the access is
 * not allowed, except inside an attached managed dataspace: that is mapped
 * page by page as threads fault on it (region_map_resolve).
 *
 * Managed map M: regions of M are never mapped by themselves. A fault in an
 * address space at a place where M's dataspace is attached looks up M at that
 * offset: if something is attached there, that one page is mapped; else the
 * fault waits for M's owner (fault.c). Detaching from M unmaps the pages of
 * that range wherever M is attached. Managed dataspaces cannot be attached into
 * managed maps (E_INVAL): one level of indirection keeps faults bounded.
 */
#include "core.h"
#include <ferry/iface/dataspace.h>
#include <ferry/iface/rm.h>

#define SPACE_BASE 0x10000ul /* lowest attachable address: page 0.. stays a null guard */

static struct list maps = {&maps, &maps};          /* every live region map */
static struct list regions = {&regions, &regions}; /* every attachment */

static long region_map_dispatch(void *object, struct rpc_request *req);
static long rm_session_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface region_map_iface = {"region map", ferry_rm_sigs, ARRAY_SIZE(ferry_rm_sigs),
                                           region_map_dispatch};
const struct rpc_iface rm_session_iface = {"RM", ferry_rm_session_sigs,
                                           ARRAY_SIZE(ferry_rm_session_sigs), rm_session_dispatch};

/* ---- maps ---- */

/* A published map charged to `owner`: 1 cap and its slice. */
static long region_map_new(struct session *owner, struct region_map **out)
{
    struct region_map *rm;
    long err = meta_alloc(&owner->account, 0, 1, sizeof(*rm), (void **)&rm);
    if (err)
        return err;
    if ((err = obj_publish_gate(&rm->obj, OBJ_RM, &region_map_iface, FERRY_ROOT_SEL_THREAD))) {
        meta_free(&owner->account, 0, 1, rm);
        return err;
    }
    rm->owner = owner;
    list_push_back(&maps, &rm->link);
    *out = rm;
    return FERRY_OK;
}

/* Undoes region_map_new (the map holds nothing any more). */
static void region_map_delete(struct region_map *rm)
{
    struct session *owner = rm->owner;
    list_remove(&rm->link);
    obj_retire(&rm->obj);
    meta_free(&owner->account, 0, 1, rm);
}

long region_map_create_space(struct session *pd, struct region_map **out)
{
    struct region_map *rm;
    long err = region_map_new(pd, &rm);
    if (err)
        return err;
    rm->pd = pd;
    rm->base = SPACE_BASE;
    rm->end = FERRY_COMP_ATTACH_END;
    rm->any_base = FERRY_COMP_ATTACH_BASE;
    rm->any_end = FERRY_COMP_ATTACH_END;
    *out = rm;
    return FERRY_OK;
}

long region_map_create_managed(struct session *owner, uint64_t size, struct region_map **out)
{
    if (size == 0 || !PAGE_ALIGNED(size) || size > FERRY_COMP_ATTACH_END - FERRY_COMP_ATTACH_BASE)
        return FERRY_E_INVAL;
    struct region_map *rm;
    long err = region_map_new(owner, &rm);
    if (err)
        return err;
    rm->base = rm->any_base = 0;
    rm->end = rm->any_end = size;
    err = ds_create_managed(owner, rm, &rm->ds);
    if (err) {
        region_map_delete(rm);
        return err;
    }
    *out = rm;
    return FERRY_OK;
}

static void region_remove(struct region *r);

void region_map_destroy(struct region_map *rm)
{
    while (rm->regions)
        region_remove(rm->regions);
    if (rm->ds)
        ds_free(rm->ds); /* detaches the map wherever it is attached */
    cpu_forget_rm(rm);
    region_map_delete(rm);
}

void region_map_destroy_owned_by(struct session *owner)
{
    /* destroying a map frees no other map: the saved next one stays valid */
    for (struct list *l = maps.next, *next; l != &maps; l = next) {
        next = l->next;
        struct region_map *rm = container_of(l, struct region_map, link);
        if (rm->owner == owner)
            region_map_destroy(rm);
    }
}

/* ---- regions ---- */

static struct region *region_find(const struct region_map *rm, uint64_t addr)
{
    for (struct region *r = rm->regions; r && r->start <= addr; r = r->next)
        if (addr - r->start < r->size)
            return r;
    return NULL;
}

/* Does [start, start + size) overlap a region of rm? */
static bool range_taken(const struct region_map *rm, uint64_t start, uint64_t size)
{
    for (struct region *r = rm->regions; r; r = r->next)
        if (r->start < start + size && start < r->start + r->size)
            return true;
    return false;
}

/* First fit for FERRY_RM_ANY; false if no gap is large enough. */
static bool range_find(const struct region_map *rm, uint64_t size, uint64_t *out)
{
    uint64_t candidate = rm->any_base;
    for (struct region *r = rm->regions; r; r = r->next) {
        if (r->start + r->size <= candidate)
            continue;
        if (r->start >= candidate && r->start - candidate >= size)
            break;
        candidate = r->start + r->size;
    }
    if (candidate > rm->any_end || rm->any_end - candidate < size)
        return false;
    *out = candidate;
    return true;
}

static void region_link(struct region_map *rm, struct region *n)
{
    struct region **p = &rm->regions;
    while (*p && (*p)->start < n->start)
        p = &(*p)->next;
    n->next = *p;
    *p = n;
}

static void region_unlink(struct region *n)
{
    for (struct region **p = &n->rm->regions; *p; p = &(*p)->next) {
        if (*p == n) {
            *p = n->next;
            return;
        }
    }
}

static uint32_t task_of(const struct region_map *space)
{
    return space->pd->pd.task_sel;
}

/* Maps pages of a RAM or device dataspace into an address space. */
static long map_pages(const struct region_map *space, const struct dataspace *ds,
                      uint64_t ds_offset, uint64_t va, uint64_t pages, uint32_t rights)
{
    long err =
        sys_mem_map(task_of(space), ds->mem_sel, ds->mem_offset + ds_offset, va, pages, rights);
    if (err)
        sys_mem_unmap(task_of(space), va, pages); /* MEM_MAP may stop part way */
    return err;
}

/* Unmaps what a managed map's range [start, start + size) shows wherever it is attached. */
static void managed_unmap(const struct region_map *managed, uint64_t start, uint64_t size)
{
    for (struct list *l = regions.next; l != &regions; l = l->next) {
        const struct region *a = container_of(l, struct region, link);
        if (a->ds != managed->ds)
            continue;
        uint64_t lo = start > a->offset ? start : a->offset;
        uint64_t hi = start + size < a->offset + a->size ? start + size : a->offset + a->size;
        if (lo < hi)
            sys_mem_unmap(task_of(a->rm), a->start + (lo - a->offset), (hi - lo) / FERRY_PAGE_SIZE);
    }
}

static void region_remove(struct region *r)
{
    if (r->rm->pd)
        sys_mem_unmap(task_of(r->rm), r->start, r->size / FERRY_PAGE_SIZE);
    else
        managed_unmap(r->rm, r->start, r->size);
    region_unlink(r);
    list_remove(&r->link);
    meta_free(&r->rm->owner->account, 0, 0, r);
}

void region_map_detach_everywhere(struct dataspace *ds)
{
    /* removing an attachment removes no other: the saved next one stays valid */
    for (struct list *l = regions.next, *next; l != &regions; l = next) {
        next = l->next;
        struct region *r = container_of(l, struct region, link);
        if (r->ds == ds)
            region_remove(r);
    }
}

/* The page rights an attachment asks for, or an error. */
static long attach_rights(const struct dataspace *ds, unsigned flags, uint32_t *rights)
{
    if (flags & ~(FERRY_RM_WRITE | FERRY_RM_EXEC))
        return FERRY_E_INVAL;
    *rights = FERRY_RIGHT_R;
    if (flags & FERRY_RM_WRITE) {
        if (!(ds->flags & FERRY_DS_WRITABLE))
            return FERRY_E_NORIGHTS;
        *rights |= FERRY_RIGHT_W;
    }
    if (flags & FERRY_RM_EXEC) {
        if (ds->flags & FERRY_DS_DEVICE)
            return FERRY_E_NORIGHTS;
        *rights |= FERRY_RIGHT_X;
    }
    return FERRY_OK;
}

/* Where the attachment goes: a free, page-aligned range of rm. */
static long attach_place(const struct region_map *rm, uint64_t addr, uint64_t size, uint64_t *out)
{
    if (addr == FERRY_RM_ANY)
        return range_find(rm, size, out) ? FERRY_OK : FERRY_E_RANGE;
    if (!PAGE_ALIGNED(addr))
        return FERRY_E_ALIGN;
    if (addr < rm->base || addr > rm->end || rm->end - addr < size)
        return FERRY_E_RANGE;
    if (range_taken(rm, addr, size))
        return FERRY_E_OCCUPIED;
    *out = addr;
    return FERRY_OK;
}

long region_map_attach(struct region_map *rm, struct dataspace *ds, uint64_t addr, uint64_t size,
                       uint64_t offset, unsigned flags, uint64_t *out_addr)
{
    if (ds->kind == DS_MANAGED && !rm->pd)
        return FERRY_E_INVAL; /* no managed dataspace inside a managed map */
    if (!PAGE_ALIGNED(offset))
        return FERRY_E_ALIGN;
    if (offset >= ds->size)
        return FERRY_E_RANGE;
    if (size == 0)
        size = ds->size - offset;
    if (size > ds->size - offset)
        return FERRY_E_RANGE;
    size = PAGE_ROUND_UP(size);
    uint32_t rights;
    long err = attach_rights(ds, flags, &rights);
    uint64_t start = 0;
    if (!err)
        err = attach_place(rm, addr, size, &start);
    if (err)
        return err;

    struct region *r = NULL;
    if ((err = meta_alloc(&rm->owner->account, 0, 0, sizeof(*r), (void **)&r)))
        return err; /* charged to the map's owner: E_QUOTA when it has no RAM left */
    if (rm->pd && ds->kind != DS_MANAGED) {
        err = map_pages(rm, ds, offset, start, size / FERRY_PAGE_SIZE, rights);
        if (err) {
            meta_free(&rm->owner->account, 0, 0, r);
            return err;
        }
    }
    *r = (struct region){{NULL, NULL}, rm, NULL, ds, start, size, offset, rights};
    list_push_back(&regions, &r->link);
    region_link(rm, r);
    if (!rm->pd)
        cpu_wake_waiters(rm); /* threads that faulted on this map try again */
    *out_addr = start;
    return FERRY_OK;
}

long region_map_detach(struct region_map *rm, uint64_t addr)
{
    struct region *r = region_find(rm, addr);
    if (!r)
        return FERRY_E_NOENT;
    region_remove(r);
    return FERRY_OK;
}

enum region_map_resolution region_map_resolve(struct region_map *space, uint64_t addr,
                                              unsigned access, struct region_map **pending,
                                              uint64_t *offset)
{
    uint64_t page = addr & ~(FERRY_PAGE_SIZE - 1);
    const struct region *r = region_find(space, addr);
    if (!r || (access & ~r->rights))
        return REGION_MAP_UNRESOLVED;
    uint64_t ds_offset = page - r->start + r->offset;
    const struct dataspace *ds = r->ds;
    uint32_t rights = r->rights;
    if (ds->kind == DS_MANAGED) {
        const struct region *inner = region_find(ds->managed, ds_offset);
        if (!inner) {
            *pending = ds->managed;
            *offset = ds_offset;
            return REGION_MAP_PENDING;
        }
        if (access & ~inner->rights)
            return REGION_MAP_UNRESOLVED;
        rights &= inner->rights;
        ds_offset = ds_offset - inner->start + inner->offset;
        ds = inner->ds;
    }
    return map_pages(space, ds, ds_offset, page, 1, rights) ? REGION_MAP_UNRESOLVED
                                                            : REGION_MAP_MAPPED;
}

/* ---- RPC: region map ---- */

static long region_map_op_attach(struct region_map *rm, struct rpc_request *req)
{
    struct core_obj *o = obj_from_cap(req, FERRY_RM_ATTACH_CAP_DS, OBJ_DATASPACE);
    if (!o)
        return obj_cap_error(req, FERRY_RM_ATTACH_CAP_DS);
    struct dataspace *ds = container_of(o, struct dataspace, obj);
    const struct ferry_rm_attach_in *in = FERRY_RPC_MSG(ferry_rm_attach_in, req->mr);
    uint64_t addr;
    long err = region_map_attach(rm, ds, in->at, in->size, in->offset, (unsigned)in->flags, &addr);
    if (err)
        return err;
    FERRY_RPC_MSG(ferry_rm_attach_out, req->mr)->at = addr;
    req->reply_words = FERRY_RPC_WORDS(ferry_rm_attach_out);
    return FERRY_OK;
}

static long region_map_op_fault_handler(struct region_map *rm, struct rpc_request *req)
{
    struct pd_cap *signal = signal_from_cap(req, FERRY_RM_FAULT_HANDLER_CAP_SIGNAL);
    if (!signal)
        return obj_cap_error(req, FERRY_RM_FAULT_HANDLER_CAP_SIGNAL);
    rm->fault_sigh = signal->obj.badge;
    return FERRY_OK;
}

static long region_map_op_state(struct region_map *rm, struct rpc_request *req)
{
    const struct cpu_thread *t = cpu_oldest_waiter(rm);
    struct ferry_rm_state_out *out = FERRY_RPC_MSG(ferry_rm_state_out, req->mr);
    out->type = t ? t->fault_access : FERRY_RM_FAULT_NONE;
    out->addr = t ? t->fault_offset : 0;
    req->reply_words = FERRY_RPC_WORDS(ferry_rm_state_out);
    return FERRY_OK;
}

/*
 * RM_DIRTY: MEM_DIRTY of the PD's task over [at, at + pages pages), the kernel's
 * byte bitmap (LSB first) copied into the reply's words, which on this
 * little-endian machine is the same bit order.
 */
static long region_map_op_dirty(struct region_map *rm, struct rpc_request *req)
{
    const struct ferry_rm_dirty_in *in = FERRY_RPC_MSG(ferry_rm_dirty_in, req->mr);
    uint64_t at = in->at, pages = in->pages, flags = in->flags;
    if (!rm->pd || (flags & ~(uint64_t)FERRY_RM_DIRTY_CLEAR))
        return FERRY_E_INVAL;
    if (!PAGE_ALIGNED(at))
        return FERRY_E_ALIGN;
    if (pages == 0 || pages > FERRY_RM_DIRTY_MAX_PAGES || at < rm->base || at >= rm->end ||
        pages > (rm->end - at) / FERRY_PAGE_SIZE)
        return FERRY_E_RANGE;
    uint64_t count;
    long err = sys_mem_dirty(task_of(rm), at, pages,
                             flags & FERRY_RM_DIRTY_CLEAR ? FERRY_DIRTY_CLEAR : 0, &count);
    if (err)
        return err;
    struct ferry_rm_dirty_out *out = FERRY_RPC_MSG(ferry_rm_dirty_out, req->mr);
    const uint8_t *bitmap = (const uint8_t *)sys_utcb()->buf;
    unsigned bytes = (unsigned)((pages + 7) / 8);
    for (unsigned w = 0; w < FERRY_RM_DIRTY_BITMAP_WORDS; w++) {
        uint64_t word = 0;
        for (unsigned b = 0; b < 8 && w * 8 + b < bytes; b++)
            word |= (uint64_t)bitmap[w * 8 + b] << (8 * b);
        out->bits[w] = word;
    }
    out->count = count;
    req->reply_words = FERRY_RPC_WORDS(ferry_rm_dirty_out);
    return FERRY_OK;
}

static long region_map_dispatch(void *object, struct rpc_request *req)
{
    struct region_map *rm = container_of((struct core_obj *)object, struct region_map, obj);
    switch (req->opcode) {
    case FERRY_RM_ATTACH:
        return region_map_op_attach(rm, req);
    case FERRY_RM_DETACH:
        return region_map_detach(rm, FERRY_RPC_MSG(ferry_rm_detach_in, req->mr)->at);
    case FERRY_RM_FAULT_HANDLER:
        return region_map_op_fault_handler(rm, req);
    case FERRY_RM_STATE:
        return region_map_op_state(rm, req);
    case FERRY_RM_DATASPACE:
        if (!rm->ds)
            return FERRY_E_INVAL;
        rpc_reply_cap(req, rm->ds->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        return FERRY_OK;
    case FERRY_RM_DIRTY:
        return region_map_op_dirty(rm, req);
    }
    return FERRY_E_BADOP;
}

/* ---- RPC: RM session ---- */

long rm_session_open(struct session *s, const char *args)
{
    (void)s;
    (void)args;
    return FERRY_OK;
}

void rm_session_close(struct session *s)
{
    region_map_destroy_owned_by(s);
}

static long rm_session_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_RM_CREATE: {
        struct region_map *rm;
        uint64_t size = FERRY_RPC_MSG(ferry_rm_create_in, req->mr)->size;
        long err = region_map_create_managed(s, size, &rm);
        if (err)
            return err;
        rpc_reply_cap(req, rm->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        return FERRY_OK;
    }
    case FERRY_RM_DESTROY: {
        struct core_obj *o = obj_from_cap(req, FERRY_RM_DESTROY_CAP_RM, OBJ_RM);
        struct region_map *rm = o ? container_of(o, struct region_map, obj) : NULL;
        if (!rm)
            return obj_cap_error(req, FERRY_RM_DESTROY_CAP_RM);
        if (rm->pd)
            return FERRY_E_INVAL;
        if (rm->owner != s)
            return FERRY_E_DENIED;
        region_map_destroy(rm);
        return FERRY_OK;
    }
    }
    return FERRY_E_BADOP;
}
