/* Kernel console on an ns16550a UART. Before console_init the output is
 * dropped; the MMIO base comes from the device tree (/chosen stdout-path). */
#include "klib.h"
#include "vm.h"

#define UART_THR      0 /* transmit holding register */
#define UART_LSR      5 /* line status register */
#define UART_LSR_THRE 0x20

static volatile uint8_t *uart;

void console_init(uint64_t uart_base)
{
    uart = (volatile uint8_t *)uart_base;
}

/* After paging is on, the UART is reached through the device window. */
void console_use_device_window(void)
{
    if (uart)
        uart = (volatile uint8_t *)phys_to_device((uint64_t)uart);
}

void console_putc(char c)
{
    if (!uart)
        return;
    if (c == '\n')
        console_putc('\r');
    while (!(uart[UART_LSR] & UART_LSR_THRE))
        ;
    uart[UART_THR] = (uint8_t)c;
}

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        console_putc(s[i]);
}
