/*
 * Kernel object destruction test root task (TASK_UNMAP with
 * FERRY_UNMAP_DESTROY, docs/kernel.md "Object lifetime"): every object type,
 * a thread destroyed in every state it can be in, partners that must fail
 * with E_DEAD, dead capabilities, errors, threads destroying themselves and
 * their own task, the reference counting rules, and loops that would exhaust
 * the kernel pool many times over if anything leaked.
 */
#include "destroy.h"
#include <stdio.h>

void test_ok(const char *what)
{
    printf("destroy: %s ok\n", what);
}

int root_main(const struct ferry_bootinfo *bi)
{
    test_errors();
    test_states();
    test_faults();
    test_self();
    test_gates();
    test_irqs();
    test_tasks();
    test_dead_caps();
    test_refcount();
    test_churn(bi);
    test_capacity();
    printf("destroy: all tests passed\n");
    return 0;
}
