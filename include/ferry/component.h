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
 * The capability-map report: the runtime writes it into the PD's capmap
 * report dataspace (PD_CAPMAP_REPORT) at start. The PD's owner (init, or a
 * checkpointer) reads it through NPD_CAPMAP_REPORT to find the capability map
 * in the component's memory; the map's own layout is in lib/base/capmap.h and
 * docs/framework.md.
 */
#define FERRY_CAPMAP_REPORT_MAGIC 0x54524f5045524d43ull /* "CMREPORT" */

struct ferry_capmap_report {
    uint64_t magic;
    uint64_t version; /* of the capability map layout (CAPMAP_VERSION) */
    uint64_t vaddr;   /* where the map's header lives in the component */
    uint64_t size;    /* bytes of the map, header included */
};

#endif
