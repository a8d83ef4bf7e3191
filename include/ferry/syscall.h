/*
 * The Ferry system call ABI (see docs/kernel.md for every call's rights and errors).
 *
 * Convention: `ecall` with the call number in a7 and arguments in a0..a5.
 * On completion the kernel writes the error code to a0 and results to a1..a3,
 * and advances pc past the ecall. While a call is blocked, a0..a7 and pc are
 * left untouched, so a thread suspended while blocked re-issues the call when
 * resumed (the restart rule). REPLY_WAIT rewrites its saved a7 to IPC_WAIT
 * once its reply part is done, so a restart only waits again.
 */
#ifndef FERRY_SYSCALL_H
#define FERRY_SYSCALL_H

enum ferry_syscall {
    /* IPC.  tag: see FERRY_TAG_*; timeout in microseconds */
    FERRY_SYS_IPC_CALL = 1,       /* a0 gate, a1 tag, a2 timeout -> a1 tag, a2 label of reply(0) */
    FERRY_SYS_IPC_SEND = 2,       /* a0 gate, a1 tag, a2 timeout */
    FERRY_SYS_IPC_WAIT = 3,       /* a2 timeout -> a1 tag, a2 label */
    FERRY_SYS_IPC_REPLY_WAIT = 4, /* a1 reply tag, a2 timeout -> a1 tag, a2 label */
    FERRY_SYS_IPC_REPLY = 5,      /* a1 reply tag */

    /* objects */
    FERRY_SYS_FACTORY_CREATE = 10, /* a0 factory, a1 type, a2 dest slot, a3.. see below */

    /* capability space of a task (own or other) */
    FERRY_SYS_TASK_MAP = 20,       /* a0 task, a1 own src slot, a2 dest slot, a3 rights mask */
    FERRY_SYS_TASK_UNMAP = 21,     /* a0 task, a1 slot, a2 flags (FERRY_UNMAP_*) */
    FERRY_SYS_TASK_CAP_INFO = 22,  /* a0 task, a1 slot, a2 FERRY_CAP_INFO_* flags -> a1
                                      type|rights<<8|FERRY_CAP_*, a2 label, a3 object id;
                                      with FERRY_CAP_INFO_OBJECT struct ferry_obj_info in
                                      UTCB buf */
    FERRY_SYS_TASK_CAP_NEXT = 23,  /* a0 task, a1 slot -> a1 first occupied slot >= a1 */
    FERRY_SYS_TASK_CAP_BATCH = 24, /* a0 task, a1 start slot, a2 max entries -> a1 count, a2
                                      next occupied slot (0: none), a3 FERRY_CAP_ENTRY_VERSION;
                                      struct ferry_cap_entry[count] in UTCB buf (capbatch.h) */

    /* memory of a task */
    FERRY_SYS_MEM_MAP = 30,     /* a0 task, a1 memory, a2 offset, a3 vaddr, a4 pages, a5 rights */
    FERRY_SYS_MEM_UNMAP = 31,   /* a0 task, a1 vaddr, a2 pages */
    FERRY_SYS_MEM_PROTECT = 32, /* a0 task, a1 vaddr, a2 pages, a3 rights */
    FERRY_SYS_MEM_DIRTY = 33,   /* a0 task, a1 vaddr, a2 pages, a3 flags -> a1 count; bitmap in
                                   UTCB buf: bit i % 8 of byte i / 8 is page va + i * 4 KiB */
    FERRY_SYS_MEM_QUERY = 34,   /* a0 task, a1 vaddr -> a1 physical address, a3 rights|MEMQ_* */

    /* threads */
    FERRY_SYS_THREAD_CONFIGURE = 40, /* a0 thread, a1 pager, a2 exc gate, a3 prio, a4 slice us */
    FERRY_SYS_THREAD_START = 41,     /* a0 thread, a1 pc, a2 sp, a3 initial a0 */
    FERRY_SYS_THREAD_SUSPEND = 42,   /* a0 thread */
    FERRY_SYS_THREAD_RESUME = 43,    /* a0 thread */
    FERRY_SYS_THREAD_READ = 44,  /* a0 thread, a1 FERRY_TS_* -> ferry_thread_state in UTCB buf */
    FERRY_SYS_THREAD_WRITE = 45, /* a0 thread, a1 FERRY_TS_* <- ferry_thread_state in UTCB buf */
    FERRY_SYS_THREAD_SLEEP = 46, /* a0 timeout us */
    FERRY_SYS_THREAD_YIELD = 47,

    /* interrupts and signals */
    FERRY_SYS_IRQ_WAIT = 50,    /* a0 irq, a1 timeout */
    FERRY_SYS_IRQ_TRIGGER = 51, /* a0 irq (software IRQs only) */
    FERRY_SYS_IRQ_ACK = 52,     /* a0 irq (hardware IRQs: re-enable the source) */

    /* misc */
    FERRY_SYS_DEBUG_WRITE = 60, /* a0 length: bytes from UTCB buf to the kernel console */
    FERRY_SYS_CLOCK = 61,       /* -> a1 microseconds since boot */
    FERRY_SYS_POWEROFF = 62,    /* a0 factory (proves privilege), a1 0=shutdown 1=failure */
};

/*
 * FACTORY_CREATE arguments per type (a3, a4):
 *   TASK:    -
 *   THREAD:  a3 task, a4 UTCB virtual address in that task (page aligned, unmapped)
 *   GATE:    a3 thread that receives, a4 label (fixed for the gate's lifetime)
 *   IRQ:     a3 hardware interrupt number (0: software-triggered), a4 label
 *   MEMORY:  a3 source memory, a4 offset | pages << 32 ... not supported (E_INVAL)
 */

/* Message tag (a1 of IPC calls): counts of words and capabilities, a user protocol value. */
#define FERRY_TAG_WORDS_SHIFT 0
#define FERRY_TAG_WORDS_MASK  0x7fu /* 0..FERRY_MSG_WORDS */
#define FERRY_TAG_CAPS_SHIFT  8
#define FERRY_TAG_CAPS_MASK   0xfu /* 0..FERRY_MSG_CAPS */
#define FERRY_TAG_FLAGS_SHIFT 12
#define FERRY_TAG_PROTO_SHIFT 16 /* 48 bits the kernel copies unchanged */

#define FERRY_TAG_FLAG_CAPFAIL 0x1u /* receiver side: a capability could not be placed */

#define FERRY_TAG(words, caps, proto)                                                              \
    ((unsigned long)(words) | ((unsigned long)(caps) << FERRY_TAG_CAPS_SHIFT) |                    \
     ((unsigned long)(proto) << FERRY_TAG_PROTO_SHIFT))
#define FERRY_TAG_WORDS(tag) (((tag) >> FERRY_TAG_WORDS_SHIFT) & FERRY_TAG_WORDS_MASK)
#define FERRY_TAG_CAPS(tag)  (((tag) >> FERRY_TAG_CAPS_SHIFT) & FERRY_TAG_CAPS_MASK)
#define FERRY_TAG_FLAGS(tag) (((tag) >> FERRY_TAG_FLAGS_SHIFT) & 0xfu)
#define FERRY_TAG_PROTO(tag) ((tag) >> FERRY_TAG_PROTO_SHIFT)

/* Protocol values the kernel itself puts into tags of messages it synthesises. */
#define FERRY_PROTO_PAGE_FAULT 0xfff1u
#define FERRY_PROTO_EXCEPTION  0xfff2u

/* Timeouts, in microseconds. */
#define FERRY_TIMEOUT_POLL  0ul
#define FERRY_TIMEOUT_NEVER (~0ul)

/* MEM_DIRTY flags */
#define FERRY_DIRTY_CLEAR 0x1u /* re-arm: clear dirty state of the range after reading it */

/* MEM_QUERY result flags (a3, above the rights byte) */
#define FERRY_MEMQ_MAPPED   0x100u
#define FERRY_MEMQ_DIRTY    0x200u
#define FERRY_MEMQ_ACCESSED 0x400u

/* TASK_UNMAP flags (a2) */
#define FERRY_UNMAP_DESTROY 0x1u /* destroy the object first (needs W on the capability too) */

/* TASK_CAP_INFO result flags (a1, above the rights byte) */
#define FERRY_CAP_DEAD 0x10000u /* the object was destroyed: every operation gives E_DEAD */

/* TASK_CAP_INFO argument flags (a2) */
#define FERRY_CAP_INFO_OBJECT 0x1u /* also write struct ferry_obj_info (objinfo.h) to UTCB buf */

/* Scheduling */
#define FERRY_PRIO_MAX         255u
#define FERRY_DEFAULT_SLICE_US 10000ul

#endif
