/*
 * ferry_copy: memcpy for frames and payload on the network path (lwIP's
 * MEMCPY, the virtio-net driver). The picolibc of this toolchain is built
 * for size: its memcpy copies one byte per loop (6 instructions a byte), so
 * on a path that copies every byte several times the copies cost more than
 * all the rest (docs/network.md, "Numbers"). This copies 8 bytes per loop
 * when dst and src are aligned alike (the driver's wire buffers, the Nic
 * slots and lwIP's pbufs are laid out for that), else byte by byte.
 */
#ifndef FERRY_NET_COPY_H
#define FERRY_NET_COPY_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t __attribute__((may_alias)) ferry_copy_word;

/* Copies n bytes from src to dst (no overlap); returns dst. */
static inline void *ferry_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
        for (; n && ((uintptr_t)d & 7); n--)
            *d++ = *s++;
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(ferry_copy_word *)d = *(const ferry_copy_word *)s;
    }
    for (; n; n--)
        *d++ = *s++;
    return dst;
}

#endif
