/* Kernel capability-space test: shared helpers. */
#ifndef CAPS_TEST_H
#define CAPS_TEST_H

#include <runtime.h>
#include <stdint.h>

#define SLOTS 16384 /* slots per capability space: 1..16383 usable */
#define OWN FERRY_ROOT_SEL_TASK

/* Prints "caps: <what> ok". */
void test_ok(const char *what);
/* A new object of `type` (a3, a4 as FACTORY_CREATE takes them) in a fresh slot. */
uint64_t create(uint64_t type, uint64_t a3, uint64_t a4);
/* A copy of own capability `src` in a fresh own slot, rights src & mask. */
uint64_t copy_cap(uint64_t src, uint64_t mask);
/* TASK_CAP_INFO that must succeed. */
struct sys_cap_info cap_info(uint64_t task, uint64_t sel);
/* Slot `sel` of `task` holds the object of own slot `src`, with `rights`. */
void check_same(uint64_t task, uint64_t sel, uint64_t src, uint64_t rights);
/* Slot `sel` of `task` is empty. */
void check_empty(uint64_t task, uint64_t sel);

/* badsel.c */
void test_empty_slot_everywhere(void);

#endif
