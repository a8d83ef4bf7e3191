/*
 * Byte-string helpers for the freestanding parsers (lib/fdt, lib/cpio, lib/elf):
 * they run in the kernel, which has no libc, and on the host in unit tests.
 */
#ifndef FERRY_COMMON_BYTES_H
#define FERRY_COMMON_BYTES_H

#include <stdbool.h>
#include <stddef.h>

static inline size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

static inline bool bytes_equal(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

#endif
