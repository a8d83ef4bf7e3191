/*
 * The interfaces of the checkpoint test components (tests/components/ckpt-*):
 * small services whose state a checkpoint/restore must carry over exactly.
 * No operation takes or returns a badge: objects are named by capability.
 *
 * Ckpt (service "Ckpt", served by ckpt-server; used by ckpt-client, ckpt-foreign):
 * CKPT_CREATE:   in value (initial)           out cap[0] a new object of this session
 * CKPT_STATS:                                 out objects (of this session), calls (served
 *                                                for its objects since it was opened)
 * Ckpt object:
 * CKPT_OBJ_ADD:  in n                          out value (after the addition)
 * CKPT_OBJ_GET:                                out value
 * CKPT_OBJ_ADD_SLOW: in n, us                  out value (after the addition), answered only
 *                                                after the server has spun `us` microseconds
 *                                                (a server that keeps its caller waiting)
 *
 * Share (service "Share", served by ckpt-share-a; used by ckpt-share-b):
 * SHARE_DATASPACE:                             out cap[0] the dataspace shared by all sessions
 * SHARE_CHECK:   in word (index of a 64-bit word of the dataspace)
 *                                              out seen (the word as the server reads it);
 *                                                the server has written seen * 2 + 1 into
 *                                                word + 1 before it answers
 *
 * Blocked (objects of ckpt-blocked, served by its own entrypoint):
 * BLOCKED_PING:  in seq                        out seq (the same)
 * BLOCKED_WORK:  in us (how long the entrypoint stays busy: it spins, it does not sleep)
 */
#ifndef FERRY_IFACE_CKPT_H
#define FERRY_IFACE_CKPT_H

#include <ferry/rpc.h>

#define CKPT_MAX_OBJECTS 8 /* objects per Ckpt session */

struct ferry_ckpt_create_in {
    uint64_t value;
};
FERRY_RPC_LAYOUT(ferry_ckpt_create_in);
enum { FERRY_CKPT_CREATE_CAP_OBJECT = 0 };

struct ferry_ckpt_stats_out {
    uint64_t objects;
    uint64_t calls;
};
FERRY_RPC_LAYOUT(ferry_ckpt_stats_out);

#define FERRY_CKPT_RPCS(RPC)                                                                       \
    RPC(CKPT_CREATE, 1, FERRY_RPC_WORDS(ferry_ckpt_create_in), 0)                                  \
    RPC(CKPT_STATS, 2, 0, 0)
FERRY_RPC_ENUM(FERRY_CKPT_RPCS);

struct ferry_ckpt_obj_add_in {
    uint64_t n;
};
struct ferry_ckpt_obj_value_out {
    uint64_t value;
};
struct ferry_ckpt_obj_add_slow_in {
    uint64_t n;
    uint64_t us;
};
FERRY_RPC_LAYOUT(ferry_ckpt_obj_add_in);
FERRY_RPC_LAYOUT(ferry_ckpt_obj_value_out);
FERRY_RPC_LAYOUT(ferry_ckpt_obj_add_slow_in);

#define FERRY_CKPT_OBJ_RPCS(RPC)                                                                   \
    RPC(CKPT_OBJ_ADD, 1, FERRY_RPC_WORDS(ferry_ckpt_obj_add_in), 0)                                \
    RPC(CKPT_OBJ_GET, 2, 0, 0)                                                                     \
    RPC(CKPT_OBJ_ADD_SLOW, 3, FERRY_RPC_WORDS(ferry_ckpt_obj_add_slow_in), 0)
FERRY_RPC_ENUM(FERRY_CKPT_OBJ_RPCS);

enum { FERRY_SHARE_DATASPACE_CAP_DS = 0 };
struct ferry_share_check_in {
    uint64_t word;
};
struct ferry_share_check_out {
    uint64_t seen;
};
FERRY_RPC_LAYOUT(ferry_share_check_in);
FERRY_RPC_LAYOUT(ferry_share_check_out);

#define FERRY_SHARE_RPCS(RPC)                                                                      \
    RPC(SHARE_DATASPACE, 1, 0, 0)                                                                  \
    RPC(SHARE_CHECK, 2, FERRY_RPC_WORDS(ferry_share_check_in), 0)
FERRY_RPC_ENUM(FERRY_SHARE_RPCS);

struct ferry_blocked_ping_in {
    uint64_t seq;
};
struct ferry_blocked_ping_out {
    uint64_t seq;
};
struct ferry_blocked_work_in {
    uint64_t us;
};
FERRY_RPC_LAYOUT(ferry_blocked_ping_in);
FERRY_RPC_LAYOUT(ferry_blocked_ping_out);
FERRY_RPC_LAYOUT(ferry_blocked_work_in);

#define FERRY_BLOCKED_RPCS(RPC)                                                                    \
    RPC(BLOCKED_PING, 1, FERRY_RPC_WORDS(ferry_blocked_ping_in), 0)                                \
    RPC(BLOCKED_WORK, 2, FERRY_RPC_WORDS(ferry_blocked_work_in), 0)
FERRY_RPC_ENUM(FERRY_BLOCKED_RPCS);

#endif
