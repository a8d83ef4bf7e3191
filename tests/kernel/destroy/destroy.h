/*
 * Object destruction (TASK_UNMAP with FERRY_UNMAP_DESTROY): shared
 * declarations of the test's files.
 *
 * - fixture.c: helper threads of the root task ("blockers") that make one
 *   blocking call and record its result, and sandbox tasks running the root
 *   image's raw code (no TLS) on RAM shared with the root task;
 * - states.c: a thread destroyed in each state, and what its partners see;
 * - objects.c: gates, IRQs, tasks, dead capabilities, errors, self-destruction,
 *   the reference counting rules;
 * - churn.c: create/destroy loops far longer than the kernel pool could feed
 *   without freeing, and the pool's capacity before and after.
 */
#ifndef TEST_DESTROY_H
#define TEST_DESTROY_H

#include <runtime.h>
#include <stdbool.h>

#define OWN          FERRY_ROOT_SEL_TASK
#define ROOT_PRIO    100 /* the kernel starts the root thread at this priority */
#define BLOCKER_PRIO 150 /* above the root: a started blocker runs until it blocks */
#define SPIN_PRIO    50  /* below the root: spins only while the root waits */

/* ---- fixture.c: blockers ---- */

enum block_op {
    B_WAIT,     /* IPC_WAIT forever */
    B_CALL,     /* IPC_CALL arg (gate) forever */
    B_SEND,     /* IPC_SEND arg (gate) forever */
    B_HOLD,     /* IPC_WAIT, then sleep forever without replying (its caller stays in REPLY_WAIT) */
    B_IRQ_WAIT, /* IRQ_WAIT arg (irq) forever */
    B_SLEEP,    /* THREAD_SLEEP arg µs */
    B_SPIN,     /* count in `progress` until `stop` */
    B_FAULT,    /* load from arg (unmapped): a page fault */
    B_DESTROY,  /* TASK_UNMAP(own task, arg, DESTROY): arg is its own thread's slot */
};

struct blocker {
    enum block_op op;
    uint64_t arg;
    uint64_t thread; /* its selector in the root task */
    uint64_t id;     /* its kernel object id */
    volatile uint64_t progress;
    volatile bool returned; /* the blocking call came back */
    volatile long result;   /* ... with this error code */
    volatile uint64_t tag, label;
    volatile bool stop;
    uint64_t window; /* B_WAIT: receive window of one slot there (0: none) */
};

/* A new blocker thread of the root task, started with this pager and
 * exception handler (0: none) at prio (BLOCKER_PRIO: it runs at once, until
 * it blocks; below ROOT_PRIO: when the root waits; 1: not before the root
 * sleeps, so that the test can set it up and blocker_go it). */
struct blocker *blocker_start(enum block_op op, uint64_t arg, uint64_t pager, unsigned prio);
void blocker_go(struct blocker *b, uint64_t pager, unsigned prio);

/* Sleeps in the root thread long enough for lower priority threads to reach
 * their blocking point or to make progress. */
void let_run(void);

/* ---- fixture.c: capabilities ---- */

/* Destroys the object in the root task's slot sel (CHECKs success). */
void destroy(uint64_t sel);
/* CHECKs that the root's slot sel is empty / holds a dead `type` with object id `id`. */
void check_empty(uint64_t sel);
void check_dead(uint64_t sel, uint64_t type, uint64_t id);
/* CHECKs that the slot holds a live object of `type` (returns its id). */
uint64_t check_live(uint64_t sel, uint64_t type);
/* A new gate to `receiver` (a thread slot of the root) with this label, in a new root slot. */
uint64_t make_gate(uint64_t receiver, uint64_t label);
uint64_t make_irq(uint64_t source, uint64_t label);
/* The run state (FERRY_RUN_*) THREAD_READ reports; the thread must be readable. */
uint64_t run_state(uint64_t thread);

/* ---- fixture.c: sandbox tasks ---- */

enum sandbox_op {
    S_WAIT_AND_HOLD, /* IPC_WAIT, record, then sleep forever without replying */
    S_SLEEP,         /* sleep forever */
    S_DESTROY_TASK,  /* TASK_UNMAP(arg, arg, DESTROY): arg is the task's own task slot */
};

/* The RAM a sandbox thread runs on: context at the bottom, stack above; mapped
 * at the same address in the root task and the sandbox. */
struct sandbox_ctx {
    uint64_t op, arg;
    volatile uint64_t progress; /* 1: started; 2: its call returned (3 never: destroyed) */
    volatile long result;
    volatile uint64_t label;
};

struct sandbox {
    uint64_t task; /* root slot of the task (all rights) */
    uint64_t next_utcb;
};

/* A new task with the root image mapped at its addresses (R|X) and its own
 * task capability in its slot 1 (all rights). */
void sandbox_create(struct sandbox *sb);
/* A thread of the sandbox running `op`; returns its root slot. prio as for blockers. */
uint64_t sandbox_thread(struct sandbox *sb, enum sandbox_op op, uint64_t arg, unsigned prio,
                        struct sandbox_ctx **ctx_out);

/* ---- the tests ---- */

void test_ok(const char *what);

void test_errors(void);
void test_states(void);
void test_faults(void);
void test_self(void);
void test_gates(void);
void test_irqs(void);
void test_tasks(void);
void test_dead_caps(void);
void test_refcount(void);
void test_churn(const struct ferry_bootinfo *bi);
void test_capacity(void);

#endif
