/* Kernel memory test (tests/kernel/memory): shared declarations. */
#ifndef TEST_MEMORY_H
#define TEST_MEMORY_H

#include "../faults/fixture.h"

#define PAGER_LABEL 0x9a9e
#define RW (FERRY_RIGHT_R | FERRY_RIGHT_W)
#define RX (FERRY_RIGHT_R | FERRY_RIGHT_X)
#define RWX (FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X)
#define ROOT FERRY_ROOT_SEL_TASK

/* Free virtual areas: aliases in the root task, pages of the sandbox. */
#define ALIAS_VA(i) (0x50000000ul + (uint64_t)(i) * FERRY_PAGE_SIZE)
#define DIRTY_VA 0x51000000ul
#define SANDBOX_VA 0x20000000ul

extern uint64_t pager_gate, sandbox;

void test_ok(const char *what);
/* `pages` fresh zeroed pages of RAM mapped in the root task. */
void *fresh_pages(uint64_t pages);
/* Maps the RAM behind root-task allocation `p` at va of task. */
void map_ram(uint64_t task, const void *p, uint64_t va, uint64_t pages, uint64_t rights);
/* MEM_QUERY that must succeed: returns the flags, stores the address. */
uint64_t query(uint64_t task, uint64_t va, uint64_t *paddr);
/* Physical address of root-task allocation p. */
uint64_t ram_paddr(const void *p);

void error_tests(const struct ferry_bootinfo *bi);
void dirty_tests(void);

#endif
