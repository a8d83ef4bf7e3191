/*
 * The object pool of an RPC entrypoint: badge -> object, in an AVL tree over
 * caller-provided storage (no allocation). Freestanding: shared by every
 * server and tested on the host.
 */
#ifndef FERRY_BASE_RPC_POOL_H
#define FERRY_BASE_RPC_POOL_H

#include "avl.h"
#include <stdint.h>

struct rpc_iface; /* rpc.h */

struct rpc_object {
    uint64_t badge;
    const struct rpc_iface *iface;
    void *self; /* passed to dispatch */
};

/* The object pool: badge -> object, in an AVL tree over caller storage. */
struct rpc_pool_entry {
    struct avl_link link; /* key = badge */
    struct rpc_object *object;
};

struct rpc_pool {
    struct avl_tree tree;
    struct rpc_pool_entry *entries;
    uint32_t capacity;
    uint32_t free_head; /* free entries chained through link.left */
};

void rpc_pool_init(struct rpc_pool *pool, struct rpc_pool_entry *storage, uint32_t capacity);
/* 0, or -1 if the pool is full or the badge is registered already. */
int rpc_pool_insert(struct rpc_pool *pool, struct rpc_object *object);
void rpc_pool_remove(struct rpc_pool *pool, uint64_t badge);
struct rpc_object *rpc_pool_find(const struct rpc_pool *pool, uint64_t badge);

#endif
