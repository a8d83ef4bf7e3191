/*
 * The object pool of an RPC entrypoint: badge -> object. Freestanding: shared
 * by every server (core included) and tested on the host.
 *
 * The pool is one of the runtime's badge tables (docs/framework.md, "Badge
 * tables"): its index is a region in the capability map's layout (capmap.h),
 * whose entry i holds a badge and, in its `slot` field, the object's handle
 * i + 1; `objects[i]` points to the object. So the badge-keyed part is
 * position-independent and checked, rekeyed and rebuilt by the capability
 * map's own code (capmap_validate, capmap_rekey_all), and an object names its
 * entry by handle, never by badge: an object keeps its handle when a
 * checkpointer rewrites every badge of the index (entries keep their
 * positions). The pointer array holds no badge and is never rewritten.
 */
#ifndef FERRY_BASE_RPC_POOL_H
#define FERRY_BASE_RPC_POOL_H

#include "capmap.h"
#include <stddef.h>
#include <stdint.h>

struct rpc_iface; /* rpc.h */

struct rpc_object {
    uint32_t handle; /* the pool entry's index + 1 while registered, 0 otherwise */
    const struct rpc_iface *iface;
    void *self; /* passed to dispatch */
};

struct rpc_pool {
    struct capmap *index;        /* badge -> handle, in the capability map's layout */
    size_t index_size;           /* bytes of the index region */
    struct rpc_object **objects; /* objects[handle - 1] */
    struct avl_tree view;        /* the index's tree, for lookups (root read from the index) */
    /* The entry the last lookup found and, while that entry is used, objects[]
     * at its position (insert keeps them equal): only a guess, checked against
     * the index before it is believed. */
    const struct capmap_entry *guess;
    struct rpc_object *guess_object;
};

/* Storage for a pool of `capacity` objects (at most CAPMAP_MAX_CAPACITY):
 * `static RPC_POOL_STORAGE(256) s; rpc_pool_init(&pool, &s.index.header, sizeof(s.index),
 * s.objects, 256)`. */
#define RPC_POOL_STORAGE(capacity)                                                                 \
    struct {                                                                                       \
        CAPMAP_STORAGE(capacity) index;                                                            \
        struct rpc_object *objects[capacity];                                                      \
    }

/* An empty pool over the caller's storage; 0, or a CAPMAP_E_* if it does not fit. */
int rpc_pool_init(struct rpc_pool *pool, struct capmap *index, size_t index_size,
                  struct rpc_object **objects, uint32_t capacity);
/* Registers `object` under `badge` and sets its handle: 0, or -1 if the pool is
 * full or the badge is registered already. */
int rpc_pool_insert(struct rpc_pool *pool, struct rpc_object *object, uint64_t badge);
/* Unregisters `object` (by its handle; nothing if not registered). */
void rpc_pool_remove(struct rpc_pool *pool, struct rpc_object *object);
/* The object registered under `badge`, or NULL: the pool's guess if it holds,
 * else rpc_pool_lookup's tree walk. */
static inline struct rpc_object *rpc_pool_find(struct rpc_pool *pool, uint64_t badge);
/* The tree walk; remembers the entry found as the next lookup's guess. */
struct rpc_object *rpc_pool_lookup(struct rpc_pool *pool, uint64_t badge);
/* The badge a registered object is reached by now (0 if not registered): for the
 * runtime's own bookkeeping, never for an application to keep. */
uint64_t rpc_pool_badge(const struct rpc_pool *pool, const struct rpc_object *object);
/* No free entry left. */
int rpc_pool_full(const struct rpc_pool *pool);

/*
 * Checks a foreign copy of a pool index (region of `size` bytes): the capability
 * map's invariants (capmap_validate) and, for every used entry i, handle
 * (slot) = i + 1 and refcount = 1: CAPMAP_OK or the first violation
 * (CAPMAP_E_SLOT for a wrong handle, CAPMAP_E_REFCOUNT for a wrong count).
 */
int rpc_pool_index_validate(const struct capmap *index, size_t size);

/*
 * On every request's path. The entry the last lookup found is tried first:
 * entry i holds `badge` iff it is used (refcount != 0) and its key is `badge`,
 * and the index keeps badges unique, so then the tree walk would find i too.
 * The guess is checked against the index itself, not remembered as a badge,
 * so it stays right whatever a checkpointer rewrote (rekeyed badges, a
 * rebuilt tree; entries keep their positions, used or free).
 */
static inline struct rpc_object *rpc_pool_find(struct rpc_pool *pool, uint64_t badge)
{
    const struct capmap_entry *e = pool->guess;
    if (e->refcount != 0 && e->link.key == badge)
        return pool->guess_object;
    return rpc_pool_lookup(pool, badge);
}

#endif
