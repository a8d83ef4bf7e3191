/*
 * Test fixture shared by the faults and memory tests (memory compiles
 * fixture.c through a one-line wrapper).
 *
 * - The fault server: a root-task thread at FAULT_SERVER_PRIO that receives
 *   every message of the gates made by fault_gate(). It logs each message and
 *   hands it to the `fault_action` the test set, which resolves the fault
 *   (maps a page, rewrites the thread, ...) and says whether to reply.
 * - Jobs: threads that run one operation (a store, a load, a jump, an illegal
 *   instruction...) in the root task or in a sandbox task holding the root
 *   image at the same addresses. They use no TLS, so the same code runs in
 *   both tasks. A job's context page and stack are RAM mapped at the same
 *   address in the root task, where the test reads what the job recorded.
 *   Jobs run at JOB_PRIO, above the root thread, so a job runs as soon as it
 *   is started and the root thread continues once it finished or stopped.
 */
#ifndef TEST_FAULT_FIXTURE_H
#define TEST_FAULT_FIXTURE_H

#include <runtime.h>

#define FAULT_SERVER_PRIO 200
#define JOB_PRIO          150
#define FAULT_LOG_SIZE    64

/* A message as the fault server received it. */
struct fault_msg {
    long err;
    uint64_t tag, label;
    uint64_t addr, access, pc, cause, thread_id; /* mr[0..4] */
};

/* What the action wants the server to do after it ran. */
enum fault_reply { FAULT_REPLY, FAULT_NO_REPLY };
typedef enum fault_reply (*fault_action_fn)(const struct fault_msg *m);

struct fault_log {
    struct fault_msg msg[FAULT_LOG_SIZE];
    volatile unsigned count;
    volatile long last_reply_err; /* result of the server's last IPC_REPLY */
};
extern struct fault_log fault_log;
extern fault_action_fn volatile fault_action;

/* Starts the fault server (once). */
void fault_server_start(void);
/* A new gate to the fault server with this label, in the root task. */
uint64_t fault_gate(uint64_t label);
/* The last message the server received (CHECKs that there is one). */
const struct fault_msg *fault_last(void);

/* Operations a job runs. */
enum job_op {
    OP_NOP,
    OP_STORE,       /* *(uint64_t *)arg0 = arg1 */
    OP_LOAD,        /* result = *(uint64_t *)arg0 */
    OP_CALL,        /* result = ((uint64_t (*)(void))arg0)() */
    OP_ILLEGAL,     /* .word 0; result = a0 afterwards */
    OP_EBREAK,      /* ebreak; result = a0 afterwards */
    OP_WRITE_PAGES, /* arg0 base, arg1 bit mask of pages (< 64) to write; reads the others */
};

enum job_stage { JOB_CREATED, JOB_RUNNING, JOB_DONE, JOB_RECOVERED };

struct job {
    uint64_t op, arg0, arg1;
    volatile uint64_t result;
    volatile uint64_t stage;
    uint64_t thread;    /* its selector in the root task */
    uint64_t thread_id; /* its kernel object id */
    uint64_t task;      /* selector of the task it runs in */
    uint64_t utcb_va;   /* where its UTCB is, in that task */
    /* what job_redirect found in the thread's state */
    volatile uint64_t seen_pc, seen_ra, seen_run_state, seen_suspended;
    volatile uint64_t seen_blocked_call, seen_blocked_fault, seen_blocked_on;
};

/* Addresses of the instructions that fault in each operation. */
extern const char op_store_insn[], op_load_insn[], op_call_insn[], op_call_return[],
    op_illegal_insn[], op_ebreak_insn[];
/* A valid entry point (a0 = job) that marks the job JOB_RECOVERED. */
void job_recover_entry(void);

/* A new task with the root image mapped at its addresses (R|W|X). */
uint64_t sandbox_create(void);

/* Creates and starts a job in `task` with the given pager and exception
 * gates (0 = none). Returns when the job finished or stopped. */
struct job *job_run(uint64_t task, uint64_t pager, uint64_t exc, enum job_op op, uint64_t arg0,
                    uint64_t arg1);

/* The job whose thread has this kernel object id (NULL if none). */
struct job *job_by_id(uint64_t id);

/* Suspends a job's thread (which cancels a fault it waits in), moves its pc by
 * pc_delta (or sets it to new_pc if nonzero), sets a0 and resumes it. Runs in
 * whatever thread calls it (its UTCB buf carries the state). */
void job_redirect(struct job *job, int64_t pc_delta, uint64_t new_pc, uint64_t a0);

/* Kernel object id of a capability of the root task. */
uint64_t object_id(uint64_t sel);

#endif
