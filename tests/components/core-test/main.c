/*
 * core-test: exercises core's services from a component, one check per
 * line ("ok: ..." or "FAILED: ..."), and ends with a summary; its exit code
 * is the number of failed checks. Needs route * parent, ram >= 2M, caps >= 128,
 * its own binary as boot module "core-test" and a virtio-mmio device at
 * 0x10001000 with IRQ 1 (QEMU virt).
 */
#include <ferry/iface/cpu.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/iface/log.h>
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/rom.h>
#include <ferry/iface/timer.h>
#include <client.h>
#include <ferry/macros.h>
#include <env.h>
#include <stdio.h>
#include <string.h>

#define HELPER_PRIO 50

static unsigned checks, failures;

static void check(bool ok, const char *what)
{
    checks++;
    failures += !ok;
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
}

static void check_err(long err, long want, const char *what)
{
    checks++;
    failures += err != want;
    if (err == want)
        printf("ok: %s: %s\n", what, ferry_error_name(err));
    else
        printf("FAILED: %s: %s, expected %s\n", what, ferry_error_name(err),
               ferry_error_name(want));
}

static struct env *E;

/* The kernel object id behind one of our capabilities (0 if none). */
static uint64_t kernel_id(uint32_t slot)
{
    struct sys_cap_info info;
    return sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) ? 0 : info.id;
}

/* The type of the kernel object behind one of our capabilities (FERRY_OBJ_NONE if none). */
static uint64_t kernel_type(uint32_t slot)
{
    struct sys_cap_info info;
    return sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) ? FERRY_OBJ_NONE : info.type;
}

/* The kernel's label of one of our capabilities: core's badge. This test checks
 * what core does with badges; a component's own code never looks at one. */
static uint64_t label_of(uint32_t slot)
{
    struct sys_cap_info info;
    return sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) ? 0 : info.label;
}

/* Is the capability in our slot one to a destroyed kernel object? */
static bool kernel_dead(uint32_t slot)
{
    struct sys_cap_info info;
    return !sys_task_cap_info(FERRY_COMP_SEL_TASK, slot, &info) && (info.flags & FERRY_CAP_DEAD);
}

static long quota(uint32_t pd, uint64_t *ram_used, uint64_t *caps_used)
{
    struct ferry_pd_quota_out q;
    long err = pd_quota(pd, &q);
    if (!err) {
        if (ram_used)
            *ram_used = q.ram_used;
        if (caps_used)
            *caps_used = q.cap_used;
    }
    return err;
}

/* ---- RAM, attach, quota ---- */

static void test_ram(void)
{
    uint64_t used0, used1, used2, addr, addr2;
    uint32_t ds;
    quota(E->pd, &used0, NULL);
    check_err(pd_alloc_ram(E->pd, 3 * 4096 + 1, &ds), FERRY_OK, "PD_ALLOC_RAM 3 pages + 1 byte");
    quota(E->pd, &used1, NULL);
    check(used1 - used0 == 4 * 4096, "RAM charged: 4 pages");
    struct ferry_ds_info_out info;
    long err = ds_info(ds, &info);
    check(!err && info.size == 4 * 4096 && (info.flags & FERRY_DS_WRITABLE), "DS_INFO");

    check_err(env_attach(E, ds, 0x40000800, 0, 0, FERRY_RM_WRITE, &addr), FERRY_E_ALIGN,
              "attach at an unaligned address");
    check_err(env_attach(E, ds, 0x7dfff000, 0, 0, FERRY_RM_WRITE, &addr), FERRY_E_RANGE,
              "attach past the end of the address space");
    check_err(env_attach(E, ds, 0x1000, 0, 0, FERRY_RM_WRITE, &addr), FERRY_E_RANGE,
              "attach below 0x10000");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 0, 5 * 4096, 0, &addr), FERRY_E_RANGE,
              "attach at an offset past the dataspace");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 4 * 4096, 4096, 0, &addr), FERRY_E_RANGE,
              "attach more than the dataspace holds");
    check_err(env_attach(E, ds, 0x10000, 0, 0, 0, &addr), FERRY_E_OCCUPIED,
              "attach over the program image");
    check_err(env_attach(E, ds, 0x50000000, 0, 0, FERRY_RM_WRITE, &addr), FERRY_OK,
              "attach at 0x50000000");
    check_err(env_attach(E, ds, 0x50001000, 0, 0, 0, &addr2), FERRY_E_OCCUPIED,
              "attach overlapping it");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 4096, 2 * 4096, 0, &addr2), FERRY_OK,
              "attach one page at offset 2 pages, read-only, anywhere");
    volatile uint32_t *w = (volatile uint32_t *)addr, *r = (volatile uint32_t *)addr2;
    w[2 * 1024] = 0xc0ffee;
    check(r[0] == 0xc0ffee, "the two attachments share memory");
    check(w[0] == 0, "fresh RAM is zeroed");
    check_err(rm_detach(E->rm, addr2 + 100), FERRY_OK, "detach by an address inside");
    check_err(rm_detach(E->rm, addr2), FERRY_E_NOENT, "detach it again");
    check_err(pd_free_ram(E->pd, ds), FERRY_OK, "PD_FREE_RAM while attached");
    quota(E->pd, &used2, NULL);
    check(used2 == used0, "RAM quota back after the free");
    check_err(rm_detach(E->rm, addr), FERRY_E_NOENT, "freeing detached it everywhere");
}

/* ---- ROM ---- */

static void test_rom(void)
{
    uint32_t rom, ds;
    uint64_t addr;
    check_err(env_session(E, "ROM", "", "name=no-such-module", 64 * 1024, 4, &rom), FERRY_E_NOENT,
              "ROM of a missing module");
    check_err(env_session(E, "ROM", "", "name=core-test", 8192, 4, &rom), FERRY_E_QUOTA,
              "ROM with a donation smaller than the module");
    check_err(env_session(E, "ROM", "core-test", "", 1 << 20, 4, &rom), FERRY_OK,
              "ROM named by the label's last element");
    uint64_t size = 0;
    long err = rom_dataspace(rom, &ds, &size);
    check(!err && ds && size > 4096, "ROM_DATASPACE");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr), FERRY_E_NORIGHTS,
              "attach a ROM writable");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 0, 0, 0, &addr), FERRY_OK, "attach it read-only");
    check(memcmp((const void *)addr, "\177ELF", 4) == 0, "the ROM holds our ELF image");
    env_detach(E, addr);
    check_err(env_session_close(E, rom), FERRY_OK, "close the ROM session");
}

/* ---- timer ---- */

static void test_timer(void)
{
    uint32_t timer, signal;
    check_err(env_session(E, "Timer", "", NULL, 8192, 2, &timer), FERRY_OK, "Timer session");
    check_err(env_signal_alloc(E, &signal), FERRY_OK, "PD_ALLOC_SIGNAL");
    check_err(timer_sigh(timer, signal), FERRY_OK, "TIMER_SIGH");
    uint64_t t0 = 0, t1 = 0;
    check_err(timer_elapsed_us(timer, &t0), FERRY_OK, "TIMER_ELAPSED");
    check_err(timer_oneshot(timer, 30000), FERRY_OK, "TIMER_ONESHOT");
    check_err(sys_irq_wait(signal, 2000000), FERRY_OK, "one-shot 30 ms fires");
    timer_elapsed_us(timer, &t1);
    check(t1 - t0 >= 30000 && t1 - t0 < 1000000, "... not before 30 ms, well before 1 s");
    check_err(sys_irq_wait(signal, 100000), FERRY_E_TIMEOUT, "one-shot fires only once");
    check_err(timer_periodic(timer, 10), FERRY_E_INVAL, "period below the minimum");
    check_err(timer_periodic(timer, 10000), FERRY_OK, "TIMER_PERIODIC");
    unsigned ticks = 0;
    for (unsigned i = 0; i < 3; i++)
        ticks += sys_irq_wait(signal, 1000000) == FERRY_OK;
    check(ticks == 3, "periodic 10 ms: 3 ticks");
    check_err(timer_stop(timer), FERRY_OK, "TIMER_STOP");
    while (sys_irq_wait(signal, 0) == FERRY_OK) /* a tick may have come before the stop */
        ;
    check_err(sys_irq_wait(signal, 50000), FERRY_E_TIMEOUT, "TIMER_STOP stops it");
    env_session_close(E, timer);
}

/* ---- threads ---- */

static volatile uint64_t spin_count;
static volatile int redirected;

static void spinner(void *arg)
{
    (void)arg;
    for (;;)
        spin_count++;
}

static void sleep_forever(void *arg)
{
    (void)arg;
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

static void redirect_target(void)
{
    redirected = 1;
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

/*
 * THREAD_STATE_GET / _SET of some parts only (FERRY_TS_*): core moves the
 * selected parts and no other byte, either way. st (in ds) holds the paused
 * thread t's whole state and still does afterwards.
 */
static void test_state_selection(uint32_t t, struct ferry_thread_state *st, uint32_t ds)
{
    static struct ferry_thread_state whole;
    whole = *st;
    memset(st->utcb, 0x5a, sizeof(st->utcb));
    st->f[0] = ~whole.f[0];
    st->pc = 0;
    check_err(thread_state_get_sel(t, ds, FERRY_TS_REGS), FERRY_OK, "STATE_GET of the registers");
    check(st->pc == whole.pc && st->f[0] == ~whole.f[0] && st->utcb[0] == 0x5a &&
              st->utcb[sizeof(st->utcb) - 1] == 0x5a,
          "STATE_GET of the registers moves them and nothing else");
    /* a register write with a garbage UTCB part and FP registers leaves both */
    check_err(thread_state_set_sel(t, ds, FERRY_TS_REGS), FERRY_OK, "STATE_SET of the registers");
    check_err(thread_state_get_sel(t, ds, FERRY_TS_UTCB | FERRY_TS_FP), FERRY_OK,
              "STATE_GET of the UTCB part and FP registers");
    check(!memcmp(st, &whole, sizeof(whole)), "STATE_SET of the registers moves nothing else");
    check_err(thread_state_get_sel(t, ds, 0), FERRY_E_INVAL, "STATE_GET of no part");
    check_err(thread_state_set_sel(t, ds, FERRY_TS_ALL + 1), FERRY_E_INVAL,
              "STATE_SET of an unknown part");
}

static void test_threads(void)
{
    long err;
    uint32_t t = env_thread_spawn(E, "spinner", HELPER_PRIO, spinner, NULL, &err);
    check_err(err, FERRY_OK, "spawn a spinning thread");
    sys_sleep(20000);
    check(spin_count > 0, "it runs");
    uint32_t ds;
    pd_alloc_ram(E->pd, 4096, &ds);
    check_err(thread_state_get(t, ds), FERRY_E_BUSY, "STATE_GET of a running thread");
    check_err(thread_pause(t), FERRY_OK, "THREAD_PAUSE");
    uint64_t c0 = spin_count;
    sys_sleep(20000);
    check(spin_count == c0, "a paused thread does not run");
    struct ferry_thread_info_out info = {0};
    thread_info(t, &info);
    check(info.paused == 1 && info.utcb >= FERRY_COMP_UTCB_BASE, "THREAD_INFO: paused, UTCB");
    uint64_t addr;
    env_attach(E, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr);
    struct ferry_thread_state *st = (struct ferry_thread_state *)addr;
    check_err(thread_state_get(t, ds), FERRY_OK, "STATE_GET");
    check(st->pc >= (uint64_t)spinner && st->pc < (uint64_t)spinner + 64, "pc is in the loop");
    test_state_selection(t, st, ds);
    st->pc = (uint64_t)redirect_target;
    check_err(thread_state_set(t, ds), FERRY_OK, "STATE_SET new pc");
    check_err(thread_resume(t), FERRY_OK, "THREAD_RESUME");
    sys_sleep(20000);
    check(redirected == 1, "the thread continues at the new pc");
    check_err(cpu_kill_thread(E->cpu, t), FERRY_OK, "CPU_KILL_THREAD");
    check_err(thread_info(t, &info), FERRY_E_BADOBJ, "killed thread is dead");
    env_detach(E, addr);
    pd_free_ram(E->pd, ds);
}

/* More threads than a PD has UTCB pages, one after the other: a killed
 * thread's UTCB address goes to the next thread. */
#define THREAD_CHURN         (CORE_TEST_UTCB_PAGES + 52)
#define CORE_TEST_UTCB_PAGES ((FERRY_COMP_UTCB_END - FERRY_COMP_UTCB_BASE) / FERRY_PAGE_SIZE)

static void test_thread_churn(void)
{
    unsigned ok = 0, same_utcb = 0;
    uint64_t first_utcb = 0;
    for (unsigned i = 0; i < THREAD_CHURN; i++) {
        uint32_t t;
        if (cpu_create_thread(E->cpu, E->pd, "churn", HELPER_PRIO, &t) != FERRY_OK)
            break;
        struct ferry_thread_info_out info;
        if (thread_info(t, &info) == FERRY_OK) {
            if (i == 0)
                first_utcb = info.utcb;
            same_utcb += info.utcb == first_utcb;
        }
        if (cpu_kill_thread(E->cpu, t) == FERRY_OK)
            ok++;
        env_cap_drop(t);
    }
    check(ok == THREAD_CHURN, "threads created and killed one after the other, more than a PD "
                              "has UTCB pages");
    check(same_utcb == THREAD_CHURN, "each got the UTCB address its predecessor gave back");
}

/* ---- faults ---- */

static void wild_write(void *arg)
{
    (void)arg;
    *(volatile uint64_t *)0x7e000000ul = 1;
}

static void illegal(void *arg)
{
    (void)arg;
    __asm__ volatile(".word 0");
}

static void test_faults(void)
{
    uint32_t signal;
    long err;
    env_signal_alloc(E, &signal);
    check_err(cpu_exception_sigh(E->cpu, signal), FERRY_OK, "CPU_EXCEPTION_SIGH");
    uint32_t t = env_thread_spawn(E, "wild", HELPER_PRIO, wild_write, NULL, &err);
    check_err(sys_irq_wait(signal, 1000000), FERRY_OK, "page fault signalled");
    struct ferry_thread_info_out info = {0};
    struct ferry_rm_state_out state = {0};
    thread_info(t, &info);
    check(info.paused == 1 && info.fault_kind == FERRY_THREAD_FAULT_PAGE &&
              info.fault_addr == 0x7e000000ul,
          "THREAD_INFO: halted on a page fault at 0x7e000000");
    rm_state(E->rm, &state);
    check(state.type == FERRY_RM_FAULT_WRITE && state.addr == 0x7e000000ul,
          "RM_STATE of the address space: write at 0x7e000000");
    cpu_kill_thread(E->cpu, t);
    rm_state(E->rm, &state);
    check(state.type == FERRY_RM_FAULT_NONE, "no fault pending after the kill");

    t = env_thread_spawn(E, "illegal", HELPER_PRIO, illegal, NULL, &err);
    check_err(sys_irq_wait(signal, 1000000), FERRY_OK, "exception signalled");
    thread_info(t, &info);
    check(info.fault_kind == FERRY_THREAD_FAULT_EXCEPTION, "THREAD_INFO: exception");
    cpu_kill_thread(E->cpu, t);
}

/* ---- managed dataspaces ---- */

static volatile uint64_t *managed_base;
static volatile uint64_t managed_value;

static void managed_reader(void *arg)
{
    (void)arg;
    managed_value = managed_base[0x2000 / 8 + 1];
}

static void test_managed(void)
{
    uint32_t rms, map, mds, signal, ram;
    uint64_t addr, at;
    long err;
    check_err(env_session(E, "RM", "", NULL, 8192, 4, &rms), FERRY_OK, "RM session");
    check_err(rm_create(rms, 0x10001, &map), FERRY_E_INVAL, "RM_CREATE unaligned");
    check_err(rm_create(rms, 0x10000, &map), FERRY_OK, "RM_CREATE 64 KiB");
    check_err(rm_dataspace(map, &mds), FERRY_OK, "RM_DATASPACE");
    struct ferry_ds_info_out info = {0};
    ds_info(mds, &info);
    check(info.size == 0x10000 && (info.flags & FERRY_DS_MANAGED), "DS_INFO: managed, 64 KiB");
    check_err(rm_dataspace(E->rm, &ram), FERRY_E_INVAL, "RM_DATASPACE of an address space");
    check_err(rm_attach(map, mds, FERRY_RM_ANY, 0, 0, 0, &at), FERRY_E_INVAL,
              "a managed dataspace inside a managed map");
    env_signal_alloc(E, &signal);
    check_err(rm_fault_handler(map, signal), FERRY_OK, "RM_FAULT_HANDLER");
    check_err(env_attach(E, mds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr), FERRY_OK,
              "attach the managed dataspace");
    managed_base = (volatile uint64_t *)addr;
    uint32_t t = env_thread_spawn(E, "reader", HELPER_PRIO, managed_reader, NULL, &err);
    check_err(sys_irq_wait(signal, 1000000), FERRY_OK, "fault in the empty map signalled");
    struct ferry_rm_state_out state = {0};
    rm_state(map, &state);
    check(state.type == FERRY_RM_FAULT_READ && state.addr == 0x2000,
          "RM_STATE: read at offset 0x2000");
    pd_alloc_ram(E->pd, 4096, &ram);
    uint64_t local;
    env_attach(E, ram, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &local);
    ((volatile uint64_t *)local)[1] = 0x5eed;
    check_err(rm_attach(map, ram, 0x2000, 0, 0, FERRY_RM_WRITE, &at), FERRY_OK,
              "attach RAM into the map at 0x2000");
    sys_sleep(20000);
    check(managed_value == 0x5eed, "the waiting thread resumed and read through the map");
    rm_state(map, &state);
    check(state.type == FERRY_RM_FAULT_NONE, "no fault pending");
    managed_base[0x2000 / 8 + 2] = 7;
    check(((volatile uint64_t *)local)[2] == 7, "writes through the map reach the RAM");
    check_err(rm_detach(map, 0x2000), FERRY_OK, "detach from the map");
    cpu_kill_thread(E->cpu, t);
    t = env_thread_spawn(E, "reader2", HELPER_PRIO, managed_reader, NULL, &err);
    check_err(sys_irq_wait(signal, 1000000), FERRY_OK, "the detached page faults again");
    cpu_kill_thread(E->cpu, t);
    env_detach(E, addr);
    env_detach(E, local);
    pd_free_ram(E->pd, ram);
    check_err(rm_destroy(rms, map), FERRY_OK, "RM_DESTROY");
    check_err(ds_info(mds, &info), FERRY_E_BADOBJ, "its dataspace is gone with it");
    env_session_close(E, rms);
}

/* ---- PD sessions of our own: quota, native PD ---- */

/* NPD_CAP_INFO passes the kernel's object introspection on (objinfo.h): the
 * pending count of a signal in the PD's slot, read twice without consuming it. */
static void test_npd_cap_info(uint32_t npd)
{
    uint32_t signal;
    check_err(env_signal_alloc(E, &signal), FERRY_OK, "a signal to introspect");
    uint64_t badge = label_of(signal);
    check_err(npd_map(npd, signal, 21, FERRY_RIGHT_R | FERRY_RIGHT_W), FERRY_OK,
              "NPD_MAP the signal to slot 21");
    sys_irq_trigger(signal);
    sys_irq_trigger(signal);
    struct ferry_npd_cap_info_out out = {0};
    for (uint64_t want = 2; want >= 1; want--) {
        for (int read = 0; read < 2; read++) {
            npd_cap_info(npd, 21, &out);
            check(out.type == FERRY_OBJ_IRQ && out.label == badge &&
                      out.obj.magic == FERRY_OBJ_INFO_MAGIC &&
                      out.obj.version == FERRY_OBJ_INFO_VERSION && out.obj.id == out.id &&
                      out.obj.irq.pending == want,
                  want == 2 ? "NPD_CAP_INFO: the signal's pending count 2, read without consuming"
                            : "NPD_CAP_INFO: pending count 1 after one IRQ_WAIT");
        }
        sys_irq_wait(signal, FERRY_TIMEOUT_POLL);
    }
    check_err(npd_unmap(npd, 21), FERRY_OK, "NPD_UNMAP the signal");
    check_err(pd_free_signal(E->pd, signal), FERRY_OK, "free the signal");
    env_cap_drop(signal);
}

/* NPD_CAP_BATCH reads the PD's capability space in batches of
 * FERRY_NPD_CAP_BATCH_MAX: 26 LOG copies across the leaf boundary at 256 take
 * two batches, and every entry is what NPD_CAP_NEXT and NPD_CAP_INFO say. */
static void test_npd_cap_batch(uint32_t npd)
{
    static struct ferry_npd_cap_batch_out b;
    bool mapped = true, agree = true;
    for (uint64_t slot = 240; slot < 266; slot++)
        mapped &= npd_map(npd, E->log, slot, FERRY_RIGHT_W) == FERRY_OK;
    check(mapped, "NPD_MAP 26 LOG copies to slots 240..265");
    unsigned batches = 0, entries = 0;
    uint64_t want = 1;
    for (uint64_t slot = 1; slot && agree; slot = b.head.next, batches++) {
        agree = npd_cap_batch(npd, slot, &b) == FERRY_OK;
        for (uint64_t i = 0; agree && i < b.head.count; i++, entries++) {
            struct ferry_npd_cap_info_out info = {0};
            agree = npd_cap_next(npd, want, &want) == FERRY_OK && b.entry[i].slot == want &&
                    npd_cap_info(npd, want, &info) == FERRY_OK && info.type == b.entry[i].type &&
                    info.rights == b.entry[i].rights && info.label == b.entry[i].label &&
                    info.id == b.entry[i].id && !b.entry[i].flags;
            want++;
        }
    }
    uint64_t next;
    check(agree && batches == 2 && entries == 27 && npd_cap_next(npd, want, &next) == FERRY_E_NOENT,
          "NPD_CAP_BATCH: the task and 26 LOG copies in two batches, as NPD_CAP_NEXT/INFO say");
    check_err(npd_cap_batch(npd, 257, &b), FERRY_OK, "NPD_CAP_BATCH from slot 257");
    check(b.head.count == 9 && b.entry[0].slot == 257 && b.entry[8].slot == 265 && !b.head.next,
          "NPD_CAP_BATCH from 257: slots 257..265, none after");
    check_err(npd_cap_batch(npd, 0, &b), FERRY_E_RANGE, "NPD_CAP_BATCH from slot 0: E_RANGE");
    check_err(npd_cap_batch(npd, 16384, &b), FERRY_E_RANGE, "NPD_CAP_BATCH from 16384: E_RANGE");
    for (uint64_t slot = 240; slot < 266; slot++)
        mapped &= npd_unmap(npd, slot) == FERRY_OK;
    check(mapped, "NPD_UNMAP the 26 copies");
}

static void test_pd(void)
{
    uint64_t used0, used1, caps0, caps1;
    uint32_t pd, npd;
    quota(E->pd, &used0, &caps0);
    check_err(env_session(E, "PD", "sub", NULL, 4096, 4, &pd), FERRY_E_QUOTA,
              "PD session with too little RAM");
    check_err(env_session(E, "PD", "sub", NULL, 64 * 1024, 2, &pd), FERRY_E_CAPQUOTA,
              "PD session with too few caps");
    quota(E->pd, &used1, &caps1);
    check(used1 == used0 && caps1 == caps0, "failed opens cost nothing");
    check_err(env_session(E, "PD", "sub", NULL, 64 * 1024, 16, &pd), FERRY_OK, "PD session");
    quota(E->pd, &used1, &caps1);
    check(used1 == used0 + 64 * 1024 && caps1 == caps0 + 16, "the donation left our account");
    check_err(env_session_upgrade(E, pd, 4096, 1), FERRY_OK, "upgrade it");
    struct ferry_pd_quota_out q = {0};
    pd_quota(pd, &q);
    check(q.ram_quota == 68 * 1024 && q.cap_quota == 17, "its quota grew");
    check_err(pd_native(pd, &npd), FERRY_OK, "PD_NATIVE");
    uint32_t npd2;
    check_err(pd_native(pd, &npd2), FERRY_E_DENIED, "PD_NATIVE twice");
    uint64_t next = 0;
    npd_cap_next(npd, 1, &next);
    check(next == FERRY_COMP_SEL_TASK, "NPD_CAP_NEXT: the task in its slot");
    check_err(npd_map(npd, E->log, 20, FERRY_RIGHT_W), FERRY_OK, "NPD_MAP our LOG to slot 20");
    check_err(npd_map(npd, E->log, 20, FERRY_RIGHT_W), FERRY_E_OCCUPIED, "NPD_MAP again");
    struct ferry_npd_cap_info_out info = {0};
    npd_cap_info(npd, 20, &info);
    check(info.type == FERRY_OBJ_GATE && info.rights == FERRY_RIGHT_W &&
              info.label == label_of(E->log),
          "NPD_CAP_INFO: gate, W, the LOG's badge");
    check_err(npd_unmap(npd, 20), FERRY_OK, "NPD_UNMAP");
    npd_cap_info(npd, 20, &info);
    check(info.type == FERRY_OBJ_NONE, "slot 20 empty");
    check_err(npd_cap_next(npd, 8, &next), FERRY_E_NOENT, "NPD_CAP_NEXT at end");
    test_npd_cap_info(npd);
    test_npd_cap_batch(npd);
    check_err(env_session_close(E, pd), FERRY_OK, "close the PD session");
    quota(E->pd, &used1, &caps1);
    check(used1 == used0 && caps1 == caps0, "its whole quota came back");
    check_err(npd_cap_next(npd, 8, &next), FERRY_E_BADOBJ, "its native PD is dead");
    struct ferry_npd_cap_batch_out b;
    check_err(npd_cap_batch(npd, 1, &b), FERRY_E_BADOBJ, "NPD_CAP_BATCH: its native PD is dead");
}

/* ---- dirty tracking (RM_DIRTY) ---- */

static void test_dirty(void)
{
    uint32_t ds, rms, map;
    long err;
    struct ferry_rm_dirty_out out;
    volatile uint8_t *p = env_alloc_attached(E, 8 * FERRY_PAGE_SIZE, &ds, &err);
    uint64_t at = (uint64_t)p;
    check_err(rm_dirty(E->rm, at, 8, 0, &out), FERRY_OK, "RM_DIRTY of 8 fresh pages");
    check(out.count == 0 && out.bits[0] == 0, "none is dirty");
    p[1 * FERRY_PAGE_SIZE] = 1;
    p[3 * FERRY_PAGE_SIZE + 100] = 3;
    p[6 * FERRY_PAGE_SIZE + 4095] = 6;
    (void)p[5 * FERRY_PAGE_SIZE]; /* read only: stays clean */
    check_err(rm_dirty(E->rm, at, 8, 0, &out), FERRY_OK, "RM_DIRTY after writing pages 1, 3, 6");
    check(out.count == 3 && out.bits[0] == 0x4a, "bitmap 0x4a, count 3");
    check_err(rm_dirty(E->rm, at, 8, FERRY_RM_DIRTY_CLEAR, &out), FERRY_OK,
              "RM_DIRTY without clearing reads the same again, then clears");
    check(out.count == 3 && out.bits[0] == 0x4a, "still bitmap 0x4a");
    rm_dirty(E->rm, at, 8, FERRY_RM_DIRTY_CLEAR, &out);
    check(out.count == 0 && out.bits[0] == 0, "after the clear: nothing dirty");
    p[7 * FERRY_PAGE_SIZE] = 7;
    rm_dirty(E->rm, at + 4 * FERRY_PAGE_SIZE, 4, FERRY_RM_DIRTY_CLEAR, &out);
    check(out.count == 1 && out.bits[0] == 0x8 && out.bits[1] == 0,
          "a write after the clear: page 3 of a range starting at page 4");
    check_err(rm_dirty(E->rm, at + 8, 1, 0, &out), FERRY_E_ALIGN, "RM_DIRTY unaligned");
    check_err(rm_dirty(E->rm, at, 0, 0, &out), FERRY_E_RANGE, "RM_DIRTY of 0 pages");
    check_err(rm_dirty(E->rm, at, FERRY_RM_DIRTY_MAX_PAGES + 1, 0, &out), FERRY_E_RANGE,
              "RM_DIRTY of more pages than a reply holds");
    check_err(rm_dirty(E->rm, FERRY_COMP_ATTACH_END - FERRY_PAGE_SIZE, 2, 0, &out), FERRY_E_RANGE,
              "RM_DIRTY past the end of the address space");
    check_err(rm_dirty(E->rm, at, 1, 0x2, &out), FERRY_E_INVAL, "RM_DIRTY with unknown flags");
    env_session(E, "RM", "", NULL, 8192, 4, &rms);
    rm_create(rms, 0x10000, &map);
    check_err(rm_dirty(map, 0, 1, 0, &out), FERRY_E_INVAL, "RM_DIRTY of a managed map");
    env_session_close(E, rms);
    env_free_attached(E, (void *)p, ds);
}

/* ---- what a restore asks of core (RTCR-PLAN decision 8) ---- */

static volatile int restored_ran;

/* Entered through THREAD_STATE_SET alone: no TLS, no stack frame needed. */
static void restored_entry(void)
{
    restored_ran = 1;
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

/* CPU_CREATE_THREAD at a requested UTCB address, and its precise errors. */
static void test_utcb_at(uint32_t pd)
{
    const uint64_t at = FERRY_COMP_UTCB_BASE + 40 * FERRY_PAGE_SIZE;
    uint32_t t = 0, t2;
    check_err(cpu_create_thread_at(E->cpu, pd, "at", HELPER_PRIO, at, &t), FERRY_OK,
              "CPU_CREATE_THREAD with its UTCB at a chosen address");
    struct ferry_thread_info_out info = {0};
    thread_info(t, &info);
    check(info.utcb == at, "THREAD_INFO: the UTCB is where it was asked for");
    check_err(cpu_create_thread_at(E->cpu, pd, "at", HELPER_PRIO, at, &t2), FERRY_E_OCCUPIED,
              "the same UTCB address again");
    check_err(cpu_create_thread_at(E->cpu, pd, "at", HELPER_PRIO, at + 8, &t2), FERRY_E_ALIGN,
              "a UTCB address not page aligned");
    check_err(cpu_create_thread_at(E->cpu, pd, "at", HELPER_PRIO, FERRY_COMP_UTCB_END, &t2),
              FERRY_E_RANGE, "a UTCB address past the UTCB area");
    check_err(cpu_create_thread_at(E->cpu, pd, "at", HELPER_PRIO, FERRY_COMP_ATTACH_BASE, &t2),
              FERRY_E_RANGE, "a UTCB address below the UTCB area");
    check_err(cpu_kill_thread(E->cpu, t), FERRY_OK, "kill it");
    env_cap_drop(t);
    check_err(cpu_create_thread_at(E->cpu, pd, "at", HELPER_PRIO, at, &t), FERRY_OK,
              "a killed thread's UTCB address can be asked for again");
    cpu_kill_thread(E->cpu, t);
    env_cap_drop(t);
}

/* Re-creating a thread mid-run: a fresh thread at a chosen UTCB, paused, its
 * state written, resumed: it runs from the written pc, never from an entry. */
static void test_thread_restore(void)
{
    const uint64_t at = FERRY_COMP_UTCB_BASE + 41 * FERRY_PAGE_SIZE;
    uint32_t t = 0, ds = 0;
    long err;
    struct ferry_thread_state *st = env_alloc_attached(E, 4 * FERRY_PAGE_SIZE, &ds, &err);
    check_err(cpu_create_thread_at(E->cpu, E->pd, "restored", HELPER_PRIO, at, &t), FERRY_OK,
              "a thread to restore, in our PD at a chosen UTCB");
    check_err(thread_pause(t), FERRY_OK, "pause it before it ever ran");
    check_err(thread_state_get(t, ds), FERRY_OK, "STATE_GET of the fresh thread");
    st->pc = (uint64_t)restored_entry;
    st->x[2] = (uint64_t)st + 4 * FERRY_PAGE_SIZE; /* sp: the top of the same dataspace */
    uint64_t gp;
    __asm__ volatile("mv %0, gp" : "=r"(gp));
    st->x[3] = gp; /* the global pointer globals may be reached through */
    check_err(thread_state_set(t, ds), FERRY_OK, "STATE_SET of the fresh thread");
    check_err(thread_resume(t), FERRY_OK, "resume it");
    sys_sleep(20000);
    check(restored_ran == 1, "it runs from the written pc");
    cpu_kill_thread(E->cpu, t);
    env_cap_drop(t);
    env_free_attached(E, st, ds);
}

/* Gates bound to another PD's thread, a signal's pending count, dead capabilities. */
static void test_restore_objects(uint32_t pd, uint32_t npd)
{
    uint32_t t = 0, gate = 0, signal = 0, dead_signal = 0, dead_gate = 0;
    cpu_create_thread(E->cpu, pd, "bound", HELPER_PRIO, &t);
    check_err(pd_alloc_rpc_cap(pd, t, &gate, NULL), FERRY_OK,
              "PD_ALLOC_RPC_CAP bound to the other PD's thread made by our CPU session");
    struct ferry_npd_cap_info_out info = {0};
    struct ferry_thread_info_out tinfo = {0};
    npd_map(npd, gate, 30, FERRY_RIGHT_W);
    npd_cap_info(npd, 30, &info);
    thread_info(t, &tinfo);
    check(info.type == FERRY_OBJ_GATE && info.obj.gate.receiver == tinfo.kobj_id,
          "the gate's receiver is that thread");
    check_err(pd_alloc_signal(pd, &signal, NULL), FERRY_OK, "a signal of the other PD");
    for (int i = 0; i < 3; i++)
        sys_irq_trigger(signal);
    npd_map(npd, signal, 31, FERRY_RIGHT_R | FERRY_RIGHT_W);
    npd_cap_info(npd, 31, &info);
    check(info.type == FERRY_OBJ_IRQ && info.obj.irq.pending == 3,
          "triggered 3 times: pending count 3 in the other PD's slot");
    /* the stale policy: a dead capability of the right type in a chosen slot */
    pd_alloc_signal(pd, &dead_signal, NULL);
    check_err(pd_free_signal(pd, dead_signal), FERRY_OK, "a signal freed: our copy is dead");
    check_err(npd_map(npd, dead_signal, 32, FERRY_RIGHT_R | FERRY_RIGHT_W), FERRY_OK,
              "NPD_MAP of a dead signal");
    npd_cap_info(npd, 32, &info);
    check(info.type == FERRY_OBJ_IRQ && (info.obj.flags & FERRY_CAP_DEAD),
          "the slot holds a dead IRQ");
    pd_alloc_rpc_cap(pd, t, &dead_gate, NULL);
    check_err(pd_free_rpc_cap(pd, dead_gate), FERRY_OK, "an RPC gate freed: our copy is dead");
    check_err(npd_map(npd, dead_gate, 33, FERRY_RIGHT_W), FERRY_OK, "NPD_MAP of a dead gate");
    npd_cap_info(npd, 33, &info);
    check(info.type == FERRY_OBJ_GATE && (info.obj.flags & FERRY_CAP_DEAD),
          "the slot holds a dead gate");
    for (uint64_t slot = 30; slot <= 33; slot++)
        npd_unmap(npd, slot);
    pd_free_rpc_cap(pd, gate);
    pd_free_signal(pd, signal);
    cpu_kill_thread(E->cpu, t);
    uint32_t slots[] = {t, gate, signal, dead_signal, dead_gate};
    for (unsigned i = 0; i < ARRAY_SIZE(slots); i++)
        env_cap_drop(slots[i]);
}

static void test_restore_support(void)
{
    uint32_t pd, npd;
    uint64_t ram0, caps0, ram1, caps1;
    quota(E->pd, &ram0, &caps0);
    check_err(env_session(E, "PD", "restore", NULL, 64 * 1024, 16, &pd), FERRY_OK,
              "a PD session to restore into");
    pd_native(pd, &npd);
    test_utcb_at(pd);
    test_restore_objects(pd, npd);
    test_thread_restore();
    check_err(env_session_close(E, pd), FERRY_OK, "close it");
    quota(E->pd, &ram1, &caps1);
    check(ram1 == ram0 && caps1 == caps0, "restore support: our quota is whole again");
}

/* ---- devices ---- */

static void test_devices(void)
{
    uint32_t io, ds, irq, irq2, obj;
    uint64_t addr;
    check_err(env_session(E, "IO_MEM", "", "base=0x10000000,size=0x1000", 8192, 2, &io),
              FERRY_E_DENIED, "IO_MEM of the UART (not handed out)");
    check_err(env_session(E, "IO_MEM", "", "base=0x10001000,size=0x2000", 8192, 2, &io),
              FERRY_E_DENIED, "IO_MEM past a device window");
    check_err(env_session(E, "IO_MEM", "", "base=0x10001000,size=0x1000", 8192, 2, &io), FERRY_OK,
              "IO_MEM of virtio-mmio slot 0");
    check_err(io_mem_dataspace(io, &ds), FERRY_OK, "IO_MEM_DATASPACE");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_EXEC, &addr), FERRY_E_NORIGHTS,
              "device memory is never executable");
    check_err(env_attach(E, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr), FERRY_OK,
              "attach the device");
    check(*(volatile uint32_t *)addr == 0x74726976, "virtio magic 'virt'");
    env_detach(E, addr);
    env_session_close(E, io);
    check_err(env_session(E, "IRQ", "", "irq=1", 8192, 2, &irq), FERRY_OK, "IRQ 1");
    long err = irq_object(irq, &obj);
    check(!err && kernel_type(obj) == FERRY_OBJ_IRQ, "IRQ_OBJECT: an IRQ");
    check_err(env_session(E, "IRQ", "", "irq=1", 8192, 2, &irq2), FERRY_E_EXISTS, "IRQ 1 twice");
    check_err(env_session(E, "IRQ", "", "irq=50", 8192, 2, &irq2), FERRY_E_DENIED,
              "IRQ of no device");
    check_err(env_session(E, "IRQ", "", "", 8192, 2, &irq2), FERRY_E_INVAL, "IRQ without irq=");
    uint64_t obj_id = kernel_id(obj);
    env_session_close(E, irq);
    check_err(sys_irq_wait(obj, 0), FERRY_E_DEAD, "the closed session's IRQ object is destroyed");
    check_err(env_session(E, "IRQ", "", "irq=1", 8192, 2, &irq2), FERRY_OK,
              "IRQ 1 again after the close");
    uint32_t obj2 = 0;
    irq_object(irq2, &obj2);
    check(obj2 && kernel_id(obj2) != obj_id && sys_irq_wait(obj2, 0) == FERRY_E_TIMEOUT,
          "the new session has a new IRQ object");
    env_session_close(E, irq2);
}

/* ---- kernel objects of closed PDs go back to the kernel pool ---- */

/*
 * Each cycle opens a PD session and creates in it what a component has: a
 * thread, an RPC gate to it and a signal; then closes it. Core destroys the
 * kernel objects, so the cycles never end: without destruction each cycle
 * left about 22 KiB in the kernel pool (task, root table, capability leaf,
 * thread, UTCB and its page tables, seven gates and an IRQ), and the 16 MiB
 * pool of a 128 MiB machine ran out after about 730 cycles.
 */
#define CHURN_CYCLES 1500

/* What a churn cycle got (slot 0: nothing). */
struct churn_caps {
    uint32_t thread, gate, signal;
};

static long churn_fill(uint32_t pd, struct churn_caps *c)
{
    long err = cpu_create_thread(E->cpu, pd, "churn", HELPER_PRIO, &c->thread);
    if (err)
        return err;
    err = pd_alloc_rpc_cap(pd, c->thread, &c->gate, NULL);
    return err ? err : pd_alloc_signal(pd, &c->signal, NULL);
}

static long churn_cycle(struct churn_caps *c)
{
    uint32_t pd;
    *c = (struct churn_caps){0, 0, 0};
    long err = env_session(E, "PD", "churn", NULL, 16 * 1024, 8, &pd);
    if (err)
        return err;
    err = churn_fill(pd, c);
    long close_err = env_session_close(E, pd);
    return err ? err : close_err;
}

static void churn_release(const struct churn_caps *c)
{
    if (c->thread)
        env_cap_drop(c->thread);
    if (c->gate)
        env_cap_drop(c->gate);
    if (c->signal)
        env_cap_drop(c->signal);
}

static void test_churn(void)
{
    uint64_t ram0, caps0, ram1, caps1;
    quota(E->pd, &ram0, &caps0);
    struct churn_caps c;
    long err = churn_cycle(&c);
    check_err(err, FERRY_OK, "PD session with a thread, an RPC gate and a signal, closed");
    check(kernel_dead(c.gate) && kernel_dead(c.signal),
          "the closed PD's RPC gate and signal are destroyed in the kernel");
    check_err(sys_irq_wait(c.signal, 0), FERRY_E_DEAD, "waiting on its signal");
    struct ferry_thread_info_out info;
    check_err(thread_info(c.thread, &info), FERRY_E_BADOBJ, "its thread object is gone");
    churn_release(&c);
    unsigned done = 1;
    uint64_t t0 = sys_clock_us();
    for (; done < CHURN_CYCLES && !err; done++) {
        err = churn_cycle(&c);
        churn_release(&c);
    }
    if (err)
        printf("core-test: churn cycle %u failed: %s\n", done, ferry_error_name(err));
    printf("core-test: %u PD sessions opened and closed in %lu ms\n", done,
           (unsigned long)((sys_clock_us() - t0) / 1000));
    check_err(err, FERRY_OK, "1500 PD sessions with a thread, an RPC gate and a signal each");
    quota(E->pd, &ram1, &caps1);
    check(ram1 == ram0 && caps1 == caps0, "... and our quota is whole again");

    /* freeing a signal or an RPC gate destroys it at once */
    uint32_t signal, thread, gate = 0;
    env_signal_alloc(E, &signal);
    check_err(pd_free_signal(E->pd, signal), FERRY_OK, "PD_FREE_SIGNAL");
    check_err(sys_irq_trigger(signal), FERRY_E_DEAD, "the freed signal is destroyed");
    env_cap_drop(signal);
    thread = env_thread_spawn(E, "sleeper", HELPER_PRIO, sleep_forever, NULL, &err);
    err = pd_alloc_rpc_cap(E->pd, thread, &gate, NULL);
    check_err(err, FERRY_OK, "PD_ALLOC_RPC_CAP for a thread of ours");
    check_err(pd_free_rpc_cap(E->pd, gate), FERRY_OK, "PD_FREE_RPC_CAP");
    check_err(sys_ipc_send(gate, FERRY_TAG(0, 0, 0), 0), FERRY_E_DEAD,
              "the freed RPC gate is destroyed");
    env_cap_drop(gate);
    /* a gate dies with its thread: the kill destroyed the kernel thread */
    gate = 0;
    pd_alloc_rpc_cap(E->pd, thread, &gate, NULL);
    check_err(cpu_kill_thread(E->cpu, thread), FERRY_OK, "CPU_KILL_THREAD");
    check(gate && kernel_dead(gate), "the killed thread is destroyed: its RPC gate is dead");
    check_err(pd_free_rpc_cap(E->pd, gate), FERRY_OK, "PD_FREE_RPC_CAP of the dead gate");
    env_cap_drop(gate);
}

static void test_log(void)
{
    check_err(log_write(E->log, "a\001b\n", 5), FERRY_OK, "LOG_WRITE with a control byte");
    /* a malformed request, by hand: a length beyond the words that came */
    struct ferry_log_write_in *in = FERRY_RPC_MSG(ferry_log_write_in, rpc_mr());
    in->len = 9;
    check_err(rpc_call(E->log, FERRY_LOG_WRITE, FERRY_LOG_WRITE_WORDS(1), 0, NULL), FERRY_E_INVAL,
              "LOG_WRITE longer than the words sent");
}

void component_construct(struct env *env)
{
    E = env;
    test_log();
    test_ram();
    test_rom();
    test_timer();
    test_threads();
    test_thread_churn();
    test_faults();
    test_managed();
    test_pd();
    test_dirty();
    test_restore_support();
    test_devices();
    test_churn();
    printf("core-test: %u checks, %u failed\n", checks, failures);
    env_exit(env, (int)failures);
}
