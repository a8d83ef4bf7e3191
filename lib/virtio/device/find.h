/*
 * Finding a virtio device on Ferry through core's IO_MEM and IRQ sessions
 * (lib/virtio/device/find.c; docs/block.md, "DMA memory and devices from core").
 */
#ifndef FERRY_VIRTIO_FIND_H
#define FERRY_VIRTIO_FIND_H

#include "../virtio.h"
#include <env.h>
#include <ferry/iface/device.h>

/*
 * The first virtio-mmio device with `device_id` (VIRTIO_ID_*): its window
 * attached and probed into *dev (the IO_MEM session stays open for good),
 * its description in *info, the kernel IRQ object of its interrupt in *irq.
 * On failure prints why ("no virtio WHAT device: E_NOENT", "IRQ N: ...").
 */
long virtio_find(struct env *env, uint32_t device_id, const char *what, struct virtio_dev *dev,
                 struct ferry_io_mem_info_out *info, uint32_t *irq);

#endif
