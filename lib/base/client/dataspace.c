/*
 * Client stubs: dataspaces (include/ferry/iface/dataspace.h).
 */
#include "../client.h"

long ds_info(uint32_t ds, struct ferry_ds_info_out *info)
{
    return client_call(ds, FERRY_DS_INFO, 0, 0, info, FERRY_RPC_WORDS(ferry_ds_info_out), NULL);
}

long ds_phys(uint32_t ds, uint64_t *paddr)
{
    return client_call(ds, FERRY_DS_PHYS, 0, 0, paddr, FERRY_RPC_WORDS(ferry_ds_phys_out), NULL);
}
