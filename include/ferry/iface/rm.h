/*
 * Region maps: a PD's address space (PD_ADDRESS_SPACE) or a managed region
 * map from an RM session, which is itself usable as a dataspace.
 *
 * Message layouts below (include/ferry/rpc.h); in short:
 *
 * RM session:
 * RM_CREATE:        in size (page multiple)   out cap[0] region map
 * RM_DESTROY:       in cap RM, a region map of this session
 *
 * Region map:
 * RM_ATTACH:        in cap DS, at (address or FERRY_RM_ANY), size (0: the rest
 *                      of the dataspace), offset into it, FERRY_RM_* flags
 *                   out at (the address)
 * RM_DETACH:        in at, an address inside an attachment
 * RM_FAULT_HANDLER: in cap SIGNAL, triggered when a thread faults on an
 *                      unattached address of this (managed) map
 * RM_STATE:         out type (FERRY_RM_FAULT_* of the oldest pending fault,
 *                      NONE if none), addr (its offset in the map)
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

struct ferry_rm_create_in {
    uint64_t size; /* page multiple */
};
FERRY_RPC_LAYOUT(ferry_rm_create_in);
enum { FERRY_RM_DESTROY_CAP_RM = 0 };

#define FERRY_RM_SESSION_RPCS(RPC)                                                                 \
    RPC(FERRY_RM_CREATE, 1, FERRY_RPC_WORDS(ferry_rm_create_in), 0)                                \
    RPC(FERRY_RM_DESTROY, 2, 0, 1)
FERRY_RPC_ENUM(FERRY_RM_SESSION_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_rm_session_sigs, FERRY_RM_SESSION_RPCS);

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

struct ferry_rm_detach_in {
    uint64_t at; /* any address inside the attachment */
};
FERRY_RPC_LAYOUT(ferry_rm_detach_in);

enum { FERRY_RM_FAULT_HANDLER_CAP_SIGNAL = 0 };

struct ferry_rm_state_out {
    uint64_t type; /* FERRY_RM_FAULT_* */
    uint64_t addr; /* offset in the map */
};
FERRY_RPC_LAYOUT(ferry_rm_state_out);

#define FERRY_RM_RPCS(RPC)                                                                         \
    RPC(FERRY_RM_ATTACH, 1, FERRY_RPC_WORDS(ferry_rm_attach_in), 1)                                \
    RPC(FERRY_RM_DETACH, 2, FERRY_RPC_WORDS(ferry_rm_detach_in), 0)                                \
    RPC(FERRY_RM_FAULT_HANDLER, 3, 0, 1)                                                           \
    RPC(FERRY_RM_STATE, 4, 0, 0)                                                                   \
    RPC(FERRY_RM_DATASPACE, 5, 0, 0)
FERRY_RPC_ENUM(FERRY_RM_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_rm_sigs, FERRY_RM_RPCS);

#endif
