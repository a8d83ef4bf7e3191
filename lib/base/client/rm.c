/*
 * Client stubs: RM session and region maps (include/ferry/iface/rm.h).
 */
#include "../client.h"

long rm_create(uint32_t rm_session, uint64_t size, uint32_t *rm)
{
    FERRY_RPC_MSG(ferry_rm_create_in, rpc_mr())->size = size;
    return client_call(rm_session, FERRY_RM_CREATE, FERRY_RPC_WORDS(ferry_rm_create_in), 0, NULL, 0,
                       rm);
}

long rm_destroy(uint32_t rm_session, uint32_t rm)
{
    return client_call_cap(rm_session, FERRY_RM_DESTROY, FERRY_RM_DESTROY_CAP_RM, rm);
}

long rm_attach(uint32_t rm, uint32_t ds, uint64_t at, uint64_t size, uint64_t offset,
               unsigned flags, uint64_t *addr)
{
    struct ferry_rm_attach_out out;
    *FERRY_RPC_MSG(ferry_rm_attach_in, rpc_mr()) =
        (struct ferry_rm_attach_in){at, size, offset, flags};
    rpc_send_cap(FERRY_RM_ATTACH_CAP_DS, ds, FERRY_RIGHTS_ALL);
    long err = client_call(rm, FERRY_RM_ATTACH, FERRY_RPC_WORDS(ferry_rm_attach_in), 1, &out,
                           FERRY_RPC_WORDS(ferry_rm_attach_out), NULL);
    if (!err && addr)
        *addr = out.at;
    return err;
}

long rm_detach(uint32_t rm, uint64_t addr)
{
    FERRY_RPC_MSG(ferry_rm_detach_in, rpc_mr())->at = addr;
    return client_call(rm, FERRY_RM_DETACH, FERRY_RPC_WORDS(ferry_rm_detach_in), 0, NULL, 0, NULL);
}

long rm_fault_handler(uint32_t rm, uint32_t signal)
{
    return client_call_cap(rm, FERRY_RM_FAULT_HANDLER, FERRY_RM_FAULT_HANDLER_CAP_SIGNAL, signal);
}

long rm_state(uint32_t rm, struct ferry_rm_state_out *state)
{
    return client_call(rm, FERRY_RM_STATE, 0, 0, state, FERRY_RPC_WORDS(ferry_rm_state_out), NULL);
}

long rm_dataspace(uint32_t rm, uint32_t *ds)
{
    return rpc_get_cap(rm, FERRY_RM_DATASPACE, ds);
}

long rm_dirty(uint32_t rm, uint64_t at, uint64_t pages, unsigned flags,
              struct ferry_rm_dirty_out *out)
{
    *FERRY_RPC_MSG(ferry_rm_dirty_in, rpc_mr()) = (struct ferry_rm_dirty_in){at, pages, flags};
    return client_call(rm, FERRY_RM_DIRTY, FERRY_RPC_WORDS(ferry_rm_dirty_in), 0, out,
                       FERRY_RPC_WORDS(ferry_rm_dirty_out), NULL);
}
