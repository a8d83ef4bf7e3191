/*
 * PD session: a protection domain (kernel task) and the accounts of what it
 * uses. RAM dataspaces are charged to the session's RAM quota, every object
 * core creates for it (dataspace, RPC gate, signal) to its capability quota.
 *
 * PD_ALLOC_RAM:      in mr[0] bytes           out cap[0] dataspace, mr[0] size (page-rounded)
 * PD_FREE_RAM:       in cap[0] dataspace
 * PD_ALLOC_RPC_CAP:  in cap[0] thread (CPU)   out cap[0] gate to that thread, mr[0] badge
 * PD_FREE_RPC_CAP:   in cap[0] gate
 * PD_ALLOC_SIGNAL:                            out cap[0] signal (software IRQ), mr[0] badge
 * PD_FREE_SIGNAL:    in cap[0] signal
 * PD_QUOTA:                                   out mr[0] ram quota, mr[1] ram used,
 *                                                 mr[2] cap quota, mr[3] caps used
 * PD_ADDRESS_SPACE:                           out cap[0] region map of the PD's address space
 * PD_CAPMAP_REPORT:                           out cap[0] one-page dataspace: the runtime
 *                                                 writes struct ferry_capmap_report there
 * PD_NATIVE:                                  out cap[0] native PD (only once: the first
 *                                                 caller, the session's owner, gets it;
 *                                                 afterwards E_DENIED)
 *
 * Native PD (interface NPD), for the owner only:
 * NPD_MAP:       in cap[0] capability, mr[0] slot, mr[1] rights mask: map it into that
 *                   slot of the PD's capability space (E_OCCUPIED if taken)
 * NPD_UNMAP:     in mr[0] slot
 * NPD_CAP_INFO:  in slot   out type, rights, label (badge), kernel object id, and the
 *                   kernel's struct ferry_obj_info of the object (objinfo.h: an IRQ's
 *                   pending count, a gate's queued senders, a thread's configuration and
 *                   block, ...); struct ferry_npd_cap_info_in/_out below
 * NPD_CAP_NEXT:  in mr[0] slot   out mr[0] first occupied slot >= it (E_NOENT at the end)
 * NPD_CAPMAP_REPORT:             out cap[0] the PD's capmap report dataspace
 */
#ifndef FERRY_IFACE_PD_H
#define FERRY_IFACE_PD_H

#include <ferry/objinfo.h>
#include <ferry/rpc.h>

#define FERRY_PD_RPCS(RPC)                                                                         \
    RPC(FERRY_PD_ALLOC_RAM, 1, 1, 0)                                                               \
    RPC(FERRY_PD_FREE_RAM, 2, 0, 1)                                                                \
    RPC(FERRY_PD_ALLOC_RPC_CAP, 3, 0, 1)                                                           \
    RPC(FERRY_PD_FREE_RPC_CAP, 4, 0, 1)                                                            \
    RPC(FERRY_PD_ALLOC_SIGNAL, 5, 0, 0)                                                            \
    RPC(FERRY_PD_FREE_SIGNAL, 6, 0, 1)                                                             \
    RPC(FERRY_PD_QUOTA, 7, 0, 0)                                                                   \
    RPC(FERRY_PD_ADDRESS_SPACE, 8, 0, 0)                                                           \
    RPC(FERRY_PD_CAPMAP_REPORT, 9, 0, 0)                                                           \
    RPC(FERRY_PD_NATIVE, 10, 0, 0)
FERRY_RPC_ENUM(FERRY_PD_RPCS);

/* NPD_CAP_INFO: TASK_CAP_INFO (with FERRY_CAP_INFO_OBJECT) of a slot of the PD's task */
struct ferry_npd_cap_info_in {
    uint64_t slot;
};
struct ferry_npd_cap_info_out {
    uint64_t type;             /* enum ferry_obj_type, NONE for an empty slot */
    uint64_t rights;           /* FERRY_RIGHT_* */
    uint64_t label;            /* a gate's or IRQ's label: core's badge */
    uint64_t id;               /* kernel object id */
    struct ferry_obj_info obj; /* the object's state, read without changing it */
};
FERRY_RPC_LAYOUT(ferry_npd_cap_info_in);
FERRY_RPC_LAYOUT(ferry_npd_cap_info_out);

#define FERRY_NPD_RPCS(RPC)                                                                        \
    RPC(FERRY_NPD_MAP, 1, 2, 1)                                                                    \
    RPC(FERRY_NPD_UNMAP, 2, 1, 0)                                                                  \
    RPC(FERRY_NPD_CAP_INFO, 3, FERRY_RPC_WORDS(ferry_npd_cap_info_in), 0)                          \
    RPC(FERRY_NPD_CAP_NEXT, 4, 1, 0)                                                               \
    RPC(FERRY_NPD_CAPMAP_REPORT, 5, 0, 0)
FERRY_RPC_ENUM(FERRY_NPD_RPCS);

#endif
