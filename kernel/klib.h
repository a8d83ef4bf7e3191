/* Freestanding helpers the kernel needs: memory, strings, console output, panic. */
#ifndef KERNEL_KLIB_H
#define KERNEL_KLIB_H

#include <stdarg.h>
#include <ferry/macros.h>
#include <stddef.h>
#include <stdint.h>

/* lib/mem/mem.c, the same copies as user space's (lib/mem/mem.h); linked
 * outside LTO (mk/kernel.mk). memcpy's ranges must not overlap. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
/* Copies whole words, eight per round: the thread state copies (thread.c),
 * aligned and of fixed size. Kept next to memcpy because memcpy is slower
 * here (make bench, docs/kernel.md "Thread state selection"): with memcpy
 * thread_read_write_suspended went from 1431 to 1787 instructions and
 * thread_read_write_regs_only from 573 to 662 (1715 and 662 with lib/mem
 * copying eight words per round as well); inline, there is no call, no
 * alignment or length check, and no register save around it. */
static inline void copy_words(uint64_t *dst, const uint64_t *src, size_t words)
{
    /* eight loads before eight stores: 2.5 instructions a word */
    for (; words >= 8; words -= 8, dst += 8, src += 8) {
        uint64_t w0 = src[0], w1 = src[1], w2 = src[2], w3 = src[3];
        uint64_t w4 = src[4], w5 = src[5], w6 = src[6], w7 = src[7];
        dst[0] = w0;
        dst[1] = w1;
        dst[2] = w2;
        dst[3] = w3;
        dst[4] = w4;
        dst[5] = w5;
        dst[6] = w6;
        dst[7] = w7;
    }
    while (words--)
        *dst++ = *src++;
}

int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Console: the UART the device tree names as stdout (ns16550a). */
void console_init(uint64_t uart_base);
void console_putc(char c);
void console_write(const char *s, size_t len);

/* printf subset: %c %s %d %i %u %x %p %%, with l/ll, width and '0' flag. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* Stops the machine after printing why: only for broken kernel invariants,
 * never for anything user space can cause. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#ifdef KERNEL_NO_KASSERT /* mk/kernel.mk KERNEL_KASSERT=no: only to measure what they cost */
#define KASSERT(cond) ((void)sizeof(cond))
#else
#define KASSERT(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            panic("assertion '%s' failed at %s:%d", #cond, __FILE__, __LINE__);                    \
    } while (0)
#endif

#endif
