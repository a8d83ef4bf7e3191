/*
 * IRQ and IO_MEM sessions: device access for user-level drivers, limited to
 * the devices the kernel found in the device tree (bootinfo devices[]).
 *
 * IRQ: one session per PLIC source at a time (E_EXISTS). Each session gets a
 * kernel IRQ object of its own, created at open and destroyed at close, so a
 * closed session's client keeps only a dead capability (E_DEAD) and the next
 * session starts without signals left over.
 * IO_MEM: a device dataspace over part of one device's window ("base=,size=")
 * or over the whole window of the N-th device ("device=N", how drivers find
 * their device), never executable (rm.c refuses FERRY_RM_EXEC on it, the
 * kernel too). IO_MEM_INFO tells the session's device: window, PLIC source.
 */
#include "core.h"
#include <ferry/iface/device.h>
#include <string.h>

struct irq_source {
    uint32_t source;        /* PLIC source number, nonzero */
    uint32_t sel;           /* core's slot of the holder's kernel IRQ object; 0 without holder */
    struct session *holder; /* the session that has it, or NULL */
};

static struct irq_source irqs[FERRY_BOOT_MAX_DEVICES];
static unsigned irq_count;
static const struct ferry_bootinfo *boot;

void device_init(const struct ferry_bootinfo *bi)
{
    boot = bi;
    for (unsigned i = 0; i < bi->device_count && i < FERRY_BOOT_MAX_DEVICES; i++) {
        bool known = false;
        for (unsigned k = 0; k < irq_count; k++)
            known |= irqs[k].source == bi->devices[i].irq;
        if (bi->devices[i].irq && !known)
            irqs[irq_count++].source = bi->devices[i].irq;
    }
}

/* ---- IRQ ---- */

static long irq_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface irq_iface = {"IRQ", ferry_irq_sigs, ARRAY_SIZE(ferry_irq_sigs),
                                    irq_dispatch};

long irq_open(struct session *s, const char *args)
{
    uint64_t number;
    if (!args_get_u64(args, "irq", &number))
        return FERRY_E_INVAL;
    unsigned i = 0;
    while (i < irq_count && irqs[i].source != number)
        i++;
    if (i == irq_count || number == 0)
        return FERRY_E_DENIED;
    struct irq_source *irq = &irqs[i];
    if (irq->holder)
        return FERRY_E_EXISTS;
    /* not charged: the session's own cost covers it */
    uint32_t sel = rpc_slot_alloc();
    long err =
        sel ? sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, sel, irq->source, badge_alloc())
            : FERRY_E_NOMEM;
    if (err) {
        rpc_slot_release(sel);
        return err;
    }
    irq->sel = sel;
    irq->holder = s;
    s->irq.source = i;
    return FERRY_OK;
}

void irq_close(struct session *s)
{
    struct irq_source *irq = &irqs[s->irq.source];
    /* its waiter gets E_DEAD; the PLIC source is free for the next session's object */
    core_destroy_kernel_object(irq->sel);
    irq->sel = 0;
    irq->holder = NULL;
}

static long irq_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_IRQ_OBJECT:
        rpc_reply_cap(req, irqs[s->irq.source].sel, FERRY_RIGHT_R | FERRY_RIGHT_W);
        return FERRY_OK;
    }
    return FERRY_E_BADOP;
}

/* ---- IO_MEM ---- */

static long io_mem_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface io_mem_iface = {"IO_MEM", ferry_io_mem_sigs, ARRAY_SIZE(ferry_io_mem_sigs),
                                       io_mem_dispatch};

/* The device dataspace of [base, base + size) inside boot device i. */
static long io_mem_create(struct session *s, unsigned i, uint64_t base, uint64_t size)
{
    const struct ferry_boot_device *dev = &boot->devices[i];
    s->io_mem.device = i;
    return ds_create_device(s, dev->sel, base - dev->paddr, size, &s->io_mem.ds);
}

long io_mem_open(struct session *s, const char *args)
{
    unsigned count =
        boot->device_count < FERRY_BOOT_MAX_DEVICES ? boot->device_count : FERRY_BOOT_MAX_DEVICES;
    uint64_t base, size, index;
    if (args_get_u64(args, "device", &index)) {
        if (index >= count)
            return FERRY_E_NOENT;
        return io_mem_create(s, (unsigned)index, boot->devices[index].paddr,
                             boot->devices[index].size);
    }
    if (!args_get_u64(args, "base", &base) || !args_get_u64(args, "size", &size) || size == 0 ||
        !PAGE_ALIGNED(base) || size > UINT64_MAX - FERRY_PAGE_SIZE)
        return FERRY_E_INVAL;
    size = PAGE_ROUND_UP(size);
    for (unsigned i = 0; i < count; i++) {
        const struct ferry_boot_device *dev = &boot->devices[i];
        if (base >= dev->paddr && base - dev->paddr < dev->size &&
            size <= dev->size - (base - dev->paddr))
            return io_mem_create(s, i, base, size);
    }
    return FERRY_E_DENIED;
}

void io_mem_close(struct session *s)
{
    ds_free_owned_by(s);
}

static long io_mem_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_IO_MEM_DATASPACE:
        rpc_reply_cap(req, s->io_mem.ds->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
        return FERRY_OK;
    case FERRY_IO_MEM_INFO: {
        const struct ferry_boot_device *dev = &boot->devices[s->io_mem.device];
        struct ferry_io_mem_info_out *out = FERRY_RPC_MSG(ferry_io_mem_info_out, req->mr);
        out->paddr = dev->paddr;
        out->size = dev->size;
        out->irq = dev->irq;
        _Static_assert(sizeof(out->compatible) >= sizeof(dev->compatible), "compatible fits");
        memset(out->compatible, 0, sizeof(out->compatible));
        memcpy(out->compatible, dev->compatible, sizeof(dev->compatible));
        out->compatible[sizeof(dev->compatible) - 1] = 0;
        req->reply_words = FERRY_RPC_WORDS(ferry_io_mem_info_out);
        return FERRY_OK;
    }
    }
    return FERRY_E_BADOP;
}
