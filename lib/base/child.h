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

#define CHILD_CPU_RAM  (64ul * 1024) /* CPU session quota: threads' UTCBs */
#define CHILD_CPU_CAPS 16
#define CHILD_LOG_RAM  (8ul * 1024)
#define CHILD_LOG_CAPS 2
#define CHILD_STACK    (64ul * 1024)
#define CHILD_ROM_RAM  (4ul << 20) /* quota lent to the ROM session while loading */
#define CHILD_PRIO     100

struct child_config {
    const char *name;      /* label of its sessions */
    const char *binary;    /* boot module with its ELF */
    uint64_t ram, caps;    /* quota of its PD session */
    uint32_t fault_signal; /* if not 0: CPU_EXCEPTION_SIGH of its CPU session, before it runs */
    unsigned arg_count;
    const char *arg_key[FERRY_STARTUP_ARGS], *arg_value[FERRY_STARTUP_ARGS];
};

#define CHILD_MAX_REGIONS 8

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
    struct rpc_object parent_obj;           /* caller sets iface and self before child_start */
    bool started;
};

/* The steps of child_start (and of a parent's own preparation of a child), in
 * order: on failure, the one that failed. */
enum child_step {
    CHILD_STEP_NONE = 0,
    CHILD_STEP_SLOT,          /* the parent has no room for another child */
    CHILD_STEP_FAULT_SIGNAL,  /* the parent's fault handler for the child */
    CHILD_STEP_PD,            /* PD session */
    CHILD_STEP_NATIVE_PD,     /* its native PD capability */
    CHILD_STEP_CPU,           /* CPU session */
    CHILD_STEP_LOG,           /* LOG session */
    CHILD_STEP_ADDRESS_SPACE, /* its address space */
    CHILD_STEP_THREAD,        /* the main thread */
    CHILD_STEP_PARENT_CAP,    /* the child's parent capability */
    CHILD_STEP_ROM,           /* the ROM session of its binary: not a boot module */
    CHILD_STEP_ELF,           /* the binary is no valid ELF (child_failure.elf says why) */
    CHILD_STEP_SEGMENT,       /* an ELF segment's memory */
    CHILD_STEP_STACK,         /* the stack with the startup block */
    CHILD_STEP_CAPS,          /* the initial capabilities */
    CHILD_STEP_EXCEPTION,     /* the exception handler */
    CHILD_STEP_START,         /* the main thread's start */
    CHILD_STEP_COUNT
};

/* "PD session", "stack", ...: for messages. */
const char *child_step_name(enum child_step step);

/* Where child_start failed. */
struct child_failure {
    enum child_step step;
    int elf; /* CHILD_STEP_ELF: the ELF_E_* code */
};

/* "ELF_E_MAGIC" for an ELF failure, else child_step_name(step). */
const char *child_failure_name(const struct child_failure *f);

/*
 * Returns FERRY_OK or the error; on error *failure names the step that failed
 * and nothing is left open.
 */
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
 * finds it through the PD's capmap report (NPD_CAPMAP_REPORT), maps the
 * child's memory that holds it, validates the layout and checks every entry
 * against the kernel's view of the slot (NPD_CAP_INFO). E_NOENT if the child
 * has not reported a map (yet).
 */
long child_capmap_inspect(struct env *env, struct child *child, struct child_capmap_info *info);

/* Closes the child's sessions (threads stop, memory returns to the payer). */
void child_destroy(struct env *env, struct child *child);

#endif
