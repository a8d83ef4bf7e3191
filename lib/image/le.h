/* Little-endian byte access for lib/image's wire formats (image and store). */
#ifndef FERRY_LIB_IMAGE_LE_H
#define FERRY_LIB_IMAGE_LE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static inline void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* A NUL-terminated, NUL-padded string field of `size` bytes; `nonempty`
 * refuses "". */
static inline bool string_field_ok(const uint8_t *p, size_t size, bool nonempty)
{
    size_t len = 0;
    while (len < size && p[len] != 0)
        len++;
    return len < size && (!nonempty || len > 0) && all_zero(p + len, size - len);
}

#endif
