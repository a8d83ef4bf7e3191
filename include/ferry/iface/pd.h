/*
 * PD session: a protection domain (kernel task) and the accounts of what it
 * uses. RAM dataspaces are charged to the session's RAM quota, every object
 * core creates for it (dataspace, RPC gate, signal) to its capability quota.
 *
 * Message layouts below (include/ferry/rpc.h); in short:
 *
 * PD_ALLOC_RAM:      in bytes                  out cap[0] dataspace, size (page-rounded)
 * PD_FREE_RAM:       in cap DS
 * PD_ALLOC_RPC_CAP:  in cap THREAD (CPU)       out cap[0] gate to that thread, badge
 * PD_FREE_RPC_CAP:   in cap GATE
 * PD_ALLOC_SIGNAL:                             out cap[0] signal (software IRQ), badge
 * PD_FREE_SIGNAL:    in cap SIGNAL
 * PD_QUOTA:                                    out ram_quota, ram_used, cap_quota, cap_used
 * PD_ADDRESS_SPACE:                            out cap[0] region map of the PD's address space
 * PD_REPORT:                                   out cap[0] one-page dataspace: the runtime
 *                                                  writes struct ferry_report there (its
 *                                                  badge tables, include/ferry/component.h)
 * PD_NATIVE:                                   out cap[0] native PD (only once: the first
 *                                                  caller, the session's owner, gets it;
 *                                                  afterwards E_DENIED)
 *
 * Native PD (interface NPD), for the owner only:
 * NPD_MAP:       in cap CAP, slot, rights mask: map it into that slot of the
 *                   PD's capability space (E_OCCUPIED if taken)
 * NPD_UNMAP:     in slot
 * NPD_CAP_INFO:  in slot   out type, rights, label (badge), kernel object id, and the
 *                   kernel's struct ferry_obj_info of the object (objinfo.h: an IRQ's
 *                   pending count, a gate's queued senders, a thread's configuration and
 *                   block, ...)
 * NPD_CAP_NEXT:  in slot   out slot: the first occupied slot >= it (E_NOENT at the end)
 * NPD_CAP_BATCH: in slot   out count, next, version, entry[count]: the kernel's
 *                   TASK_CAP_BATCH of the PD's task from that slot on, at most
 *                   FERRY_NPD_CAP_BATCH_MAX entries (struct ferry_cap_entry,
 *                   capbatch.h) in the reply's words; next is the first occupied
 *                   slot after them (0: none left), version FERRY_CAP_ENTRY_VERSION
 * NPD_REPORT:              out cap[0] the PD's report dataspace
 */
#ifndef FERRY_IFACE_PD_H
#define FERRY_IFACE_PD_H

#include <ferry/capbatch.h>
#include <ferry/objinfo.h>
#include <ferry/rpc.h>

struct ferry_pd_alloc_ram_in {
    uint64_t bytes;
};
struct ferry_pd_alloc_ram_out {
    uint64_t size; /* page-rounded */
};
FERRY_RPC_LAYOUT(ferry_pd_alloc_ram_in);
FERRY_RPC_LAYOUT(ferry_pd_alloc_ram_out);

enum { FERRY_PD_FREE_RAM_CAP_DS = 0 };

enum { FERRY_PD_ALLOC_RPC_CAP_CAP_THREAD = 0 };
struct ferry_pd_alloc_rpc_cap_out {
    uint64_t badge; /* the gate's label */
};
FERRY_RPC_LAYOUT(ferry_pd_alloc_rpc_cap_out);

enum { FERRY_PD_FREE_RPC_CAP_CAP_GATE = 0 };

struct ferry_pd_alloc_signal_out {
    uint64_t badge; /* the signal's label */
};
FERRY_RPC_LAYOUT(ferry_pd_alloc_signal_out);

enum { FERRY_PD_FREE_SIGNAL_CAP_SIGNAL = 0 };

struct ferry_pd_quota_out {
    uint64_t ram_quota, ram_used; /* bytes */
    uint64_t cap_quota, cap_used; /* capabilities */
};
FERRY_RPC_LAYOUT(ferry_pd_quota_out);

#define FERRY_PD_RPCS(RPC)                                                                         \
    RPC(FERRY_PD_ALLOC_RAM, 1, FERRY_RPC_WORDS(ferry_pd_alloc_ram_in), 0)                          \
    RPC(FERRY_PD_FREE_RAM, 2, 0, 1)                                                                \
    RPC(FERRY_PD_ALLOC_RPC_CAP, 3, 0, 1)                                                           \
    RPC(FERRY_PD_FREE_RPC_CAP, 4, 0, 1)                                                            \
    RPC(FERRY_PD_ALLOC_SIGNAL, 5, 0, 0)                                                            \
    RPC(FERRY_PD_FREE_SIGNAL, 6, 0, 1)                                                             \
    RPC(FERRY_PD_QUOTA, 7, 0, 0)                                                                   \
    RPC(FERRY_PD_ADDRESS_SPACE, 8, 0, 0)                                                           \
    RPC(FERRY_PD_REPORT, 9, 0, 0)                                                                  \
    RPC(FERRY_PD_NATIVE, 10, 0, 0)
FERRY_RPC_ENUM(FERRY_PD_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_pd_sigs, FERRY_PD_RPCS);

struct ferry_npd_map_in {
    uint64_t slot;   /* in the PD's capability space */
    uint64_t rights; /* mask: the PD gets the capability's rights & this */
};
FERRY_RPC_LAYOUT(ferry_npd_map_in);
enum { FERRY_NPD_MAP_CAP_CAP = 0 };

struct ferry_npd_unmap_in {
    uint64_t slot;
};
FERRY_RPC_LAYOUT(ferry_npd_unmap_in);

struct ferry_npd_cap_next_in {
    uint64_t slot;
};
struct ferry_npd_cap_next_out {
    uint64_t slot; /* first occupied slot >= the one asked */
};
FERRY_RPC_LAYOUT(ferry_npd_cap_next_in);
FERRY_RPC_LAYOUT(ferry_npd_cap_next_out);

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

/* NPD_CAP_BATCH: the entries travel in the reply's words, as many as fit
 * beside the three header words. Core replies with the header and `count`
 * entries only. */
struct ferry_npd_cap_batch_in {
    uint64_t slot; /* the first slot to look at, 1..16383 */
};
struct ferry_npd_cap_batch_head {
    uint64_t count;   /* entries that follow */
    uint64_t next;    /* the first occupied slot after them, 0: none */
    uint64_t version; /* FERRY_CAP_ENTRY_VERSION */
};
#define FERRY_NPD_CAP_BATCH_MAX                                                                    \
    ((FERRY_MSG_WORDS * 8 - sizeof(struct ferry_npd_cap_batch_head)) /                             \
     sizeof(struct ferry_cap_entry))
struct ferry_npd_cap_batch_out {
    struct ferry_npd_cap_batch_head head;
    struct ferry_cap_entry entry[FERRY_NPD_CAP_BATCH_MAX];
};
FERRY_RPC_LAYOUT(ferry_npd_cap_batch_in);
FERRY_RPC_LAYOUT(ferry_npd_cap_batch_head);
FERRY_RPC_LAYOUT(ferry_npd_cap_batch_out);
_Static_assert(FERRY_NPD_CAP_BATCH_MAX == 20, "20 entries beside the header in 64 words");
_Static_assert(FERRY_NPD_CAP_BATCH_MAX <= FERRY_CAP_BATCH_MAX, "one kernel call fills a reply");

#define FERRY_NPD_RPCS(RPC)                                                                        \
    RPC(FERRY_NPD_MAP, 1, FERRY_RPC_WORDS(ferry_npd_map_in), 1)                                    \
    RPC(FERRY_NPD_UNMAP, 2, FERRY_RPC_WORDS(ferry_npd_unmap_in), 0)                                \
    RPC(FERRY_NPD_CAP_INFO, 3, FERRY_RPC_WORDS(ferry_npd_cap_info_in), 0)                          \
    RPC(FERRY_NPD_CAP_NEXT, 4, FERRY_RPC_WORDS(ferry_npd_cap_next_in), 0)                          \
    RPC(FERRY_NPD_REPORT, 5, 0, 0)                                                                 \
    RPC(FERRY_NPD_CAP_BATCH, 6, FERRY_RPC_WORDS(ferry_npd_cap_batch_in), 0)
FERRY_RPC_ENUM(FERRY_NPD_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_npd_sigs, FERRY_NPD_RPCS);

#endif
