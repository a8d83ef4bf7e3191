/* Never powers off: the scenario runner's timeout self test needs it. */
#include <runtime.h>
#include <stdio.h>

int root_main(const struct ferry_bootinfo *bi)
{
    (void)bi;
    printf("spin: looping forever\n");
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}
