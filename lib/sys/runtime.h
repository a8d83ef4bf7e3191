/*
 * The minimal runtime of kernel-level test programs (root tasks): picolibc's
 * stdio on the kernel debug console, extra threads in the same task, and a
 * page allocator over the first RAM capability. Components proper get the
 * full base library (lib/base) instead.
 */
#ifndef FERRY_RUNTIME_H
#define FERRY_RUNTIME_H

#include "sys.h"
#include <ferry/bootinfo.h>
#include <stdint.h>

/* Entry point a test root task defines. Returning powers the machine off:
 * 0 as a clean shutdown, anything else as a failure. */
int root_main(const struct ferry_bootinfo *bi);

extern const struct ferry_bootinfo *runtime_bootinfo;

/* Next free slot of the root task's capability space. */
uint64_t runtime_alloc_sel(void);

/* Checked helpers for tests: each powers off as a failure if the call fails. */
uint64_t runtime_create(uint64_t type, uint64_t a3, uint64_t a4); /* new object, new slot */
uint64_t runtime_copy_cap(uint64_t src, uint64_t mask);           /* own copy, new slot */
struct sys_cap_info runtime_cap_info(uint64_t task, uint64_t sel);

/* Maps `pages` fresh RAM pages into the root task and returns their address
 * (from a bump region at 0x40000000), or 0 when RAM runs out. */
void *runtime_alloc_pages(uint64_t pages);
/* Physical-offset view of an allocation: offset into the RAM capability. */
uint64_t runtime_ram_offset(const void *p);
/* Ends runtime_alloc_pages for good (later calls return 0) and returns the
 * offset in ram[0] of the first page it never handed out: a root task that
 * manages the rest of ram[0] itself (core) takes over from there. */
uint64_t runtime_ram_handover(void);

/* Creates a thread of the root task running fn(arg) on its own stack and TLS,
 * at priority prio. Returns its thread selector, or 0 on failure. */
uint64_t runtime_thread_spawn(void (*fn)(void *), void *arg, unsigned prio);

/* Prints "name: FAILED ..." and powers off as a failure when cond is false. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            runtime_check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);                          \
    } while (0)
/* Checks that a call returned the expected error code. */
#define CHECK_ERR(expr, expected)                                                                  \
    do {                                                                                           \
        long e_ = (expr);                                                                          \
        if (e_ != (expected))                                                                      \
            runtime_check_failed(__FILE__, __LINE__, #expr, "returned %s, expected %s",          \
                                 ferry_error_name(e_), ferry_error_name(expected));               \
    } while (0)
void runtime_check_failed(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#endif
