/*
 * Memory mappings (tests/kernel/memory): MEM_MAP, MEM_UNMAP, MEM_PROTECT,
 * MEM_QUERY here, argument errors in errors.c, MEM_DIRTY in dirty.c. Accesses
 * that must fault run in jobs (fixture.h) whose pager is the fault server, so
 * the test sees every fault; an unexpected fault fails the test there.
 */
#include "memory.h"
#include <stdio.h>

uint64_t pager_gate, sandbox;

void test_ok(const char *what)
{
    printf("memory: %s ok\n", what);
}

void *fresh_pages(uint64_t pages)
{
    void *p = runtime_alloc_pages(pages);
    CHECK(p != 0, "out of RAM");
    return p;
}

void map_ram(uint64_t task, const void *p, uint64_t va, uint64_t pages, uint64_t rights)
{
    CHECK_ERR(sys_mem_map(task, runtime_bootinfo->ram[0].sel, runtime_ram_offset(p), va, pages,
                          rights),
              FERRY_OK);
}

uint64_t query(uint64_t task, uint64_t va, uint64_t *paddr)
{
    uint64_t pa, info;
    CHECK_ERR(sys_mem_query(task, va, &pa, &info), FERRY_OK);
    if (paddr)
        *paddr = pa;
    return info;
}

uint64_t ram_paddr(const void *p)
{
    return runtime_bootinfo->ram[0].paddr + runtime_ram_offset(p);
}

/* ---- fault actions (run in the fault server) ---- */

static const void *remap_page; /* what action_remap maps at the faulting page */

static enum fault_reply action_remap(const struct fault_msg *m)
{
    struct job *job = job_by_id(m->thread_id);
    CHECK(job != 0, "fault of an unknown thread");
    map_ram(job->task, remap_page, m->addr & ~(FERRY_PAGE_SIZE - 1), 1, RW);
    return FAULT_REPLY;
}

static enum fault_reply action_restore_write(const struct fault_msg *m)
{
    struct job *job = job_by_id(m->thread_id);
    CHECK(job != 0, "fault of an unknown thread");
    CHECK(m->access == FERRY_RIGHT_W, "access %lu on a read-only page", (unsigned long)m->access);
    CHECK_ERR(sys_mem_protect(job->task, m->addr & ~(FERRY_PAGE_SIZE - 1), 1, RW), FERRY_OK);
    return FAULT_REPLY;
}

static void check_page_fault(const struct job *job, uint64_t addr, uint64_t access,
                             const char *pc, uint64_t cause)
{
    const struct fault_msg *m = fault_last();
    CHECK(m->tag == FERRY_TAG(5, 0, FERRY_PROTO_PAGE_FAULT) && m->label == PAGER_LABEL,
          "tag %lx label %lx", (unsigned long)m->tag, (unsigned long)m->label);
    CHECK(m->addr == addr && m->access == access && m->pc == (uint64_t)pc && m->cause == cause,
          "fault addr %lx access %lu pc %lx cause %lu", (unsigned long)m->addr,
          (unsigned long)m->access, (unsigned long)m->pc, (unsigned long)m->cause);
    CHECK(m->thread_id == job->thread_id, "fault of thread %lu", (unsigned long)m->thread_id);
}

static void check_done(const struct job *job, unsigned faults_before, unsigned faults)
{
    CHECK(job->stage == JOB_DONE, "job stage %lu", (unsigned long)job->stage);
    CHECK(fault_log.count == faults_before + faults, "%u faults, expected %u",
          fault_log.count - faults_before, faults);
}

/* ---- sub-tests ---- */

static void test_two_mappings(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t *alias = (uint64_t *)ALIAS_VA(0);
    map_ram(ROOT, page, (uint64_t)alias, 1, RW);
    page[0] = 0x1111;
    CHECK(alias[0] == 0x1111, "alias reads %lx", (unsigned long)alias[0]);
    alias[1] = 0x2222;
    CHECK(page[1] == 0x2222, "page reads %lx", (unsigned long)page[1]);
    uint64_t pa_page, pa_alias, pa_sandbox;
    query(ROOT, (uint64_t)page, &pa_page);
    query(ROOT, (uint64_t)alias, &pa_alias);
    CHECK(pa_page == ram_paddr(page) && pa_alias == pa_page, "physical %lx and %lx",
          (unsigned long)pa_page, (unsigned long)pa_alias);

    /* the same page in the sandbox, where a job reads and writes it */
    fault_action = 0; /* no fault expected */
    map_ram(sandbox, page, SANDBOX_VA, 1, RW);
    CHECK(query(sandbox, SANDBOX_VA, &pa_sandbox) & FERRY_MEMQ_MAPPED, "not mapped in sandbox");
    CHECK(pa_sandbox == pa_page, "sandbox physical %lx", (unsigned long)pa_sandbox);
    unsigned before = fault_log.count;
    struct job *job = job_run(sandbox, pager_gate, 0, OP_LOAD, SANDBOX_VA, 0);
    check_done(job, before, 0);
    CHECK(job->result == 0x1111, "sandbox reads %lx", (unsigned long)job->result);
    job = job_run(sandbox, pager_gate, 0, OP_STORE, SANDBOX_VA + 16, 0x3333);
    check_done(job, before, 0);
    CHECK(page[2] == 0x3333 && alias[2] == 0x3333, "sandbox's store not visible");
    test_ok("one page through two mappings and in a second task");

    /* mapping over a mapping replaces it */
    uint64_t *other = fresh_pages(1);
    other[0] = 0x4444;
    map_ram(ROOT, other, (uint64_t)alias, 1, FERRY_RIGHT_R);
    CHECK(alias[0] == 0x4444, "alias still reads %lx", (unsigned long)alias[0]);
    CHECK((query(ROOT, (uint64_t)alias, &pa_alias) & RWX) == FERRY_RIGHT_R &&
              pa_alias == ram_paddr(other),
          "replaced mapping: %lx", (unsigned long)pa_alias);
    test_ok("MEM_MAP over a mapping replaces it");
}

static void test_query(void)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    uint64_t pa;
    /* the root's own code: read + execute, never writable */
    uint64_t info = query(ROOT, bi->image_vaddr, &pa);
    CHECK((info & (FERRY_MEMQ_MAPPED | RWX)) == (FERRY_MEMQ_MAPPED | RX), "text: %lx",
          (unsigned long)info);
    CHECK(pa == bi->image_paddr, "text at %lx", (unsigned long)pa);

    /* a fresh mapping: accessed (the kernel presets A), not dirty until written */
    uint64_t *page = fresh_pages(1);
    volatile uint64_t *alias = (volatile uint64_t *)ALIAS_VA(1);
    map_ram(ROOT, page, (uint64_t)alias, 1, RW);
    info = query(ROOT, (uint64_t)alias + 0x123, &pa);
    CHECK(info == (FERRY_MEMQ_MAPPED | FERRY_MEMQ_ACCESSED | RW), "fresh: %lx",
          (unsigned long)info);
    CHECK(pa == ram_paddr(page), "fresh at %lx (expected %lx)", (unsigned long)pa,
          (unsigned long)ram_paddr(page));
    (void)alias[5];
    CHECK(!(query(ROOT, (uint64_t)alias, 0) & FERRY_MEMQ_DIRTY), "dirty after a read");
    alias[5] = 1;
    CHECK(query(ROOT, (uint64_t)alias, 0) & FERRY_MEMQ_DIRTY, "not dirty after a write");

    map_ram(ROOT, page, ALIAS_VA(2), 1, FERRY_RIGHT_R);
    info = query(ROOT, ALIAS_VA(2), 0);
    CHECK(info == (FERRY_MEMQ_MAPPED | FERRY_MEMQ_ACCESSED | FERRY_RIGHT_R), "read-only: %lx",
          (unsigned long)info);
    pa = 1;
    CHECK(query(ROOT, ALIAS_VA(3), &pa) == 0 && pa == 0, "unmapped: %lx at %lx",
          (unsigned long)query(ROOT, ALIAS_VA(3), 0), (unsigned long)pa);
    CHECK(query(sandbox, SANDBOX_VA, 0) & FERRY_MEMQ_DIRTY, "sandbox page written, not dirty");
    CHECK(query(sandbox, ALIAS_VA(1), 0) == 0, "root's alias visible in the sandbox");
    test_ok("MEM_QUERY reports mapping, address, rights, dirty and accessed");
}

static void test_unmap(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t va = ALIAS_VA(4);
    page[3] = 0x7777;
    map_ram(ROOT, page, va, 1, RW);
    CHECK_ERR(sys_mem_unmap(ROOT, va, 1), FERRY_OK);
    CHECK(query(ROOT, va, 0) == 0, "still mapped after unmap");
    CHECK_ERR(sys_mem_unmap(ROOT, va, 1), FERRY_OK); /* unmapping nothing is fine */

    remap_page = page;
    fault_action = action_remap;
    unsigned before = fault_log.count;
    struct job *job = job_run(ROOT, pager_gate, 0, OP_LOAD, va + 24, 0);
    check_done(job, before, 1);
    check_page_fault(job, va + 24, FERRY_RIGHT_R, op_load_insn, 13);
    CHECK(job->result == 0x7777, "loaded %lx", (unsigned long)job->result);

    CHECK_ERR(sys_mem_unmap(ROOT, va, 1), FERRY_OK);
    job = job_run(ROOT, pager_gate, 0, OP_STORE, va + 32, 0x8888);
    check_done(job, before, 2);
    check_page_fault(job, va + 32, FERRY_RIGHT_W, op_store_insn, 15);
    CHECK(page[4] == 0x8888, "stored value not in the page");

    /* unmapping in the sandbox leaves the root's mapping of the same page */
    map_ram(sandbox, page, SANDBOX_VA + FERRY_PAGE_SIZE, 1, RW);
    CHECK_ERR(sys_mem_unmap(sandbox, SANDBOX_VA + FERRY_PAGE_SIZE, 1), FERRY_OK);
    CHECK(query(sandbox, SANDBOX_VA + FERRY_PAGE_SIZE, 0) == 0, "sandbox page still mapped");
    CHECK(query(ROOT, va, 0) & FERRY_MEMQ_MAPPED, "root's mapping went too");
    job = job_run(sandbox, pager_gate, 0, OP_LOAD, SANDBOX_VA + FERRY_PAGE_SIZE + 24, 0);
    check_done(job, before, 3);
    check_page_fault(job, SANDBOX_VA + FERRY_PAGE_SIZE + 24, FERRY_RIGHT_R, op_load_insn, 13);
    CHECK(job->result == 0x7777, "sandbox loaded %lx", (unsigned long)job->result);
    test_ok("unmapped pages fault at the pager, which maps them back (root and sandbox)");
}

static void test_protect_read_only(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t va = ALIAS_VA(5);
    page[0] = 0x5555;
    map_ram(ROOT, page, va, 1, RW);
    CHECK_ERR(sys_mem_protect(ROOT, va, 1, FERRY_RIGHT_R), FERRY_OK);
    CHECK((query(ROOT, va, 0) & (FERRY_MEMQ_MAPPED | RWX)) == (FERRY_MEMQ_MAPPED | FERRY_RIGHT_R),
          "rights after protect R");

    fault_action = 0; /* reading a read-only page must not fault */
    unsigned before = fault_log.count;
    struct job *job = job_run(ROOT, pager_gate, 0, OP_LOAD, va, 0);
    check_done(job, before, 0);
    CHECK(job->result == 0x5555, "loaded %lx", (unsigned long)job->result);

    fault_action = action_restore_write;
    job = job_run(ROOT, pager_gate, 0, OP_STORE, va + 40, 0x9999);
    check_done(job, before, 1);
    check_page_fault(job, va + 40, FERRY_RIGHT_W, op_store_insn, 15);
    CHECK(page[5] == 0x9999, "store after restoring W lost");
    CHECK((query(ROOT, va, 0) & RWX) == RW, "rights after the pager restored W");

    /* the same in the sandbox */
    map_ram(sandbox, page, SANDBOX_VA + 2 * FERRY_PAGE_SIZE, 1, RW);
    CHECK_ERR(sys_mem_protect(sandbox, SANDBOX_VA + 2 * FERRY_PAGE_SIZE, 1, FERRY_RIGHT_R),
              FERRY_OK);
    CHECK((query(ROOT, va, 0) & RWX) == RW, "protect in the sandbox changed the root");
    job = job_run(sandbox, pager_gate, 0, OP_STORE, SANDBOX_VA + 2 * FERRY_PAGE_SIZE + 48, 0xaaaa);
    check_done(job, before, 2);
    check_page_fault(job, SANDBOX_VA + 2 * FERRY_PAGE_SIZE + 48, FERRY_RIGHT_W, op_store_insn,
                     15);
    CHECK(page[6] == 0xaaaa, "sandbox store after restoring W lost");
    test_ok("write to a page protected read-only faults; the pager restores W (root and sandbox)");
}

static void test_protect_limits(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t ro = ALIAS_VA(6), rw = ALIAS_VA(7);
    map_ram(ROOT, page, ro, 1, FERRY_RIGHT_R);
    CHECK_ERR(sys_mem_protect(ROOT, ro, 1, RW), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_protect(ROOT, ro, 1, RX), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_protect(ROOT, ro, 1, FERRY_RIGHT_R), FERRY_OK);
    CHECK((query(ROOT, ro, 0) & RWX) == FERRY_RIGHT_R, "read-only mapping changed");

    map_ram(ROOT, page, rw, 1, RW);
    CHECK_ERR(sys_mem_protect(ROOT, rw, 1, RWX), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_protect(ROOT, rw, 1, FERRY_RIGHT_R), FERRY_OK);
    /* a range with a read-only page: refused as a whole, nothing changes */
    CHECK_ERR(sys_mem_protect(ROOT, ro, 2, RW), FERRY_E_NORIGHTS);
    CHECK((query(ROOT, rw, 0) & RWX) == FERRY_RIGHT_R, "refused protect changed a page");
    CHECK_ERR(sys_mem_protect(ROOT, rw, 1, RW), FERRY_OK); /* W comes back */
    CHECK((query(ROOT, rw, 0) & RWX) == RW, "W not given back");
    /* the root's own code was loaded R|X: never writable */
    CHECK_ERR(sys_mem_protect(ROOT, runtime_bootinfo->image_vaddr, 1, RWX), FERRY_E_NORIGHTS);
    /* a UTCB the kernel mapped R|W: W can be taken away and given back */
    struct job *job = job_run(sandbox, pager_gate, 0, OP_NOP, 0, 0);
    CHECK(job->stage == JOB_DONE, "nop job did not run");
    CHECK((query(sandbox, job->utcb_va, 0) & RWX) == RW, "UTCB rights");
    CHECK_ERR(sys_mem_protect(sandbox, job->utcb_va, 1, FERRY_RIGHT_R), FERRY_OK);
    CHECK_ERR(sys_mem_protect(sandbox, job->utcb_va, 1, RW), FERRY_OK);
    CHECK_ERR(sys_mem_protect(sandbox, job->utcb_va, 1, RWX), FERRY_E_NORIGHTS);
    /* unmapped pages in the range are skipped */
    CHECK_ERR(sys_mem_protect(ROOT, ALIAS_VA(100), 4, RWX), FERRY_OK);
    CHECK(query(ROOT, ALIAS_VA(100), 0) == 0, "protect mapped something");
    test_ok("MEM_PROTECT never adds rights beyond the original mapping: E_NORIGHTS");
}

int root_main(const struct ferry_bootinfo *bi)
{
    fault_server_start();
    pager_gate = fault_gate(PAGER_LABEL);
    sandbox = sandbox_create();

    test_two_mappings();
    test_query();
    test_unmap();
    test_protect_read_only();
    test_protect_limits();
    error_tests(bi);
    dirty_tests();
    printf("memory: all tests passed\n");
    return 0;
}
