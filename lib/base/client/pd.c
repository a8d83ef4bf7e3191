/*
 * Client stubs: PD session and native PD (include/ferry/iface/pd.h).
 */
#include "../client.h"
#include "../badge_runtime.h"

long pd_alloc_ram(uint32_t pd, uint64_t bytes, uint32_t *ds)
{
    FERRY_RPC_MSG(ferry_pd_alloc_ram_in, rpc_mr())->bytes = bytes;
    return client_call(pd, FERRY_PD_ALLOC_RAM, FERRY_RPC_WORDS(ferry_pd_alloc_ram_in), 0, NULL, 0,
                       ds);
}

long pd_free_ram(uint32_t pd, uint32_t ds)
{
    uint64_t badge = env_cap_badge(ds);
    long err = client_call_cap(pd, FERRY_PD_FREE_RAM, FERRY_PD_FREE_RAM_CAP_DS, ds);
    env_cap_release(badge);
    return err;
}

long pd_alloc_rpc_cap(uint32_t pd, uint32_t thread, uint32_t *gate, uint64_t *badge)
{
    struct ferry_pd_alloc_rpc_cap_out out;
    rpc_send_cap(FERRY_PD_ALLOC_RPC_CAP_CAP_THREAD, thread, FERRY_RIGHTS_ALL);
    long err = client_call(pd, FERRY_PD_ALLOC_RPC_CAP, 0, 1, &out,
                           FERRY_RPC_WORDS(ferry_pd_alloc_rpc_cap_out), gate);
    if (!err && badge)
        *badge = out.badge;
    return err;
}

long pd_free_rpc_cap(uint32_t pd, uint32_t gate)
{
    return client_call_cap(pd, FERRY_PD_FREE_RPC_CAP, FERRY_PD_FREE_RPC_CAP_CAP_GATE, gate);
}

long pd_alloc_signal(uint32_t pd, uint32_t *signal, uint64_t *badge)
{
    struct ferry_pd_alloc_signal_out out;
    long err = client_call(pd, FERRY_PD_ALLOC_SIGNAL, 0, 0, &out,
                           FERRY_RPC_WORDS(ferry_pd_alloc_signal_out), signal);
    if (!err && badge)
        *badge = out.badge;
    return err;
}

long pd_free_signal(uint32_t pd, uint32_t signal)
{
    return client_call_cap(pd, FERRY_PD_FREE_SIGNAL, FERRY_PD_FREE_SIGNAL_CAP_SIGNAL, signal);
}

long pd_quota(uint32_t pd, struct ferry_pd_quota_out *quota)
{
    return client_call(pd, FERRY_PD_QUOTA, 0, 0, quota, FERRY_RPC_WORDS(ferry_pd_quota_out), NULL);
}

long pd_address_space(uint32_t pd, uint32_t *rm)
{
    return rpc_get_cap(pd, FERRY_PD_ADDRESS_SPACE, rm);
}

long pd_report(uint32_t pd, uint32_t *ds)
{
    return rpc_get_cap(pd, FERRY_PD_REPORT, ds);
}

long pd_native(uint32_t pd, uint32_t *npd)
{
    return rpc_get_cap(pd, FERRY_PD_NATIVE, npd);
}

/* ---- native PD ---- */

long npd_map(uint32_t npd, uint32_t cap, uint64_t slot, uint64_t rights)
{
    *FERRY_RPC_MSG(ferry_npd_map_in, rpc_mr()) = (struct ferry_npd_map_in){slot, rights};
    rpc_send_cap(FERRY_NPD_MAP_CAP_CAP, cap, FERRY_RIGHTS_ALL);
    return client_call(npd, FERRY_NPD_MAP, FERRY_RPC_WORDS(ferry_npd_map_in), 1, NULL, 0, NULL);
}

long npd_unmap(uint32_t npd, uint64_t slot)
{
    FERRY_RPC_MSG(ferry_npd_unmap_in, rpc_mr())->slot = slot;
    return client_call(npd, FERRY_NPD_UNMAP, FERRY_RPC_WORDS(ferry_npd_unmap_in), 0, NULL, 0, NULL);
}

long npd_cap_info(uint32_t npd, uint64_t slot, struct ferry_npd_cap_info_out *info)
{
    FERRY_RPC_MSG(ferry_npd_cap_info_in, rpc_mr())->slot = slot;
    return client_call(npd, FERRY_NPD_CAP_INFO, FERRY_RPC_WORDS(ferry_npd_cap_info_in), 0, info,
                       FERRY_RPC_WORDS(ferry_npd_cap_info_out), NULL);
}

long npd_cap_next(uint32_t npd, uint64_t slot, uint64_t *next)
{
    FERRY_RPC_MSG(ferry_npd_cap_next_in, rpc_mr())->slot = slot;
    return client_call(npd, FERRY_NPD_CAP_NEXT, FERRY_RPC_WORDS(ferry_npd_cap_next_in), 0, next,
                       FERRY_RPC_WORDS(ferry_npd_cap_next_out), NULL);
}

long npd_report(uint32_t npd, uint32_t *ds)
{
    return rpc_get_cap(npd, FERRY_NPD_REPORT, ds);
}

long npd_cap_batch(uint32_t npd, uint64_t slot, struct ferry_npd_cap_batch_out *out)
{
    FERRY_RPC_MSG(ferry_npd_cap_batch_in, rpc_mr())->slot = slot;
    long err = client_call(npd, FERRY_NPD_CAP_BATCH, FERRY_RPC_WORDS(ferry_npd_cap_batch_in), 0,
                           &out->head, FERRY_RPC_WORDS(ferry_npd_cap_batch_head), NULL);
    if (err)
        return err;
    if (out->head.count > FERRY_NPD_CAP_BATCH_MAX || out->head.version != FERRY_CAP_ENTRY_VERSION)
        return FERRY_E_INVAL; /* not a reply this stub knows how to read */
    const struct ferry_npd_cap_batch_out *in = FERRY_RPC_MSG(ferry_npd_cap_batch_out, rpc_mr());
    for (uint64_t i = 0; i < out->head.count; i++)
        out->entry[i] = in->entry[i];
    return FERRY_OK;
}
