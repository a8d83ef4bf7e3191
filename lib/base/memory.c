/*
 * Memory of a component: RAM dataspaces attached to its own address space,
 * and the heap behind malloc (picolibc's malloc grows it through sbrk).
 *
 * The heap is a range of attachments at fixed, consecutive addresses from
 * BASE_HEAP_START: sbrk allocates RAM dataspaces of at least
 * BASE_HEAP_CHUNK bytes from the PD session and attaches each right after
 * the previous one, so the heap is contiguous as malloc requires. When the
 * PD's quota runs out, sbrk fails and malloc returns NULL.
 */
#include "client.h"
#include "env.h"
#include "lock.h"
#include <errno.h>
#include <stddef.h>

#define BASE_HEAP_START 0x70000000ul
#define BASE_HEAP_END   FERRY_COMP_ATTACH_END
#define BASE_HEAP_CHUNK (64ul * 1024)

static struct env *heap_env;
static struct lock heap_lock = LOCK_INIT;
static uint64_t heap_brk = BASE_HEAP_START;    /* first byte past the heap */
static uint64_t heap_mapped = BASE_HEAP_START; /* first byte past the attachments */

long env_attach(struct env *env, uint32_t ds, uint64_t at, uint64_t size, uint64_t offset,
                unsigned flags, uint64_t *addr)
{
    return rm_attach(env->rm, ds, at, size, offset, flags, addr);
}

long env_detach(struct env *env, uint64_t addr)
{
    return rm_detach(env->rm, addr);
}

void *env_alloc_attached(struct env *env, uint64_t bytes, uint32_t *ds, long *err)
{
    uint64_t addr;
    *err = pd_alloc_ram(env->pd, bytes, ds);
    if (*err)
        return NULL;
    *err = env_attach(env, *ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr);
    if (*err) {
        pd_free_ram(env->pd, *ds); /* nothing half-made stays charged */
        return NULL;
    }
    return (void *)addr;
}

void env_free_attached(struct env *env, void *addr, uint32_t ds)
{
    env_detach(env, (uint64_t)addr);
    pd_free_ram(env->pd, ds);
}

/* Extends the attached part of the heap to cover `end`. Caller holds heap_lock. */
static int heap_grow(uint64_t end)
{
    while (heap_mapped < end) {
        uint64_t chunk = end - heap_mapped;
        chunk = chunk < BASE_HEAP_CHUNK ? BASE_HEAP_CHUNK : (chunk + 4095) & ~4095ul;
        uint32_t ds;
        if (heap_mapped + chunk > BASE_HEAP_END || pd_alloc_ram(heap_env->pd, chunk, &ds))
            return -1;
        if (env_attach(heap_env, ds, heap_mapped, chunk, 0, FERRY_RM_WRITE, NULL)) {
            pd_free_ram(heap_env->pd, ds);
            return -1;
        }
        heap_mapped += chunk;
    }
    return 0;
}

void *sbrk(ptrdiff_t increment)
{
    lock_acquire(&heap_lock);
    uint64_t old = heap_brk;
    if (increment < 0 || !heap_env || heap_grow(heap_brk + (uint64_t)increment) < 0) {
        lock_release(&heap_lock);
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_brk += (uint64_t)increment;
    lock_release(&heap_lock);
    return (void *)old;
}

void base_heap_init(struct env *env)
{
    heap_env = env;
}
