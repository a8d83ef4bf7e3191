/*
 * ASIDs under churn (scenarios kernel-asid*, booted with asids=N to make the
 * kernel run out of them quickly).
 *
 * WAVES times, TASKS tasks are created, each with its own RAM page at the same
 * address PRIVATE_VA and one thread that, ROUNDS times, checks that the page
 * still holds what it last wrote there, writes the next value and yields: the
 * tasks take turns, so the kernel switches address spaces at every yield with
 * more tasks alive than it has ASIDs. Every task must only ever see its own
 * page (a stale translation would show it another task's). Meanwhile the
 * ASIDs the live tasks report (object info) must lie within what the kernel
 * has and never be shared by two tasks. Then the wave is destroyed, so the
 * next wave's page tables reuse the freed frames.
 */
#include <runtime.h>
#include <stdio.h>

#define WAVES      6
#define TASKS      10
#define ROUNDS     40
#define JOB_PRIO   50 /* below the root thread: they run while it sleeps */
#define PRIVATE_VA 0x30000000ul
#define JOB_UTCB   0x31000000ul

/* The private page: what the job wrote last, what it saw instead, its state. */
struct page {
    volatile uint64_t value;
    volatile uint64_t seen;
    volatile uint64_t state;
};
enum { JOB_RUNNING, JOB_DONE, JOB_WRONG };

/*
 * asid_job(token): ROUNDS times: page.value must equal token plus the rounds
 * done, becomes one more, then THREAD_YIELD. Ends with state DONE, or WRONG
 * with what it read in `seen`, and sleeps for good. No stack, no TLS: it runs
 * from the root image mapped into its task.
 */
__asm__(".section .text\n"
        ".globl asid_job\n"
        "asid_job:\n"
        "    li t0, 0x30000000\n" /* PRIVATE_VA */
        "    mv t2, a0\n"
        "    li s1, 40\n" /* ROUNDS */
        "1:  ld t1, 0(t0)\n"
        "    bne t1, t2, 3f\n"
        "    addi t2, t2, 1\n"
        "    sd t2, 0(t0)\n"
        "    li a7, 47\n" /* FERRY_SYS_THREAD_YIELD */
        "    ecall\n"
        "    addi s1, s1, -1\n"
        "    bnez s1, 1b\n"
        "    li t1, 1\n" /* JOB_DONE */
        "    sd t1, 16(t0)\n"
        "2:  li a7, 46\n" /* FERRY_SYS_THREAD_SLEEP */
        "    li a0, -1\n"
        "    ecall\n"
        "    j 2b\n"
        "3:  sd t1, 8(t0)\n"
        "    li t1, 2\n" /* JOB_WRONG */
        "    sd t1, 16(t0)\n"
        "    j 2b\n");
void asid_job(void);
_Static_assert(PRIVATE_VA == 0x30000000ul && ROUNDS == 40, "constants in asid_job");
_Static_assert(FERRY_SYS_THREAD_YIELD == 47 && FERRY_SYS_THREAD_SLEEP == 46, "asid_job calls");
_Static_assert(JOB_DONE == 1 && JOB_WRONG == 2, "asid_job states");

struct job {
    uint64_t task, thread, token;
    struct page *page; /* the root task's view of the job's private page */
};

static uint64_t largest_asid;

static void job_create(struct job *j, uint64_t token)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    j->page = runtime_alloc_pages(1);
    CHECK(j->page != 0, "out of RAM");
    *j->page = (struct page){.value = token, .seen = 0, .state = JOB_RUNNING};
    j->token = token;
    j->task = runtime_create(FERRY_OBJ_TASK, 0, 0);
    CHECK_ERR(sys_mem_map(j->task, FERRY_ROOT_SEL_IMAGE, 0, bi->image_vaddr,
                          bi->image_size / FERRY_PAGE_SIZE,
                          FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X),
              FERRY_OK);
    CHECK_ERR(sys_mem_map(j->task, bi->ram[0].sel, runtime_ram_offset(j->page), PRIVATE_VA, 1,
                          FERRY_RIGHT_R | FERRY_RIGHT_W),
              FERRY_OK);
    j->thread = runtime_create(FERRY_OBJ_THREAD, j->task, JOB_UTCB);
    CHECK_ERR(sys_thread_configure(j->thread, 0, 0, JOB_PRIO, 0), FERRY_OK);
    CHECK_ERR(sys_thread_start(j->thread, (uint64_t)asid_job, 0, token), FERRY_OK);
}

/* The live tasks' ASIDs: within 1..count of the kernel's, none shared. */
static void check_asids(const struct job *jobs, unsigned n)
{
    struct ferry_obj_info info;
    uint64_t asid[TASKS];
    for (unsigned i = 0; i < n; i++) {
        CHECK_ERR(sys_task_obj_info(FERRY_ROOT_SEL_TASK, jobs[i].task, &info), FERRY_OK);
        asid[i] = info.task.asid;
        for (unsigned k = 0; k < i; k++)
            CHECK(!asid[i] || asid[i] != asid[k], "tasks %u and %u share ASID %lu", k, i,
                  (unsigned long)asid[i]);
        if (asid[i] > largest_asid)
            largest_asid = asid[i];
    }
}

static void wait_done(const struct job *jobs, unsigned wave)
{
    for (unsigned ms = 0;; ms++) {
        unsigned done = 0;
        for (unsigned i = 0; i < TASKS; i++) {
            const struct page *p = jobs[i].page;
            CHECK(p->state != JOB_WRONG,
                  "wave %u task %u saw 0x%lx at its private page, expected 0x%lx", wave, i,
                  (unsigned long)p->seen, (unsigned long)p->value);
            done += p->state == JOB_DONE;
        }
        if (done == TASKS)
            return;
        CHECK(ms < 10000, "wave %u: %u of %u tasks done", wave, done, TASKS);
        check_asids(jobs, TASKS);
        CHECK_ERR(sys_sleep(1000), FERRY_OK);
    }
}

int root_main(const struct ferry_bootinfo *bi)
{
    (void)bi;
    struct job jobs[TASKS];
    for (unsigned wave = 0; wave < WAVES; wave++) {
        for (unsigned i = 0; i < TASKS; i++)
            job_create(&jobs[i], (uint64_t)(wave + 1) << 40 | (uint64_t)(i + 1) << 20);
        wait_done(jobs, wave);
        check_asids(jobs, TASKS);
        for (unsigned i = 0; i < TASKS; i++) {
            CHECK(jobs[i].page->value == jobs[i].token + ROUNDS, "wave %u task %u ended at 0x%lx",
                  wave, i, (unsigned long)jobs[i].page->value);
            CHECK_ERR(sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, jobs[i].task, FERRY_UNMAP_DESTROY),
                      FERRY_OK);
            CHECK_ERR(sys_task_unmap(FERRY_ROOT_SEL_TASK, jobs[i].thread), FERRY_OK);
        }
    }
    printf("asid: %u tasks in %u waves saw only their own memory ok\n", WAVES * TASKS, WAVES);
    printf("asid: largest ASID a task had: %lu\n", (unsigned long)largest_asid);
    printf("asid: all tests passed\n");
    return 0;
}
