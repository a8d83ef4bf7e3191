/*
 * Movable worker threads, shared by the restart and threadstate tests
 * (threadstate compiles worker.c through a one-line wrapper).
 *
 * A worker runs code of the root task's image but never uses TLS, printf or
 * sys_utcb(): everything it needs is in its start block at the top of its
 * own stack (UTCB address, capability slots, arguments). So its registers
 * run unchanged in another task that has the same memory contents at the
 * same addresses and the same capabilities at the same slots - which is
 * exactly what a checkpointer builds when it restores a thread.
 * worker_move() builds such a task the way the checkpointer will: read-only
 * image pages shared, writable pages (image data, stack) copied.
 */
#ifndef TEST_WORKER_H
#define TEST_WORKER_H

#include <runtime.h>

#define WORKER_ARGS 6
#define WORKER_MAX_CAPS 6
#define WORKER_MAX_REGIONS 8
#define WORKER_STACK_PAGES 4

/* Label of the gate through which workers report to the root thread. */
#define REPORT_LABEL 0x5e9042

/* The RISC-V `ecall` instruction. */
#define INSN_ECALL 0x00000073u

struct worker_start;
typedef void (*worker_fn)(struct worker_start *);

/* At the top of the worker's stack, so it moves with the stack. */
struct worker_start {
    worker_fn fn;
    struct ferry_utcb *utcb;
    uint64_t report_gate; /* slot of a gate received by the root thread */
    uint64_t arg[WORKER_ARGS];
};

/* Writable memory of a worker's task: `pages` at `va` there, visible to
 * the root task at `mem` (the same address for the root task itself). */
struct region {
    uint64_t va, pages;
    uint8_t *mem;
};

struct worker {
    uint64_t task; /* slot of the task the thread lives in */
    uint64_t thread;
    uint64_t utcb_va;
    unsigned prio;
    struct region region[WORKER_MAX_REGIONS];
    unsigned regions;
    uint64_t caps[WORKER_MAX_CAPS]; /* slots it uses (besides the report gate) */
    unsigned ncaps;
    uint64_t start_va;          /* start block in the worker's task */
    struct worker_start *start; /* the same, as the root task sees it */
};

/* Creates the report gate and learns the image layout. Call first. */
void worker_lib_init(void);
/* Slot of the report gate in every worker's task. */
uint64_t worker_report_gate(void);

/* A new, not yet started worker thread of the root task running fn. */
void worker_create(struct worker *w, worker_fn fn, unsigned prio);
/* Records a capability slot the worker uses: worker_move maps it too. */
void worker_use_cap(struct worker *w, uint64_t slot);
/* THREAD_START at fn(start block). */
void worker_run(struct worker *w);

/*
 * A new task with the same memory contents and capabilities as from's task
 * and in it a new thread (same UTCB address) given `state` by THREAD_WRITE,
 * then resumed. `from` is left alone (stays suspended).
 */
void worker_move(const struct worker *from, const struct ferry_thread_state *state,
                 struct worker *to);

/* THREAD_READ into *out (copied out of the UTCB buf, which printf reuses). */
void state_read(uint64_t thread, struct ferry_thread_state *out);
/* THREAD_WRITE of *in; returns the error code. */
long state_write(uint64_t thread, const struct ferry_thread_state *in);

/* Root side: waits up to timeout_us for a report, checks it is one, copies
 * its words to words[] (at most max) and returns the word count. */
unsigned report_wait(uint64_t timeout_us, uint64_t *words, unsigned max);
/* Root side: checks that no report (or other message) is pending. */
void report_none(void);

/* ---- worker side: no TLS, raw system calls only ---- */

static inline struct sys_result worker_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    return sys_call6(nr, a0, a1, a2, 0, 0, 0);
}

/* Sends n words to the root thread through the report gate. */
static inline void worker_report(struct worker_start *s, const uint64_t *words, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        s->utcb->mr[i] = words[i];
    worker_call(FERRY_SYS_IPC_SEND, s->report_gate, FERRY_TAG(n, 0, 0), FERRY_TIMEOUT_NEVER);
}

/* Blocks for good: nothing ever sends to a parked worker. */
static inline __attribute__((noreturn)) void worker_park(void)
{
    for (;;)
        worker_call(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER);
}

#endif
