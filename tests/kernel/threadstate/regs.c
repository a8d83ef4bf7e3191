/*
 * Exact registers, errors, and FPU sharing.
 *
 * - A state written into a fresh thread is exactly what THREAD_READ returns
 *   afterwards (x1..x31, pc, f0..f31, fcsr, UTCB area), and the thread, once
 *   resumed, really runs with those registers: it dumps them first thing.
 * - THREAD_READ/WRITE/START/CONFIGURE/SUSPEND/RESUME refuse what they must.
 * - Threads with and without FP use interleave (yield) without ever seeing
 *   each other's FP registers or fcsr.
 */
#include "threadstate.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- a thread started by THREAD_WRITE alone ---- */

/* What regs_dump_entry stores; offsets are used by the assembly below. */
struct regs_dump {
    uint64_t x[32]; /* 0 */
    uint64_t f[32]; /* 256 */
    uint64_t fcsr;  /* 512 */
    struct worker_start *start;
};
_Static_assert(offsetof(struct regs_dump, f) == 256 && offsetof(struct regs_dump, fcsr) == 512,
               "regs_dump layout");

/*
 * First instruction of the written thread: a0 = struct regs_dump. Stores
 * every register before anything can change one, then reports through C
 * (sp and gp come from the written state).
 */
__asm__(".section .text\n"
        ".globl regs_dump_entry\n"
        "regs_dump_entry:\n"
        "    sd x1, 8(a0)\n    sd x2, 16(a0)\n  sd x3, 24(a0)\n  sd x4, 32(a0)\n"
        "    sd x5, 40(a0)\n   sd x6, 48(a0)\n  sd x7, 56(a0)\n  sd x8, 64(a0)\n"
        "    sd x9, 72(a0)\n   sd x10, 80(a0)\n sd x11, 88(a0)\n sd x12, 96(a0)\n"
        "    sd x13, 104(a0)\n sd x14, 112(a0)\n sd x15, 120(a0)\n sd x16, 128(a0)\n"
        "    sd x17, 136(a0)\n sd x18, 144(a0)\n sd x19, 152(a0)\n sd x20, 160(a0)\n"
        "    sd x21, 168(a0)\n sd x22, 176(a0)\n sd x23, 184(a0)\n sd x24, 192(a0)\n"
        "    sd x25, 200(a0)\n sd x26, 208(a0)\n sd x27, 216(a0)\n sd x28, 224(a0)\n"
        "    sd x29, 232(a0)\n sd x30, 240(a0)\n sd x31, 248(a0)\n"
        "    fsd f0, 256(a0)\n  fsd f1, 264(a0)\n  fsd f2, 272(a0)\n  fsd f3, 280(a0)\n"
        "    fsd f4, 288(a0)\n  fsd f5, 296(a0)\n  fsd f6, 304(a0)\n  fsd f7, 312(a0)\n"
        "    fsd f8, 320(a0)\n  fsd f9, 328(a0)\n  fsd f10, 336(a0)\n fsd f11, 344(a0)\n"
        "    fsd f12, 352(a0)\n fsd f13, 360(a0)\n fsd f14, 368(a0)\n fsd f15, 376(a0)\n"
        "    fsd f16, 384(a0)\n fsd f17, 392(a0)\n fsd f18, 400(a0)\n fsd f19, 408(a0)\n"
        "    fsd f20, 416(a0)\n fsd f21, 424(a0)\n fsd f22, 432(a0)\n fsd f23, 440(a0)\n"
        "    fsd f24, 448(a0)\n fsd f25, 456(a0)\n fsd f26, 464(a0)\n fsd f27, 472(a0)\n"
        "    fsd f28, 480(a0)\n fsd f29, 488(a0)\n fsd f30, 496(a0)\n fsd f31, 504(a0)\n"
        "    frcsr t0\n"
        "    sd t0, 512(a0)\n"
        "    tail regs_dump_report\n");
void regs_dump_entry(void);

void regs_dump_report(struct regs_dump *d);
void regs_dump_report(struct regs_dump *d)
{
    uint64_t done = 1;
    worker_report(d->start, &done, 1);
    worker_park();
}

static uint64_t pattern(unsigned i)
{
    return 0x0123456789abcdefull * (i + 1) ^ (0x5555ull << (i % 48));
}

/* Adds to the f registers and fcsr of a made state: a second, different one. */
static void vary_fp(struct ferry_thread_state *st)
{
    for (unsigned i = 0; i < 32; i++)
        st->f[i] += 0x1001;
    st->fcsr = (1u << 5) | 0x0a;
}

static uint64_t read_gp(void)
{
    uint64_t gp;
    __asm__("mv %0, gp" : "=r"(gp));
    return gp;
}

/* A state of recognisable values that can still run regs_dump_entry. */
static void make_state(struct ferry_thread_state *st, const struct worker *w, struct regs_dump *d)
{
    ferry_thread_state_init(st);
    for (unsigned i = 0; i < 32; i++) {
        st->x[i] = pattern(i);
        st->f[i] = pattern(i + 32);
    }
    st->x[2] = w->start_va & ~15ul; /* sp */
    st->x[3] = read_gp();
    st->x[10] = (uint64_t)d; /* a0 */
    st->pc = (uint64_t)regs_dump_entry;
    st->fcsr = (3u << 5) | 0x15; /* round up, some flags: nothing a fresh thread has */
    for (unsigned i = 0; i < FERRY_UTCB_STATE; i++)
        st->utcb[i] = (uint8_t)(i * 7 + 3);
}

/* THREAD_READ returns exactly the state written before. */
static void check_read_back(const struct worker *w, const struct ferry_thread_state *st,
                            uint64_t run_state)
{
    struct ferry_thread_state back;
    state_read(w->thread, &back);
    CHECK(back.x[0] == 0, "x0 reads as 0x%lx", (unsigned long)back.x[0]);
    CHECK(!memcmp(&back.x[1], &st->x[1], 31 * sizeof(uint64_t)), "x registers differ");
    CHECK(back.pc == st->pc, "pc 0x%lx", (unsigned long)back.pc);
    CHECK(!memcmp(back.f, st->f, sizeof(st->f)), "f registers differ");
    CHECK(back.fcsr == st->fcsr, "fcsr 0x%lx", (unsigned long)back.fcsr);
    CHECK(!memcmp(back.utcb, st->utcb, FERRY_UTCB_STATE), "UTCB area differs");
    CHECK(back.run.state == run_state, "run_state %lu", (unsigned long)back.run.state);
}

/* The dump shows the registers of `st`. */
static void check_dump(const struct regs_dump *dump, const struct ferry_thread_state *st)
{
    for (unsigned i = 1; i < 32; i++)
        CHECK(dump->x[i] == st->x[i], "x%u ran as 0x%lx, written 0x%lx", i,
              (unsigned long)dump->x[i], (unsigned long)st->x[i]);
    for (unsigned i = 0; i < 32; i++)
        CHECK(dump->f[i] == st->f[i], "f%u ran as 0x%lx, written 0x%lx", i,
              (unsigned long)dump->f[i], (unsigned long)st->f[i]);
    CHECK(dump->fcsr == st->fcsr, "fcsr ran as 0x%lx", (unsigned long)dump->fcsr);
}

/*
 * The writer of the FPU-owner case: never touches the FPU itself, so the
 * thread it writes still has its registers live in the FPU. Waits for the
 * dumper's report, then suspends it, writes arg[WRITER_STATE] into it and
 * resumes it; reports the three results to the root thread.
 */
#define WRITER_TARGET 0
#define WRITER_STATE  1
static void writer_worker(struct worker_start *s)
{
    worker_call(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER);
    uint64_t target = s->arg[WRITER_TARGET];
    const uint64_t *src = (const uint64_t *)s->arg[WRITER_STATE];
    uint64_t *dst = (uint64_t *)s->utcb->buf;
    long suspend = worker_call(FERRY_SYS_THREAD_SUSPEND, target, 0, 0).err;
    for (unsigned i = 0; i < sizeof(struct ferry_thread_state) / 8; i++)
        dst[i] = src[i];
    long write = worker_call(FERRY_SYS_THREAD_WRITE, target, FERRY_TS_ALL, 0).err;
    long resume = worker_call(FERRY_SYS_THREAD_RESUME, target, 0, 0).err;
    uint64_t report[3] = {(uint64_t)suspend, (uint64_t)write, (uint64_t)resume};
    worker_report(s, report, 3);
    worker_park();
}

/*
 * New FP values written into a thread whose old ones are still live in the
 * FPU (it ran FP code last) must be the ones it runs with.
 */
static void test_write_fpu_owner(struct worker *dumper, struct ferry_thread_state *st,
                                 struct regs_dump *dump)
{
    static struct ferry_thread_state second;
    struct worker writer;
    worker_create(&writer, writer_worker, PRIO_HIGH - 10); /* below the dumper */
    uint64_t gate = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, gate, writer.thread, 1), FERRY_OK);
    second = *st;
    vary_fp(&second);
    writer.start->arg[WRITER_TARGET] = dumper->thread;
    writer.start->arg[WRITER_STATE] = (uint64_t)&second;
    worker_run(&writer); /* waits for the dumper */

    /* the dumper runs (taking the FPU), reports to the writer, which then
     * writes `second` into it and resumes it: it dumps again at once */
    dumper->start->report_gate = gate;
    CHECK_ERR(sys_thread_suspend(dumper->thread), FERRY_OK);
    CHECK_ERR(state_write(dumper->thread, st), FERRY_OK);
    CHECK_ERR(sys_thread_resume(dumper->thread), FERRY_OK);
    uint64_t r[3];
    CHECK(report_wait(TIMEOUT_US, r, 3) == 3, "short report");
    CHECK(r[0] == FERRY_OK && r[1] == FERRY_OK && r[2] == FERRY_OK, "writer: %lu %lu %lu",
          (unsigned long)r[0], (unsigned long)r[1], (unsigned long)r[2]);
    check_dump(dump, &second);

    struct ferry_thread_state ws;
    CHECK_ERR(sys_thread_suspend(writer.thread), FERRY_OK);
    state_read(writer.thread, &ws);
    CHECK(!ws.fp_used, "the writer used the FPU: the test proves nothing");
}

void test_write_read_exact(void)
{
    static struct regs_dump dump;
    struct worker w;
    worker_create(&w, 0, PRIO_HIGH);
    dump.start = w.start;

    struct ferry_thread_state st;
    make_state(&st, &w, &dump);
    CHECK_ERR(state_write(w.thread, &st), FERRY_OK); /* never started: writable */
    check_read_back(&w, &st, FERRY_RUN_INACTIVE);
    /* the UTCB area went into the thread's real UTCB page */
    CHECK(!memcmp((const void *)w.utcb_va, st.utcb, FERRY_UTCB_STATE), "UTCB page differs");
    /* resumed, the thread runs with exactly these registers */
    CHECK_ERR(sys_thread_resume(w.thread), FERRY_OK);
    uint64_t done;
    CHECK(report_wait(TIMEOUT_US, &done, 1) == 1 && done == 1, "no dump");
    check_dump(&dump, &st);

    test_write_fpu_owner(&w, &st, &dump);
    printf("threadstate: written registers read back and run exactly ok\n");
}

/* ---- errors ---- */

static void spin_worker(struct worker_start *s)
{
    (void)s;
    for (;;)
        __asm__ volatile("" ::: "memory");
}

static void wait_worker(struct worker_start *s)
{
    (void)s;
    worker_park();
}

/* A copy of a capability in our own space with fewer rights. */
static uint64_t cap_with(uint64_t sel, uint64_t rights)
{
    uint64_t copy = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(FERRY_ROOT_SEL_TASK, sel, copy, rights), FERRY_OK);
    return copy;
}

/*
 * The state's header: a read state carries this kernel's magic and version,
 * a written one must (a state from another kernel version is refused), and
 * the run record is read only: a state claiming a blocked call does not make
 * a READY thread BLOCKED. `thread` is suspended while READY.
 */
static void test_state_header(uint64_t thread)
{
    struct ferry_thread_state mine, st, back;
    state_read(thread, &mine);
    CHECK(mine.magic == FERRY_THREAD_STATE_MAGIC && mine.version == FERRY_THREAD_STATE_VERSION,
          "read state: magic 0x%lx version %lu", (unsigned long)mine.magic,
          (unsigned long)mine.version);
    CHECK(mine.run.state == FERRY_RUN_READY && mine.run.blocked_call == 0 &&
              mine.run.blocked_fault == 0 && mine.run.blocked_on == 0 &&
              mine.run.timeout_left_us == FERRY_TIMEOUT_NEVER,
          "suspended spinner: run_state %lu call %lu", (unsigned long)mine.run.state,
          (unsigned long)mine.run.blocked_call);
    st = mine;
    st.magic ^= 1;
    CHECK_ERR(state_write(thread, &st), FERRY_E_INVAL);
    st = mine;
    st.version++;
    CHECK_ERR(state_write(thread, &st), FERRY_E_INVAL);
    st = mine;
    st.run.state = FERRY_RUN_BLOCKED;
    st.run.blocked_call = FERRY_SYS_IPC_WAIT;
    st.run.blocked_on = 1234;
    CHECK_ERR(state_write(thread, &st), FERRY_OK);
    state_read(thread, &back);
    CHECK(!memcmp(&back.run, &mine.run, sizeof(mine.run)),
          "THREAD_WRITE changed the read-only run record: run_state %lu call %lu",
          (unsigned long)back.run.state, (unsigned long)back.run.blocked_call);
}

void test_errors(void)
{
    struct worker spin, waiter;
    worker_create(&spin, spin_worker, PRIO_LOW);
    worker_create(&waiter, wait_worker, PRIO_HIGH);
    worker_run(&spin);   /* ready, not running: the root is higher */
    worker_run(&waiter); /* blocked in IPC_WAIT */
    struct ferry_thread_state st;
    ferry_thread_state_init(&st);

    /* state of a thread that is not suspended is off limits */
    CHECK_ERR(sys_thread_read(spin.thread), FERRY_E_BUSY);
    CHECK_ERR(state_write(spin.thread, &st), FERRY_E_BUSY);
    CHECK_ERR(sys_thread_read(waiter.thread), FERRY_E_BUSY);
    CHECK_ERR(state_write(waiter.thread, &st), FERRY_E_BUSY);
    /* and so is our own */
    CHECK_ERR(sys_thread_read(FERRY_ROOT_SEL_THREAD), FERRY_E_BUSY);
    CHECK_ERR(state_write(FERRY_ROOT_SEL_THREAD, &st), FERRY_E_BUSY);

    /* a thread starts once */
    CHECK_ERR(sys_thread_start(spin.thread, 0x10000, 0, 0), FERRY_E_BUSY);
    CHECK_ERR(sys_thread_suspend(spin.thread), FERRY_OK);
    CHECK_ERR(sys_thread_start(spin.thread, 0x10000, 0, 0), FERRY_E_BUSY);

    /* priorities end at FERRY_PRIO_MAX */
    CHECK_ERR(sys_thread_configure(spin.thread, 0, 0, FERRY_PRIO_MAX + 1, 0), FERRY_E_RANGE);
    CHECK_ERR(sys_thread_configure(spin.thread, 0, 0, FERRY_PRIO_MAX, 0), FERRY_OK);
    CHECK_ERR(sys_thread_configure(spin.thread, 0, 0, PRIO_LOW, 0), FERRY_OK);

    /* control needs W, reading needs R */
    uint64_t read_only = cap_with(spin.thread, FERRY_RIGHT_R);
    uint64_t write_only = cap_with(spin.thread, FERRY_RIGHT_W);
    CHECK_ERR(sys_thread_suspend(read_only), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_thread_resume(read_only), FERRY_E_NORIGHTS);
    CHECK_ERR(state_write(read_only, &st), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_thread_read(write_only), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_thread_read(read_only), FERRY_OK);
    CHECK_ERR(sys_thread_suspend(write_only), FERRY_OK);
    CHECK_ERR(sys_thread_resume(write_only), FERRY_OK);
    CHECK_ERR(sys_thread_read(read_only), FERRY_E_BUSY); /* running again */

    /* not a thread at all */
    CHECK_ERR(sys_thread_read(worker_report_gate()), FERRY_E_BADTYPE);
    CHECK_ERR(sys_thread_suspend(FERRY_ROOT_SEL_TASK), FERRY_E_BADTYPE);

    CHECK_ERR(sys_thread_suspend(spin.thread), FERRY_OK); /* stop it eating CPU */
    test_state_header(spin.thread);
    printf("threadstate: state access, start, priority and rights errors ok\n");
}

/* ---- FPU sharing ---- */

#define FP_ROUNDS  200
#define FP_THREADS 2

/*
 * fp_load_yield_store(in, out): loads f0..f31 and fcsr from in[0..32],
 * yields, and stores them to out[0..32]: whatever ran meanwhile must not
 * show through.
 */
__asm__(".section .text\n"
        ".globl fp_load_yield_store\n"
        "fp_load_yield_store:\n"
        "    ld t0, 256(a0)\n"
        "    fscsr t0\n"
        "    fld f0, 0(a0)\n    fld f1, 8(a0)\n    fld f2, 16(a0)\n   fld f3, 24(a0)\n"
        "    fld f4, 32(a0)\n   fld f5, 40(a0)\n   fld f6, 48(a0)\n   fld f7, 56(a0)\n"
        "    fld f8, 64(a0)\n   fld f9, 72(a0)\n   fld f10, 80(a0)\n  fld f11, 88(a0)\n"
        "    fld f12, 96(a0)\n  fld f13, 104(a0)\n fld f14, 112(a0)\n fld f15, 120(a0)\n"
        "    fld f16, 128(a0)\n fld f17, 136(a0)\n fld f18, 144(a0)\n fld f19, 152(a0)\n"
        "    fld f20, 160(a0)\n fld f21, 168(a0)\n fld f22, 176(a0)\n fld f23, 184(a0)\n"
        "    fld f24, 192(a0)\n fld f25, 200(a0)\n fld f26, 208(a0)\n fld f27, 216(a0)\n"
        "    fld f28, 224(a0)\n fld f29, 232(a0)\n fld f30, 240(a0)\n fld f31, 248(a0)\n"
        "    mv t1, a0\n"
        "    mv t2, a1\n"
        "    li a7, 47\n" /* FERRY_SYS_THREAD_YIELD */
        "    ecall\n"
        "    fsd f0, 0(t2)\n    fsd f1, 8(t2)\n    fsd f2, 16(t2)\n   fsd f3, 24(t2)\n"
        "    fsd f4, 32(t2)\n   fsd f5, 40(t2)\n   fsd f6, 48(t2)\n   fsd f7, 56(t2)\n"
        "    fsd f8, 64(t2)\n   fsd f9, 72(t2)\n   fsd f10, 80(t2)\n  fsd f11, 88(t2)\n"
        "    fsd f12, 96(t2)\n  fsd f13, 104(t2)\n fsd f14, 112(t2)\n fsd f15, 120(t2)\n"
        "    fsd f16, 128(t2)\n fsd f17, 136(t2)\n fsd f18, 144(t2)\n fsd f19, 152(t2)\n"
        "    fsd f20, 160(t2)\n fsd f21, 168(t2)\n fsd f22, 176(t2)\n fsd f23, 184(t2)\n"
        "    fsd f24, 192(t2)\n fsd f25, 200(t2)\n fsd f26, 208(t2)\n fsd f27, 216(t2)\n"
        "    fsd f28, 224(t2)\n fsd f29, 232(t2)\n fsd f30, 240(t2)\n fsd f31, 248(t2)\n"
        "    frcsr t0\n"
        "    sd t0, 256(t2)\n"
        "    ret\n");
_Static_assert(FERRY_SYS_THREAD_YIELD == 47, "yield number in fp_load_yield_store");
void fp_load_yield_store(const uint64_t *in, uint64_t *out);

struct fp_job {
    unsigned id;
    unsigned late_rounds; /* yields before its first FP instruction */
    uint64_t last[33];    /* the values it last loaded */
};

static volatile unsigned fp_done;

static void fp_fill(struct fp_job *job, unsigned round, uint64_t *in)
{
    for (unsigned i = 0; i < 32; i++)
        in[i] = pattern(i) * (job->id + 2) + round;
    /* rounding mode and flags differ per thread and per round */
    in[32] = ((uint64_t)((job->id + round) % 5) << 5) | ((round + job->id) & 0x1f);
}

static void fp_thread(void *arg)
{
    struct fp_job *job = arg;
    for (unsigned round = 0; round < job->late_rounds; round++)
        sys_yield();
    for (unsigned round = 0; round < FP_ROUNDS; round++) {
        uint64_t out[33];
        fp_fill(job, round, job->last);
        fp_load_yield_store(job->last, out);
        for (unsigned i = 0; i < 33; i++)
            CHECK(out[i] == job->last[i], "FP thread %u round %u: %s%u is 0x%lx, was 0x%lx",
                  job->id, round, i < 32 ? "f" : "fcsr", i < 32 ? i : 0, (unsigned long)out[i],
                  (unsigned long)job->last[i]);
    }
    fp_done++;
    for (;;)
        sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
}

static void int_thread(void *arg)
{
    (void)arg;
    for (unsigned round = 0; round < 2 * FP_ROUNDS; round++)
        sys_yield();
    fp_done++;
    for (;;)
        sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
}

void test_fp_interleave(void)
{
    static struct fp_job jobs[FP_THREADS] = {{.id = 0, .late_rounds = 0},
                                             {.id = 1, .late_rounds = 37}};
    uint64_t fp_sel[FP_THREADS];
    /* all at one priority below ours: they round-robin while we sleep */
    uint64_t int_sel = runtime_thread_spawn(int_thread, 0, PRIO_LOW);
    for (unsigned i = 0; i < FP_THREADS; i++)
        fp_sel[i] = runtime_thread_spawn(fp_thread, &jobs[i], PRIO_LOW);
    CHECK(int_sel && fp_sel[0] && fp_sel[1], "spawn failed");
    for (unsigned ms = 0; fp_done < FP_THREADS + 1; ms++) {
        CHECK(ms < 5000, "threads did not finish: %u of %u", fp_done, FP_THREADS + 1);
        CHECK_ERR(sys_sleep(1000), FERRY_OK);
    }

    /* what the kernel saved is what each thread left in its registers */
    struct ferry_thread_state st;
    for (unsigned i = 0; i < FP_THREADS; i++) {
        CHECK_ERR(sys_thread_suspend(fp_sel[i]), FERRY_OK);
        state_read(fp_sel[i], &st);
        CHECK(st.fp_used, "FP thread %u: FP use not recorded", i);
        CHECK(!memcmp(st.f, jobs[i].last, sizeof(st.f)), "FP thread %u: saved f registers", i);
        CHECK(st.fcsr == jobs[i].last[32], "FP thread %u: saved fcsr 0x%lx", i,
              (unsigned long)st.fcsr);
    }
    CHECK_ERR(sys_thread_suspend(int_sel), FERRY_OK);
    state_read(int_sel, &st);
    CHECK(!st.fp_used, "integer thread marked as FP user");
    printf("threadstate: FP and non-FP threads interleave without corruption ok\n");
}
