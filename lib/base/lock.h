/*
 * A lock for threads of one task. One hart and preemptive scheduling: a
 * thread that finds the lock taken sleeps briefly, so the holder can run and
 * release it even if its priority is lower (a plain yield would only hand
 * the hart to threads of the same priority). Critical sections stay a few
 * lines long.
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
