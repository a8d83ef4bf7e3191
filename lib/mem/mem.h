/*
 * lib/mem: memcpy, memmove and memset of every user program (RV64).
 *
 * Debian's picolibc for this toolchain is built for size: its memcpy and
 * memmove copy one byte per loop (6 instructions a byte), its memset stores
 * one byte per loop (4 a byte). Every component pays for that: RPC records,
 * network payload, checkpoint images. mk/user.mk links lib/mem/mem.c into
 * every user program (core, components, kernel test root tasks) ahead of
 * -lc, so picolibc's members are never pulled in and every memcpy, memmove
 * and memset, the compiler's own calls (struct copies) and picolibc's
 * included, is this one. Numbers: docs/framework.md, "Memory copies".
 *
 * On the target ferry_memcpy, ferry_memmove and ferry_memset are the same
 * functions as memcpy, memmove and memset (aliases). The host unit test
 * (tests/unit/test_mem.c) compiles mem.c with FERRY_MEM_HOST: only the ferry_
 * names exist, next to the host's own libc.
 *
 * memcmp stays picolibc's: every caller compares at most a few bytes (MAC
 * addresses, 8-byte magics, configuration words).
 */
#ifndef FERRY_LIB_MEM_H
#define FERRY_LIB_MEM_H

#include <stddef.h>

/* Copies n bytes from src to dst, which must not overlap; returns dst. */
void *ferry_memcpy(void *restrict dst, const void *restrict src, size_t n);

/* Copies n bytes from src to dst, which may overlap; returns dst. */
void *ferry_memmove(void *dst, const void *src, size_t n);

/* Sets n bytes at dst to (unsigned char)c; returns dst. */
void *ferry_memset(void *dst, int c, size_t n);

#endif
