/*
 * The root-task runtime (roottask.h): start, console, capability selectors,
 * pages and threads of a root task. Used by core and by the kernel tests;
 * the tests' assertions are in runtime.c.
 */
#include "roottask.h"
#include <stdio.h>
#include <string.h>

_Thread_local struct ferry_utcb *ferry_utcb_self;
const struct ferry_bootinfo *runtime_bootinfo;

/* ---- stdout: line-buffered onto the kernel debug console ---- */

static char line_buf[256];
static unsigned line_len;

static void flush_line(void)
{
    if (line_len)
        sys_debug_write(line_buf, line_len);
    line_len = 0;
}

static int console_put(char c, FILE *f)
{
    (void)f;
    line_buf[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line_buf))
        flush_line();
    return (unsigned char)c;
}

static int console_flush(FILE *f)
{
    (void)f;
    flush_line();
    return 0;
}

static FILE console = FDEV_SETUP_STREAM(console_put, NULL, console_flush, _FDEV_SETUP_WRITE);
FILE *const stdout = &console;
FILE *const stderr = &console;

/* ---- selectors and memory ---- */

static uint64_t next_sel = FERRY_ROOT_SEL_FREE;

uint64_t runtime_alloc_sel(void)
{
    return next_sel++;
}

#define HEAP_BASE 0x40000000ul
static uint64_t heap_next = HEAP_BASE;
static uint64_t ram_used; /* bytes of the first RAM capability handed out */

void *runtime_alloc_pages(uint64_t pages)
{
    const struct ferry_boot_ram *ram = &runtime_bootinfo->ram[0];
    if (pages * FERRY_PAGE_SIZE > ram->size - ram_used)
        return 0;
    uint64_t va = heap_next;
    if (sys_mem_map(FERRY_ROOT_SEL_TASK, ram->sel, ram_used, va, pages,
                    FERRY_RIGHT_R | FERRY_RIGHT_W))
        return 0;
    heap_next += pages * FERRY_PAGE_SIZE;
    ram_used += pages * FERRY_PAGE_SIZE;
    memset((void *)va, 0, pages * FERRY_PAGE_SIZE);
    return (void *)va;
}

uint64_t runtime_ram_offset(const void *p)
{
    return (uint64_t)p - HEAP_BASE;
}

uint64_t runtime_ram_handover(void)
{
    uint64_t first_free = ram_used;
    ram_used = runtime_bootinfo->ram[0].size;
    return first_free;
}

/* ---- threads ---- */

extern char __tls_base[], __tdata_size[], __tbss_size[];
void runtime_thread_entry(void);

struct spawn_block {
    void (*fn)(void *);
    void *arg;
    struct ferry_utcb *utcb;
    uint8_t tls[]; /* this thread's copy of .tdata + .tbss */
};

#define THREAD_STACK_PAGES 4
static uint64_t utcb_next = 0x60000000ul;

void runtime_thread_start(struct spawn_block *block)
{
    __asm__ volatile("mv tp, %0" ::"r"(block->tls));
    ferry_utcb_self = block->utcb;
    block->fn(block->arg);
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER); /* nothing to return to: sleep forever */
}

uint64_t runtime_thread_spawn(void (*fn)(void *), void *arg, unsigned prio)
{
    uint64_t tls_size = (uint64_t)__tdata_size + (uint64_t)__tbss_size;
    uint8_t *stack = runtime_alloc_pages(THREAD_STACK_PAGES + 1);
    if (!stack)
        return 0;
    struct spawn_block *block =
        (struct spawn_block *)(stack + THREAD_STACK_PAGES * FERRY_PAGE_SIZE);
    if (sizeof(*block) + tls_size > FERRY_PAGE_SIZE)
        return 0;
    block->fn = fn;
    block->arg = arg;
    memcpy(block->tls, __tls_base, (uint64_t)__tdata_size);

    uint64_t sel = runtime_alloc_sel();
    uint64_t utcb_va = utcb_next;
    utcb_next += FERRY_PAGE_SIZE;
    block->utcb = (struct ferry_utcb *)utcb_va;
    if (sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, sel, FERRY_ROOT_SEL_TASK, utcb_va) ||
        sys_thread_configure(sel, 0, 0, prio, 0) ||
        sys_thread_start(sel, (uint64_t)runtime_thread_entry, (uint64_t)block, (uint64_t)block))
        return 0;
    return sel;
}

/* ---- start ---- */

void runtime_root_start(const struct ferry_bootinfo *bi, struct ferry_utcb *utcb)
{
    ferry_utcb_self = utcb;
    runtime_bootinfo = bi;
    int result = root_main(bi);
    fflush(stdout);
    sys_poweroff(FERRY_ROOT_SEL_FACTORY, result != 0);
}
