/*
 * Parent: what a component asks of the one who started it (core serves it to
 * init, init to its children). Quota amounts are bytes of RAM and a count of
 * capabilities, donated by the requester (see docs/framework.md, "Quota").
 */
#ifndef FERRY_IFACE_PARENT_H
#define FERRY_IFACE_PARENT_H

#include <ferry/rpc.h>

/* PARENT_SESSION:      in  mr[0] ram, mr[1] caps, mr[2..5] service name,
 *                          mr[6..13] label, mr[14..29] args
 *                      out cap[0] session
 * PARENT_SESSION_PAID: as PARENT_SESSION, plus cap[0] = the PD session that pays
 *                      the quota (core only; init opens a child's sessions so)
 * PARENT_UPGRADE:      in  cap[0] session, mr[0] ram, mr[1] caps
 * PARENT_CLOSE:        in  cap[0] session
 * PARENT_ANNOUNCE:     in  cap[0] root (ROOT interface), mr[0..3] service name
 * PARENT_EXIT:         in  mr[0] exit code            (no reply is promised)
 */
#define FERRY_PARENT_RPCS(RPC)                                                                     \
    RPC(FERRY_PARENT_SESSION, 1, 30, 0)                                                            \
    RPC(FERRY_PARENT_SESSION_PAID, 2, 30, 1)                                                       \
    RPC(FERRY_PARENT_UPGRADE, 3, 2, 1)                                                             \
    RPC(FERRY_PARENT_CLOSE, 4, 0, 1)                                                               \
    RPC(FERRY_PARENT_ANNOUNCE, 5, 4, 1)                                                            \
    RPC(FERRY_PARENT_EXIT, 6, 1, 0)
FERRY_RPC_ENUM(FERRY_PARENT_RPCS);

/* word offsets of PARENT_SESSION's (and ROOT_SESSION's) string fields */
#define FERRY_SESSION_W_RAM     0
#define FERRY_SESSION_W_CAPS    1
#define FERRY_SESSION_W_SERVICE 2
#define FERRY_SESSION_W_LABEL   6
#define FERRY_SESSION_W_ARGS    14
#define FERRY_SESSION_WORDS     30

#endif
