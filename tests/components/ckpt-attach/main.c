/*
 * ckpt-attach: what memory operations cost a component (the price of rtcr's
 * virtual objects: under rtcr every one goes through rtcr's RPC objects).
 * It measures, in guest instructions (instret: everything the operation
 * makes every component and the kernel run), `rounds` rounds of
 *
 *     alloc    PD_ALLOC_RAM of one page, attach, one write, detach, PD_FREE_RAM
 *     info     DS_INFO on a dataspace it holds
 *
 * and prints
 *
 *     NAME: bench: alloc_attach_free N instructions per round
 *     NAME: bench: ds_info N instructions per call
 *     NAME: a dataspace after the rounds: served by its parent: yes|no
 *     NAME: done
 *
 * Under rtcr the last line says whether the dataspace allocated after all
 * rounds is still rtcr's virtual object: rtcr drops its record at every
 * PD_FREE_RAM (else its table fills and core's dataspace is handed out).
 *
 * Argument: rounds (default 200).
 */
#include <client.h>
#include <ferry/iface/rm.h>
#include <stdio.h>
#include "../ckpt.h"

void component_construct(struct env *env)
{
    ckpt_init(env);
    uint64_t rounds = ckpt_arg("rounds", 200);
    uint32_t ds;
    uint64_t at;
    long err;
    uint64_t t0 = sys_instret();
    for (uint64_t i = 0; i < rounds; i++) {
        if ((err = pd_alloc_ram(ckpt_env->pd, 4096, &ds)))
            ckpt_fail("PD_ALLOC_RAM", err);
        if ((err = env_attach(ckpt_env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &at)))
            ckpt_fail("attach", err);
        *(volatile uint64_t *)at = i;
        env_detach(ckpt_env, at);
        if ((err = pd_free_ram(ckpt_env->pd, ds)))
            ckpt_fail("PD_FREE_RAM", err);
    }
    uint64_t t1 = sys_instret();
    if ((err = pd_alloc_ram(ckpt_env->pd, 4096, &ds)))
        ckpt_fail("PD_ALLOC_RAM", err);
    struct ferry_ds_info_out info;
    uint64_t t2 = sys_instret();
    for (uint64_t i = 0; i < rounds; i++)
        if ((err = ds_info(ds, &info)))
            ckpt_fail("DS_INFO", err);
    uint64_t t3 = sys_instret();
    printf("%s: bench: alloc_attach_free %lu instructions per round\n", ckpt_name,
           (unsigned long)((t1 - t0) / rounds));
    printf("%s: bench: ds_info %lu instructions per call\n", ckpt_name,
           (unsigned long)((t3 - t2) / rounds));
    printf("%s: a dataspace after the rounds: served by its parent: %s\n", ckpt_name,
           ckpt_served_by_parent(ds));
    printf("%s: done\n", ckpt_name);
    env_exit(ckpt_env, 0);
}
