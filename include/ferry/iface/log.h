/*
 * LOG session: labelled text output. Core prints every line as
 * "[LABEL] text", LABEL being the session's label as routed
 * ("init -> hello").
 *
 * LOG_WRITE: in len (<= FERRY_LOG_MAX), then the bytes: 1 + (len + 7) / 8
 *            words in all (the list's IN_WORDS counts only len)
 */
#ifndef FERRY_IFACE_LOG_H
#define FERRY_IFACE_LOG_H

#include <ferry/rpc.h>

#define FERRY_LOG_MAX ((FERRY_MSG_WORDS - 1) * 8)

struct ferry_log_write_in {
    uint64_t len; /* bytes of text */
    char text[];  /* as many words as len needs */
};
FERRY_RPC_LAYOUT(ferry_log_write_in);
/* The words of a LOG_WRITE of `len` bytes. */
#define FERRY_LOG_WRITE_WORDS(len) (FERRY_RPC_WORDS(ferry_log_write_in) + ((len) + 7) / 8)

#define FERRY_LOG_RPCS(RPC) RPC(FERRY_LOG_WRITE, 1, FERRY_RPC_WORDS(ferry_log_write_in), 0)
FERRY_RPC_ENUM(FERRY_LOG_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_log_sigs, FERRY_LOG_RPCS);

#endif
