/*
 * No leak: each loop creates and destroys objects more than twice as often as
 * the kernel pool could hold the smallest piece of kernel memory one round
 * allocates (bootinfo.kernel_pool_free / piece). If any round kept that
 * piece, creation would fail with E_NOMEM before the loop ends. Pieces: the
 * pool's small-object classes are powers of two (kernel/pmem.c), a gate or an
 * IRQ takes 64 bytes, a thread's or a task's struct 1024, and their pages
 * (UTCB, page tables, capability leaves, root table) 4096 each.
 *
 * Then the pool's capacity: tasks are created until E_NOMEM and all destroyed,
 * three times; the second and third rounds must fit exactly as many (the
 * first may differ: the root's own capability leaves grow during it).
 */
#include "destroy.h"
#include <stdio.h>

#define SMALL_PIECE  64   /* gate, IRQ */
#define STRUCT_PIECE 1024 /* thread, task */

/* Scratch slots far above what runtime_alloc_sel hands out. */
#define CHURN_SLOT     9000
#define CAPACITY_FIRST 9100
#define CHURN_UTCB     0x6f000000ul

static uint64_t rounds_for(uint64_t pool, uint64_t piece)
{
    return 2 * (pool / piece) + 100;
}

static void churn_gates(uint64_t n, bool plain_unmap)
{
    for (uint64_t i = 0; i < n; i++) {
        long err = sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, CHURN_SLOT,
                              FERRY_ROOT_SEL_THREAD, i);
        CHECK(err == FERRY_OK, "gate %lu: %s", (unsigned long)i, ferry_error_name(err));
        CHECK_ERR(sys_task_unmap_flags(OWN, CHURN_SLOT, plain_unmap ? 0 : FERRY_UNMAP_DESTROY),
                  FERRY_OK);
    }
}

static void churn_irqs(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        long err = sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, CHURN_SLOT, 0, i);
        CHECK(err == FERRY_OK, "IRQ %lu: %s", (unsigned long)i, ferry_error_name(err));
        CHECK_ERR(sys_irq_trigger(CHURN_SLOT), FERRY_OK);
        CHECK_ERR(sys_task_unmap_flags(OWN, CHURN_SLOT, FERRY_UNMAP_DESTROY), FERRY_OK);
    }
}

/* Threads of one task, every one with its UTCB at the same address. */
static void churn_threads(uint64_t n)
{
    uint64_t task = CHURN_SLOT + 1;
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, task, 0, 0), FERRY_OK);
    for (uint64_t i = 0; i < n; i++) {
        long err =
            sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, CHURN_SLOT, task, CHURN_UTCB);
        CHECK(err == FERRY_OK, "thread %lu: %s", (unsigned long)i, ferry_error_name(err));
        CHECK_ERR(sys_thread_configure(CHURN_SLOT, 0, 0, 1, 0), FERRY_OK);
        CHECK_ERR(sys_task_unmap_flags(OWN, CHURN_SLOT, FERRY_UNMAP_DESTROY), FERRY_OK);
    }
    CHECK_ERR(sys_task_unmap_flags(OWN, task, FERRY_UNMAP_DESTROY), FERRY_OK);
}

/*
 * Tasks holding their own capability, a thread (its UTCB needs page tables),
 * a gate to that thread and an IRQ, whose only capabilities are in the task:
 * destroying the task must free all of it, the task included.
 */
static void churn_tasks(uint64_t n)
{
    const uint64_t task = CHURN_SLOT, thread = CHURN_SLOT + 1, gate = CHURN_SLOT + 2,
                   irq = CHURN_SLOT + 3;
    for (uint64_t i = 0; i < n; i++) {
        long err = sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, task, 0, 0);
        CHECK(err == FERRY_OK, "task %lu: %s", (unsigned long)i, ferry_error_name(err));
        CHECK_ERR(sys_task_map(task, task, 1, FERRY_RIGHTS_ALL), FERRY_OK);
        CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, thread, task, CHURN_UTCB),
                  FERRY_OK);
        CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, gate, thread, i), FERRY_OK);
        CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, irq, 0, i), FERRY_OK);
        CHECK_ERR(sys_task_map(task, thread, 2, FERRY_RIGHTS_ALL), FERRY_OK);
        CHECK_ERR(sys_task_map(task, gate, 3, FERRY_RIGHTS_ALL), FERRY_OK);
        CHECK_ERR(sys_task_map(task, irq, 4, FERRY_RIGHTS_ALL), FERRY_OK);
        CHECK_ERR(sys_task_unmap(OWN, thread), FERRY_OK);
        CHECK_ERR(sys_task_unmap(OWN, gate), FERRY_OK);
        CHECK_ERR(sys_task_unmap(OWN, irq), FERRY_OK);
        CHECK_ERR(sys_task_unmap_flags(OWN, task, FERRY_UNMAP_DESTROY), FERRY_OK);
    }
}

void test_churn(const struct ferry_bootinfo *bi)
{
    uint64_t pool = bi->kernel_pool_free;
    uint64_t small = rounds_for(pool, SMALL_PIECE), large = rounds_for(pool, STRUCT_PIECE);
    printf("destroy: kernel pool %lu KiB: at most %lu gates or IRQs, %lu threads or tasks\n",
           (unsigned long)(pool >> 10), (unsigned long)(pool / SMALL_PIECE),
           (unsigned long)(pool / STRUCT_PIECE));
    uint64_t t0 = sys_clock_us();
    churn_gates(small, false);
    printf("destroy: churn: %lu gates created and destroyed\n", (unsigned long)small);
    churn_gates(small, true);
    printf("destroy: churn: %lu gates created and unmapped (freed by the last unmap)\n",
           (unsigned long)small);
    churn_irqs(small);
    printf("destroy: churn: %lu IRQs created, triggered and destroyed\n", (unsigned long)small);
    churn_threads(large);
    printf("destroy: churn: %lu threads created and destroyed, UTCB at one address\n",
           (unsigned long)large);
    churn_tasks(large);
    printf("destroy: churn: %lu tasks with own task, thread, gate and IRQ destroyed\n",
           (unsigned long)large);
    printf("destroy: churn took %lu ms\n", (unsigned long)((sys_clock_us() - t0) / 1000));
    test_ok("create/destroy loops twice as long as the pool could feed without freeing");
}

/* Creates tasks from CAPACITY_FIRST on until E_NOMEM; destroys them all. */
static uint64_t capacity_round(void)
{
    uint64_t n = 0;
    for (;; n++) {
        CHECK(CAPACITY_FIRST + n < 16384, "ran out of slots before the kernel pool");
        long err = sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, CAPACITY_FIRST + n, 0, 0);
        if (err == FERRY_E_NOMEM)
            break;
        CHECK_ERR(err, FERRY_OK);
    }
    for (uint64_t i = 0; i < n; i++)
        CHECK_ERR(sys_task_unmap_flags(OWN, CAPACITY_FIRST + i, FERRY_UNMAP_DESTROY), FERRY_OK);
    return n;
}

void test_capacity(void)
{
    uint64_t first = capacity_round(), second = capacity_round(), third = capacity_round();
    printf("destroy: tasks until E_NOMEM: %lu, %lu, %lu\n", (unsigned long)first,
           (unsigned long)second, (unsigned long)third);
    CHECK(first > 0 && second == third && second + 8 >= first,
          "the pool shrinks: %lu, %lu, %lu tasks", (unsigned long)first, (unsigned long)second,
          (unsigned long)third);
    /* everything works again after the exhaustion */
    struct blocker *server = blocker_start(B_HOLD, 0, 0, BLOCKER_PRIO);
    uint64_t gate = make_gate(server->thread, 0xcc);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(0, 0, 0), 0), FERRY_OK);
    CHECK(server->returned && server->label == 0xcc, "no IPC after the exhaustion");
    destroy(server->thread);
    test_ok("the kernel pool holds as many tasks after each exhaust-and-destroy round");
}
