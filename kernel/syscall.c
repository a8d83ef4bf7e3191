/*
 * System call entry: each sys_* decodes its arguments (selectors, rights,
 * ranges) and only then calls the object code that changes state. Every
 * error path returns a documented code; nothing a caller passes can stop
 * the kernel. See docs/kernel.md for the table.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/sbi.h"
#include "cspace.h"
#include "gate.h"
#include "irq.h"
#include "klib.h"
#include "pmem.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"
#include "timer.h"
#include "vm.h"
#include <ferry/capbatch.h>
#include <ferry/error.h>
#include <ferry/syscall.h>

#define ARG(t, n)       ((t)->frame.x[REG_A0 + (n)])
#define RESULT(t, n, v) ((t)->frame.x[REG_A0 + (n)] = (v))

/* Looks up a capability in the caller's space, returning its error on failure. */
#define LOOKUP(var, t, sel, type, rights)                                                          \
    long var##_err = FERRY_OK;                                                                     \
    struct cap *var = cspace_lookup((t)->task, (sel), (type), (rights), &var##_err);               \
    if (!var)                                                                                      \
        return var##_err;

/* struct kobj is not the first member of every object (a thread starts with its frame) */
#define OBJ(cap, type) container_of((cap)->obj, type, obj)

/* ---- IPC ---- */

static long send_common(struct thread *t, int is_call)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_GATE, FERRY_RIGHT_W);
    uint64_t tag = ARG(t, 1);
    long err = ipc_check_message(t, tag);
    if (err)
        return err;
    if (FERRY_TAG_CAPS(tag) && !(cap->rights & FERRY_RIGHT_G))
        return FERRY_E_NORIGHTS;
    return ipc_send(t, OBJ(cap, struct gate), ARG(t, 2), is_call);
}

static long sys_ipc_call(struct thread *t)
{
    return send_common(t, 1);
}

static long sys_ipc_send(struct thread *t)
{
    return send_common(t, 0);
}

static long sys_ipc_wait(struct thread *t)
{
    return ipc_wait(t, ARG(t, 2));
}

static long sys_ipc_reply(struct thread *t)
{
    long err = ipc_check_message(t, ARG(t, 1));
    return err ? err : ipc_reply(t, ARG(t, 1));
}

static long sys_ipc_reply_wait(struct thread *t)
{
    long err = sys_ipc_reply(t);
    if (err)
        return err;
    /* the reply is done: from here on this is a plain wait, also on restart */
    t->frame.x[REG_A7] = FERRY_SYS_IPC_WAIT;
    return ipc_wait(t, ARG(t, 2));
}

/* ---- factory ---- */

static long create_object(struct thread *t, uint64_t type, struct kobj **out)
{
    long err = FERRY_OK;
    switch (type) {
    case FERRY_OBJ_TASK: {
        struct task *task = task_create();
        *out = task ? &task->obj : NULL;
        return task ? FERRY_OK : FERRY_E_NOMEM;
    }
    case FERRY_OBJ_THREAD: {
        LOOKUP(cap, t, ARG(t, 3), FERRY_OBJ_TASK, FERRY_RIGHT_W);
        uint64_t utcb_va = ARG(t, 4);
        if (!PAGE_ALIGNED(utcb_va))
            return FERRY_E_ALIGN;
        if (utcb_va >= USER_VA_END)
            return FERRY_E_RANGE;
        if (vm_lookup(OBJ(cap, struct task)->root, utcb_va))
            return FERRY_E_OCCUPIED;
        struct thread *thread = thread_create(OBJ(cap, struct task), utcb_va, &err);
        *out = thread ? &thread->obj : NULL;
        return err;
    }
    case FERRY_OBJ_GATE: {
        LOOKUP(cap, t, ARG(t, 3), FERRY_OBJ_THREAD, FERRY_RIGHT_W);
        struct gate *gate = gate_create(OBJ(cap, struct thread), ARG(t, 4));
        *out = gate ? &gate->obj : NULL;
        return gate ? FERRY_OK : FERRY_E_NOMEM;
    }
    case FERRY_OBJ_IRQ: {
        if (ARG(t, 3) >= 1024)
            return FERRY_E_RANGE;
        struct irq *irq = irq_create((uint32_t)ARG(t, 3), ARG(t, 4), &err);
        *out = irq ? &irq->obj : NULL;
        return err;
    }
    default:
        return FERRY_E_INVAL;
    }
}

static long sys_factory_create(struct thread *t)
{
    LOOKUP(factory, t, ARG(t, 0), FERRY_OBJ_FACTORY, FERRY_RIGHT_W);
    (void)factory;
    uint64_t dest = ARG(t, 2);
    if (dest == 0 || dest >= CSPACE_SLOTS)
        return FERRY_E_RANGE;
    struct cap *slot = cspace_slot(t->task, dest);
    if (slot && slot->obj)
        return FERRY_E_OCCUPIED;
    struct kobj *obj = NULL;
    long err = create_object(t, ARG(t, 1), &obj);
    if (err)
        return err;
    err = -cspace_insert(t->task, dest, obj, FERRY_RIGHTS_ALL);
    if (err)
        kobj_destroy(obj); /* unreferenced: this frees it again */
    return err;
}

/* ---- capability spaces ---- */

static long sys_task_map(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_W);
    /* any capability, a dead one too: the copy is as dead (object.h) */
    struct cap *src = cspace_slot(t->task, ARG(t, 1));
    if (!src || !src->obj)
        return FERRY_E_BADSEL;
    return -cspace_insert(OBJ(task, struct task), ARG(t, 2), src->obj, src->rights & ARG(t, 3));
}

/*
 * TASK_UNMAP with FERRY_UNMAP_DESTROY: destroys the object in the slot, then
 * empties the slot. The caller itself may die here (it destroyed itself or
 * its own task): then its call is not completed and it never runs again.
 */
static long unmap_destroy(struct thread *t, struct task *task, uint64_t sel)
{
    struct cap *cap = cspace_slot(task, sel);
    if (!cap || !cap->obj)
        return FERRY_E_BADSEL;
    if (!(cap->rights & FERRY_RIGHT_W))
        return FERRY_E_NORIGHTS;
    if (!kobj_destroyable(cap->obj))
        return FERRY_E_INVAL; /* memory and the factory live for good */
    /* held across the destroy: the object may be the caller, its task, or a
     * task whose capability space holds their last capabilities */
    kobj_hold(&t->obj);
    kobj_hold(&task->obj);
    kobj_destroy(cap->obj);
    /* a dead task has no slots left; a live one's slot was not touched */
    if (!task->obj.dead)
        cspace_remove(task, sel);
    bool caller_died = t->obj.dead;
    kobj_unhold(&task->obj);
    kobj_unhold(&t->obj); /* frees the caller if it died and nothing names it */
    return caller_died ? SYSCALL_DEFERRED : FERRY_OK;
}

static long sys_task_unmap(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_W);
    uint64_t flags = ARG(t, 2);
    if (flags & ~(uint64_t)FERRY_UNMAP_DESTROY)
        return FERRY_E_INVAL;
    if (flags & FERRY_UNMAP_DESTROY)
        return unmap_destroy(t, OBJ(task, struct task), ARG(t, 1));
    return -cspace_remove(OBJ(task, struct task), ARG(t, 1));
}

/* TASK_CAP_INFO with flags (a2): FERRY_CAP_INFO_OBJECT also writes struct
 * ferry_obj_info about the slot's object into the caller's UTCB buf. */
static long __attribute__((noinline))
cap_info_flags(struct thread *t, struct task *task, uint64_t sel, uint64_t flags)
{
    if (flags & ~(uint64_t)FERRY_CAP_INFO_OBJECT)
        return FERRY_E_INVAL;
    struct cap *cap = cspace_slot(task, sel);
    struct ferry_obj_info *info = (struct ferry_obj_info *)t->utcb->buf;
    kobj_info(cap ? cap->obj : NULL, info);
    info->rights = cap && cap->obj ? cap->rights : 0;
    return FERRY_OK;
}

/* TASK_CAP_INFO: type, rights, label and object id of a slot (a2 flags: see
 * cap_info_flags). Reads only. */
static long sys_task_cap_info(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_R);
    uint64_t sel = ARG(t, 1);
    if (sel == 0 || sel >= CSPACE_SLOTS)
        return FERRY_E_RANGE;
    if (ARG(t, 2)) {
        long err = cap_info_flags(t, OBJ(task, struct task), sel, ARG(t, 2));
        if (err)
            return err;
    }
    struct cap *cap = cspace_slot(OBJ(task, struct task), sel);
    if (!cap || !cap->obj) {
        RESULT(t, 1, FERRY_OBJ_NONE);
        RESULT(t, 2, 0);
        RESULT(t, 3, 0);
        return FERRY_OK;
    }
    RESULT(t, 1, cap->obj->type | cap->rights << 8 | (cap->obj->dead ? FERRY_CAP_DEAD : 0));
    RESULT(t, 2, kobj_label(cap->obj));
    RESULT(t, 3, cap->obj->id);
    return FERRY_OK;
}

static long sys_task_cap_next(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_R);
    int64_t next = cspace_next(OBJ(task, struct task), ARG(t, 1));
    if (next < 0)
        return FERRY_E_NOENT;
    RESULT(t, 1, (uint64_t)next);
    return FERRY_OK;
}

/* TASK_CAP_BATCH, decode: the start slot and the entry count the caller asked
 * for, checked before anything is read. */
static long cap_batch_decode(uint64_t start, uint64_t max)
{
    if (start == 0 || start >= CSPACE_SLOTS)
        return FERRY_E_RANGE; /* slot 0 is never a slot */
    if (max == 0 || max > FERRY_CAP_BATCH_MAX)
        return FERRY_E_INVAL; /* 1..FERRY_CAP_BATCH_MAX entries fit the UTCB buf */
    return FERRY_OK;
}

/* TASK_CAP_BATCH, invoke: up to `max` entries for the occupied slots of `task`
 * from `start` on into `out`, ascending; the count is returned, *next is the
 * first occupied slot after them (0: none). Reads only; absent leaves are
 * skipped whole. */
static uint64_t cap_batch(struct task *task, uint64_t start, uint64_t max,
                          struct ferry_cap_entry *out, uint64_t *next)
{
    uint64_t n = 0;
    for (uint64_t sel = start; sel < CSPACE_SLOTS; sel++) {
        struct cap *leaf = task->cspace[sel / CSPACE_LEAF_SLOTS];
        if (!leaf) {
            sel = (sel / CSPACE_LEAF_SLOTS + 1) * CSPACE_LEAF_SLOTS - 1;
            continue;
        }
        const struct cap *cap = &leaf[sel % CSPACE_LEAF_SLOTS];
        if (!cap->obj)
            continue;
        if (n == max) {
            *next = sel;
            return n;
        }
        out[n++] = (struct ferry_cap_entry){.slot = (uint32_t)sel,
                                            .type = (uint8_t)cap->obj->type,
                                            .rights = (uint8_t)cap->rights,
                                            .flags = cap->obj->dead ? FERRY_CAP_ENTRY_DEAD : 0,
                                            .label = kobj_label(cap->obj),
                                            .id = cap->obj->id};
    }
    *next = 0;
    return n;
}

/* TASK_CAP_BATCH: the occupied slots of a task from a1 on, at most a2 entries
 * (struct ferry_cap_entry, capbatch.h) into the caller's UTCB buf; a1 the
 * count, a2 the next occupied slot (0: none), a3 FERRY_CAP_ENTRY_VERSION. */
static long sys_task_cap_batch(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_R);
    long err = cap_batch_decode(ARG(t, 1), ARG(t, 2));
    if (err)
        return err;
    uint64_t next;
    uint64_t n = cap_batch(OBJ(task, struct task), ARG(t, 1), ARG(t, 2),
                           (struct ferry_cap_entry *)t->utcb->buf, &next);
    RESULT(t, 1, n);
    RESULT(t, 2, next);
    RESULT(t, 3, FERRY_CAP_ENTRY_VERSION);
    return FERRY_OK;
}

/* ---- memory ---- */

/* Checks a user page range [va, va + pages * 4K). */
static long check_user_range(uint64_t va, uint64_t pages)
{
    if (!PAGE_ALIGNED(va))
        return FERRY_E_ALIGN;
    if (pages == 0 || pages > USER_VA_END / PAGE_SIZE || va >= USER_VA_END ||
        pages > (USER_VA_END - va) / PAGE_SIZE)
        return FERRY_E_RANGE;
    return FERRY_OK;
}

static uint64_t rights_to_pte(uint64_t rights)
{
    return ((rights & FERRY_RIGHT_R) ? PTE_R : 0) | ((rights & FERRY_RIGHT_W) ? PTE_W : 0) |
           ((rights & FERRY_RIGHT_X) ? PTE_X : 0);
}

/* Page rights must be readable (RISC-V reserves W without R) and nothing but R/W/X. */
static long check_page_rights(uint64_t rights)
{
    if (rights & ~(uint64_t)(FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X))
        return FERRY_E_INVAL;
    if (!(rights & FERRY_RIGHT_R))
        return FERRY_E_INVAL;
    return FERRY_OK;
}

static long sys_mem_map(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_W);
    uint64_t offset = ARG(t, 2), va = ARG(t, 3), pages = ARG(t, 4), rights = ARG(t, 5);
    long err = check_page_rights(rights);
    if (err)
        return err;
    LOOKUP(mem_cap, t, ARG(t, 1), FERRY_OBJ_MEMORY, rights);
    struct memory *mem = OBJ(mem_cap, struct memory);
    if ((err = check_user_range(va, pages)))
        return err;
    if (!PAGE_ALIGNED(offset))
        return FERRY_E_ALIGN;
    if (offset >= mem->size || pages > (mem->size - offset) / PAGE_SIZE)
        return FERRY_E_RANGE;
    if (mem->device && (rights & FERRY_RIGHT_X))
        return FERRY_E_NORIGHTS;

    uint64_t flags = PTE_U | PTE_A | rights_to_pte(rights) |
                     ((rights & FERRY_RIGHT_W) ? PTE_SW_MAXW : 0) |
                     ((rights & FERRY_RIGHT_X) ? PTE_SW_MAXX : 0);
    if (vm_map_range(OBJ(task, struct task)->root, va, mem->paddr + offset, pages, flags))
        return FERRY_E_NOMEM; /* pages mapped so far stay mapped */
    return FERRY_OK;
}

static long sys_mem_unmap(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_W);
    uint64_t va = ARG(t, 1), pages = ARG(t, 2);
    long err = check_user_range(va, pages);
    if (err)
        return err;
    vm_unmap_range(OBJ(task, struct task)->root, va, pages);
    return FERRY_OK;
}

static long sys_mem_protect(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_W);
    uint64_t va = ARG(t, 1), pages = ARG(t, 2), rights = ARG(t, 3);
    long err = check_user_range(va, pages);
    if (err || (err = check_page_rights(rights)))
        return err;
    pte_t *root = OBJ(task, struct task)->root;
    /* decode: every mapped page must allow the rights asked for */
    for (uint64_t i = 0; i < pages; i++) {
        pte_t *pte = vm_lookup(root, va + i * PAGE_SIZE);
        if (!pte)
            continue;
        if (((rights & FERRY_RIGHT_W) && !(*pte & PTE_SW_MAXW)) ||
            ((rights & FERRY_RIGHT_X) && !(*pte & PTE_SW_MAXX)))
            return FERRY_E_NORIGHTS;
    }
    for (uint64_t i = 0; i < pages; i++) {
        pte_t *pte = vm_lookup(root, va + i * PAGE_SIZE);
        if (pte)
            *pte = (*pte & ~(pte_t)(PTE_R | PTE_W | PTE_X)) | rights_to_pte(rights);
    }
    vm_flush_range(root, va, pages);
    return FERRY_OK;
}

static long sys_mem_dirty(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_R);
    uint64_t va = ARG(t, 1), pages = ARG(t, 2), flags = ARG(t, 3);
    long err = check_user_range(va, pages);
    if (err)
        return err;
    if (pages > FERRY_UTCB_BUF * 8)
        return FERRY_E_RANGE;
    if (flags & ~(uint64_t)FERRY_DIRTY_CLEAR)
        return FERRY_E_INVAL;
    if (flags && !(task->rights & FERRY_RIGHT_W))
        return FERRY_E_NORIGHTS;
    uint8_t *bitmap = t->utcb->buf;
    memset(bitmap, 0, (pages + 7) / 8);
    uint64_t count = 0;
    pte_t *root = OBJ(task, struct task)->root;
    for (uint64_t i = 0; i < pages; i++) {
        pte_t *pte = vm_lookup(root, va + i * PAGE_SIZE);
        if (!pte || !(*pte & PTE_D))
            continue;
        bitmap[i / 8] |= 1u << (i % 8);
        count++;
        if (flags & FERRY_DIRTY_CLEAR)
            *pte &= ~(pte_t)PTE_D;
    }
    if (flags & FERRY_DIRTY_CLEAR)
        vm_flush_range(root, va, pages); /* cached translations would skip setting D again */
    RESULT(t, 1, count);
    return FERRY_OK;
}

static long sys_mem_query(struct thread *t)
{
    LOOKUP(task, t, ARG(t, 0), FERRY_OBJ_TASK, FERRY_RIGHT_R);
    uint64_t va = ARG(t, 1);
    if (va >= USER_VA_END)
        return FERRY_E_RANGE;
    pte_t *pte = vm_lookup(OBJ(task, struct task)->root, va & ~(PAGE_SIZE - 1));
    if (!pte) {
        RESULT(t, 1, 0);
        RESULT(t, 3, 0);
        return FERRY_OK;
    }
    uint64_t info = FERRY_MEMQ_MAPPED | ((*pte & PTE_R) ? FERRY_RIGHT_R : 0) |
                    ((*pte & PTE_W) ? FERRY_RIGHT_W : 0) | ((*pte & PTE_X) ? FERRY_RIGHT_X : 0) |
                    ((*pte & PTE_D) ? FERRY_MEMQ_DIRTY : 0) |
                    ((*pte & PTE_A) ? FERRY_MEMQ_ACCESSED : 0);
    RESULT(t, 1, PTE_TO_PA(*pte));
    RESULT(t, 3, info);
    return FERRY_OK;
}

/* ---- threads ---- */

static long lookup_optional_gate(struct thread *t, uint64_t sel, struct gate **out)
{
    *out = NULL;
    if (sel == 0)
        return FERRY_OK;
    LOOKUP(cap, t, sel, FERRY_OBJ_GATE, FERRY_RIGHT_W);
    *out = OBJ(cap, struct gate);
    return FERRY_OK;
}

static long sys_thread_configure(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_THREAD, FERRY_RIGHT_W);
    struct gate *pager, *exc;
    long err = lookup_optional_gate(t, ARG(t, 1), &pager);
    if (err || (err = lookup_optional_gate(t, ARG(t, 2), &exc)))
        return err;
    if (ARG(t, 3) > FERRY_PRIO_MAX)
        return FERRY_E_RANGE;
    uint64_t slice_us = ARG(t, 4) ? ARG(t, 4) : FERRY_DEFAULT_SLICE_US;
    if (slice_us > 10000000)
        return FERRY_E_RANGE;

    struct thread *target = OBJ(cap, struct thread);
    thread_set_handlers(target, pager, exc);
    target->slice_ticks = timer_us_to_ticks(slice_us);
    sched_set_prio(target, (uint8_t)ARG(t, 3));
    return FERRY_OK;
}

static long sys_thread_start(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_THREAD, FERRY_RIGHT_W);
    struct thread *target = OBJ(cap, struct thread);
    if (target->state != TS_INACTIVE)
        return FERRY_E_BUSY;
    target->frame.pc = ARG(t, 1);
    target->frame.x[REG_SP] = ARG(t, 2);
    target->frame.x[REG_A0] = ARG(t, 3);
    return thread_resume(target);
}

static long sys_thread_suspend(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_THREAD, FERRY_RIGHT_W);
    return thread_suspend(OBJ(cap, struct thread));
}

static long sys_thread_resume(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_THREAD, FERRY_RIGHT_W);
    return thread_resume(OBJ(cap, struct thread));
}

static long sys_thread_read(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_THREAD, FERRY_RIGHT_R);
    if (!ferry_ts_sel_valid(ARG(t, 1)))
        return FERRY_E_INVAL;
    struct thread *target = OBJ(cap, struct thread);
    if (target == t)
        return FERRY_E_BUSY;
    return thread_read_state(target, ARG(t, 1), (struct ferry_thread_state *)t->utcb->buf);
}

static long sys_thread_write(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_THREAD, FERRY_RIGHT_W);
    if (!ferry_ts_sel_valid(ARG(t, 1)))
        return FERRY_E_INVAL;
    struct thread *target = OBJ(cap, struct thread);
    if (target == t)
        return FERRY_E_BUSY;
    return thread_write_state(target, ARG(t, 1), (const struct ferry_thread_state *)t->utcb->buf);
}

static long sys_thread_sleep(struct thread *t)
{
    if (ARG(t, 0) == 0)
        return FERRY_OK;
    thread_block(t, TS_SLEEP, ARG(t, 0));
    return SYSCALL_DEFERRED;
}

static long sys_thread_yield(struct thread *t)
{
    sched_rotate(t);
    return FERRY_OK;
}

/* ---- IRQs ---- */

static long sys_irq_wait(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_IRQ, FERRY_RIGHT_R);
    return irq_wait(t, OBJ(cap, struct irq), ARG(t, 1));
}

static long sys_irq_trigger(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_IRQ, FERRY_RIGHT_W);
    if (OBJ(cap, struct irq)->hwirq)
        return FERRY_E_INVAL;
    irq_signal(OBJ(cap, struct irq));
    return FERRY_OK;
}

static long sys_irq_ack(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_IRQ, FERRY_RIGHT_W);
    return irq_ack(OBJ(cap, struct irq));
}

/* ---- misc ---- */

static long sys_debug_write(struct thread *t)
{
    if (ARG(t, 0) > FERRY_UTCB_BUF)
        return FERRY_E_RANGE;
    console_write((const char *)t->utcb->buf, ARG(t, 0));
    return FERRY_OK;
}

static long sys_clock(struct thread *t)
{
    RESULT(t, 1, timer_ticks_to_us(timer_now()));
    return FERRY_OK;
}

static long sys_poweroff(struct thread *t)
{
    LOOKUP(cap, t, ARG(t, 0), FERRY_OBJ_FACTORY, FERRY_RIGHT_W);
    (void)cap;
    kprintf("[kernel] power off requested (%s)\n", ARG(t, 1) ? "failure" : "shutdown");
    sbi_shutdown(ARG(t, 1) != 0);
}

typedef long (*syscall_fn)(struct thread *);

static const syscall_fn syscalls[] = {
    [FERRY_SYS_IPC_CALL] = sys_ipc_call,
    [FERRY_SYS_IPC_SEND] = sys_ipc_send,
    [FERRY_SYS_IPC_WAIT] = sys_ipc_wait,
    [FERRY_SYS_IPC_REPLY_WAIT] = sys_ipc_reply_wait,
    [FERRY_SYS_IPC_REPLY] = sys_ipc_reply,
    [FERRY_SYS_FACTORY_CREATE] = sys_factory_create,
    [FERRY_SYS_TASK_MAP] = sys_task_map,
    [FERRY_SYS_TASK_UNMAP] = sys_task_unmap,
    [FERRY_SYS_TASK_CAP_INFO] = sys_task_cap_info,
    [FERRY_SYS_TASK_CAP_NEXT] = sys_task_cap_next,
    [FERRY_SYS_TASK_CAP_BATCH] = sys_task_cap_batch,
    [FERRY_SYS_MEM_MAP] = sys_mem_map,
    [FERRY_SYS_MEM_UNMAP] = sys_mem_unmap,
    [FERRY_SYS_MEM_PROTECT] = sys_mem_protect,
    [FERRY_SYS_MEM_DIRTY] = sys_mem_dirty,
    [FERRY_SYS_MEM_QUERY] = sys_mem_query,
    [FERRY_SYS_THREAD_CONFIGURE] = sys_thread_configure,
    [FERRY_SYS_THREAD_START] = sys_thread_start,
    [FERRY_SYS_THREAD_SUSPEND] = sys_thread_suspend,
    [FERRY_SYS_THREAD_RESUME] = sys_thread_resume,
    [FERRY_SYS_THREAD_READ] = sys_thread_read,
    [FERRY_SYS_THREAD_WRITE] = sys_thread_write,
    [FERRY_SYS_THREAD_SLEEP] = sys_thread_sleep,
    [FERRY_SYS_THREAD_YIELD] = sys_thread_yield,
    [FERRY_SYS_IRQ_WAIT] = sys_irq_wait,
    [FERRY_SYS_IRQ_TRIGGER] = sys_irq_trigger,
    [FERRY_SYS_IRQ_ACK] = sys_irq_ack,
    [FERRY_SYS_DEBUG_WRITE] = sys_debug_write,
    [FERRY_SYS_CLOCK] = sys_clock,
    [FERRY_SYS_POWEROFF] = sys_poweroff,
};

void syscall_dispatch(struct thread *t)
{
    uint64_t nr = t->frame.x[REG_A7];
    long result = FERRY_E_NOSYS;
    if (nr < ARRAY_SIZE(syscalls) && syscalls[nr])
        result = syscalls[nr](t);
    if (result != SYSCALL_DEFERRED) {
        /* t made the call, so it waits for nothing (a call that blocks returns
         * SYSCALL_DEFERRED): completing it is setting two registers */
        KASSERT(t->state == TS_READY);
        t->frame.x[REG_A0] = (uint64_t)result;
        t->frame.pc += 4;
    }
}
