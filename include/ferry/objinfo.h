/*
 * Object introspection: what TASK_CAP_INFO with FERRY_CAP_INFO_OBJECT writes
 * into the caller's UTCB buf about the object a capability slot names. It is
 * what a checkpointer must know to re-create the object and cannot learn any
 * other way: an IRQ's pending count, the threads queued to send through a
 * gate, a thread's configuration and what it is blocked on. Reading never
 * changes the object (a pending count is not consumed, a queue not touched).
 *
 * The structure has a magic and a version (a layout change bumps
 * FERRY_OBJ_INFO_VERSION) and is at most FERRY_MSG_WORDS words, so core can
 * pass it on unchanged in an RPC reply (NPD_CAP_INFO, include/ferry/iface/pd.h).
 * Object ids are kernel object ids (TASK_CAP_INFO's a3), 0 for "none". A
 * dead object (FERRY_CAP_DEAD) or an empty slot (type NONE) has every
 * type-specific word 0.
 *
 *   0x00  magic      FERRY_OBJ_INFO_MAGIC
 *   0x08  version    FERRY_OBJ_INFO_VERSION
 *   0x10  type       enum ferry_obj_type
 *   0x18  rights     of the capability in the slot
 *   0x20  flags      FERRY_CAP_DEAD
 *   0x28  id         kernel object id
 *   0x30  label      a gate's or IRQ's label, else 0
 *   0x38  per type (the union below), FERRY_OBJ_INFO_TYPE_WORDS words
 *   0x148 (size)
 */
#ifndef FERRY_OBJINFO_H
#define FERRY_OBJINFO_H

#include <ferry/utcb.h>
#include <stdint.h>

#define FERRY_OBJ_INFO_MAGIC      0x464f424a494e464full /* "FOBJINFO" */
#define FERRY_OBJ_INFO_VERSION    1u
#define FERRY_OBJ_INFO_IDS        32 /* object ids listed: a gate's senders, a task's threads */
#define FERRY_OBJ_INFO_TYPE_WORDS (2 + FERRY_OBJ_INFO_IDS)

/* GATE, at 0x38 */
struct ferry_gate_info {
    uint64_t receiver; /* 0x38 the receiving thread */
    uint64_t senders;  /* 0x40 threads queued to send through this gate (faults included) */
    uint64_t sender[FERRY_OBJ_INFO_IDS]; /* 0x48 the first of them, in FIFO order */
};

/* IRQ, at 0x38 */
struct ferry_irq_info {
    uint64_t pending;      /* 0x38 signals not yet consumed (IRQ_WAIT returns at once) */
    uint64_t source;       /* 0x40 PLIC source, 0 for a software IRQ (a signal) */
    uint64_t awaiting_ack; /* 0x48 hardware: signalled, source masked until IRQ_ACK */
    uint64_t waiter;       /* 0x50 the thread in IRQ_WAIT on it, or 0 */
};

/* THREAD, at 0x38: what THREAD_CONFIGURE set, and its run state (live: no
 * suspension needed, registers are not revealed) */
struct ferry_thread_info {
    uint64_t task;               /* 0x38 */
    uint64_t utcb_va;            /* 0x40 where its UTCB is mapped in its task */
    uint64_t pager;              /* 0x48 gate, or 0 */
    uint64_t exc_handler;        /* 0x50 gate, or 0 */
    uint64_t prio;               /* 0x58 */
    uint64_t slice_us;           /* 0x60 time slice */
    uint64_t reply_to;           /* 0x68 the caller it owes a reply, or 0 */
    struct ferry_thread_run run; /* 0x70 .. 0xa0 */
};

/* TASK, at 0x38: its threads, also those no capability names any more */
struct ferry_task_info {
    uint64_t threads;                    /* 0x38 live threads in it */
    uint64_t thread[FERRY_OBJ_INFO_IDS]; /* 0x40 the first of them, oldest first */
    uint64_t asid; /* 0x140 the ASID its address space runs with; 0: none (not run since the
                      ASIDs last ran out, or the hart has none) */
};

/* MEMORY, at 0x38 */
struct ferry_memory_info {
    uint64_t paddr;  /* 0x38 */
    uint64_t size;   /* 0x40 bytes */
    uint64_t device; /* 0x48 1: MMIO window (never executable) */
};

struct ferry_obj_info {
    uint64_t magic;
    uint64_t version;
    uint64_t type;
    uint64_t rights;
    uint64_t flags;
    uint64_t id;
    uint64_t label;
    union {
        struct ferry_gate_info gate;
        struct ferry_irq_info irq;
        struct ferry_thread_info thread;
        struct ferry_task_info task;
        struct ferry_memory_info memory;
        uint64_t word[FERRY_OBJ_INFO_TYPE_WORDS];
    };
};

#define FERRY_OI_OFFSET(field, off)                                                                \
    _Static_assert(__builtin_offsetof(struct ferry_obj_info, field) == (off),                      \
                   "ferry_obj_info." #field " is not at " #off)
FERRY_OI_OFFSET(magic, 0x00);
FERRY_OI_OFFSET(version, 0x08);
FERRY_OI_OFFSET(type, 0x10);
FERRY_OI_OFFSET(rights, 0x18);
FERRY_OI_OFFSET(flags, 0x20);
FERRY_OI_OFFSET(id, 0x28);
FERRY_OI_OFFSET(label, 0x30);
FERRY_OI_OFFSET(gate.receiver, 0x38);
FERRY_OI_OFFSET(gate.senders, 0x40);
FERRY_OI_OFFSET(gate.sender, 0x48);
FERRY_OI_OFFSET(irq.pending, 0x38);
FERRY_OI_OFFSET(irq.source, 0x40);
FERRY_OI_OFFSET(irq.awaiting_ack, 0x48);
FERRY_OI_OFFSET(irq.waiter, 0x50);
FERRY_OI_OFFSET(thread.task, 0x38);
FERRY_OI_OFFSET(thread.utcb_va, 0x40);
FERRY_OI_OFFSET(thread.pager, 0x48);
FERRY_OI_OFFSET(thread.exc_handler, 0x50);
FERRY_OI_OFFSET(thread.prio, 0x58);
FERRY_OI_OFFSET(thread.slice_us, 0x60);
FERRY_OI_OFFSET(thread.reply_to, 0x68);
FERRY_OI_OFFSET(thread.run, 0x70);
FERRY_OI_OFFSET(task.threads, 0x38);
FERRY_OI_OFFSET(task.thread, 0x40);
FERRY_OI_OFFSET(task.asid, 0x140);
FERRY_OI_OFFSET(memory.paddr, 0x38);
FERRY_OI_OFFSET(memory.size, 0x40);
FERRY_OI_OFFSET(memory.device, 0x48);
#undef FERRY_OI_OFFSET
_Static_assert(sizeof(struct ferry_obj_info) == 0x148, "ferry_obj_info size");
_Static_assert(sizeof(struct ferry_obj_info) <= FERRY_MSG_WORDS * 8, "fits an RPC reply");
_Static_assert(sizeof(struct ferry_obj_info) <= FERRY_UTCB_BUF, "fits the UTCB buf");

#endif
