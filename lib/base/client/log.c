/*
 * Client stubs: LOG session (include/ferry/iface/log.h).
 */
#include "../client.h"
#include <string.h>

long log_write(uint32_t log, const char *text, uint64_t len)
{
    if (len > FERRY_LOG_MAX)
        return FERRY_E_INVAL;
    struct ferry_log_write_in *in = FERRY_RPC_MSG(ferry_log_write_in, rpc_mr());
    in->len = len;
    memcpy(in->text, text, len);
    return client_call(log, FERRY_LOG_WRITE, FERRY_LOG_WRITE_WORDS(len), 0, NULL, 0, NULL);
}
