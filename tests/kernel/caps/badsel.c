/*
 * A capability the task does not hold: every system call that takes a
 * selector, given an empty or out-of-range one in any selector position,
 * fails with E_BADSEL and changes nothing. The other arguments are valid,
 * so with a real capability in place of the bad one each call would succeed
 * (or at least fail differently).
 */
#include <ferry/macros.h>
#include "caps.h"

#define SPARE_VA 0x50000000ul /* unmapped in the root task */

static uint64_t dest;    /* an empty slot: where creations and maps would go */
static uint64_t victim;  /* an occupied slot an unmap would empty */
static uint64_t thread;  /* a thread that was never started */

static long op_call(uint64_t s)
{
    return sys_ipc_call(s, FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_POLL, 0);
}
static long op_send(uint64_t s)
{
    return sys_ipc_send(s, FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_POLL);
}
static long op_create_factory(uint64_t s)
{
    return sys_create(s, FERRY_OBJ_TASK, dest, 0, 0);
}
static long op_create_thread_task(uint64_t s)
{
    return sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, dest, s, SPARE_VA);
}
static long op_create_gate_thread(uint64_t s)
{
    return sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, dest, s, 0);
}
static long op_map_task(uint64_t s)
{
    return sys_task_map(s, FERRY_ROOT_SEL_INITRD, dest, FERRY_RIGHTS_ALL);
}
static long op_map_source(uint64_t s)
{
    return sys_task_map(OWN, s, dest, FERRY_RIGHTS_ALL);
}
static long op_unmap(uint64_t s)
{
    return sys_task_unmap(s, victim);
}
static long op_cap_info(uint64_t s)
{
    struct sys_cap_info info;
    return sys_task_cap_info(s, OWN, &info);
}
static long op_cap_next(uint64_t s)
{
    return sys_task_cap_next(s, 0, 0);
}
static long op_mem_map_task(uint64_t s)
{
    return sys_mem_map(s, FERRY_ROOT_SEL_INITRD, 0, SPARE_VA, 1, FERRY_RIGHT_R);
}
static long op_mem_map_memory(uint64_t s)
{
    return sys_mem_map(OWN, s, 0, SPARE_VA, 1, FERRY_RIGHT_R);
}
static long op_mem_unmap(uint64_t s)
{
    return sys_mem_unmap(s, SPARE_VA, 1);
}
static long op_mem_protect(uint64_t s)
{
    return sys_mem_protect(s, SPARE_VA, 1, FERRY_RIGHT_R);
}
static long op_mem_dirty(uint64_t s)
{
    return sys_mem_dirty(s, SPARE_VA, 1, 0, 0);
}
static long op_mem_query(uint64_t s)
{
    return sys_mem_query(s, SPARE_VA, 0, 0);
}
static long op_configure(uint64_t s)
{
    return sys_thread_configure(s, 0, 0, 10, 0);
}
static long op_configure_pager(uint64_t s)
{
    return sys_thread_configure(thread, s, 0, 10, 0);
}
static long op_configure_exc(uint64_t s)
{
    return sys_thread_configure(thread, 0, s, 10, 0);
}
static long op_start(uint64_t s)
{
    return sys_thread_start(s, 0x10000, 0x20000, 0);
}
static long op_suspend(uint64_t s)
{
    return sys_thread_suspend(s);
}
static long op_resume(uint64_t s)
{
    return sys_thread_resume(s);
}
static long op_read(uint64_t s)
{
    return sys_thread_read(s);
}
static long op_write(uint64_t s)
{
    return sys_thread_write(s);
}
static long op_irq_wait(uint64_t s)
{
    return sys_irq_wait(s, FERRY_TIMEOUT_POLL);
}
static long op_irq_trigger(uint64_t s)
{
    return sys_irq_trigger(s);
}
static long op_irq_ack(uint64_t s)
{
    return sys_irq_ack(s);
}
static long op_poweroff(uint64_t s)
{
    return sys_poweroff(s, 1);
}

static const struct {
    const char *name;
    long (*fn)(uint64_t sel);
    int zero_is_none; /* selector 0 is a valid "no gate" there */
} ops[] = {
    {"ipc_call", op_call, 0},
    {"ipc_send", op_send, 0},
    {"factory_create (factory)", op_create_factory, 0},
    {"factory_create thread (task)", op_create_thread_task, 0},
    {"factory_create gate (thread)", op_create_gate_thread, 0},
    {"task_map (task)", op_map_task, 0},
    {"task_map (source)", op_map_source, 0},
    {"task_unmap", op_unmap, 0},
    {"task_cap_info", op_cap_info, 0},
    {"task_cap_next", op_cap_next, 0},
    {"mem_map (task)", op_mem_map_task, 0},
    {"mem_map (memory)", op_mem_map_memory, 0},
    {"mem_unmap", op_mem_unmap, 0},
    {"mem_protect", op_mem_protect, 0},
    {"mem_dirty", op_mem_dirty, 0},
    {"mem_query", op_mem_query, 0},
    {"thread_configure", op_configure, 0},
    {"thread_configure (pager)", op_configure_pager, 1},
    {"thread_configure (exception gate)", op_configure_exc, 1},
    {"thread_start", op_start, 0},
    {"thread_suspend", op_suspend, 0},
    {"thread_resume", op_resume, 0},
    {"thread_read", op_read, 0},
    {"thread_write", op_write, 0},
    {"irq_wait", op_irq_wait, 0},
    {"irq_trigger", op_irq_trigger, 0},
    {"irq_ack", op_irq_ack, 0},
    {"poweroff", op_poweroff, 0},
};

void test_empty_slot_everywhere(void)
{
    uint64_t task = runtime_create(FERRY_OBJ_TASK, 0, 0);
    thread = runtime_create(FERRY_OBJ_THREAD, task, 0x10000);
    victim = runtime_copy_cap(FERRY_ROOT_SEL_INITRD, FERRY_RIGHT_R);
    dest = runtime_alloc_sel();
    uint64_t empty = runtime_alloc_sel();
    /* an empty slot in the first leaf, one in a leaf never allocated, the
     * last slot, then selectors that name no slot at all */
    const uint64_t bad[] = {empty, 5000, SLOTS - 1, 0, SLOTS, 1ul << 32, ~0ul};
    for (unsigned b = 0; b < ARRAY_SIZE(bad); b++) {
        if (bad[b] < SLOTS && bad[b] != 0)
            check_empty(OWN, bad[b]);
        for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
            if (bad[b] == 0 && ops[i].zero_is_none)
                continue;
            long err = ops[i].fn(bad[b]);
            CHECK(err == FERRY_E_BADSEL, "%s with selector %lx: %s", ops[i].name,
                  (unsigned long)bad[b], ferry_error_name(err));
        }
    }
    check_empty(OWN, dest);
    CHECK(runtime_cap_info(OWN, victim).type == FERRY_OBJ_MEMORY, "unmap emptied a slot");
    uint64_t paddr, info;
    CHECK_ERR(sys_mem_query(OWN, SPARE_VA, &paddr, &info), FERRY_OK);
    CHECK(!(info & FERRY_MEMQ_MAPPED), "memory was mapped");
    test_ok("empty or out-of-range selector in every call: E_BADSEL");
}
