/*
 * Region maps: a PD's address space (PD_ADDRESS_SPACE) or a managed region
 * map from an RM session, which is itself usable as a dataspace.
 *
 * RM session:
 * RM_CREATE:        in mr[0] size (page multiple)   out cap[0] region map
 * RM_DESTROY:       in cap[0] region map
 *
 * Region map:
 * RM_ATTACH:        in cap[0] dataspace, mr[0] address or FERRY_RM_ANY, mr[1] size
 *                      (0: the rest of the dataspace), mr[2] offset into it,
 *                      mr[3] FERRY_RM_* flags             out mr[0] address
 * RM_DETACH:        in mr[0] address of an attachment
 * RM_FAULT_HANDLER: in cap[0] signal, triggered when a thread faults on an
 *                      unattached address of this (managed) map
 * RM_STATE:         out mr[0] FERRY_RM_FAULT_* of the oldest pending fault
 *                      (NONE if none), mr[1] its address (offset in the map)
 * RM_DATASPACE:     out cap[0] the managed dataspace (E_INVAL for an address space)
 */
#ifndef FERRY_IFACE_RM_H
#define FERRY_IFACE_RM_H

#include <ferry/rpc.h>

#define FERRY_RM_ANY   (~0ul)
#define FERRY_RM_WRITE 0x1u
#define FERRY_RM_EXEC  0x2u

#define FERRY_RM_FAULT_NONE  0
#define FERRY_RM_FAULT_READ  1
#define FERRY_RM_FAULT_WRITE 2
#define FERRY_RM_FAULT_EXEC  3

#define FERRY_RM_SESSION_RPCS(RPC)                                                                 \
    RPC(FERRY_RM_CREATE, 1, 1, 0)                                                                  \
    RPC(FERRY_RM_DESTROY, 2, 0, 1)
FERRY_RPC_ENUM(FERRY_RM_SESSION_RPCS);

/* RM_ATTACH: the example of the layout convention (include/ferry/rpc.h) */
struct ferry_rm_attach_in {
    uint64_t at;     /* address, or FERRY_RM_ANY */
    uint64_t size;   /* 0: the rest of the dataspace */
    uint64_t offset; /* into the dataspace */
    uint64_t flags;  /* FERRY_RM_* */
};
struct ferry_rm_attach_out {
    uint64_t at; /* where it was attached */
};
FERRY_RPC_LAYOUT(ferry_rm_attach_in);
FERRY_RPC_LAYOUT(ferry_rm_attach_out);
enum { FERRY_RM_ATTACH_CAP_DS = 0 };

#define FERRY_RM_RPCS(RPC)                                                                         \
    RPC(FERRY_RM_ATTACH, 1, FERRY_RPC_WORDS(ferry_rm_attach_in), 1)                                                                  \
    RPC(FERRY_RM_DETACH, 2, 1, 0)                                                                  \
    RPC(FERRY_RM_FAULT_HANDLER, 3, 0, 1)                                                           \
    RPC(FERRY_RM_STATE, 4, 0, 0)                                                                   \
    RPC(FERRY_RM_DATASPACE, 5, 0, 0)
FERRY_RPC_ENUM(FERRY_RM_RPCS);

#endif
