/*
 * The UTCB: one page per thread, shared between the thread and the kernel.
 *
 *   0x000  mr[64]        message words
 *   0x200  snd_cap[8]    capabilities to send: slot | rights << 32
 *   0x240  rcv_window    where received capabilities go: first slot | count << 32
 *   0x248  rcv_label[8]  kernel-written: label of each received gate (0 otherwise)
 *   0x288  rcv_type[8]   kernel-written: object type of each received capability
 *   0x2c8  (reserved)
 *   0x300  user[32]      the runtime's own words; the kernel never touches them
 *   0x400  buf[3072]     exchange area: thread state, dirty bitmaps, debug text
 *
 * The kernel allocates the page when it creates the thread and maps it at the
 * address given to FACTORY_CREATE. mr, snd_cap, rcv_window and user (0x000-0x3ff)
 * belong to the thread's state: THREAD_READ/WRITE carry them, so a message being
 * composed or a receive window being set up survives a move to another thread.
 */
#ifndef FERRY_UTCB_H
#define FERRY_UTCB_H

#include <stdint.h>

#define FERRY_PAGE_SIZE  4096ul
#define FERRY_MSG_WORDS  64
#define FERRY_MSG_CAPS   8
#define FERRY_UTCB_USER  32
#define FERRY_UTCB_STATE 0x400 /* bytes of UTCB that are thread state */
#define FERRY_UTCB_BUF   3072

struct ferry_utcb {
    uint64_t mr[FERRY_MSG_WORDS];
    uint64_t snd_cap[FERRY_MSG_CAPS];
    uint64_t rcv_window;
    uint64_t rcv_label[FERRY_MSG_CAPS];
    uint64_t rcv_type[FERRY_MSG_CAPS];
    uint64_t reserved[7];
    uint64_t user[FERRY_UTCB_USER];
    uint8_t buf[FERRY_UTCB_BUF];
};

_Static_assert(sizeof(struct ferry_utcb) == FERRY_PAGE_SIZE, "UTCB is one page");
_Static_assert(__builtin_offsetof(struct ferry_utcb, user) == 0x300, "UTCB layout");
_Static_assert(__builtin_offsetof(struct ferry_utcb, buf) == FERRY_UTCB_STATE, "UTCB layout");

#define FERRY_CAPDESC(slot, rights)    ((uint64_t)(slot) | ((uint64_t)(rights) << 32))
#define FERRY_RCV_WINDOW(first, count) ((uint64_t)(first) | ((uint64_t)(count) << 32))

/* Thread run state as reported in ferry_thread_run.state (read only). */
enum ferry_run_state {
    FERRY_RUN_INACTIVE = 0,   /* created, never started */
    FERRY_RUN_READY = 1,      /* runnable */
    FERRY_RUN_BLOCKED = 2,    /* in a blocking call (blocked_call) or a fault waiting for its
                                 handler (blocked_fault) */
    FERRY_RUN_REPLY_WAIT = 3, /* call sent, waiting for the reply: not restartable yet */
    FERRY_RUN_FAULTED = 4,    /* fault/exception without a handler: halted */
};

/*
 * What a thread is doing, as far as a checkpointer must know to re-create it
 * (read only: THREAD_WRITE ignores it). Part of struct ferry_thread_state and
 * of a thread's struct ferry_obj_info (objinfo.h). Once a suspension cancelled
 * a block, it describes the block that was cancelled, until the thread runs
 * again.
 *
 *   0x00  state           enum ferry_run_state
 *   0x08  suspended       1 if suspended
 *   0x10  blocked_call    BLOCKED in a system call: its number (re-issued on resume), else 0
 *   0x18  blocked_fault   BLOCKED on a fault waiting for its handler: FERRY_PROTO_PAGE_FAULT
 *                         or FERRY_PROTO_EXCEPTION (the instruction reruns on resume), else 0
 *   0x20  blocked_on      kernel object id of what it waits for: the gate of IPC_SEND/CALL's
 *                         send phase, the IRQ of IRQ_WAIT, the handler gate of a fault, the
 *                         server thread owing the reply of REPLY_WAIT; 0 for IPC_WAIT,
 *                         THREAD_SLEEP and when not blocked
 *   0x28  timeout_left_us what was left of the block's timeout (FERRY_TIMEOUT_NEVER: none)
 */
struct ferry_thread_run {
    uint64_t state;
    uint64_t suspended;
    uint64_t blocked_call;
    uint64_t blocked_fault;
    uint64_t blocked_on;
    uint64_t timeout_left_us;
};

_Static_assert(__builtin_offsetof(struct ferry_thread_run, state) == 0x00, "run layout");
_Static_assert(__builtin_offsetof(struct ferry_thread_run, suspended) == 0x08, "run layout");
_Static_assert(__builtin_offsetof(struct ferry_thread_run, blocked_call) == 0x10, "run layout");
_Static_assert(__builtin_offsetof(struct ferry_thread_run, blocked_fault) == 0x18, "run layout");
_Static_assert(__builtin_offsetof(struct ferry_thread_run, blocked_on) == 0x20, "run layout");
_Static_assert(__builtin_offsetof(struct ferry_thread_run, timeout_left_us) == 0x28, "run layout");
_Static_assert(sizeof(struct ferry_thread_run) == 0x30, "run layout");

/*
 * Complete state of a thread, exchanged through the UTCB buf by THREAD_READ /
 * THREAD_WRITE. It travels to other machines inside checkpoint images, so its
 * layout is fixed (offsets below, checked by the asserts) and it carries a
 * magic and a version: THREAD_READ fills them in, THREAD_WRITE refuses a
 * state whose magic or version is not this kernel's (E_INVAL). A layout
 * change bumps FERRY_THREAD_STATE_VERSION.
 *
 *   0x000  magic     FERRY_THREAD_STATE_MAGIC
 *   0x008  version   FERRY_THREAD_STATE_VERSION
 *   0x010  x[32]     x[0] is ignored; x[1]..x[31] = ra .. t6
 *   0x110  pc
 *   0x118  f[32]
 *   0x218  fcsr
 *   0x220  fp_used   nonzero if the thread ever touched the FPU (written back too)
 *   0x228  run       read only: struct ferry_thread_run
 *   0x258  utcb      the UTCB's thread-state part (0x000-0x3ff of the UTCB)
 *   0x658  (size)
 */
#define FERRY_THREAD_STATE_MAGIC   0x4654485253544154ull /* "FTHRSTAT" */
#define FERRY_THREAD_STATE_VERSION 1u

struct ferry_thread_state {
    uint64_t magic;
    uint64_t version;
    uint64_t x[32];
    uint64_t pc;
    uint64_t f[32];
    uint64_t fcsr;
    uint64_t fp_used;
    struct ferry_thread_run run;
    uint8_t utcb[FERRY_UTCB_STATE];
};

#define FERRY_TS_OFFSET(field, off)                                                                \
    _Static_assert(__builtin_offsetof(struct ferry_thread_state, field) == (off),                  \
                   "ferry_thread_state." #field " is not at " #off)
FERRY_TS_OFFSET(magic, 0x000);
FERRY_TS_OFFSET(version, 0x008);
FERRY_TS_OFFSET(x, 0x010);
FERRY_TS_OFFSET(pc, 0x110);
FERRY_TS_OFFSET(f, 0x118);
FERRY_TS_OFFSET(fcsr, 0x218);
FERRY_TS_OFFSET(fp_used, 0x220);
FERRY_TS_OFFSET(run, 0x228);
FERRY_TS_OFFSET(utcb, 0x258);
#undef FERRY_TS_OFFSET
_Static_assert(sizeof(struct ferry_thread_state) == 0x658, "ferry_thread_state size");
_Static_assert(sizeof(struct ferry_thread_state) <= FERRY_UTCB_BUF, "state fits UTCB buf");

/*
 * Which parts of a struct ferry_thread_state THREAD_READ / THREAD_WRITE (a1)
 * and the CPU session's THREAD_STATE_GET / _SET (`sel`) move. A part not
 * selected is left untouched: THREAD_READ does not write its bytes in the
 * buffer, THREAD_WRITE does not change it in the thread. magic and version
 * are always written by a read and always checked by a write. A selection of
 * 0 or with a bit outside FERRY_TS_ALL is refused (E_INVAL).
 *
 *   bit   part            bytes of struct ferry_thread_state
 *   REGS  x, pc           0x010-0x117 (x[0] reads as 0 and is ignored on write)
 *   FP    f, fcsr, fp_used 0x118-0x227
 *   RUN   run             0x228-0x257 (read only: THREAD_WRITE ignores the bit)
 *   UTCB  utcb            0x258-0x657 (the UTCB's message area and user words)
 */
#define FERRY_TS_REGS 0x1ull
#define FERRY_TS_FP   0x2ull
#define FERRY_TS_RUN  0x4ull
#define FERRY_TS_UTCB 0x8ull
#define FERRY_TS_ALL  (FERRY_TS_REGS | FERRY_TS_FP | FERRY_TS_RUN | FERRY_TS_UTCB)

/* The bytes [off, off + len) of struct ferry_thread_state that one part
 * (a single FERRY_TS_* bit) covers; len 0 for anything else. */
struct ferry_ts_range {
    uint32_t off, len;
};
#define FERRY_TS_SPAN(first, end)                                                                  \
    (struct ferry_ts_range)                                                                        \
    {                                                                                              \
        __builtin_offsetof(struct ferry_thread_state, first),                                      \
            __builtin_offsetof(struct ferry_thread_state, end) -                                   \
                __builtin_offsetof(struct ferry_thread_state, first)                               \
    }
static inline struct ferry_ts_range ferry_ts_part_range(uint64_t part)
{
    switch (part) {
    case FERRY_TS_REGS:
        return FERRY_TS_SPAN(x, f); /* x, pc */
    case FERRY_TS_FP:
        return FERRY_TS_SPAN(f, run); /* f, fcsr, fp_used */
    case FERRY_TS_RUN:
        return FERRY_TS_SPAN(run, utcb);
    case FERRY_TS_UTCB:
        return (struct ferry_ts_range){__builtin_offsetof(struct ferry_thread_state, utcb),
                                       FERRY_UTCB_STATE};
    }
    return (struct ferry_ts_range){0, 0};
}
#undef FERRY_TS_SPAN

/* Whether sel is a selection THREAD_READ/WRITE accept. */
static inline int ferry_ts_sel_valid(uint64_t sel)
{
    return sel != 0 && (sel & ~FERRY_TS_ALL) == 0;
}

/* A state built from scratch (a restore, a test): all zero, magic and version set. */
static inline void ferry_thread_state_init(struct ferry_thread_state *st)
{
    *st = (struct ferry_thread_state){.magic = FERRY_THREAD_STATE_MAGIC,
                                      .version = FERRY_THREAD_STATE_VERSION};
}

#endif
