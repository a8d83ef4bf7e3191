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

/*
 * Holds on an IRQ (object.h): its waiter's (thread.waiting_irq). A hardware
 * IRQ is also in the PLIC table (hw_irq[hwirq]), which is no hold: destroying
 * the IRQ (explicitly, or when its last capability goes and nobody waits)
 * masks the source, completes a claim still pending and frees the table entry
 * for a new IRQ object. Destroying it wakes the waiter with E_DEAD.
 */
struct irq {
    struct kobj obj;       /* its label is obj.label (kobj_label), fixed at creation */
    uint64_t count;        /* signals not yet consumed */
    struct thread *waiter; /* at most one thread waits; NULL once dead */
    uint32_t hwirq;        /* 0: software */
    bool awaiting_ack;     /* hardware: claimed, not yet completed */
};

struct irq *irq_create(uint32_t hwirq, uint64_t label, long *err);
void irq_destroy(struct irq *irq);
long irq_wait(struct thread *t, struct irq *irq, uint64_t timeout_us);
void irq_signal(struct irq *irq);
long irq_ack(struct irq *irq);

/* PLIC */
void plic_init(uint64_t base_paddr, uint32_t ndev, uint32_t context);
void plic_handle_interrupts(void);

#endif
