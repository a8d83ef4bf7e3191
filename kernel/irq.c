#include "irq.h"
#include "klib.h"
#include "pmem.h"
#include "thread.h"
#include "vm.h"
#include "gate.h"
#include <ferry/error.h>
#include <ferry/syscall.h>

/*
 * PLIC (RISC-V platform-level interrupt controller) register map, for one
 * hart context `ctx`:
 *   base + 4*src                      priority of source src
 *   base + 0x2000 + 0x80*ctx          enable bits
 *   base + 0x200000 + 0x1000*ctx      priority threshold
 *   base + 0x200004 + 0x1000*ctx      claim / complete
 */
#define PLIC_MAX_SOURCES 1024

static volatile uint32_t *plic;
static uint32_t plic_ndev, plic_ctx;
static struct irq *hw_irq[PLIC_MAX_SOURCES]; /* source -> bound IRQ object */

static volatile uint32_t *plic_reg(uint64_t offset)
{
    return (volatile uint32_t *)((uint64_t)plic + offset);
}

void plic_init(uint64_t base_paddr, uint32_t ndev, uint32_t context)
{
    plic = (volatile uint32_t *)phys_to_device(base_paddr);
    plic_ndev = ndev < PLIC_MAX_SOURCES ? ndev : PLIC_MAX_SOURCES - 1;
    plic_ctx = context;
    *plic_reg(0x200000 + 0x1000ul * plic_ctx) = 0;
}

static void plic_enable(uint32_t src)
{
    *plic_reg(4ul * src) = 1;
    *plic_reg(0x2000 + 0x80ul * plic_ctx + 4 * (src / 32)) |= 1u << (src % 32);
}

static void plic_disable(uint32_t src)
{
    *plic_reg(0x2000 + 0x80ul * plic_ctx + 4 * (src / 32)) &= ~(1u << (src % 32));
    *plic_reg(4ul * src) = 0;
}

static void plic_complete(uint32_t src)
{
    *plic_reg(0x200004 + 0x1000ul * plic_ctx) = src;
}

void plic_handle_interrupts(void)
{
    if (!plic)
        return;
    uint32_t src;
    while ((src = *plic_reg(0x200004 + 0x1000ul * plic_ctx)) != 0) {
        struct irq *irq = src < PLIC_MAX_SOURCES ? hw_irq[src] : NULL;
        if (!irq) {
            plic_complete(src); /* nobody listens: drop it */
            continue;
        }
        irq->awaiting_ack = true; /* source stays masked until IRQ_ACK */
        irq_signal(irq);
    }
}

struct irq *irq_create(uint32_t hwirq, uint64_t label, long *err)
{
    if (hwirq) {
        if (!plic || hwirq > plic_ndev) {
            *err = FERRY_E_RANGE;
            return NULL;
        }
        if (hw_irq[hwirq]) {
            *err = FERRY_E_BUSY;
            return NULL;
        }
    }
    struct irq *irq = kmem_alloc(sizeof(*irq));
    if (!irq) {
        *err = FERRY_E_NOMEM;
        return NULL;
    }
    kobj_init(&irq->obj, FERRY_OBJ_IRQ);
    irq->obj.label = label;
    irq->hwirq = hwirq;
    if (hwirq) {
        hw_irq[hwirq] = irq;
        plic_enable(hwirq);
    }
    return irq;
}

long irq_wait(struct thread *t, struct irq *irq, uint64_t timeout_us)
{
    if (irq->waiter && irq->waiter != t)
        return FERRY_E_BUSY;
    if (irq->count) {
        irq->count--;
        return FERRY_OK;
    }
    if (timeout_us == FERRY_TIMEOUT_POLL)
        return FERRY_E_TIMEOUT;
    irq->waiter = t;
    t->waiting_irq = irq;
    kobj_hold(&irq->obj); /* dropped by thread_unlink_waits */
    thread_block(t, TS_IRQ_WAIT, timeout_us);
    return SYSCALL_DEFERRED;
}

void irq_signal(struct irq *irq)
{
    struct thread *waiter = irq->waiter;
    if (waiter) {
        thread_complete(waiter, FERRY_OK); /* also clears irq->waiter */
        return;
    }
    if (irq->count != UINT64_MAX)
        irq->count++;
}

long irq_ack(struct irq *irq)
{
    if (!irq->hwirq)
        return FERRY_E_INVAL;
    if (irq->awaiting_ack) {
        irq->awaiting_ack = false;
        plic_complete(irq->hwirq);
    }
    return FERRY_OK;
}

void irq_destroy(struct irq *irq)
{
    irq->obj.dead = true;
    if (irq->waiter)
        thread_complete(irq->waiter, FERRY_E_DEAD); /* also clears irq->waiter */
    irq->count = 0;
    if (irq->hwirq) {
        /* complete first: the PLIC ignores completions of disabled sources, and
         * a claim left open would keep the source from its next IRQ object */
        if (irq->awaiting_ack)
            plic_complete(irq->hwirq);
        plic_disable(irq->hwirq);
        irq->awaiting_ack = false;
        hw_irq[irq->hwirq] = NULL;
    }
}
