/*
 * lwIP's architecture header for Ferry (RISC-V 64, picolibc, one thread):
 * types come from <stdint.h>, diagnostics go to the component's LOG through
 * printf, a failed lwIP assertion ends the component (ferry_net_assert).
 * Byte order: little endian (lwIP's default when BYTE_ORDER is not set).
 */
#ifndef FERRY_LWIP_ARCH_CC_H
#define FERRY_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* picolibc's <sys/time.h> has struct timeval */
#define LWIP_TIMEVAL_PRIVATE 0

#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        printf x;                                                                                  \
    } while (0)

void ferry_net_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_ASSERT(x) ferry_net_assert((x), __FILE__, __LINE__)

/* lwIP's random numbers (TCP initial sequence numbers, ports): lib/net/sys.c */
uint32_t ferry_net_rand(void);
#define LWIP_RAND() ferry_net_rand()

#endif
