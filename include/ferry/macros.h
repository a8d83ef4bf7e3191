/*
 * Macros every layer uses (kernel, core, base library, host tests): defined
 * once here so that no two definitions can drift apart.
 */
#ifndef FERRY_MACROS_H
#define FERRY_MACROS_H

#include <stddef.h>

/* The structure of type `type` whose member `member` is at `ptr`. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
/* Number of elements of an array (not of a pointer). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
