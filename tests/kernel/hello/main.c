/* The smallest root task: proves the kernel loads and enters user space. */
#include <runtime.h>
#include <stdio.h>

int root_main(const struct ferry_bootinfo *bi)
{
    printf("hello: root task running\n");
    printf("hello: %u boot modules, %u RAM regions\n", bi->module_count, bi->ram_count);
    return 0;
}
