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

int root_main(const struct ferry_bootinfo *bi)
{
    local_tests();
    foreign_tests(bi);
    error_tests();
    printf("ipc: all tests passed\n");
    return 0;
}
