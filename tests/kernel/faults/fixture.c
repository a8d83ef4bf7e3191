/* Fault server, jobs and sandbox tasks: see fixture.h. */
#include "fixture.h"

#define JOB_PAGES     3 /* struct job at the bottom, stack above it */
#define JOB_UTCB_BASE 0x70000000ul
#define MAX_JOBS      64

struct fault_log fault_log;
fault_action_fn volatile fault_action;

static uint64_t server_thread;
static struct job *jobs[MAX_JOBS];
static unsigned job_count;
static uint64_t next_utcb = JOB_UTCB_BASE;

/* ---- code a job runs: no TLS, so it runs in any task holding the image ---- */

/*
 * The faulting operations, in assembly so that the faulting instruction has
 * a known address and a known size (norvc: every instruction is 4 bytes, so a
 * handler skips one with pc + 4). Entry stubs set gp, which THREAD_START
 * leaves alone.
 */
__asm__(".section .text\n"
        ".option push\n"
        ".option norvc\n"
        ".option norelax\n"
        ".globl job_entry\n"
        "job_entry:\n"
        "    la gp, __global_pointer$\n"
        "    tail job_main\n"
        ".globl job_recover_entry\n"
        "job_recover_entry:\n"
        "    la gp, __global_pointer$\n"
        "    tail job_recover\n"
        ".globl op_store\n"
        "op_store:\n"
        ".globl op_store_insn\n"
        "op_store_insn:\n"
        "    sd a1, 0(a0)\n"
        "    ret\n"
        ".globl op_load\n"
        "op_load:\n"
        ".globl op_load_insn\n"
        "op_load_insn:\n"
        "    ld a0, 0(a0)\n"
        "    ret\n"
        ".globl op_call\n"
        "op_call:\n"
        "    addi sp, sp, -16\n"
        "    sd ra, 8(sp)\n"
        ".globl op_call_insn\n"
        "op_call_insn:\n"
        "    jalr a0\n"
        ".globl op_call_return\n"
        "op_call_return:\n"
        "    ld ra, 8(sp)\n"
        "    addi sp, sp, 16\n"
        "    ret\n"
        ".globl op_illegal\n"
        "op_illegal:\n"
        "    li a0, 0\n"
        ".globl op_illegal_insn\n"
        "op_illegal_insn:\n"
        "    .word 0\n"
        "    ret\n"
        ".globl op_ebreak\n"
        "op_ebreak:\n"
        "    li a0, 0\n"
        ".globl op_ebreak_insn\n"
        "op_ebreak_insn:\n"
        "    ebreak\n"
        "    ret\n"
        ".option pop\n");

void job_entry(void);
uint64_t op_store(uint64_t addr, uint64_t value);
uint64_t op_load(uint64_t addr);
uint64_t op_call(uint64_t target);
uint64_t op_illegal(void);
uint64_t op_ebreak(void);
void job_main(struct job *job) __attribute__((noreturn));
void job_recover(struct job *job) __attribute__((noreturn));

static void __attribute__((noreturn)) job_park(void)
{
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

/* Writes the pages of arg1's mask (low 32 bits) and reads the others of the
 * range (arg1 >> 32 pages). */
static void write_pages(uint64_t base, uint64_t arg)
{
    uint32_t mask = (uint32_t)arg;
    unsigned pages = (unsigned)(arg >> 32);
    for (unsigned i = 0; i < pages; i++) {
        volatile uint64_t *word = (volatile uint64_t *)(base + i * FERRY_PAGE_SIZE + 8);
        if (mask & (1u << i))
            *word = 0x5100 + i;
        else
            (void)*word;
    }
}

void job_main(struct job *job)
{
    job->stage = JOB_RUNNING;
    switch (job->op) {
    case OP_NOP:
        break;
    case OP_STORE:
        op_store(job->arg0, job->arg1);
        break;
    case OP_LOAD:
        job->result = op_load(job->arg0);
        break;
    case OP_CALL:
        job->result = op_call(job->arg0);
        break;
    case OP_ILLEGAL:
        job->result = op_illegal();
        break;
    case OP_EBREAK:
        job->result = op_ebreak();
        break;
    case OP_WRITE_PAGES:
        write_pages(job->arg0, job->arg1);
        break;
    }
    job->stage = JOB_DONE;
    job_park();
}

void job_recover(struct job *job)
{
    job->stage = JOB_RECOVERED;
    job_park();
}

/* ---- the fault server ---- */

static void record(struct fault_msg *m, long err, uint64_t tag, uint64_t label)
{
    const uint64_t *mr = sys_utcb()->mr;
    *m = (struct fault_msg){err, tag, label, mr[0], mr[1], mr[2], mr[3], mr[4]};
}

static void fault_server(void *arg)
{
    (void)arg;
    for (;;) {
        uint64_t tag = 0, label = 0;
        long err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label);
        struct fault_msg *m = &fault_log.msg[fault_log.count % FAULT_LOG_SIZE];
        record(m, err, tag, label);
        fault_log.count++;
        /* a fault nobody expects would rerun forever: fail loudly instead */
        CHECK(fault_action != 0, "unexpected message: tag %lx addr %lx pc %lx cause %lu",
              (unsigned long)tag, (unsigned long)m->addr, (unsigned long)m->pc,
              (unsigned long)m->cause);
        if (fault_action(m) == FAULT_REPLY)
            fault_log.last_reply_err = sys_ipc_reply(FERRY_TAG(0, 0, 0));
    }
}

void fault_server_start(void)
{
    if (server_thread)
        return;
    /* spawned below the root thread so that it is configured before it runs */
    server_thread = runtime_thread_spawn(fault_server, 0, 1);
    CHECK(server_thread != 0, "spawn fault server");
    CHECK_ERR(sys_thread_configure(server_thread, 0, 0, FAULT_SERVER_PRIO, 0), FERRY_OK);
}

uint64_t fault_gate(uint64_t label)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, sel, server_thread, label),
              FERRY_OK);
    return sel;
}

const struct fault_msg *fault_last(void)
{
    CHECK(fault_log.count > 0, "the fault server received nothing");
    return &fault_log.msg[(fault_log.count - 1) % FAULT_LOG_SIZE];
}

/* ---- tasks and jobs ---- */

uint64_t object_id(uint64_t sel)
{
    struct sys_cap_info info;
    CHECK_ERR(sys_task_cap_info(FERRY_ROOT_SEL_TASK, sel, &info), FERRY_OK);
    return info.id;
}

uint64_t sandbox_create(void)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    uint64_t task = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, task, 0, 0), FERRY_OK);
    CHECK_ERR(sys_mem_map(task, FERRY_ROOT_SEL_IMAGE, 0, bi->image_vaddr,
                          bi->image_size / FERRY_PAGE_SIZE,
                          FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X),
              FERRY_OK);
    return task;
}

struct job *job_run(uint64_t task, uint64_t pager, uint64_t exc, enum job_op op, uint64_t arg0,
                    uint64_t arg1)
{
    CHECK(job_count < MAX_JOBS, "too many jobs");
    struct job *job = runtime_alloc_pages(JOB_PAGES);
    CHECK(job != 0, "out of RAM");
    if (task != FERRY_ROOT_SEL_TASK)
        CHECK_ERR(sys_mem_map(task, runtime_bootinfo->ram[0].sel, runtime_ram_offset(job),
                              (uint64_t)job, JOB_PAGES, FERRY_RIGHT_R | FERRY_RIGHT_W),
                  FERRY_OK);
    job->op = op;
    job->arg0 = arg0;
    job->arg1 = arg1;
    job->task = task;
    job->utcb_va = next_utcb;
    job->thread = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, job->thread, task, next_utcb),
              FERRY_OK);
    next_utcb += FERRY_PAGE_SIZE;
    CHECK_ERR(sys_thread_configure(job->thread, pager, exc, JOB_PRIO, 0), FERRY_OK);
    job->thread_id = object_id(job->thread);
    jobs[job_count++] = job;
    CHECK_ERR(sys_thread_start(job->thread, (uint64_t)job_entry,
                               (uint64_t)job + JOB_PAGES * FERRY_PAGE_SIZE, (uint64_t)job),
              FERRY_OK);
    return job;
}

struct job *job_by_id(uint64_t id)
{
    for (unsigned i = 0; i < job_count; i++)
        if (jobs[i]->thread_id == id)
            return jobs[i];
    return 0;
}

void job_redirect(struct job *job, int64_t pc_delta, uint64_t new_pc, uint64_t a0)
{
    struct ferry_thread_state *st = (struct ferry_thread_state *)sys_utcb()->buf;
    CHECK_ERR(sys_thread_suspend(job->thread), FERRY_OK);
    CHECK_ERR(sys_thread_read(job->thread), FERRY_OK);
    job->seen_pc = st->pc;
    job->seen_ra = st->x[1];
    job->seen_run_state = st->run.state;
    job->seen_suspended = st->run.suspended;
    job->seen_blocked_call = st->run.blocked_call;
    job->seen_blocked_fault = st->run.blocked_fault;
    job->seen_blocked_on = st->run.blocked_on;
    st->pc = new_pc ? new_pc : st->pc + (uint64_t)pc_delta;
    st->x[10] = a0;
    CHECK_ERR(sys_thread_write(job->thread), FERRY_OK);
    CHECK_ERR(sys_thread_resume(job->thread), FERRY_OK);
}
