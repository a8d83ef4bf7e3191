/*
 * The RPC object pool (rpc_pool.h): a badge -> handle index in the capability
 * map's layout and the objects by handle.
 */
#include "rpc_pool.h"

int rpc_pool_init(struct rpc_pool *pool, struct capmap *index, size_t index_size,
                  struct rpc_object **objects, uint32_t capacity)
{
    int err = capmap_init(index, index_size, capacity);
    if (err)
        return err;
    pool->index = index;
    pool->index_size = index_size;
    pool->objects = objects;
    avl_init(&pool->view, capmap_entry_at(index, 0), sizeof(struct capmap_entry),
             offsetof(struct capmap_entry, link), capacity);
    for (uint32_t i = 0; i < capacity; i++)
        objects[i] = NULL;
    pool->guess = capmap_entry_at(index, 0); /* free: no badge matches it */
    pool->guess_object = NULL;
    return CAPMAP_OK;
}

int rpc_pool_insert(struct rpc_pool *pool, struct rpc_object *object, uint64_t badge)
{
    /* capmap_insert takes the free list's head: that entry's handle is head + 1 */
    uint32_t i = pool->index->free_head;
    if (i == CAPMAP_NIL || capmap_insert(pool->index, badge, i + 1) != CAPMAP_OK)
        return -1;
    pool->objects[i] = object;
    object->handle = i + 1;
    if (pool->guess == capmap_entry_at(pool->index, i))
        pool->guess_object = object;
    return 0;
}

void rpc_pool_remove(struct rpc_pool *pool, struct rpc_object *object)
{
    uint64_t badge = rpc_pool_badge(pool, object);
    if (!badge)
        return;
    capmap_remove(pool->index, badge, NULL);
    pool->objects[object->handle - 1] = NULL;
    object->handle = 0;
}

/* rpc_pool_find when its guess fails: one tree walk over the index, whose entry
 * i is object i (handle i + 1, an invariant of the pool); the root is read from
 * the index each time, since a checkpointer may have rebuilt it. */
struct rpc_object *rpc_pool_lookup(struct rpc_pool *pool, uint64_t badge)
{
    uint32_t i = avl_find_below(&pool->view, pool->index->root, badge);
    if (i == AVL_NIL)
        return NULL;
    pool->guess = capmap_entry_at(pool->index, i);
    pool->guess_object = pool->objects[i];
    return pool->guess_object;
}

uint64_t rpc_pool_badge(const struct rpc_pool *pool, const struct rpc_object *object)
{
    uint32_t h = object->handle;
    if (h == 0 || h > pool->index->capacity || pool->objects[h - 1] != object)
        return 0;
    return capmap_entry_at(pool->index, h - 1)->link.key;
}

int rpc_pool_full(const struct rpc_pool *pool)
{
    return pool->index->free_head == CAPMAP_NIL;
}

int rpc_pool_index_validate(const struct capmap *index, size_t size)
{
    int err = capmap_validate(index, size);
    if (err)
        return err;
    const struct capmap_entry *entries = capmap_entry_at(index, 0);
    for (uint32_t i = 0; i < index->capacity; i++) {
        const struct capmap_entry *e = &entries[i];
        if (e->refcount == 0)
            continue;
        if (e->slot != i + 1)
            return CAPMAP_E_SLOT;
        if (e->refcount != 1)
            return CAPMAP_E_REFCOUNT;
    }
    return CAPMAP_OK;
}
