/*
 * The kernel tests' runtime: the root-task runtime (roottask.h) plus
 * assertions (CHECK, CHECK_ERR) and checked helpers that power the machine
 * off as a failure when a call fails. Tests only: core does not link it.
 */
#ifndef FERRY_RUNTIME_H
#define FERRY_RUNTIME_H

#include "roottask.h"

/* Checked helpers for tests: each powers off as a failure if the call fails. */
uint64_t runtime_create(uint64_t type, uint64_t a3, uint64_t a4); /* new object, new slot */
uint64_t runtime_copy_cap(uint64_t src, uint64_t mask);           /* own copy, new slot */
struct sys_cap_info runtime_cap_info(uint64_t task, uint64_t sel);

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
            runtime_check_failed(__FILE__, __LINE__, #expr, "returned %s, expected %s",            \
                                 ferry_error_name(e_), ferry_error_name(expected));                \
    } while (0)
void runtime_check_failed(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#endif
