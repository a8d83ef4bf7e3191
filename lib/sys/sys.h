/*
 * Thin system call stubs: one inline function per call of include/ferry/syscall.h,
 * returning the error code and storing results through pointers. The only user
 * code that executes `ecall`.
 */
#ifndef FERRY_SYS_H
#define FERRY_SYS_H

#include <ferry/capbatch.h>
#include <ferry/error.h>
#include <ferry/object.h>
#include <ferry/objinfo.h>
#include <ferry/syscall.h>
#include <ferry/utcb.h>
#include <stdint.h>

struct sys_result {
    long err;
    uint64_t r1, r2, r3;
};

static inline struct sys_result sys_call6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                          uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t x10 __asm__("a0") = a0;
    register uint64_t x11 __asm__("a1") = a1;
    register uint64_t x12 __asm__("a2") = a2;
    register uint64_t x13 __asm__("a3") = a3;
    register uint64_t x14 __asm__("a4") = a4;
    register uint64_t x15 __asm__("a5") = a5;
    register uint64_t x17 __asm__("a7") = nr;
    /* a7 is in/out: the kernel rewrites a finished REPLY_WAIT's a7 to IPC_WAIT
     * (the restart rule), so the compiler must not assume it survives. */
    __asm__ volatile("ecall"
                     : "+r"(x10), "+r"(x11), "+r"(x12), "+r"(x13), "+r"(x17)
                     : "r"(x14), "r"(x15)
                     : "memory");
    return (struct sys_result){(long)x10, x11, x12, x13};
}

/* The calling thread's UTCB, kept in thread-local storage by the runtime. */
extern _Thread_local struct ferry_utcb *ferry_utcb_self;
static inline struct ferry_utcb *sys_utcb(void)
{
    return ferry_utcb_self;
}

/* IPC */
static inline long sys_ipc_call(uint64_t gate, uint64_t tag, uint64_t timeout, uint64_t *rtag)
{
    struct sys_result r = sys_call6(FERRY_SYS_IPC_CALL, gate, tag, timeout, 0, 0, 0);
    if (rtag)
        *rtag = r.r1;
    return r.err;
}
static inline long sys_ipc_send(uint64_t gate, uint64_t tag, uint64_t timeout)
{
    return sys_call6(FERRY_SYS_IPC_SEND, gate, tag, timeout, 0, 0, 0).err;
}
static inline long sys_ipc_wait(uint64_t timeout, uint64_t *tag, uint64_t *label)
{
    struct sys_result r = sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, timeout, 0, 0, 0);
    if (tag)
        *tag = r.r1;
    if (label)
        *label = r.r2;
    return r.err;
}
static inline long sys_ipc_reply_wait(uint64_t rtag, uint64_t timeout, uint64_t *tag,
                                      uint64_t *label)
{
    struct sys_result r = sys_call6(FERRY_SYS_IPC_REPLY_WAIT, 0, rtag, timeout, 0, 0, 0);
    if (tag)
        *tag = r.r1;
    if (label)
        *label = r.r2;
    return r.err;
}
static inline long sys_ipc_reply(uint64_t rtag)
{
    return sys_call6(FERRY_SYS_IPC_REPLY, 0, rtag, 0, 0, 0, 0).err;
}

/* objects and capability spaces */
static inline long sys_create(uint64_t factory, uint64_t type, uint64_t dest, uint64_t a3,
                              uint64_t a4)
{
    return sys_call6(FERRY_SYS_FACTORY_CREATE, factory, type, dest, a3, a4, 0).err;
}
static inline long sys_task_map(uint64_t task, uint64_t src, uint64_t dest, uint64_t rights)
{
    return sys_call6(FERRY_SYS_TASK_MAP, task, src, dest, rights, 0, 0).err;
}
/* flags: 0 or FERRY_UNMAP_DESTROY (destroy the object, then unmap the slot) */
static inline long sys_task_unmap_flags(uint64_t task, uint64_t sel, uint64_t flags)
{
    return sys_call6(FERRY_SYS_TASK_UNMAP, task, sel, flags, 0, 0, 0).err;
}
static inline long sys_task_unmap(uint64_t task, uint64_t sel)
{
    return sys_task_unmap_flags(task, sel, 0);
}
struct sys_cap_info {
    uint64_t type, rights, label, id;
    uint64_t flags; /* FERRY_CAP_DEAD */
};
static inline long sys_task_cap_info(uint64_t task, uint64_t sel, struct sys_cap_info *info)
{
    struct sys_result r = sys_call6(FERRY_SYS_TASK_CAP_INFO, task, sel, 0, 0, 0, 0);
    if (info)
        *info = (struct sys_cap_info){r.r1 & 0xff, (r.r1 >> 8) & 0xff, r.r2, r.r3,
                                      r.r1 & ~(uint64_t)0xffff};
    return r.err;
}
/* TASK_CAP_INFO with FERRY_CAP_INFO_OBJECT: the state of the object in the
 * slot, copied out of the UTCB buf (which the caller's next call may reuse). */
static inline long sys_task_obj_info(uint64_t task, uint64_t sel, struct ferry_obj_info *out)
{
    long err = sys_call6(FERRY_SYS_TASK_CAP_INFO, task, sel, FERRY_CAP_INFO_OBJECT, 0, 0, 0).err;
    if (!err && out)
        *out = *(const struct ferry_obj_info *)(const void *)sys_utcb()->buf;
    return err;
}
static inline long sys_task_cap_next(uint64_t task, uint64_t sel, uint64_t *next)
{
    struct sys_result r = sys_call6(FERRY_SYS_TASK_CAP_NEXT, task, sel, 0, 0, 0, 0);
    if (next)
        *next = r.r1;
    return r.err;
}
/* TASK_CAP_BATCH's results: `count` entries at `entry` (the caller's UTCB buf,
 * which its next call may reuse), the next occupied slot (0: none) and the
 * entry layout's version (FERRY_CAP_ENTRY_VERSION). */
struct sys_cap_batch {
    uint64_t count, next, version;
    const struct ferry_cap_entry *entry;
};
static inline long sys_task_cap_batch(uint64_t task, uint64_t start, uint64_t max,
                                      struct sys_cap_batch *out)
{
    struct sys_result r = sys_call6(FERRY_SYS_TASK_CAP_BATCH, task, start, max, 0, 0, 0);
    if (out)
        *out = (struct sys_cap_batch){
            r.r1, r.r2, r.r3, (const struct ferry_cap_entry *)(const void *)sys_utcb()->buf};
    return r.err;
}

/* memory */
static inline long sys_mem_map(uint64_t task, uint64_t mem, uint64_t offset, uint64_t va,
                               uint64_t pages, uint64_t rights)
{
    return sys_call6(FERRY_SYS_MEM_MAP, task, mem, offset, va, pages, rights).err;
}
static inline long sys_mem_unmap(uint64_t task, uint64_t va, uint64_t pages)
{
    return sys_call6(FERRY_SYS_MEM_UNMAP, task, va, pages, 0, 0, 0).err;
}
static inline long sys_mem_protect(uint64_t task, uint64_t va, uint64_t pages, uint64_t rights)
{
    return sys_call6(FERRY_SYS_MEM_PROTECT, task, va, pages, rights, 0, 0).err;
}
static inline long sys_mem_dirty(uint64_t task, uint64_t va, uint64_t pages, uint64_t flags,
                                 uint64_t *count)
{
    struct sys_result r = sys_call6(FERRY_SYS_MEM_DIRTY, task, va, pages, flags, 0, 0);
    if (count)
        *count = r.r1;
    return r.err;
}
static inline long sys_mem_query(uint64_t task, uint64_t va, uint64_t *paddr, uint64_t *info)
{
    struct sys_result r = sys_call6(FERRY_SYS_MEM_QUERY, task, va, 0, 0, 0, 0);
    if (paddr)
        *paddr = r.r1;
    if (info)
        *info = r.r3;
    return r.err;
}

/* threads */
static inline long sys_thread_configure(uint64_t thread, uint64_t pager, uint64_t exc,
                                        uint64_t prio, uint64_t slice_us)
{
    return sys_call6(FERRY_SYS_THREAD_CONFIGURE, thread, pager, exc, prio, slice_us, 0).err;
}
static inline long sys_thread_start(uint64_t thread, uint64_t pc, uint64_t sp, uint64_t arg)
{
    return sys_call6(FERRY_SYS_THREAD_START, thread, pc, sp, arg, 0, 0).err;
}
static inline long sys_thread_suspend(uint64_t thread)
{
    return sys_call6(FERRY_SYS_THREAD_SUSPEND, thread, 0, 0, 0, 0, 0).err;
}
static inline long sys_thread_resume(uint64_t thread)
{
    return sys_call6(FERRY_SYS_THREAD_RESUME, thread, 0, 0, 0, 0, 0).err;
}
/* THREAD_READ / THREAD_WRITE of the parts sel names (FERRY_TS_*, utcb.h). */
static inline long sys_thread_read_sel(uint64_t thread, uint64_t sel)
{
    return sys_call6(FERRY_SYS_THREAD_READ, thread, sel, 0, 0, 0, 0).err;
}
static inline long sys_thread_write_sel(uint64_t thread, uint64_t sel)
{
    return sys_call6(FERRY_SYS_THREAD_WRITE, thread, sel, 0, 0, 0, 0).err;
}
/* The whole state (FERRY_TS_ALL). */
static inline long sys_thread_read(uint64_t thread)
{
    return sys_thread_read_sel(thread, FERRY_TS_ALL);
}
static inline long sys_thread_write(uint64_t thread)
{
    return sys_thread_write_sel(thread, FERRY_TS_ALL);
}
static inline long sys_sleep(uint64_t us)
{
    return sys_call6(FERRY_SYS_THREAD_SLEEP, us, 0, 0, 0, 0, 0).err;
}
static inline long sys_yield(void)
{
    return sys_call6(FERRY_SYS_THREAD_YIELD, 0, 0, 0, 0, 0, 0).err;
}

/* IRQs */
static inline long sys_irq_wait(uint64_t irq, uint64_t timeout)
{
    return sys_call6(FERRY_SYS_IRQ_WAIT, irq, timeout, 0, 0, 0, 0).err;
}
static inline long sys_irq_trigger(uint64_t irq)
{
    return sys_call6(FERRY_SYS_IRQ_TRIGGER, irq, 0, 0, 0, 0, 0).err;
}
static inline long sys_irq_ack(uint64_t irq)
{
    return sys_call6(FERRY_SYS_IRQ_ACK, irq, 0, 0, 0, 0, 0).err;
}

/* misc */
static inline long sys_debug_write(const char *s, uint64_t len)
{
    struct ferry_utcb *u = sys_utcb();
    if (len > FERRY_UTCB_BUF)
        len = FERRY_UTCB_BUF;
    for (uint64_t i = 0; i < len; i++)
        u->buf[i] = (uint8_t)s[i];
    return sys_call6(FERRY_SYS_DEBUG_WRITE, len, 0, 0, 0, 0, 0).err;
}
static inline uint64_t sys_clock_us(void)
{
    return sys_call6(FERRY_SYS_CLOCK, 0, 0, 0, 0, 0, 0).r1;
}
static inline long sys_poweroff(uint64_t factory, int failure)
{
    return sys_call6(FERRY_SYS_POWEROFF, factory, (uint64_t)failure, 0, 0, 0, 0).err;
}

/* Guest instruction counter (exact under QEMU -icount). */
static inline uint64_t sys_instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

#endif
