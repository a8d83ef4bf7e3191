/*
 * thread-faulter: a second thread touches memory nothing is attached at,
 * while the main thread keeps waiting. Core halts the second thread; the
 * parent must see the fault although the main thread shows none (rtcr:
 * ps_policy.fault_confirmed checks every thread).
 */
#include <env.h>
#include <stdio.h>

static void touch(void *arg)
{
    (void)arg;
    volatile uint64_t *nowhere = (volatile uint64_t *)0x7e000000ul; /* past every attachment */
    printf("thread writing to %p\n", (void *)nowhere);
    *nowhere = 42;
    printf("STILL RUNNING after the fault\n");
}

void component_construct(struct env *env)
{
    long err;
    if (!env_thread_spawn(env, "toucher", 100, touch, NULL, &err)) {
        printf("thread failed: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    /* returns: the main thread becomes the entrypoint and waits */
}
