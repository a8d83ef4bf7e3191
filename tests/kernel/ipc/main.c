/* Kernel IPC test root task: see local.c, foreign.c and errors.c. */
#include "ipc.h"
#include <stdio.h>

void park(void)
{
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

void test_ok(const char *what)
{
    printf("ipc: %s ok\n", what);
}

uint64_t new_gate(uint64_t thread, uint64_t label)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, sel, thread, label), FERRY_OK);
    return sel;
}

uint64_t copy_cap(uint64_t src, uint64_t mask)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(FERRY_ROOT_SEL_TASK, src, sel, mask), FERRY_OK);
    return sel;
}

struct sys_cap_info cap_info(uint64_t task, uint64_t sel)
{
    struct sys_cap_info info;
    CHECK_ERR(sys_task_cap_info(task, sel, &info), FERRY_OK);
    return info;
}

int root_main(const struct ferry_bootinfo *bi)
{
    local_tests();
    foreign_tests(bi);
    error_tests();
    printf("ipc: all tests passed\n");
    return 0;
}
