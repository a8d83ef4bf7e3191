/*
 * The minimal runtime of a root task (core, and the kernel tests): picolibc's
 * stdio on the kernel debug console, extra threads in the same task, and a
 * page allocator over the first RAM capability. Components proper get the
 * full base library (lib/base) instead; the kernel tests add runtime.h's
 * assertions, which production code (core) does not link.
 */
#ifndef FERRY_ROOTTASK_H
#define FERRY_ROOTTASK_H

#include "sys.h"
#include <ferry/bootinfo.h>
#include <stdint.h>

/* Entry point a root task defines. Returning powers the machine off:
 * 0 as a clean shutdown, anything else as a failure. */
int root_main(const struct ferry_bootinfo *bi);

extern const struct ferry_bootinfo *runtime_bootinfo;

/* Next free slot of the root task's capability space. */
uint64_t runtime_alloc_sel(void);

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

#endif
