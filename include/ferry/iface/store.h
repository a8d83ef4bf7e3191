/*
 * Store: the example service of components/store-server (used by
 * store-client and store-peer). A session holds up to STORE_MAX_OBJECTS
 * objects, each an RPC object holding one integer, named by its id (the
 * server's index, 0..STORE_MAX_OBJECTS-1; never a badge, which changes on a
 * restore), and one shared RAM dataspace.
 *
 * Session:
 * STORE_CREATE:    in value (initial)          out cap[0] the new object, id (its id)
 * STORE_SHARED:                                out cap[0] the session's shared dataspace
 * STORE_SUM:       in count                    out sum of the first count 64-bit words
 *                                                 of the shared dataspace, as the server sees them
 * STORE_LOOKUP:    in id                       out cap[0] that object of this session again
 * Object:
 * OBJECT_GET:                                  out value
 * OBJECT_ADD:      in n                        out value (the new one)
 *
 * Relay (served by store-peer: takes an object capability from a client):
 * RELAY_GIVE:      in cap OBJECT               out value (the object's, as the peer reads it)
 */
#ifndef FERRY_IFACE_STORE_H
#define FERRY_IFACE_STORE_H

#include <ferry/rpc.h>

#define STORE_MAX_OBJECTS 8

struct ferry_store_create_in {
    uint64_t value;
};
struct ferry_store_create_out {
    uint64_t id; /* the object's id in its session */
};
FERRY_RPC_LAYOUT(ferry_store_create_in);
FERRY_RPC_LAYOUT(ferry_store_create_out);

struct ferry_store_sum_in {
    uint64_t count; /* words */
};
struct ferry_store_sum_out {
    uint64_t sum;
};
FERRY_RPC_LAYOUT(ferry_store_sum_in);
FERRY_RPC_LAYOUT(ferry_store_sum_out);

struct ferry_store_lookup_in {
    uint64_t id;
};
FERRY_RPC_LAYOUT(ferry_store_lookup_in);

#define FERRY_STORE_RPCS(RPC)                                                                      \
    RPC(STORE_CREATE, 1, FERRY_RPC_WORDS(ferry_store_create_in), 0)                                \
    RPC(STORE_SHARED, 2, 0, 0)                                                                     \
    RPC(STORE_SUM, 3, FERRY_RPC_WORDS(ferry_store_sum_in), 0)                                      \
    RPC(STORE_LOOKUP, 4, FERRY_RPC_WORDS(ferry_store_lookup_in), 0)
FERRY_RPC_ENUM(FERRY_STORE_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_store_sigs, FERRY_STORE_RPCS);

struct ferry_object_get_out {
    uint64_t value;
};
FERRY_RPC_LAYOUT(ferry_object_get_out);

struct ferry_object_add_in {
    uint64_t n;
};
struct ferry_object_add_out {
    uint64_t value; /* after the addition */
};
FERRY_RPC_LAYOUT(ferry_object_add_in);
FERRY_RPC_LAYOUT(ferry_object_add_out);

#define FERRY_OBJECT_RPCS(RPC)                                                                     \
    RPC(OBJECT_GET, 1, 0, 0)                                                                       \
    RPC(OBJECT_ADD, 2, FERRY_RPC_WORDS(ferry_object_add_in), 0)
FERRY_RPC_ENUM(FERRY_OBJECT_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_object_sigs, FERRY_OBJECT_RPCS);

enum { FERRY_RELAY_GIVE_CAP_OBJECT = 0 };
struct ferry_relay_give_out {
    uint64_t value;
};
FERRY_RPC_LAYOUT(ferry_relay_give_out);

#define FERRY_RELAY_RPCS(RPC) RPC(RELAY_GIVE, 1, 0, 1)
FERRY_RPC_ENUM(FERRY_RELAY_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_relay_sigs, FERRY_RELAY_RPCS);

#endif
