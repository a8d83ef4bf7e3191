/*
 * Core's boot: raise the entrypoint above every component, set up the slot
 * allocator, object pool, timer thread and RAM allocator (in that order: the
 * timer thread's stack is the last memory the root-task runtime hands out,
 * everything after it is core's RAM for dataspaces), map the boot modules,
 * start init, then serve on this thread forever.
 */
#include "core.h"
#include "roottask.h"
#include <stdarg.h>
#include <stdio.h>

/* Core's slots: [CORE_FIRST_SLOT, limit); below are the root task's initial
 * slots and those runtime_alloc_sel hands out (the timer thread). */
#define CORE_FIRST_SLOT 64

const struct ferry_bootinfo *core_bootinfo;
static struct slot_alloc core_slots;
static struct rpc_ep entrypoint;

void core_poweroff(int failure)
{
    fflush(stdout);
    sys_poweroff(FERRY_ROOT_SEL_FACTORY, failure);
    for (;;)
        ;
}

void core_panic(const char *fmt, ...)
{
    va_list ap;
    printf("core: panic: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    core_poweroff(1);
}

static long boot(const struct ferry_bootinfo *bi)
{
    long err = sys_thread_configure(FERRY_ROOT_SEL_THREAD, 0, 0, CORE_EP_PRIO, 0);
    if (err)
        return err;
    slot_alloc_init(&core_slots, CORE_FIRST_SLOT, FERRY_COMP_SEL_LIMIT);
    rpc_init(&core_slots, FERRY_ROOT_SEL_TASK);
    obj_pool_init();
    if ((err = timer_service_init()))
        return err;
    if (runtime_alloc_sel() >= CORE_FIRST_SLOT)
        return FERRY_E_RANGE; /* the runtime's slots ran into core's */
    if ((err = ram_init(bi, runtime_ram_handover())))
        return err;
    if ((err = rom_init(bi)))
        return err;
    if ((err = core_config_read()))
        return err;
    device_init(bi);
    return FERRY_OK;
}

int root_main(const struct ferry_bootinfo *bi)
{
    core_bootinfo = bi;
    long err = boot(bi);
    if (err) {
        printf("core: boot failed: %s\n", ferry_error_name(err));
        return 1;
    }
    if (init_start())
        return 1;
    entrypoint.pool = obj_pool();
    rpc_ep_serve(&entrypoint);
}
