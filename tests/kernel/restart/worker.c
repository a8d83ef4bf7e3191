#include "worker.h"
#include <string.h>

/*
 * Entry of every worker: a0 = its start block, sp just below it. gp is set
 * here because THREAD_START sets only pc, sp and a0; tp stays 0 (no TLS).
 */
__asm__(".section .text\n"
        ".globl worker_entry\n"
        "worker_entry:\n"
        ".option push\n"
        ".option norelax\n"
        "    la gp, __global_pointer$\n"
        ".option pop\n"
        "    ld t0, 0(a0)\n"
        "    jalr t0\n"
        "1:  j 1b\n");
void worker_entry(void);

#define WORKER_UTCB_BASE 0x70000000ul
#define IMAGE_MAX_RUNS 8

/* Runs of the root image's pages with equal rights, learnt by MEM_QUERY. */
struct image_run {
    uint64_t va, pages, rights;
};

static struct image_run image_run[IMAGE_MAX_RUNS];
static unsigned image_runs;
static uint64_t report_gate;
static uint64_t next_utcb = WORKER_UTCB_BASE;

static void image_scan(void)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    for (uint64_t va = bi->image_vaddr; va < bi->image_vaddr + bi->image_size;
         va += FERRY_PAGE_SIZE) {
        uint64_t paddr, info;
        CHECK_ERR(sys_mem_query(FERRY_ROOT_SEL_TASK, va, &paddr, &info), FERRY_OK);
        CHECK(info & FERRY_MEMQ_MAPPED, "image page 0x%lx not mapped", (unsigned long)va);
        CHECK(paddr == bi->image_paddr + (va - bi->image_vaddr), "image not contiguous");
        uint64_t rights = info & FERRY_RIGHTS_ALL;
        struct image_run *last = image_runs ? &image_run[image_runs - 1] : NULL;
        if (last && last->rights == rights && last->va + last->pages * FERRY_PAGE_SIZE == va) {
            last->pages++;
            continue;
        }
        CHECK(image_runs < IMAGE_MAX_RUNS, "image has too many pieces");
        image_run[image_runs++] = (struct image_run){va, 1, rights};
    }
}

void worker_lib_init(void)
{
    image_scan();
    report_gate = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, report_gate,
                         FERRY_ROOT_SEL_THREAD, REPORT_LABEL),
              FERRY_OK);
}

uint64_t worker_report_gate(void)
{
    return report_gate;
}

static void add_region(struct worker *w, uint64_t va, uint64_t pages, uint8_t *mem)
{
    CHECK(w->regions < WORKER_MAX_REGIONS, "too many regions");
    w->region[w->regions++] = (struct region){va, pages, mem};
}

void worker_create(struct worker *w, worker_fn fn, unsigned prio)
{
    memset(w, 0, sizeof(*w));
    w->task = FERRY_ROOT_SEL_TASK;
    w->prio = prio;
    for (unsigned i = 0; i < image_runs; i++)
        if (image_run[i].rights & FERRY_RIGHT_W)
            add_region(w, image_run[i].va, image_run[i].pages, (uint8_t *)image_run[i].va);
    uint8_t *stack = runtime_alloc_pages(WORKER_STACK_PAGES);
    CHECK(stack, "out of RAM for a stack");
    add_region(w, (uint64_t)stack, WORKER_STACK_PAGES, stack);

    uint8_t *top = stack + WORKER_STACK_PAGES * FERRY_PAGE_SIZE;
    w->start = (struct worker_start *)((uint64_t)(top - sizeof(struct worker_start)) & ~15ul);
    w->start_va = (uint64_t)w->start;
    w->utcb_va = next_utcb;
    next_utcb += FERRY_PAGE_SIZE;
    w->start->fn = fn;
    w->start->utcb = (struct ferry_utcb *)w->utcb_va;
    w->start->report_gate = report_gate;

    w->thread = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, w->thread, w->task, w->utcb_va),
              FERRY_OK);
    CHECK_ERR(sys_thread_configure(w->thread, 0, 0, prio, 0), FERRY_OK);
}

void worker_use_cap(struct worker *w, uint64_t slot)
{
    CHECK(w->ncaps < WORKER_MAX_CAPS, "too many caps");
    w->caps[w->ncaps++] = slot;
}

void worker_run(struct worker *w)
{
    CHECK_ERR(sys_thread_start(w->thread, (uint64_t)worker_entry, w->start_va, w->start_va),
              FERRY_OK);
}

/* Shares the image's read-only pages (code, constants) with the new task. */
static void map_image_readonly(uint64_t task)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    for (unsigned i = 0; i < image_runs; i++) {
        const struct image_run *run = &image_run[i];
        if (run->rights & FERRY_RIGHT_W)
            continue;
        CHECK_ERR(sys_mem_map(task, FERRY_ROOT_SEL_IMAGE, run->va - bi->image_vaddr, run->va,
                              run->pages, run->rights),
                  FERRY_OK);
    }
}

/* A private copy of a writable region, mapped at the same address in task. */
static struct region copy_region(uint64_t task, const struct region *src)
{
    uint8_t *copy = runtime_alloc_pages(src->pages);
    CHECK(copy, "out of RAM for a copy");
    memcpy(copy, src->mem, src->pages * FERRY_PAGE_SIZE);
    CHECK_ERR(sys_mem_map(task, runtime_bootinfo->ram[0].sel, runtime_ram_offset(copy), src->va,
                          src->pages, FERRY_RIGHT_R | FERRY_RIGHT_W),
              FERRY_OK);
    return (struct region){src->va, src->pages, copy};
}

void worker_move(const struct worker *from, const struct ferry_thread_state *state,
                 struct worker *to)
{
    memset(to, 0, sizeof(*to));
    to->task = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, to->task, 0, 0), FERRY_OK);
    map_image_readonly(to->task);
    for (unsigned i = 0; i < from->regions; i++) {
        to->region[i] = copy_region(to->task, &from->region[i]);
        const struct region *r = &to->region[i];
        if (from->start_va >= r->va && from->start_va < r->va + r->pages * FERRY_PAGE_SIZE)
            to->start = (struct worker_start *)(r->mem + (from->start_va - r->va));
    }
    to->regions = from->regions;
    to->start_va = from->start_va;
    /* the same capabilities at the same slots */
    CHECK_ERR(sys_task_map(to->task, report_gate, report_gate, FERRY_RIGHTS_ALL), FERRY_OK);
    for (unsigned i = 0; i < from->ncaps; i++) {
        CHECK_ERR(sys_task_map(to->task, from->caps[i], from->caps[i], FERRY_RIGHTS_ALL),
                  FERRY_OK);
        to->caps[i] = from->caps[i];
    }
    to->ncaps = from->ncaps;

    to->utcb_va = from->utcb_va;
    to->prio = from->prio;
    to->thread = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, to->thread, to->task,
                         to->utcb_va),
              FERRY_OK);
    CHECK_ERR(sys_thread_configure(to->thread, 0, 0, to->prio, 0), FERRY_OK);
    CHECK_ERR(state_write(to->thread, state), FERRY_OK);
    CHECK_ERR(sys_thread_resume(to->thread), FERRY_OK);
}

void state_read(uint64_t thread, struct ferry_thread_state *out)
{
    CHECK_ERR(sys_thread_read(thread), FERRY_OK);
    memcpy(out, sys_utcb()->buf, sizeof(*out));
}

long state_write(uint64_t thread, const struct ferry_thread_state *in)
{
    memcpy(sys_utcb()->buf, in, sizeof(*in));
    return sys_thread_write(thread);
}

unsigned report_wait(uint64_t timeout_us, uint64_t *words, unsigned max)
{
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_wait(timeout_us, &tag, &label), FERRY_OK);
    CHECK(label == REPORT_LABEL, "message with label 0x%lx instead of a report",
          (unsigned long)label);
    unsigned n = FERRY_TAG_WORDS(tag);
    CHECK(n <= max, "report of %u words, expected at most %u", n, max);
    memcpy(words, sys_utcb()->mr, n * sizeof(uint64_t));
    return n;
}

void report_none(void)
{
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, 0, 0), FERRY_E_TIMEOUT);
}
