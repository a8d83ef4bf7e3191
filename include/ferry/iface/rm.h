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
 * RM_DIRTY:         in at (page aligned), pages (1..FERRY_RM_DIRTY_MAX_PAGES), flags
 *                      (FERRY_RM_DIRTY_CLEAR: re-arm the pages reported)
 *                   out count (dirty pages), bits: bit i % 64 of bits[i / 64] is set
 *                      when the page at + i * 4096 was written through this address
 *                      space since it was attached or last cleared; bits past `pages`
 *                      are 0. Only for an address space (E_INVAL for a managed map:
 *                      ask the address space it is attached to); E_ALIGN, E_RANGE
 *                      (pages 0 or too many, range outside the map), E_INVAL (flags)
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

/* RM_DIRTY: the kernel's dirty tracking (MEM_DIRTY, docs/kernel.md) of an address space */
#define FERRY_RM_DIRTY_CLEAR        0x1u
#define FERRY_RM_DIRTY_BITMAP_WORDS 60 /* the reply: count + 60 words of bits */
#define FERRY_RM_DIRTY_MAX_PAGES    (FERRY_RM_DIRTY_BITMAP_WORDS * 64) /* 3840 pages, 15 MiB */
struct ferry_rm_dirty_in {
    uint64_t at;    /* first page */
    uint64_t pages; /* 1 .. FERRY_RM_DIRTY_MAX_PAGES */
    uint64_t flags; /* FERRY_RM_DIRTY_CLEAR or 0 (read only) */
};
struct ferry_rm_dirty_out {
    uint64_t count;                             /* bits set */
    uint64_t bits[FERRY_RM_DIRTY_BITMAP_WORDS]; /* page i: bit i % 64 of bits[i / 64] */
};
FERRY_RPC_LAYOUT(ferry_rm_dirty_in);
FERRY_RPC_LAYOUT(ferry_rm_dirty_out);

#define FERRY_RM_RPCS(RPC)                                                                         \
    RPC(FERRY_RM_ATTACH, 1, FERRY_RPC_WORDS(ferry_rm_attach_in), 1)                                \
    RPC(FERRY_RM_DETACH, 2, FERRY_RPC_WORDS(ferry_rm_detach_in), 0)                                \
    RPC(FERRY_RM_FAULT_HANDLER, 3, 0, 1)                                                           \
    RPC(FERRY_RM_STATE, 4, 0, 0)                                                                   \
    RPC(FERRY_RM_DATASPACE, 5, 0, 0)                                                               \
    RPC(FERRY_RM_DIRTY, 6, FERRY_RPC_WORDS(ferry_rm_dirty_in), 0)
FERRY_RPC_ENUM(FERRY_RM_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_rm_sigs, FERRY_RM_RPCS);

#endif
