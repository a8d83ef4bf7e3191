/*
 * IRQ objects: a counting semaphore a thread waits on. A software IRQ is
 * raised by IRQ_TRIGGER; a hardware IRQ by its PLIC source, which then stays
 * masked until the driver acknowledges it with IRQ_ACK (level-triggered
 * devices cannot storm the kernel).
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "object.h"
#include <stdbool.h>
#include <stdint.h>

struct thread;

struct irq {
    struct kobj obj;
    uint64_t label;
    uint32_t hwirq;        /* 0: software */
    uint64_t count;        /* signals not yet consumed */
    struct thread *waiter; /* at most one thread waits */
    bool awaiting_ack;     /* hardware: claimed, not yet completed */
};

struct irq *irq_create(uint32_t hwirq, uint64_t label, long *err);
long irq_wait(struct thread *t, struct irq *irq, uint64_t timeout_us);
void irq_signal(struct irq *irq);
long irq_ack(struct irq *irq);

/* PLIC */
void plic_init(uint64_t base_paddr, uint32_t ndev, uint32_t context);
void plic_handle_interrupts(void);

#endif
