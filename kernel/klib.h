/* Freestanding helpers the kernel needs: memory, strings, console output, panic. */
#ifndef KERNEL_KLIB_H
#define KERNEL_KLIB_H

#include <stdarg.h>
#include <ferry/macros.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
/* Copies whole words, eight per round: for the kilobyte copies of thread
 * states (memcpy stays the lean one for the few words of a message). */
void copy_words(uint64_t *dst, const uint64_t *src, size_t words);
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
