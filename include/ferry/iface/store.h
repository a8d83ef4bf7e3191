/*
 * Store: the example service of components/store-server (used by
 * store-client and store-peer). A session holds up to STORE_MAX_OBJECTS
 * objects, each an RPC object with its own badge holding one integer, and
 * one shared RAM dataspace.
 *
 * Session:
 * STORE_CREATE:    in mr[0] initial value     out cap[0] the new object, mr[0] its badge
 * STORE_SHARED:                                out cap[0] the session's shared dataspace
 * STORE_SUM:       in mr[0] count             out mr[0] sum of the first count 64-bit words
 *                                                of the shared dataspace, as the server sees them
 * STORE_LOOKUP:    in mr[0] badge             out cap[0] that object of this session again
 * Object:
 * OBJECT_GET:                                  out mr[0] value
 * OBJECT_ADD:      in mr[0] n                  out mr[0] new value
 *
 * Relay (served by store-peer: takes an object capability from a client):
 * RELAY_GIVE:      in cap[0] an object        out mr[0] the object's value as the peer reads it
 */
#ifndef FERRY_IFACE_STORE_H
#define FERRY_IFACE_STORE_H

#include <ferry/rpc.h>

#define STORE_MAX_OBJECTS 8

#define FERRY_STORE_RPCS(RPC)                                                                      \
    RPC(STORE_CREATE, 1, 1, 0)                                                                     \
    RPC(STORE_SHARED, 2, 0, 0)                                                                     \
    RPC(STORE_SUM, 3, 1, 0)                                                                        \
    RPC(STORE_LOOKUP, 4, 1, 0)
FERRY_RPC_ENUM(FERRY_STORE_RPCS);

#define FERRY_OBJECT_RPCS(RPC)                                                                     \
    RPC(OBJECT_GET, 1, 0, 0)                                                                       \
    RPC(OBJECT_ADD, 2, 1, 0)
FERRY_RPC_ENUM(FERRY_OBJECT_RPCS);

#define FERRY_RELAY_RPCS(RPC) RPC(RELAY_GIVE, 1, 0, 1)
FERRY_RPC_ENUM(FERRY_RELAY_RPCS);

#endif
