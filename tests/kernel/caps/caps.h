/* Kernel capability-space test: shared helpers. */
#ifndef CAPS_TEST_H
#define CAPS_TEST_H

#include <runtime.h>
#include <stdint.h>

#define SLOTS 16384 /* slots per capability space: 1..16383 usable */
#define OWN FERRY_ROOT_SEL_TASK

/* Prints "caps: <what> ok". */
void test_ok(const char *what);
/* Slot `sel` of `task` holds the object of own slot `src`, with `rights`. */
void check_same(uint64_t task, uint64_t sel, uint64_t src, uint64_t rights);
/* Slot `sel` of `task` is empty. */
void check_empty(uint64_t task, uint64_t sel);

/* badsel.c */
void test_empty_slot_everywhere(void);

#endif
