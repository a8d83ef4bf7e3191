/*
 * Page faults and exceptions (tests/kernel/faults): a job thread in a sandbox
 * task faults; the fault server (a root-task thread behind the pager or
 * exception gate) checks the fault message, resolves it and the job runs on.
 * Without a handler the kernel halts the thread (FAULTED) and everything else
 * runs on; rewriting its state and resuming revives it.
 */
#include "fixture.h"
#include <stdio.h>

#define PAGER_LABEL     0x9a9e
#define EXC_LABEL       0xe7c
#define FAULT_VA        0x20000000ul   /* unmapped area of the sandbox */
#define KERNEL_VA       0x80200000ul   /* the kernel image: not user accessible */
#define NONCANONICAL_VA 0x4000000000ul /* not sign-extended from bit 38 */
#define INSN_LI_A0_42   0x02a00513u    /* addi a0, zero, 42 */
#define INSN_RET        0x00008067u    /* jalr zero, 0(ra) */

static uint64_t sandbox, pager_gate, exc_gate;

static void test_ok(const char *what)
{
    printf("faults: %s ok\n", what);
}

/* ---- fault actions (run in the fault server) ---- */

/* Where the map action puts the page it maps for the next fault. */
static struct {
    uint8_t *page; /* backing RAM in the root task */
    uint64_t rights;
    long err;
} map_on_fault;

static enum fault_reply action_map(const struct fault_msg *m)
{
    struct job *job = job_by_id(m->thread_id);
    CHECK(job != 0, "fault of an unknown thread %lu", (unsigned long)m->thread_id);
    map_on_fault.err =
        sys_mem_map(job->task, runtime_bootinfo->ram[0].sel, runtime_ram_offset(map_on_fault.page),
                    m->addr & ~(FERRY_PAGE_SIZE - 1), 1, map_on_fault.rights);
    return FAULT_REPLY;
}

/* Exceptions: skip the faulting instruction and return a marker in a0. */
#define SKIP_MARKER 0x600d
static long read_while_waiting_err;
static enum fault_reply action_skip(const struct fault_msg *m)
{
    struct job *job = job_by_id(m->thread_id);
    /* the thread waits for our reply: its state is not accessible yet */
    read_while_waiting_err = sys_thread_read(job->thread);
    job_redirect(job, 4, 0, SKIP_MARKER);
    return FAULT_REPLY; /* the suspension cancelled the fault: expect E_NOREPLY */
}

/* Kernel addresses: a pager cannot map them; it moves the thread on instead
 * (back to the caller for a jump, past the instruction for a load/store). */
#define KERNEL_MARKER 0xbad
static enum fault_reply action_kernel_address(const struct fault_msg *m)
{
    struct job *job = job_by_id(m->thread_id);
    map_on_fault.err = sys_mem_map(job->task, runtime_bootinfo->ram[0].sel, 0,
                                   m->addr & ~(FERRY_PAGE_SIZE - 1), 1, FERRY_RIGHT_R);
    if (m->access == FERRY_RIGHT_X)
        job_redirect(job, 0, (uint64_t)op_call_return, KERNEL_MARKER);
    else
        job_redirect(job, 4, 0, KERNEL_MARKER);
    return FAULT_REPLY;
}

/* ---- checks ---- */

static void check_fault(const struct fault_msg *m, const struct job *job, uint64_t proto,
                        uint64_t label, uint64_t addr, uint64_t access, uint64_t pc, uint64_t cause)
{
    CHECK_ERR(m->err, FERRY_OK);
    CHECK(m->tag == FERRY_TAG(5, 0, proto), "tag %lx", (unsigned long)m->tag);
    CHECK(m->label == label, "label %lx", (unsigned long)m->label);
    CHECK(m->addr == addr, "addr %lx, expected %lx", (unsigned long)m->addr, (unsigned long)addr);
    CHECK(m->access == access, "access %lu, expected %lu", (unsigned long)m->access,
          (unsigned long)access);
    CHECK(m->pc == pc, "pc %lx, expected %lx", (unsigned long)m->pc, (unsigned long)pc);
    CHECK(m->cause == cause, "scause %lu, expected %lu", (unsigned long)m->cause,
          (unsigned long)cause);
    CHECK(m->thread_id == job->thread_id, "thread id %lu, expected %lu",
          (unsigned long)m->thread_id, (unsigned long)job->thread_id);
}

static void check_job(const struct job *job, uint64_t stage, unsigned faults_before,
                      unsigned faults)
{
    CHECK(job->stage == stage, "job stage %lu, expected %lu", (unsigned long)job->stage,
          (unsigned long)stage);
    CHECK(fault_log.count == faults_before + faults, "%u messages, expected %u",
          fault_log.count - faults_before, faults);
}

static uint8_t *fresh_page(void)
{
    uint8_t *page = runtime_alloc_pages(1);
    CHECK(page != 0, "out of RAM");
    return page;
}

/* ---- page faults resolved by the pager ---- */

static void test_store_fault(void)
{
    map_on_fault.page = fresh_page();
    map_on_fault.rights = FERRY_RIGHT_R | FERRY_RIGHT_W;
    fault_action = action_map;
    unsigned before = fault_log.count;
    uint64_t addr = FAULT_VA + 0x10;
    struct job *job = job_run(sandbox, pager_gate, exc_gate, OP_STORE, addr, 0x1234abcdul);
    check_job(job, JOB_DONE, before, 1);
    CHECK_ERR(map_on_fault.err, FERRY_OK);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, addr, FERRY_RIGHT_W,
                (uint64_t)op_store_insn, 15);
    CHECK(((uint64_t *)map_on_fault.page)[2] == 0x1234abcdul, "stored value not in the page");
    CHECK_ERR(fault_log.last_reply_err, FERRY_OK);
    test_ok("store to an unmapped page: W fault at the pager, mapped, store completes");
}

static void test_load_fault(void)
{
    map_on_fault.page = fresh_page();
    map_on_fault.rights = FERRY_RIGHT_R;
    ((uint64_t *)map_on_fault.page)[1] = 0x10ad10ad;
    unsigned before = fault_log.count;
    uint64_t addr = FAULT_VA + FERRY_PAGE_SIZE + 8;
    struct job *job = job_run(sandbox, pager_gate, exc_gate, OP_LOAD, addr, 0);
    check_job(job, JOB_DONE, before, 1);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, addr, FERRY_RIGHT_R,
                (uint64_t)op_load_insn, 13);
    CHECK(job->result == 0x10ad10ad, "loaded %lx", (unsigned long)job->result);
    test_ok("load from an unmapped page: R fault at the pager, load completes");
}

static void test_exec_fault(void)
{
    map_on_fault.page = fresh_page();
    map_on_fault.rights = FERRY_RIGHT_R | FERRY_RIGHT_X;
    uint32_t *code = (uint32_t *)map_on_fault.page;
    code[0] = INSN_LI_A0_42;
    code[1] = INSN_RET;
    __asm__ volatile("fence.i" ::: "memory");
    unsigned before = fault_log.count;
    uint64_t target = FAULT_VA + 2 * FERRY_PAGE_SIZE;
    struct job *job = job_run(sandbox, pager_gate, exc_gate, OP_CALL, target, 0);
    check_job(job, JOB_DONE, before, 1);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, target, FERRY_RIGHT_X,
                target, 12);
    CHECK(job->result == 42, "code in the mapped page returned %lu", (unsigned long)job->result);
    test_ok("jump to an unmapped page: X fault at the pager, mapped code runs");
}

/* ---- exceptions ---- */

static void test_exception(enum job_op op, const char *insn, uint64_t cause, const char *what)
{
    fault_action = action_skip;
    unsigned before = fault_log.count;
    struct job *job = job_run(sandbox, pager_gate, exc_gate, op, 0, 0);
    check_job(job, JOB_DONE, before, 1);
    /* stval of an exception is implementation-defined: checked via the others */
    struct fault_msg m = *fault_last();
    m.addr = 0;
    check_fault(&m, job, FERRY_PROTO_EXCEPTION, EXC_LABEL, 0, FERRY_RIGHT_R, (uint64_t)insn, cause);
    CHECK_ERR(read_while_waiting_err, FERRY_E_BUSY);
    CHECK(job->seen_pc == (uint64_t)insn, "state pc %lx", (unsigned long)job->seen_pc);
    CHECK(job->seen_suspended == 1, "state does not say suspended");
    /* suspended while its exception waited for the handler: blocked on that
     * fault (the instruction reruns on resume), in no system call */
    CHECK(job->seen_run_state == FERRY_RUN_BLOCKED, "run state %lu after the cancelled fault",
          (unsigned long)job->seen_run_state);
    CHECK(job->seen_blocked_fault == FERRY_PROTO_EXCEPTION && job->seen_blocked_call == 0,
          "blocked on fault 0x%lx, call %lu", (unsigned long)job->seen_blocked_fault,
          (unsigned long)job->seen_blocked_call);
    CHECK(job->seen_blocked_on == runtime_cap_info(FERRY_ROOT_SEL_TASK, exc_gate).id,
          "blocked on object %lu, not the exception handler gate",
          (unsigned long)job->seen_blocked_on);
    CHECK(job->result == SKIP_MARKER, "a0 after the fix-up: %lx", (unsigned long)job->result);
    CHECK_ERR(fault_log.last_reply_err, FERRY_E_NOREPLY);
    test_ok(what);
}

/* ---- no handler ---- */

static struct ferry_thread_state *read_state(uint64_t thread)
{
    CHECK_ERR(sys_thread_read(thread), FERRY_OK);
    return (struct ferry_thread_state *)sys_utcb()->buf;
}

static void test_no_pager(void)
{
    fault_action = 0; /* neither gate of this job may be used */
    unsigned before = fault_log.count;
    uint64_t addr = FAULT_VA + 3 * FERRY_PAGE_SIZE;
    struct job *job = job_run(sandbox, 0, exc_gate, OP_STORE, addr, 1);
    check_job(job, JOB_RUNNING, before, 0);
    struct ferry_thread_state *st = read_state(job->thread);
    CHECK(st->run.state == FERRY_RUN_FAULTED, "run state %lu", (unsigned long)st->run.state);
    CHECK(st->pc == (uint64_t)op_store_insn, "halted at pc %lx", (unsigned long)st->pc);
    CHECK(st->run.suspended == 0, "a halted thread is not suspended");

    /* the rest of the system runs on: another job, and the halted one stays put */
    struct job *other = job_run(sandbox, 0, 0, OP_NOP, 0, 0);
    CHECK(other->stage == JOB_DONE, "a job after the halt did not run");
    CHECK(job->stage == JOB_RUNNING, "the halted job moved");
    CHECK_ERR(sys_sleep(2000), FERRY_OK);
    CHECK(read_state(job->thread)->run.state == FERRY_RUN_FAULTED, "halt did not last");

    st->pc = (uint64_t)job_recover_entry;
    st->x[10] = (uint64_t)job;
    CHECK_ERR(sys_thread_write(job->thread), FERRY_OK);
    CHECK_ERR(sys_thread_resume(job->thread), FERRY_OK);
    check_job(job, JOB_RECOVERED, before, 0);
    test_ok("page fault without pager: halted (FAULTED), others run, new pc revives it");
}

static void test_no_exception_handler(void)
{
    fault_action = 0;
    unsigned before = fault_log.count;
    struct job *job = job_run(sandbox, pager_gate, 0, OP_EBREAK, 0, 0);
    check_job(job, JOB_RUNNING, before, 0);
    struct ferry_thread_state *st = read_state(job->thread);
    CHECK(st->run.state == FERRY_RUN_FAULTED, "run state %lu", (unsigned long)st->run.state);
    CHECK(st->pc == (uint64_t)op_ebreak_insn, "halted at pc %lx", (unsigned long)st->pc);
    st->pc += 4;
    st->x[10] = 77;
    CHECK_ERR(sys_thread_write(job->thread), FERRY_OK);
    CHECK_ERR(sys_thread_resume(job->thread), FERRY_OK);
    check_job(job, JOB_DONE, before, 0);
    CHECK(job->result == 77, "a0 after the rewrite: %lu", (unsigned long)job->result);
    test_ok("exception without handler: halted, pc + 4 and resume continues it");
}

/* ---- kernel addresses ---- */

static void test_kernel_jump(void)
{
    fault_action = action_kernel_address;
    unsigned before = fault_log.count;
    struct job *job = job_run(sandbox, pager_gate, exc_gate, OP_CALL, KERNEL_VA, 0);
    check_job(job, JOB_DONE, before, 1);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, KERNEL_VA, FERRY_RIGHT_X,
                KERNEL_VA, 12);
    CHECK_ERR(map_on_fault.err, FERRY_E_RANGE);
    CHECK(job->seen_ra == (uint64_t)op_call_return, "ra %lx", (unsigned long)job->seen_ra);
    CHECK(job->result == KERNEL_MARKER, "result %lx", (unsigned long)job->result);
    test_ok("jump to 0x80200000 (kernel): X fault at the pager, kernel fine");
}

static void test_kernel_access(void)
{
    fault_action = action_kernel_address;
    unsigned before = fault_log.count;
    struct job *job = job_run(sandbox, pager_gate, exc_gate, OP_LOAD, KERNEL_VA, 0);
    check_job(job, JOB_DONE, before, 1);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, KERNEL_VA, FERRY_RIGHT_R,
                (uint64_t)op_load_insn, 13);
    CHECK(job->result == KERNEL_MARKER, "load result %lx", (unsigned long)job->result);

    job = job_run(sandbox, pager_gate, exc_gate, OP_STORE, KERNEL_VA + 8, 0xdead);
    check_job(job, JOB_DONE, before, 2);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, KERNEL_VA + 8,
                FERRY_RIGHT_W, (uint64_t)op_store_insn, 15);

    /* beyond Sv39 (bit 38 set, upper bits clear): no valid address at all */
    job = job_run(sandbox, pager_gate, exc_gate, OP_LOAD, NONCANONICAL_VA, 0);
    check_job(job, JOB_DONE, before, 3);
    check_fault(fault_last(), job, FERRY_PROTO_PAGE_FAULT, PAGER_LABEL, NONCANONICAL_VA,
                FERRY_RIGHT_R, (uint64_t)op_load_insn, 13);
    test_ok("load/store at 0x80200000 (kernel) and beyond Sv39: faults at the pager, kernel fine");
}

/* ---- configuration ---- */

static void test_configure_errors(void)
{
    uint64_t thread = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, thread, sandbox, 0x30000000),
              FERRY_OK);
    uint64_t gate_no_w = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(FERRY_ROOT_SEL_TASK, pager_gate, gate_no_w, FERRY_RIGHT_R), FERRY_OK);
    CHECK_ERR(sys_thread_configure(thread, gate_no_w, 0, JOB_PRIO, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_thread_configure(thread, 0, gate_no_w, JOB_PRIO, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_thread_configure(thread, FERRY_ROOT_SEL_THREAD, 0, JOB_PRIO, 0), FERRY_E_BADTYPE);
    CHECK_ERR(sys_thread_configure(thread, 0, sandbox, JOB_PRIO, 0), FERRY_E_BADTYPE);
    CHECK_ERR(sys_thread_configure(thread, runtime_alloc_sel(), 0, JOB_PRIO, 0), FERRY_E_BADSEL);
    test_ok("pager/exception gate without W, or not a gate: E_NORIGHTS / E_BADTYPE");
}

int root_main(const struct ferry_bootinfo *bi)
{
    (void)bi;
    fault_server_start();
    pager_gate = fault_gate(PAGER_LABEL);
    exc_gate = fault_gate(EXC_LABEL);
    sandbox = sandbox_create();

    test_store_fault();
    test_load_fault();
    test_exec_fault();
    test_exception(OP_ILLEGAL, op_illegal_insn, 2,
                   "illegal instruction: exception handler gets it, fixes pc via suspend/write");
    test_exception(OP_EBREAK, op_ebreak_insn, 3,
                   "ebreak: exception handler gets it, fixes pc via suspend/write");
    test_no_pager();
    test_no_exception_handler();
    test_kernel_jump();
    test_kernel_access();
    test_configure_errors();
    printf("faults: all tests passed\n");
    return 0;
}
