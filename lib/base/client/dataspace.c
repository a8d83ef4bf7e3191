/*
 * Client stubs: dataspaces (include/ferry/iface/dataspace.h).
 */
#include "../client.h"

long ds_info(uint32_t ds, struct ferry_ds_info_out *info)
{
    long err = rpc_call(ds, FERRY_DS_INFO, 0, 0, NULL);
    if (!err)
        *info = *FERRY_RPC_MSG(ferry_ds_info_out, rpc_mr());
    return err;
}
