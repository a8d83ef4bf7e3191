/* The threadstate test's parts (see main.c). */
#ifndef THREADSTATE_H
#define THREADSTATE_H

#include "../restart/worker.h"

#define PRIO_LOW   50  /* below the root thread: runs while the root sleeps */
#define PRIO_HIGH  150 /* above it: runs at once until it blocks */
#define TIMEOUT_US 1000000ul

/* regs.c */
void test_write_read_exact(void);
void test_errors(void);
void test_fp_interleave(void);

/* select.c */
void test_selections(void);

#endif
