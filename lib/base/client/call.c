/*
 * The one call of the client stubs (client.h) that is not inline.
 */
#include "../client.h"

long rpc_get_cap(uint32_t object, unsigned opcode, uint32_t *cap)
{
    return client_call(object, opcode, 0, 0, NULL, 0, cap);
}
