/*
 * How a component starts: its initial capability slots, its address-space
 * layout, and the startup block its parent leaves on its stack.
 * Shared by core (which creates PDs), init (which loads children, and later
 * the checkpointer, which restores them) and lib/base (the runtime).
 *
 * Initial capability space (slot 0 is never used):
 *    1  parent        gate to the parent's entrypoint (PARENT interface)
 *    2  pd            own PD session
 *    3  cpu           own CPU session
 *    4  log           LOG session labelled with the component's name
 *    5  rm            own address space (region map, PD_ADDRESS_SPACE)
 *    6  main thread   the CPU thread object of the first thread
 *    7  task          the kernel task itself (R|W): the runtime unmaps slots
 *                     it no longer needs; put there by core with the PD
 *   16..              free: the runtime's slot allocator starts here
 *
 * Address space:
 *   0x00010000 ..            the ELF image (linked at 0x10000)
 *   0x40000000 .. 0x7e000000 attachments at FERRY_RM_ANY (heap, stacks, ...)
 *   0x7f000000 .. 0x7f800000 UTCBs, one page per thread, placed by core
 *   0x7f800000 ..            never mapped (guard up to the 2 GiB user limit)
 */
#ifndef FERRY_COMPONENT_H
#define FERRY_COMPONENT_H

#include <stdint.h>

#define FERRY_COMP_SEL_PARENT 1
#define FERRY_COMP_SEL_PD     2
#define FERRY_COMP_SEL_CPU    3
#define FERRY_COMP_SEL_LOG    4
#define FERRY_COMP_SEL_RM     5
#define FERRY_COMP_SEL_THREAD 6
#define FERRY_COMP_SEL_TASK   7
#define FERRY_COMP_SEL_FREE   16
#define FERRY_COMP_SEL_LIMIT  16384 /* kernel capability space size */

/* The most children init starts (its configuration's limit); core sizes
 * init's CPU session for a fault-signal thread per child. */
#define FERRY_INIT_MAX_CHILDREN 16

#define FERRY_COMP_ATTACH_BASE 0x40000000ul
#define FERRY_COMP_ATTACH_END  0x7e000000ul
#define FERRY_COMP_UTCB_BASE   0x7f000000ul
#define FERRY_COMP_UTCB_END    0x7f800000ul

/*
 * The startup block: the parent writes it at the top of the main thread's
 * stack and starts the thread with sp pointing at it (a0 = UTCB, as for every
 * thread). It tells the runtime what it could not find out by itself: the
 * badges of its initial capabilities (a component holds no capability that
 * would let it ask core) and its name.
 */
#define FERRY_STARTUP_MAGIC 0x5055545241545346ull /* "FSTARTUP" */
#define FERRY_STARTUP_ARGS  8

struct ferry_startup {
    uint64_t magic;
    uint64_t badge[FERRY_COMP_SEL_FREE]; /* badge of initial slot i, 0 if none */
    char name[32];                       /* the component's name in its parent */
    struct {
        char key[32];
        char value[64];
    } args[FERRY_STARTUP_ARGS]; /* configuration arguments, empty key = unused */
};

/*
 * The PD report: one page the runtime fills at start (PD_REPORT) listing every
 * badge table of the component: where each lives in the component's memory,
 * its kind, layout version and size. The PD's owner (init, or a checkpointer)
 * reads it through NPD_REPORT, maps the component's memory that holds a
 * table, and validates and rewrites it (lib/base/tables.h). Every table is one
 * position-independent region (indices and offsets only). Layouts:
 * docs/framework.md, "Badge tables". All fields little-endian.
 *
 *   0x00 magic (FERRY_REPORT_MAGIC, written last: the report is complete)
 *   0x08 version (FERRY_REPORT_VERSION)   0x0c count (tables used, <= 8)
 *   0x10 table[8], 24 bytes each:
 *        +0x00 kind (enum ferry_table_kind)  +0x04 version (the table's layout)
 *        +0x08 vaddr (its first byte in the component)  +0x10 size (bytes)
 *   unused table entries are all zero
 */
#define FERRY_REPORT_MAGIC      0x3154524f50455246ull /* "FREPORT1" */
#define FERRY_REPORT_VERSION    1u
#define FERRY_REPORT_MAX_TABLES 8u

enum ferry_table_kind {
    FERRY_TABLE_NONE = 0,
    FERRY_TABLE_CAPMAP = 1,   /* capability map: badge -> slot + references (capmap.h) */
    FERRY_TABLE_RPC_POOL = 2, /* the entrypoint's RPC object pool index: badge -> handle,
                                 in the capability map's layout (rpc_pool.h) */
};

struct ferry_report_table {
    uint32_t kind;    /* 0x00: enum ferry_table_kind */
    uint32_t version; /* 0x04: the table's layout version */
    uint64_t vaddr;   /* 0x08: where the table starts in the component */
    uint64_t size;    /* 0x10: bytes of the table */
};

struct ferry_report {
    uint64_t magic;                                           /* 0x00 */
    uint32_t version;                                         /* 0x08 */
    uint32_t count;                                           /* 0x0c */
    struct ferry_report_table table[FERRY_REPORT_MAX_TABLES]; /* 0x10 */
};

_Static_assert(sizeof(struct ferry_report_table) == 24, "report table layout");
_Static_assert(__builtin_offsetof(struct ferry_report_table, version) == 4, "report layout");
_Static_assert(__builtin_offsetof(struct ferry_report_table, vaddr) == 8, "report layout");
_Static_assert(__builtin_offsetof(struct ferry_report_table, size) == 16, "report layout");
_Static_assert(__builtin_offsetof(struct ferry_report, version) == 8, "report layout");
_Static_assert(__builtin_offsetof(struct ferry_report, count) == 12, "report layout");
_Static_assert(__builtin_offsetof(struct ferry_report, table) == 16, "report layout");
_Static_assert(sizeof(struct ferry_report) == 16 + 24 * 8, "report layout");

#endif
