/*
 * One random system call: pick a number (mostly valid, some invalid), make
 * arguments biased toward interesting values (0, 1, victim slots, the last
 * and first invalid slot, huge numbers, kernel addresses, unaligned and page
 * aligned user addresses), defuse it, issue it and count the result.
 *
 * Safety rules (defuse): the kernel must survive anything, but some calls
 * would end the test legitimately, so they are changed before issuing:
 *  - no POWEROFF; blocking calls of the root wait at most MAX_TIMEOUT_US;
 *  - IPC_CALL (whose reply is awaited forever) only to the echo server or the
 *    root itself, otherwise it becomes an IPC_SEND;
 *  - the root's own address space is touched only in the scratch range
 *    (MEM_*, UTCBs of new threads), never made executable there;
 *  - the root's slots 1, 2, 3, 5, its RAM and the infrastructure are never unmapped;
 *    the root task and the protected threads are never destroyed (TASK_UNMAP's
 *    FERRY_UNMAP_DESTROY), whichever slot names them; victims may be;
 *  - the root thread, the echo server and the watchdog are never suspended
 *    or reconfigured; other threads keep priorities below the root's;
 *  - threads running in the root's address space are never pointed at its
 *    code and their registers are only written back unchanged;
 *  - victim tasks never get powerful capabilities (root task, factory, root
 *    side threads, the root's RAM/image/devices) with more than R rights,
 *    nor writable mappings of memory the root depends on;
 *  - object creation stops succeeding after CREATE_BUDGET objects, so that
 *    the kernel pool is left for the final check.
 */
#include "stress.h"
#include <string.h>

struct stress_stats stats;

#ifndef MAX_TIMEOUT_US /* longest wait of the root: victims run meanwhile */
#define MAX_TIMEOUT_US 1000ul
#endif
#ifndef CREATE_BUDGET /* overridable to explore pool exhaustion */
#define CREATE_BUDGET 400
#endif

struct call {
    uint64_t nr, a[6];
};

/* ---- argument generators ---- */

static const uint8_t valid_nrs[] = {
    FERRY_SYS_IPC_CALL,       FERRY_SYS_IPC_SEND,
    FERRY_SYS_IPC_WAIT,       FERRY_SYS_IPC_REPLY_WAIT,
    FERRY_SYS_IPC_REPLY,      FERRY_SYS_FACTORY_CREATE,
    FERRY_SYS_TASK_MAP,       FERRY_SYS_TASK_UNMAP,
    FERRY_SYS_TASK_CAP_INFO,  FERRY_SYS_TASK_CAP_NEXT,
    FERRY_SYS_MEM_MAP,        FERRY_SYS_MEM_UNMAP,
    FERRY_SYS_MEM_PROTECT,    FERRY_SYS_MEM_DIRTY,
    FERRY_SYS_MEM_QUERY,      FERRY_SYS_THREAD_CONFIGURE,
    FERRY_SYS_THREAD_START,   FERRY_SYS_THREAD_SUSPEND,
    FERRY_SYS_THREAD_RESUME,  FERRY_SYS_THREAD_READ,
    FERRY_SYS_THREAD_WRITE,   FERRY_SYS_THREAD_SLEEP,
    FERRY_SYS_THREAD_YIELD,   FERRY_SYS_IRQ_WAIT,
    FERRY_SYS_IRQ_TRIGGER,    FERRY_SYS_IRQ_ACK,
    FERRY_SYS_DEBUG_WRITE,    FERRY_SYS_CLOCK,
    FERRY_SYS_TASK_CAP_BATCH,
};

static bool is_valid_nr(uint64_t nr)
{
    for (unsigned i = 0; i < sizeof(valid_nrs); i++)
        if (valid_nrs[i] == nr)
            return true;
    return nr == FERRY_SYS_POWEROFF;
}

static uint64_t invalid_nr(void)
{
    /* 1<<32 | n would be a valid call if the kernel truncated the number */
    static const uint64_t odd[] = {
        63, 64, 100, 255, 256, 1ul << 32 | 1, 1ul << 32 | 62, ~0ul, 1ul << 63, 0xffffffff};
    for (;;) {
        uint64_t nr = chance(70) ? rnd_below(64) : chance(70) ? odd[rnd_below(10)] : rnd();
        if (!is_valid_nr(nr))
            return nr;
    }
}

static uint64_t rand_arg(void)
{
    switch (rnd_below(20)) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return rnd_below(4);
    case 3:
        return rnd_below(VICTIM_LAST + 1);
    case 4:
        return 16383 + rnd_below(3);
    case 5:
        return 0xfff + rnd_below(3);
    case 6:
        return 0x7fffffff + rnd_below(2);
    case 7:
        return 0x80000000ul + rnd_below(0x10000) * FERRY_PAGE_SIZE; /* kernel RAM */
    case 8:
        return 0xffffffc000000000ul + rnd_below(0x100000) * 8; /* device window */
    case 9:
        return 0xffffffffu + rnd_below(2);
    case 10:
        return ~0ul - rnd_below(2);
    case 11:
        return 1ul << rnd_below(64);
    case 12:
        return rnd_below(0x80000) * FERRY_PAGE_SIZE; /* page-aligned user */
    case 13:
        return rnd_below(0x80000000ul) | 1; /* unaligned user */
    case 14:
        return image_start + rnd_below(image_end - image_start);
    case 15:
        return SCRATCH_VA + rnd_below(SCRATCH_PAGES) * FERRY_PAGE_SIZE;
    default:
        return rnd();
    }
}

static uint64_t rand_sel(void)
{
    switch (rnd_below(20)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
        return VICTIM_FIRST + rnd_below(VICTIM_LAST - VICTIM_FIRST + 1);
    case 8:
    case 9:
    case 10:
    case 11:
        return rnd_below(VICTIM_FIRST);
    case 12:
        return VICTIM_LAST + 1 + rnd_below(20);
    case 13: {
        static const uint64_t odd[] = {255,        256,           16383, 16384,     16385,
                                       0xffffffff, 1ul << 32 | 1, ~0ul,  1ul << 63, 0x80000000};
        return odd[rnd_below(10)];
    }
    default:
        return rand_arg();
    }
}

/* Object type in each low slot of the root, so that typed arguments often
 * name an object of the right type (and calls get past the lookup). */
static uint8_t slot_type[SLOT_CACHE];

void slot_cache_refresh(void)
{
    for (uint64_t sel = 0; sel < SLOT_CACHE; sel++) {
        struct sel_info info;
        slot_type[sel] = sel_lookup(sel, &info) ? (uint8_t)info.type : FERRY_OBJ_NONE;
    }
}

/* A slot holding an object of `type` (60%), else any selector. */
static uint64_t rand_sel_of(enum ferry_obj_type type)
{
    if (chance(60)) {
        uint64_t start = rnd_below(SLOT_CACHE);
        for (uint64_t i = 0; i < SLOT_CACHE; i++) {
            uint64_t sel = (start + i) % SLOT_CACHE;
            if (slot_type[sel] == type)
                return sel;
        }
    }
    return rand_sel();
}

/* Task selectors: the root itself often, a victim task, else anything. */
static uint64_t rand_task_sel(void)
{
    return chance(30) ? FERRY_ROOT_SEL_TASK : rand_sel_of(FERRY_OBJ_TASK);
}

static uint64_t rand_va(void)
{
    switch (rnd_below(10)) {
    case 0:
    case 1:
        return SCRATCH_VA + rnd_below(SCRATCH_PAGES) * FERRY_PAGE_SIZE;
    case 2:
        return VICTIM_STACK_VA + rnd_below(8) * FERRY_PAGE_SIZE;
    case 3:
        return VICTIM_UTCB_VA + rnd_below(16) * FERRY_PAGE_SIZE;
    case 4:
        return (image_start & ~(FERRY_PAGE_SIZE - 1)) + rnd_below(16) * FERRY_PAGE_SIZE;
    case 5: /* a few 2 MiB regions, so page tables stay few */
        return 0x01000000ul + rnd_below(8) * 0x200000 + rnd_below(512) * FERRY_PAGE_SIZE;
    default:
        return rand_arg();
    }
}

static uint64_t rand_pages(void)
{
    switch (rnd_below(10)) {
    case 0:
        return 0;
    case 1:
    case 2:
    case 3:
        return 1;
    case 4:
    case 5:
        return 1 + rnd_below(16);
    case 6:
        return 0x80000 + rnd_below(2) - 1; /* all of user space, and one more */
    default:
        return rand_arg();
    }
}

static uint64_t rand_rights(void)
{
    return chance(85) ? rnd_below(16) : rand_arg();
}

static uint64_t rand_timeout(void)
{
    if (chance(70))
        return 0;
    return chance(90) ? 1 + rnd_below(MAX_TIMEOUT_US) : rand_arg();
}

static uint64_t rand_tag(void)
{
    if (chance(10))
        return rand_arg();
    uint64_t words = chance(90) ? rnd_below(FERRY_MSG_WORDS + 1) : rnd_below(128);
    uint64_t caps = chance(70) ? 0 : chance(90) ? rnd_below(FERRY_MSG_CAPS + 1) : rnd_below(16);
    return words | caps << FERRY_TAG_CAPS_SHIFT | rnd_below(16) << FERRY_TAG_FLAGS_SHIFT |
           (rnd() & 0xffff) << FERRY_TAG_PROTO_SHIFT;
}

static uint64_t rand_offset(void)
{
    switch (rnd_below(8)) {
    case 0:
        return 0;
    case 1:
    case 2:
        return rnd_below(64) * FERRY_PAGE_SIZE;
    case 3:
        return victim_window_offset + rnd_below(victim_window_pages) * FERRY_PAGE_SIZE;
    default:
        return rand_arg();
    }
}

static void create_args(uint64_t *a)
{
    a[0] = chance(70) ? FERRY_ROOT_SEL_FACTORY : rand_sel();
    a[1] = chance(85) ? rnd_below(FERRY_OBJ_TYPE_COUNT + 1) : rand_arg();
    a[2] = rand_sel();
    if (a[1] == FERRY_OBJ_THREAD)
        a[3] = rand_task_sel(), a[4] = rand_va();
    else if (a[1] == FERRY_OBJ_GATE)
        a[3] = rand_sel_of(FERRY_OBJ_THREAD);
    else if (a[1] == FERRY_OBJ_IRQ)
        a[3] = chance(50) ? 0 : chance(80) ? rnd_below(100) : rand_arg();
}

static void mem_map_args(uint64_t *a)
{
    static const uint64_t rights[] = {FERRY_RIGHT_R, FERRY_RIGHT_R | FERRY_RIGHT_W,
                                      FERRY_RIGHT_R | FERRY_RIGHT_X, 7};
    a[0] = rand_task_sel();
    a[1] = chance(60) ? rand_sel_of(FERRY_OBJ_MEMORY) : rand_sel();
    if (chance(50)) { /* well formed: likely to map something */
        a[2] = rnd_below(32) * FERRY_PAGE_SIZE;
        a[3] = rand_va() & ~(FERRY_PAGE_SIZE - 1);
        a[4] = 1 + rnd_below(8);
        a[5] = rights[rnd_below(4)];
    } else {
        a[2] = rand_offset(), a[3] = rand_va(), a[4] = rand_pages(), a[5] = rand_rights();
    }
}

/* MEM_UNMAP, MEM_PROTECT, MEM_DIRTY, MEM_QUERY: task, range, rights or flags */
static void mem_range_args(uint64_t nr, uint64_t *a)
{
    a[0] = rand_task_sel(), a[1] = rand_va(), a[2] = rand_pages();
    if (nr == FERRY_SYS_MEM_DIRTY)
        a[3] = chance(80) ? rnd_below(3) : rand_arg();
    else
        a[3] = rand_rights();
}

static void thread_args(uint64_t nr, uint64_t *a)
{
    a[0] = rand_sel_of(FERRY_OBJ_THREAD);
    if (nr == FERRY_SYS_THREAD_CONFIGURE) {
        a[1] = chance(50) ? 0 : rand_sel_of(FERRY_OBJ_GATE);
        a[2] = chance(50) ? 0 : rand_sel_of(FERRY_OBJ_GATE);
        a[3] = chance(80) ? rnd_below(FERRY_PRIO_MAX + 1) : rand_arg();
        a[4] = chance(30) ? 0 : chance(50) ? rnd_below(20000) : rand_arg();
    } else if (nr == FERRY_SYS_THREAD_START) {
        a[1] = victim_random_pc();
        a[2] = chance(50) ? VICTIM_STACK_VA + FERRY_PAGE_SIZE * (1 + rnd_below(4)) : rand_arg();
        a[3] = chance(50) ? rnd_below(8) : rand_arg();
    } else if (nr == FERRY_SYS_THREAD_READ || nr == FERRY_SYS_THREAD_WRITE) {
        /* a selection of parts (FERRY_TS_*), now and then a bad one */
        a[1] = chance(90) ? 1 + rnd_below(FERRY_TS_ALL) : rand_arg();
    }
}

/* Typed arguments for each call; now and then one is replaced by anything at all. */
static void make_args(struct call *c)
{
    uint64_t *a = c->a;
    for (int i = 0; i < 6; i++)
        a[i] = rand_arg();
    switch (c->nr) {
    case FERRY_SYS_IPC_CALL:
    case FERRY_SYS_IPC_SEND:
        a[0] = rand_sel_of(FERRY_OBJ_GATE), a[1] = rand_tag(), a[2] = rand_timeout();
        break;
    case FERRY_SYS_IPC_WAIT:
    case FERRY_SYS_IPC_REPLY_WAIT:
    case FERRY_SYS_IPC_REPLY:
        a[1] = rand_tag(), a[2] = rand_timeout();
        break;
    case FERRY_SYS_FACTORY_CREATE:
        create_args(a);
        break;
    case FERRY_SYS_TASK_MAP:
        a[0] = rand_task_sel(), a[1] = rand_sel(), a[2] = rand_sel(), a[3] = rand_rights();
        break;
    case FERRY_SYS_TASK_UNMAP:
        a[0] = rand_task_sel(), a[1] = rand_sel();
        a[2] = chance(85) ? 0 : chance(30) ? FERRY_UNMAP_DESTROY : rand_arg();
        break;
    case FERRY_SYS_TASK_CAP_INFO:
    case FERRY_SYS_TASK_CAP_NEXT:
        a[0] = rand_task_sel(), a[1] = rand_sel();
        break;
    case FERRY_SYS_TASK_CAP_BATCH: /* the whole UTCB buf written, or a bad count */
        a[0] = rand_task_sel(), a[1] = rand_sel();
        a[2] = chance(80) ? 1 + rnd_below(FERRY_CAP_BATCH_MAX) : rand_arg();
        break;
    case FERRY_SYS_MEM_MAP:
        mem_map_args(a);
        break;
    case FERRY_SYS_MEM_UNMAP:
    case FERRY_SYS_MEM_PROTECT:
    case FERRY_SYS_MEM_DIRTY:
    case FERRY_SYS_MEM_QUERY:
        mem_range_args(c->nr, a);
        break;
    case FERRY_SYS_THREAD_CONFIGURE:
    case FERRY_SYS_THREAD_START:
    case FERRY_SYS_THREAD_SUSPEND:
    case FERRY_SYS_THREAD_RESUME:
    case FERRY_SYS_THREAD_READ:
    case FERRY_SYS_THREAD_WRITE:
        thread_args(c->nr, a);
        break;
    case FERRY_SYS_THREAD_SLEEP:
        a[0] = rand_timeout();
        break;
    case FERRY_SYS_IRQ_WAIT:
    case FERRY_SYS_IRQ_TRIGGER:
    case FERRY_SYS_IRQ_ACK:
        a[0] = rand_sel_of(FERRY_OBJ_IRQ), a[1] = rand_timeout();
        break;
    case FERRY_SYS_DEBUG_WRITE:
        a[0] = chance(50) ? FERRY_UTCB_BUF + 1 + rnd_below(4) : rand_arg();
        break;
    }
    if (chance(15))
        a[rnd_below(6)] = rand_arg();
}

/* ---- safety rules ---- */

static bool is_root_task(uint64_t sel)
{
    struct sel_info info;
    return sel_lookup(sel, &info) && info.type == FERRY_OBJ_TASK && info.id == reg_root_task_id();
}

static uint64_t thread_id_of(uint64_t sel)
{
    struct sel_info info;
    return sel_lookup(sel, &info) && info.type == FERRY_OBJ_THREAD ? info.id : 0;
}

/* Would the kernel accept this page range (and so change mappings)? */
static bool user_range_ok(uint64_t va, uint64_t pages)
{
    const uint64_t end = 0x80000000ul;
    return (va & (FERRY_PAGE_SIZE - 1)) == 0 && va < end && pages > 0 &&
           pages <= (end - va) / FERRY_PAGE_SIZE;
}

/* Moves a range that would be accepted in the root's own space into the scratch range. */
static void into_scratch(uint64_t *va, uint64_t *pages)
{
    if (!user_range_ok(*va, *pages))
        return;
    *pages = 1 + (*pages - 1) % 16;
    *va = SCRATCH_VA + rnd_below(SCRATCH_PAGES - *pages + 1) * FERRY_PAGE_SIZE;
}

/* An address where a thread of the root's address space can only fault. */
static uint64_t root_side_pc(void)
{
    static const uint64_t pcs[] = {
        0, 0x1000, 0x70000000ul, 0x80200000ul, 0xffffffc000000000ul, 0x8000000000000000ul};
    return pcs[rnd_below(6)];
}

static void clamp_timeout(uint64_t *t)
{
    if (*t > MAX_TIMEOUT_US)
        *t %= MAX_TIMEOUT_US + 1;
}

/* Capabilities the root sends in a message reach whoever receives it. */
static void defuse_sent_caps(uint64_t tag)
{
    struct ferry_utcb *u = sys_utcb();
    unsigned caps = FERRY_TAG_CAPS(tag);
    for (unsigned i = 0; i < caps && i < FERRY_MSG_CAPS; i++) {
        struct sel_info info;
        if (sel_lookup(u->snd_cap[i] & 0xffffffffu, &info) && reg_is_dangerous(info.id))
            u->snd_cap[i] &= ~((uint64_t)(FERRY_RIGHTS_ALL & ~FERRY_RIGHT_R) << 32);
    }
}

static void defuse_ipc(struct call *c)
{
    uint64_t *a = c->a;
    if (c->nr == FERRY_SYS_IPC_CALL) {
        struct sel_info info;
        if (sel_lookup(a[0], &info) && info.type == FERRY_OBJ_GATE) {
            uint64_t receiver = reg_gate_receiver(info.id);
            if (receiver != reg_echo_thread_id() && receiver != reg_root_thread_id())
                c->nr = FERRY_SYS_IPC_SEND;
        }
    }
    if (c->nr != FERRY_SYS_IPC_WAIT)
        defuse_sent_caps(a[1]);
    clamp_timeout(&a[2]);
}

static void defuse_create(struct call *c)
{
    uint64_t *a = c->a;
    if (stats.created >= CREATE_BUDGET)
        a[2] = FERRY_ROOT_SEL_TASK; /* occupied: fails after all the checks */
    if (a[1] == FERRY_OBJ_THREAD && is_root_task(a[3]) && user_range_ok(a[4], 1)) {
        uint64_t pages = 1;
        into_scratch(&a[4], &pages);
    }
}

static void defuse_task_map(struct call *c)
{
    struct sel_info src;
    if (!is_root_task(c->a[0]) && sel_lookup(c->a[1], &src) && reg_is_dangerous(src.id))
        c->a[3] &= FERRY_RIGHT_R;
}

static bool protected_slot(uint64_t sel)
{
    return sel == FERRY_ROOT_SEL_TASK || sel == FERRY_ROOT_SEL_THREAD ||
           sel == FERRY_ROOT_SEL_FACTORY || sel == FERRY_ROOT_SEL_IMAGE ||
           sel == runtime_bootinfo->ram[0].sel || (sel >= INFRA_FIRST && sel < 16384);
}

bool destroy_allowed(uint64_t task, uint64_t sel)
{
    struct sys_cap_info info;
    if (sys_task_cap_info(task, sel, &info) != FERRY_OK)
        return false;
    return info.id != reg_root_task_id() && !reg_is_protected_thread(info.id);
}

static void defuse_mem_map(struct call *c)
{
    uint64_t *a = c->a;
    if (is_root_task(a[0])) {
        into_scratch(&a[3], &a[4]);
        a[5] &= ~(uint64_t)FERRY_RIGHT_X;
        return;
    }
    struct sel_info mem;
    if (!(a[5] & FERRY_RIGHT_W) || !sel_lookup(a[1], &mem))
        return;
    switch (reg_mem_kind(mem.id)) {
    case MEM_RAM0:
        if ((a[2] & (FERRY_PAGE_SIZE - 1)) == 0 && a[2] < runtime_bootinfo->ram[0].size)
            a[2] = victim_window_offset + rnd_below(victim_window_pages) * FERRY_PAGE_SIZE;
        break;
    case MEM_NO_WRITE:
        a[5] &= ~(uint64_t)FERRY_RIGHT_W;
        break;
    default:
        break;
    }
    if (user_range_ok(a[3], a[4]) && a[4] > 64 && !chance(2))
        a[4] = 1 + a[4] % 64; /* huge maps cost page tables: only a few */
}

static bool defuse_thread(struct call *c)
{
    uint64_t id = thread_id_of(c->a[0]);
    if (!id)
        return true; /* not a thread: the call fails, no harm */
    switch (c->nr) {
    case FERRY_SYS_THREAD_SUSPEND:
    case FERRY_SYS_THREAD_CONFIGURE:
        if (reg_is_protected_thread(id))
            return false;
        if (c->nr == FERRY_SYS_THREAD_CONFIGURE && c->a[3] <= FERRY_PRIO_MAX)
            c->a[3] %= ROOT_PRIO;
        break;
    case FERRY_SYS_THREAD_START:
        if (reg_is_root_side_thread(id))
            c->a[1] = root_side_pc();
        break;
    }
    return true;
}

/* Changes a call so that it cannot end the test; false: pick another. */
static bool defuse(struct call *c)
{
    uint64_t *a = c->a;
    switch (c->nr) {
    case FERRY_SYS_POWEROFF:
        return false;
    case FERRY_SYS_IPC_CALL:
    case FERRY_SYS_IPC_SEND:
    case FERRY_SYS_IPC_WAIT:
    case FERRY_SYS_IPC_REPLY_WAIT:
    case FERRY_SYS_IPC_REPLY:
        defuse_ipc(c);
        return true;
    case FERRY_SYS_FACTORY_CREATE:
        defuse_create(c);
        return true;
    case FERRY_SYS_TASK_MAP:
        defuse_task_map(c);
        return true;
    case FERRY_SYS_TASK_UNMAP:
        if ((a[2] & FERRY_UNMAP_DESTROY) && !destroy_allowed(a[0], a[1]))
            a[2] &= ~(uint64_t)FERRY_UNMAP_DESTROY;
        return !(is_root_task(a[0]) && protected_slot(a[1]));
    case FERRY_SYS_MEM_MAP:
        defuse_mem_map(c);
        return true;
    case FERRY_SYS_MEM_UNMAP:
    case FERRY_SYS_MEM_PROTECT:
        if (is_root_task(a[0]))
            into_scratch(&a[1], &a[2]);
        if (c->nr == FERRY_SYS_MEM_PROTECT && is_root_task(a[0]))
            a[3] &= ~(uint64_t)FERRY_RIGHT_X;
        return true;
    case FERRY_SYS_THREAD_CONFIGURE:
    case FERRY_SYS_THREAD_START:
    case FERRY_SYS_THREAD_SUSPEND:
        return defuse_thread(c);
    case FERRY_SYS_THREAD_SLEEP:
        clamp_timeout(&a[0]);
        return true;
    case FERRY_SYS_IRQ_WAIT:
        clamp_timeout(&a[1]);
        return true;
    case FERRY_SYS_DEBUG_WRITE:
        if (a[0] <= FERRY_UTCB_BUF)
            a[0] = 0; /* no binary garbage on the console */
        return true;
    default:
        return true;
    }
}

/* ---- issuing ---- */

static void mutate_utcb(void)
{
    struct ferry_utcb *u = sys_utcb();
    switch (rnd_below(3)) {
    case 0:
        u->mr[rnd_below(FERRY_MSG_WORDS)] = rand_arg();
        break;
    case 1:
        u->snd_cap[rnd_below(FERRY_MSG_CAPS)] =
            chance(80) ? FERRY_CAPDESC(rand_sel(), rand_rights()) : rand_arg();
        break;
    default:
        u->rcv_window = chance(80) ? FERRY_RCV_WINDOW(rand_sel(), rnd_below(10)) : rand_arg();
        break;
    }
}

/* New register state for a thread outside the root's address space. */
static void mutate_state(struct ferry_thread_state *s, bool read_ok)
{
    if (!read_ok) { /* the buffer holds whatever: mostly a valid header */
        s->magic = FERRY_THREAD_STATE_MAGIC;
        s->version = FERRY_THREAD_STATE_VERSION;
    }
    if (chance(5)) /* a state of another kernel version: E_INVAL */
        *(chance(50) ? &s->magic : &s->version) ^= 1ull << rnd_below(64);
    if (!read_ok || chance(10))
        for (unsigned i = 1; i < 32; i++)
            s->x[i] = rand_arg();
    for (unsigned n = rnd_below(4); n; n--)
        s->x[1 + rnd_below(31)] = rand_arg();
    if (chance(50))
        s->pc = victim_random_pc();
    if (chance(20)) {
        s->f[rnd_below(32)] = rnd();
        s->fcsr = chance(50) ? rnd_below(256) : rnd();
        s->fp_used = rnd_below(2);
    }
    if (chance(20))
        s->run.blocked_call = rand_arg();
    if (chance(30)) {
        uint64_t *words = (uint64_t *)s->utcb;
        words[rnd_below(FERRY_UTCB_STATE / 8)] = rand_arg();
    }
}

/* What a successful THREAD_READ put into the buffer must make sense: only a
 * suspended, inactive or faulted thread's state can be read. */
static void check_read_state(void)
{
    const struct ferry_thread_state *s = (const struct ferry_thread_state *)sys_utcb()->buf;
    CHECK(s->run.state <= FERRY_RUN_FAULTED && s->run.suspended <= 1, "run state %lu suspended %lu",
          (unsigned long)s->run.state, (unsigned long)s->run.suspended);
    CHECK(s->run.suspended || s->run.state == FERRY_RUN_INACTIVE ||
              s->run.state == FERRY_RUN_FAULTED,
          "read the state of a running thread (run state %lu)", (unsigned long)s->run.state);
    stats.states_read[s->run.state]++;
}

/* THREAD_WRITE: threads of the root's address space get their own state back. */
static struct sys_result thread_write(const struct call *c)
{
    struct ferry_thread_state *s = (struct ferry_thread_state *)sys_utcb()->buf;
    uint64_t id = thread_id_of(c->a[0]);
    bool read_ok = sys_thread_read(c->a[0]) == FERRY_OK;
    if (read_ok)
        check_read_state();
    uint64_t target = c->a[0];
    if (id && reg_is_root_side_thread(id)) {
        if (!read_ok)
            target = 0; /* nothing to write back (a W-only copy could still write) */
    } else {
        mutate_state(s, read_ok);
    }
    return sys_call6(c->nr, target, c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}

static void record(const struct call *c, long err)
{
    uint64_t code = (uint64_t)err < FERRY_ERROR_COUNT ? (uint64_t)err : FERRY_ERROR_COUNT;
    stats.result[code]++;
    stats.calls++;
    stats.per_call[c->nr < 63 ? c->nr : 63]++;
    if (err == FERRY_OK)
        stats.per_call_ok[c->nr < 63 ? c->nr : 63]++;
    CHECK(code < FERRY_ERROR_COUNT, "syscall %lu returned %ld: not an error code",
          (unsigned long)c->nr, err);
    if (!is_valid_nr(c->nr))
        CHECK(err == FERRY_E_NOSYS, "invalid syscall %lx returned %s, expected E_NOSYS",
              (unsigned long)c->nr, ferry_error_name(err));
    else
        CHECK(err != FERRY_E_NOSYS, "valid syscall %lu returned E_NOSYS", (unsigned long)c->nr);
    if (c->nr == FERRY_SYS_FACTORY_CREATE && err == FERRY_OK)
        stats.created++;
    if (c->nr == FERRY_SYS_TASK_UNMAP && (c->a[2] & FERRY_UNMAP_DESTROY) && err == FERRY_OK)
        stats.destroyed++;
}

void stress_one(void)
{
    struct call c;
    struct call before;
    if (chance(5))
        mutate_utcb();
    for (;;) {
        c.nr = chance(85) ? valid_nrs[rnd_below(sizeof(valid_nrs))] : invalid_nr();
        make_args(&c);
        before = c;
        if (!is_valid_nr(c.nr) || defuse(&c))
            break;
    }
    if (memcmp(&before, &c, sizeof(c)))
        stats.defused++;

    /* who a new thread or gate belongs to, for the registry */
    uint64_t create_task = 0, create_receiver = 0;
    if (c.nr == FERRY_SYS_FACTORY_CREATE) {
        create_task = c.a[1] == FERRY_OBJ_THREAD ? sel_id(c.a[3]) : 0;
        create_receiver = c.a[1] == FERRY_OBJ_GATE ? sel_id(c.a[3]) : 0;
    }

    stress_last_call[0] = c.nr;
    for (int i = 0; i < 6; i++)
        stress_last_call[1 + i] = c.a[i];
    struct sys_result r = c.nr == FERRY_SYS_THREAD_WRITE
                              ? thread_write(&c)
                              : sys_call6(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
    record(&c, r.err);
    if (c.nr == FERRY_SYS_THREAD_READ && r.err == FERRY_OK && (c.a[1] & FERRY_TS_RUN))
        check_read_state();
    if (c.nr == FERRY_SYS_FACTORY_CREATE && r.err == FERRY_OK)
        reg_created(c.a[1], c.a[2], create_task, create_receiver);
}
