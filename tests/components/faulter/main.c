/* faulter: touches memory nothing is attached at. Core halts it, init reports it. */
#include <env.h>
#include <stdio.h>

void component_construct(struct env *env)
{
    (void)env;
    volatile uint64_t *nowhere = (volatile uint64_t *)0x7e000000ul; /* past every attachment */
    printf("writing to %p\n", (void *)nowhere);
    *nowhere = 42;
    printf("STILL RUNNING after the fault\n");
}
