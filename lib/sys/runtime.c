/*
 * The kernel tests' assertions and checked helpers (runtime.h): each powers
 * the machine off as a failure when a call does not do what the test
 * expects. Not for production code: core links only roottask.c.
 */
#include "runtime.h"
#include <stdarg.h>
#include <stdio.h>

void runtime_check_failed(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    printf("CHECK FAILED %s:%d: %s: ", file, line, expr);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    sys_poweroff(FERRY_ROOT_SEL_FACTORY, 1);
    for (;;)
        ;
}

uint64_t runtime_create(uint64_t type, uint64_t a3, uint64_t a4)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, type, sel, a3, a4), FERRY_OK);
    return sel;
}

uint64_t runtime_copy_cap(uint64_t src, uint64_t mask)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(FERRY_ROOT_SEL_TASK, src, sel, mask), FERRY_OK);
    return sel;
}

struct sys_cap_info runtime_cap_info(uint64_t task, uint64_t sel)
{
    struct sys_cap_info info;
    CHECK_ERR(sys_task_cap_info(task, sel, &info), FERRY_OK);
    return info;
}
