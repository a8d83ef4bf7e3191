/*
 * A lock for threads of one task. One hart and preemptive scheduling: a
 * thread that finds the lock taken yields, so the holder can run and release
 * it (the holder may have a lower priority: yielding then only helps after
 * its time slice, which is why critical sections here stay a few lines long).
 */
#ifndef FERRY_BASE_LOCK_H
#define FERRY_BASE_LOCK_H

#include "sys.h"

struct lock {
    int taken;
};

#define LOCK_INIT                                                                                  \
    {                                                                                              \
        0                                                                                          \
    }

static inline void lock_acquire(struct lock *l)
{
    while (__atomic_exchange_n(&l->taken, 1, __ATOMIC_ACQUIRE))
        sys_sleep(100); /* yield alone could spin against a lower-priority holder */
}

static inline void lock_release(struct lock *l)
{
    __atomic_store_n(&l->taken, 0, __ATOMIC_RELEASE);
}

#endif
