/*
 * badge-probe: checks that core's badges start at the base it was booted with
 * (core.cfg's badge-base; argument `base`). It reads the labels of its initial
 * capabilities from the kernel (TASK_CAP_INFO: a test looks at badges, an
 * application never does) and prints how many lie in [base, base + 1000).
 */
#include <env.h>
#include <stdio.h>
#include <stdlib.h>

#define PROBE_SPAN 1000 /* badges init and core hand out before this component runs */

void component_construct(struct env *env)
{
    const char *arg = env_arg(env, "base");
    uint64_t base = arg ? strtoull(arg, NULL, 0) : 1;
    unsigned in = 0, out = 0;
    uint64_t lowest = UINT64_MAX;
    for (uint32_t slot = FERRY_COMP_SEL_PARENT; slot <= FERRY_COMP_SEL_THREAD; slot++) {
        struct sys_cap_info info;
        if (sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) || info.label == 0)
            continue;
        if (info.label >= base && info.label - base < PROBE_SPAN)
            in++;
        else
            out++;
        if (info.label < lowest)
            lowest = info.label;
    }
    printf("badge-probe: %u initial badges in [0x%lx, 0x%lx + %u), %u outside, lowest 0x%lx\n", in,
           (unsigned long)base, (unsigned long)base, PROBE_SPAN, out, (unsigned long)lowest);
    env_exit(env, out != 0 || in == 0);
}
