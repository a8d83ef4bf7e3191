/*
 * Root: the session factory of a service. A server announces its root to its
 * parent; the parent calls it to open, upgrade and close sessions on behalf of
 * clients. The message layout is PARENT_SESSION's (mr[2..5], the service name,
 * is ignored), so a parent forwards a request without re-packing it.
 *
 * ROOT_SESSION: in mr[0] ram, mr[1] caps, mr[6..13] label, mr[14..29] args
 *               out cap[0] session
 * ROOT_UPGRADE: in cap[0] session, mr[0] ram, mr[1] caps
 * ROOT_CLOSE:   in cap[0] session
 */
#ifndef FERRY_IFACE_ROOT_H
#define FERRY_IFACE_ROOT_H

#include <ferry/iface/parent.h>

#define FERRY_ROOT_RPCS(RPC)                                                                       \
    RPC(FERRY_ROOT_SESSION, 1, 30, 0)                                                              \
    RPC(FERRY_ROOT_UPGRADE, 2, 2, 1)                                                               \
    RPC(FERRY_ROOT_CLOSE, 3, 0, 1)
FERRY_RPC_ENUM(FERRY_ROOT_RPCS);

#endif
