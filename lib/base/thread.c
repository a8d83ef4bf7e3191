/*
 * Threads of a component: a CPU-session thread, a stack dataspace, and a
 * copy of the TLS block for it.
 *
 * Stack dataspace layout (BASE_STACK_BYTES + one page for the spawn block):
 *
 *   base                                           base + size
 *   | stack, grows down <-------------- | struct base_spawn | TLS copy |
 *                                       ^ sp at start (16-byte aligned)
 */
#include "client.h"
#include "env.h"
#include <string.h>

#define BASE_STACK_BYTES (32ul * 1024)

extern char __tls_base[], __tdata_size[], __tbss_size[];
void base_thread_entry(void);

struct base_spawn {
    void (*fn)(void *);
    void *arg;
    uint64_t reserved[2];
    uint8_t tls[]; /* this thread's .tdata + .tbss */
};

void base_thread_start(struct ferry_utcb *utcb, struct base_spawn *spawn)
{
    __asm__ volatile("mv tp, %0" ::"r"(spawn->tls));
    ferry_utcb_self = utcb;
    spawn->fn(spawn->arg);
    for (;;) /* a thread function that returns just stops running */
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

uint32_t env_thread_spawn(struct env *env, const char *name, unsigned prio, void (*fn)(void *),
                          void *arg, long *err)
{
    uint64_t tls_size = (uint64_t)__tdata_size + (uint64_t)__tbss_size;
    if (sizeof(struct base_spawn) + tls_size > FERRY_PAGE_SIZE) {
        *err = FERRY_E_RANGE;
        return 0;
    }
    uint32_t ds, thread;
    uint8_t *stack = env_alloc_attached(env, BASE_STACK_BYTES + FERRY_PAGE_SIZE, &ds, err);
    if (!stack)
        return 0;
    struct base_spawn *spawn = (struct base_spawn *)(stack + BASE_STACK_BYTES);
    spawn->fn = fn;
    spawn->arg = arg;
    memcpy(spawn->tls, __tls_base, (uint64_t)__tdata_size); /* .tbss: the page is zeroed */

    *err = cpu_create_thread(env->cpu, env->pd, name, prio, &thread);
    if (*err) {
        env_free_attached(env, stack, ds);
        return 0;
    }
    *err = thread_start(thread, (uint64_t)base_thread_entry, (uint64_t)spawn);
    if (*err) {
        cpu_kill_thread(env->cpu, thread);
        env_cap_drop(thread);
        env_free_attached(env, stack, ds);
        return 0;
    }
    return thread;
}
