/*
 * Kernel pool exhaustion: a task that creates without destroying empties the
 * pool. That must end in E_NOMEM for the creator and nothing worse for
 * anyone: afterwards the random calls go on (now also failing inside the
 * kernel: page tables, capability leaves, UTCB frames) and existing objects
 * keep working. Destroying what was created gives the memory back.
 */
#include "stress.h"

#define EXHAUST_FIRST 1000 /* slots far above everything else */
#define EXHAUST_UTCB  0x20000000ul

static uint64_t last_created;

/* Creates objects of `type` into fresh slots until E_NOMEM (or the slots run out). */
static unsigned create_until_nomem(uint64_t *sel, uint64_t type, uint64_t a3, uint64_t *a4)
{
    unsigned n = 0;
    for (; *sel < 16384; (*sel)++) {
        long err = sys_create(FERRY_ROOT_SEL_FACTORY, type, *sel, a3, a4 ? *a4 : 0);
        if (err == FERRY_E_NOMEM)
            return n;
        if (err == FERRY_E_OCCUPIED)
            continue; /* random calls put a capability here */
        CHECK_ERR(err, FERRY_OK);
        reg_created(type, *sel, type == FERRY_OBJ_THREAD ? sel_id(a3) : 0, 0);
        last_created = *sel;
        n++;
        if (a4)
            *a4 += FERRY_PAGE_SIZE;
    }
    CHECK(false, "ran out of slots before the kernel pool (type %lu)", (unsigned long)type);
}

unsigned exhaust_kernel_pool(void)
{
    uint64_t sel = EXHAUST_FIRST, utcb = EXHAUST_UTCB;
    /* tasks take whole frames; then the smaller objects fill what is left */
    unsigned n = create_until_nomem(&sel, FERRY_OBJ_TASK, 0, 0);
    CHECK(n > 0, "no task could be created at all");
    uint64_t task = last_created;
    n += create_until_nomem(&sel, FERRY_OBJ_THREAD, task, &utcb);
    n += create_until_nomem(&sel, FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, 0);
    n += create_until_nomem(&sel, FERRY_OBJ_IRQ, 0, 0);
    /* a second round: another size class may still have had room */
    n += create_until_nomem(&sel, FERRY_OBJ_TASK, 0, 0);
    n += create_until_nomem(&sel, FERRY_OBJ_GATE, FERRY_ROOT_SEL_THREAD, 0);
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, sel, 0, 0), FERRY_E_NOMEM);
    return n;
}

unsigned exhaust_release(void)
{
    unsigned n = 0;
    /* random calls may have moved other capabilities into these slots */
    for (uint64_t sel = EXHAUST_FIRST; sel <= last_created; sel++)
        if (destroy_allowed(FERRY_ROOT_SEL_TASK, sel) &&
            sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, sel, FERRY_UNMAP_DESTROY) == FERRY_OK)
            n++;
    return n;
}
