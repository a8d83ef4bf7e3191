/* The few SBI calls the kernel makes (SBI spec v1.0: TIME, SRST). */
#ifndef KERNEL_SBI_H
#define KERNEL_SBI_H

#include <stdint.h>

void sbi_set_timer(uint64_t stime_value);
/* Powers the machine off; `failure` selects the "system failure" reason. */
void sbi_shutdown(int failure) __attribute__((noreturn));

#endif
