/*
 * LOG session: labelled text output. Core prints every line as
 * "[LABEL] text", LABEL being the session's label as routed
 * ("init -> hello").
 *
 * LOG_WRITE: in mr[0] length (<= FERRY_LOG_MAX), the bytes from mr[1]
 */
#ifndef FERRY_IFACE_LOG_H
#define FERRY_IFACE_LOG_H

#include <ferry/rpc.h>

#define FERRY_LOG_MAX ((64 - 1) * 8)

#define FERRY_LOG_RPCS(RPC) RPC(FERRY_LOG_WRITE, 1, 1, 0)
FERRY_RPC_ENUM(FERRY_LOG_RPCS);

#endif
