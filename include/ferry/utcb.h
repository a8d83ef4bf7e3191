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

#define FERRY_PAGE_SIZE   4096ul
#define FERRY_MSG_WORDS   64
#define FERRY_MSG_CAPS    8
#define FERRY_UTCB_USER   32
#define FERRY_UTCB_STATE  0x400 /* bytes of UTCB that are thread state */
#define FERRY_UTCB_BUF    3072

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

#define FERRY_CAPDESC(slot, rights) ((uint64_t)(slot) | ((uint64_t)(rights) << 32))
#define FERRY_RCV_WINDOW(first, count) ((uint64_t)(first) | ((uint64_t)(count) << 32))

/* Thread run state as reported in ferry_thread_state.run_state (read only). */
enum ferry_run_state {
    FERRY_RUN_INACTIVE = 0,  /* created, never started */
    FERRY_RUN_READY = 1,     /* runnable */
    FERRY_RUN_BLOCKED = 2,   /* in a blocking call: blocked_call says which */
    FERRY_RUN_REPLY_WAIT = 3, /* call sent, waiting for the reply: not restartable yet */
    FERRY_RUN_FAULTED = 4,   /* fault/exception without a handler: halted */
};

/*
 * Complete register state of a thread, exchanged through the UTCB buf by
 * THREAD_READ / THREAD_WRITE. Writing ignores the read-only fields.
 */
struct ferry_thread_state {
    uint64_t x[32];     /* x[0] is ignored; x[1]..x[31] = ra .. t6 */
    uint64_t pc;
    uint64_t f[32];
    uint64_t fcsr;
    uint64_t fp_used;   /* read only: nonzero if the thread ever touched the FPU */
    uint64_t run_state; /* read only: enum ferry_run_state (before suspension) */
    uint64_t blocked_call; /* read only: syscall that resumes on restart, or 0 */
    uint64_t suspended; /* read only: 1 if suspended */
    uint8_t utcb[FERRY_UTCB_STATE];
};

_Static_assert(sizeof(struct ferry_thread_state) <= FERRY_UTCB_BUF, "state fits UTCB buf");

#endif
