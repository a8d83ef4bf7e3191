/*
 * The calls the client stubs are made of (client.h) that are not inline.
 */
#include "../client.h"

long client_call_cap(uint64_t gate, unsigned opcode, unsigned index, uint32_t cap)
{
    rpc_send_cap(index, cap, FERRY_RIGHTS_ALL);
    return rpc_call(gate, opcode, 0, index + 1, NULL);
}

long rpc_get_cap(uint32_t object, unsigned opcode, uint32_t *cap)
{
    return client_call(object, opcode, 0, 0, NULL, 0, cap);
}
