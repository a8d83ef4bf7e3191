/*
 * Starting a child component: the framework's child-startup path, used by
 * init (and meant for the checkpointer, which re-creates children the same
 * way before it overwrites their state).
 *
 * child_start opens the child's PD (paid by the caller), CPU and LOG sessions
 * (paid by the child's PD), loads its ELF from a ROM session into RAM
 * dataspaces of the child's PD, attaches them and a stack to the child's
 * address space, puts the initial capabilities into the slots
 * include/ferry/component.h names, writes the startup block and starts the
 * first thread. The caller keeps the PD's native capability (child->npd).
 */
#ifndef FERRY_BASE_CHILD_H
#define FERRY_BASE_CHILD_H

#include "env.h"
#include <child/child_image.h>

#define CHILD_CPU_RAM  (64ul * 1024) /* CPU session quota: threads' UTCBs */
#define CHILD_CPU_CAPS 16
#define CHILD_LOG_RAM  (8ul * 1024)
#define CHILD_LOG_CAPS 2
#define CHILD_ROM_RAM  (4ul << 20) /* quota lent to the ROM session while loading */
#define CHILD_PRIO     100

struct child_config {
    const char *name;      /* label of its sessions */
    const char *binary;    /* boot module with its ELF */
    uint64_t ram, caps;    /* quota of its PD session */
    unsigned sessions;     /* parent-server session entries it may hold; 0: PS_CHILD_SESSIONS */
    uint32_t fault_signal; /* if not 0: CPU_EXCEPTION_SIGH of its CPU session, before it runs */
    unsigned arg_count;
    const char *arg_key[FERRY_STARTUP_ARGS], *arg_value[FERRY_STARTUP_ARGS];
    /* If initial_cap[i] is not 0: the caller's capability (slot, with its badge) the child
     * gets in place of its real PD, CPU, LOG or RM session (i = CHILD_CAP_*): a parent's
     * virtual session (rtcr). The real ones are still opened and kept in struct child. */
    uint32_t initial_cap[CHILD_CAP_COUNT];
    uint64_t initial_badge[CHILD_CAP_COUNT];
};

#define CHILD_MAX_REGIONS (CHILD_IMAGE_MAX_SEGMENTS + 1) /* segments and stack */

/* A dataspace the child's ELF or stack lives in, kept so that the parent can
 * read the child's memory (its capability map: child_capmap_inspect). */
struct child_region {
    uint32_t ds;
    uint64_t vaddr, size;
};

struct child {
    char name[32];
    struct child_region regions[CHILD_MAX_REGIONS];
    unsigned region_count;
    uint32_t pd, npd, cpu, log, rm, thread; /* the caller's slots */
    uint32_t parent_gate;                   /* slot of the child's parent capability */
    struct child_image_start start;         /* where its main thread starts */
    struct rpc_object parent_obj;           /* caller sets iface and self before child_start */
    bool started;
};

/*
 * Constructs the child (sessions, ELF, stack with the startup block, initial
 * capabilities, exception handler: lib/child/child_image.h does the layout)
 * without starting it: a restore overwrites its state first. Returns FERRY_OK
 * or the error with *failure naming the step; on error nothing is left open.
 */
long child_construct(struct env *env, const struct child_config *cfg, struct child *child,
                     struct child_failure *failure);
/* Starts a constructed child's main thread at its entry point. On error the
 * child is destroyed. */
long child_run(struct env *env, struct child *child, struct child_failure *failure);
/* child_construct, then child_run. */
long child_start(struct env *env, const struct child_config *cfg, struct child *child,
                 struct child_failure *failure);
/* What the parent found in a child's capability map. */
struct child_capmap_info {
    int layout;         /* capmap_validate's verdict (CAPMAP_OK or CAPMAP_E_*) */
    unsigned entries;   /* used entries */
    unsigned confirmed; /* entries whose slot holds a gate with exactly that badge */
};

/*
 * Reads the child's capability map from outside, as a checkpointer does:
 * finds it through the PD's report (NPD_REPORT, validated with
 * tables_report_validate: E_INVAL if it breaks its rules), maps the
 * child's memory that holds it, validates the layout and checks every entry
 * against the kernel's view of the slot (NPD_CAP_INFO). E_NOENT if the child
 * has not reported a map (yet).
 */
long child_capmap_inspect(struct env *env, struct child *child, struct child_capmap_info *info);

/* Closes the child's sessions (threads stop, memory returns to the payer). */
void child_destroy(struct env *env, struct child *child);

#endif
