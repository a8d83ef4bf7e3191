/*
 * Client stubs: dataspaces (include/ferry/iface/dataspace.h).
 */
#include "../client.h"

long ds_info(uint32_t ds, struct ferry_ds_info_out *info)
{
    return client_call(ds, FERRY_DS_INFO, 0, 0, info, FERRY_RPC_WORDS(ferry_ds_info_out), NULL);
}
