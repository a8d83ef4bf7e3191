/*
 * virtio over MMIO (virtio 1.x, "Virtio Over MMIO"), the transport of the
 * virtio-blk and virtio-net drivers. Modern devices only (register layout
 * version 2): QEMU needs `-global virtio-mmio.force-legacy=false`, which
 * tools/ferry-run adds with every disk. A legacy (version 1) device is
 * refused with VIRTIO_E_LEGACY.
 *
 * A driver: virtio_probe the attached window, virtio_start with the features
 * it wants, virtio_queue_setup each queue, virtio_driver_ok; then virtq_add +
 * virtio_notify, and on each interrupt virtio_irq_ack + virtq_get.
 */
#ifndef FERRY_VIRTIO_VIRTIO_H
#define FERRY_VIRTIO_VIRTIO_H

#include "virtqueue.h"
#include <stdint.h>

/* Register offsets in the device's MMIO window (all 32 bits wide). */
enum virtio_mmio_reg {
    VIRTIO_MMIO_MAGIC = 0x000,               /* R: 0x74726976, "virt" */
    VIRTIO_MMIO_VERSION = 0x004,             /* R: 2 (1 = legacy) */
    VIRTIO_MMIO_DEVICE_ID = 0x008,           /* R: VIRTIO_ID_*, 0 = empty slot */
    VIRTIO_MMIO_VENDOR_ID = 0x00c,           /* R */
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,     /* R: 32 feature bits, the half ..._SEL says */
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014, /* W: 0 = bits 0..31, 1 = bits 32..63 */
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,     /* W */
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024, /* W */
    VIRTIO_MMIO_QUEUE_SEL = 0x030,           /* W: the queue the QUEUE_* registers mean */
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,       /* R: its largest size, 0 = no such queue */
    VIRTIO_MMIO_QUEUE_NUM = 0x038,           /* W: its size */
    VIRTIO_MMIO_QUEUE_READY = 0x044,         /* RW: 1 = the device may use it */
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,        /* W: queue index: "new buffers" */
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,    /* R: VIRTIO_INT_* */
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,       /* W: the VIRTIO_INT_* bits handled */
    VIRTIO_MMIO_STATUS = 0x070,              /* RW: VIRTIO_STATUS_*, 0 resets the device */
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,      /* W: descriptor table, physical */
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090, /* W: available ring */
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0, /* W: used ring */
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc, /* R: changes when the config changes */
    VIRTIO_MMIO_CONFIG = 0x100,            /* device-specific configuration */
};

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u
#define VIRTIO_MMIO_WINDOW      0x200u /* bytes a driver needs mapped */

#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLOCK 2

/* Device status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED      128u

/* Interrupt status bits */
#define VIRTIO_INT_USED   1u /* a used ring has new entries */
#define VIRTIO_INT_CONFIG 2u /* the configuration changed */

/* Device-independent feature bits */
#define VIRTIO_F_VERSION_1 (1ull << 32)

enum virtio_error {
    VIRTIO_OK = 0,
    VIRTIO_E_MAGIC,    /* probe: no virtio-mmio window */
    VIRTIO_E_LEGACY,   /* probe: register layout version 1 (QEMU: force-legacy=false) */
    VIRTIO_E_VERSION,  /* probe: an unknown register layout version */
    VIRTIO_E_NODEVICE, /* probe: an empty slot (device id 0) */
    VIRTIO_E_RESET,    /* start: the device did not finish its reset */
    VIRTIO_E_FEATURES, /* start: the device lacks a required feature, or refused FEATURES_OK */
    VIRTIO_E_QUEUE,    /* queue_setup: no such queue, already in use, or too small */
    VIRTIO_E_RING,     /* queue_setup: virtq_init refused the memory */
};

struct virtio_dev {
    volatile uint32_t *regs; /* the attached MMIO window */
    uint32_t device_id;
    uint64_t features; /* negotiated */
};

/* Checks the window at `regs`: magic, version 2, a device behind it. */
enum virtio_error virtio_probe(struct virtio_dev *d, volatile void *regs);

/*
 * Resets the device (VIRTIO_E_RESET if it does not) and negotiates: ACKNOWLEDGE, DRIVER, features =
 * what the device offers & `wanted` (VIRTIO_F_VERSION_1 always), FEATURES_OK, read back.
 * VIRTIO_E_FEATURES (device status FAILED) if a `required` bit is not offered or the device does
 * not keep FEATURES_OK.
 */
enum virtio_error virtio_start(struct virtio_dev *d, uint64_t wanted, uint64_t required);

/* Queue `index` of `size` entries over the DMA region mem/phys (virtq_init),
 * given to the device and made ready. */
enum virtio_error virtio_queue_setup(struct virtio_dev *d, uint32_t index, struct virtq *q,
                                     uint16_t size, void *mem, uint64_t phys, size_t bytes);

/* Sets DRIVER_OK: the device is live. */
void virtio_driver_ok(struct virtio_dev *d);

/* Marks the device FAILED (a driver giving up on it). */
void virtio_fail(struct virtio_dev *d);

/* Tells the device queue `index` has new available buffers. */
void virtio_notify(struct virtio_dev *d, uint32_t index);

/* Reads and acknowledges the interrupt status (VIRTIO_INT_*): the device
 * drops its interrupt line. Call before acknowledging the kernel IRQ. */
uint32_t virtio_irq_ack(struct virtio_dev *d);

/* The device's status register (VIRTIO_STATUS_*). */
uint32_t virtio_status(struct virtio_dev *d);

/* Device-specific configuration, 8 bits at byte `offset` (from 0x100). */
uint8_t virtio_config8(struct virtio_dev *d, uint32_t offset);
/* Device-specific configuration, 32 bits at byte `offset` (from 0x100). */
uint32_t virtio_config32(struct virtio_dev *d, uint32_t offset);
/* 64 bits, read consistently (retried while the configuration generation changes). */
uint64_t virtio_config64(struct virtio_dev *d, uint32_t offset);

const char *virtio_error_name(enum virtio_error e);

#endif
