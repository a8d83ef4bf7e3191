/*
 * The calls the client stubs are made of (client.h): arguments already in
 * the UTCB, results copied out, the result capability imported.
 */
#include "../client.h"

long client_call(uint64_t gate, unsigned opcode, unsigned in_words, unsigned in_caps, void *out,
                 unsigned out_words, uint32_t *cap)
{
    if (!out_words && !cap) /* nothing to take (rpc_call drops any capability) */
        return rpc_call(gate, opcode, in_words, in_caps, NULL);
    struct rpc_result res;
    res.caps = 0; /* rpc_call sets it only if the IPC went through */
    long err = rpc_call(gate, opcode, in_words, in_caps, &res);
    if (!err && res.words < out_words)
        err = FERRY_E_INVAL; /* a short reply: none of its words is trusted */
    const uint64_t *mr = rpc_mr();
    for (unsigned i = 0; !err && i < out_words; i++) /* before the import */
        ((uint64_t *)out)[i] = mr[i];
    if (!err && cap) {
        *cap = res.caps ? env_import_result(&res) : 0;
        return *cap ? FERRY_OK : FERRY_E_INVAL;
    }
    for (unsigned i = 0; i < res.caps && i < FERRY_MSG_CAPS; i++) /* unwanted capabilities */
        if (res.cap_slot[i])
            rpc_slot_release(res.cap_slot[i]);
    return err;
}

long client_call_cap(uint64_t gate, unsigned opcode, unsigned index, uint32_t cap)
{
    rpc_send_cap(index, cap, FERRY_RIGHTS_ALL);
    return rpc_call(gate, opcode, 0, index + 1, NULL);
}

long rpc_get_cap(uint32_t object, unsigned opcode, uint32_t *cap)
{
    return client_call(object, opcode, 0, 0, NULL, 0, cap);
}
