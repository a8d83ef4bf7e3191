#include "rpc_pool.h"
#include <stddef.h>

void rpc_pool_init(struct rpc_pool *pool, struct rpc_pool_entry *storage, uint32_t capacity)
{
    avl_init(&pool->tree, storage, sizeof(*storage), offsetof(struct rpc_pool_entry, link),
             capacity);
    pool->entries = storage;
    pool->capacity = capacity;
    pool->free_head = AVL_NIL;
    for (uint32_t i = capacity; i-- > 0;) {
        storage[i].object = NULL;
        storage[i].link.left = pool->free_head;
        pool->free_head = i;
    }
}

int rpc_pool_insert(struct rpc_pool *pool, struct rpc_object *object)
{
    uint32_t index = pool->free_head;
    if (index == AVL_NIL || avl_find(&pool->tree, object->badge) != AVL_NIL)
        return -1;
    struct rpc_pool_entry *e = &pool->entries[index];
    pool->free_head = e->link.left;
    e->object = object;
    e->link.key = object->badge;
    if (avl_insert(&pool->tree, index) != AVL_OK) {
        e->link.left = pool->free_head;
        pool->free_head = index;
        return -1;
    }
    return 0;
}

void rpc_pool_remove(struct rpc_pool *pool, uint64_t badge)
{
    uint32_t index = avl_remove(&pool->tree, badge);
    if (index == AVL_NIL)
        return;
    pool->entries[index].object = NULL;
    pool->entries[index].link.left = pool->free_head;
    pool->free_head = index;
}

struct rpc_object *rpc_pool_find(const struct rpc_pool *pool, uint64_t badge)
{
    uint32_t index = avl_find(&pool->tree, badge);
    return index == AVL_NIL ? NULL : pool->entries[index].object;
}
