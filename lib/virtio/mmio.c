/*
 * virtio-mmio transport (virtio.h): register access, the status handshake,
 * feature negotiation and queue setup.
 */
#include "virtio.h"

static uint32_t rd(struct virtio_dev *d, uint32_t reg)
{
    return d->regs[reg / 4];
}

static void wr(struct virtio_dev *d, uint32_t reg, uint32_t value)
{
    d->regs[reg / 4] = value;
}

enum virtio_error virtio_probe(struct virtio_dev *d, volatile void *regs)
{
    d->regs = regs;
    d->features = 0;
    if (rd(d, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE)
        return VIRTIO_E_MAGIC;
    uint32_t version = rd(d, VIRTIO_MMIO_VERSION);
    if (version == 1)
        return VIRTIO_E_LEGACY;
    if (version != 2)
        return VIRTIO_E_VERSION;
    d->device_id = rd(d, VIRTIO_MMIO_DEVICE_ID);
    return d->device_id ? VIRTIO_OK : VIRTIO_E_NODEVICE;
}

static uint64_t device_features(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    uint64_t high = rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    return high << 32 | rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

enum virtio_error virtio_start(struct virtio_dev *d, uint64_t wanted, uint64_t required)
{
    wr(d, VIRTIO_MMIO_STATUS, 0); /* reset; reads 0 once done (at once in QEMU) */
    unsigned tries = 0;
    while (rd(d, VIRTIO_MMIO_STATUS) != 0)
        if (++tries == 1000000)
            return VIRTIO_E_RESET;
    uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE;
    wr(d, VIRTIO_MMIO_STATUS, status);
    status |= VIRTIO_STATUS_DRIVER;
    wr(d, VIRTIO_MMIO_STATUS, status);
    required |= VIRTIO_F_VERSION_1;
    uint64_t offered = device_features(d);
    if ((offered & required) != required) {
        virtio_fail(d);
        return VIRTIO_E_FEATURES;
    }
    d->features = offered & (wanted | required);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
    status |= VIRTIO_STATUS_FEATURES_OK;
    wr(d, VIRTIO_MMIO_STATUS, status);
    if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_fail(d);
        return VIRTIO_E_FEATURES;
    }
    return VIRTIO_OK;
}

enum virtio_error virtio_queue_setup(struct virtio_dev *d, uint32_t index, struct virtq *q,
                                     uint16_t size, void *mem, uint64_t phys, size_t bytes)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
    uint32_t max = rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0 || max < size || rd(d, VIRTIO_MMIO_QUEUE_READY) != 0)
        return VIRTIO_E_QUEUE;
    if (virtq_init(q, size, mem, phys, bytes) != VIRTQ_OK)
        return VIRTIO_E_RING;
    wr(d, VIRTIO_MMIO_QUEUE_NUM, size);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc_phys);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc_phys >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q->avail_phys);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(q->avail_phys >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q->used_phys);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(q->used_phys >> 32));
    virtq_barrier(); /* the zeroed rings before the device may look at them */
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    return VIRTIO_OK;
}

void virtio_driver_ok(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_STATUS, rd(d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_STATUS, rd(d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FAILED);
}

void virtio_notify(struct virtio_dev *d, uint32_t index)
{
    virtq_barrier(); /* the available ring before the doorbell */
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, index);
}

uint32_t virtio_irq_ack(struct virtio_dev *d)
{
    uint32_t pending = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (pending)
        wr(d, VIRTIO_MMIO_INTERRUPT_ACK, pending);
    virtq_barrier(); /* the acknowledgement before reading the used ring */
    return pending;
}

uint32_t virtio_status(struct virtio_dev *d)
{
    return rd(d, VIRTIO_MMIO_STATUS);
}

uint8_t virtio_config8(struct virtio_dev *d, uint32_t offset)
{
    return ((volatile uint8_t *)d->regs)[VIRTIO_MMIO_CONFIG + offset];
}

uint32_t virtio_config32(struct virtio_dev *d, uint32_t offset)
{
    return rd(d, VIRTIO_MMIO_CONFIG + offset);
}

uint64_t virtio_config64(struct virtio_dev *d, uint32_t offset)
{
    uint32_t gen, lo, hi;
    do {
        gen = rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
        lo = rd(d, VIRTIO_MMIO_CONFIG + offset);
        hi = rd(d, VIRTIO_MMIO_CONFIG + offset + 4);
    } while (gen != rd(d, VIRTIO_MMIO_CONFIG_GENERATION));
    return (uint64_t)hi << 32 | lo;
}

const char *virtio_error_name(enum virtio_error e)
{
    static const char *const names[] = {
        "VIRTIO_OK",         "VIRTIO_E_MAGIC",    "VIRTIO_E_LEGACY",
        "VIRTIO_E_VERSION",  "VIRTIO_E_NODEVICE", "VIRTIO_E_RESET",
        "VIRTIO_E_FEATURES", "VIRTIO_E_QUEUE",    "VIRTIO_E_RING",
    };
    return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "VIRTIO_E_UNKNOWN";
}
