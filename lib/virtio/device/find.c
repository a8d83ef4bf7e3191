/*
 * Finding a virtio device on Ferry (the part of lib/virtio that talks to
 * core, so it is not in the host-tested transport): IO_MEM sessions
 * "device=N" for N = 0, 1, ... (core's boot-info devices, which the kernel
 * took from the device tree) until one is a modern virtio-mmio device of
 * the wanted type; then the IRQ session of its PLIC interrupt.
 */
#include "find.h"
#include <client.h>
#include <ferry/iface/device.h>
#include <stdio.h>
#include <string.h>

/* Attaches IO_MEM device N; *io its session (closed on failure), *regs the window. */
static long device_open(struct env *env, uint64_t index, uint32_t *io,
                        struct ferry_io_mem_info_out *info, volatile void **regs)
{
    char args[32];
    snprintf(args, sizeof(args), "device=%llu", (unsigned long long)index);
    long err = env_session(env, "IO_MEM", "", args, 8192, 2, io);
    if (err)
        return err;
    uint32_t ds = 0;
    uint64_t addr = 0;
    err = io_mem_info(*io, info);
    if (!err)
        err = io_mem_dataspace(*io, &ds);
    if (!err)
        err = env_attach(env, ds, FERRY_RM_ANY, VIRTIO_MMIO_WINDOW, 0, FERRY_RM_WRITE, &addr);
    if (ds)
        env_cap_drop(ds); /* the attachment keeps the window */
    if (err) {
        env_session_close(env, *io);
        return err;
    }
    *regs = (volatile void *)addr;
    return FERRY_OK;
}

/* The first device with device_id: its window attached, dev probed. */
static long device_find(struct env *env, uint32_t device_id, struct virtio_dev *dev,
                        struct ferry_io_mem_info_out *info)
{
    for (uint64_t n = 0;; n++) {
        uint32_t io;
        volatile void *regs;
        long err = device_open(env, n, &io, info, &regs);
        if (err == FERRY_E_NOENT)
            return FERRY_E_NOENT; /* past the last device */
        if (err)
            return err;
        if (strcmp(info->compatible, "virtio,mmio") == 0) {
            enum virtio_error ve = virtio_probe(dev, regs);
            if (ve == VIRTIO_OK && dev->device_id == device_id)
                return FERRY_OK; /* the session stays open for good */
            if (ve == VIRTIO_E_LEGACY)
                printf("device at 0x%llx is a legacy virtio device: not supported "
                       "(QEMU: -global virtio-mmio.force-legacy=false)\n",
                       (unsigned long long)info->paddr);
        }
        env_detach(env, (uint64_t)regs);
        env_session_close(env, io);
    }
}

long virtio_find(struct env *env, uint32_t device_id, const char *what, struct virtio_dev *dev,
                 struct ferry_io_mem_info_out *info, uint32_t *irq)
{
    long err = device_find(env, device_id, dev, info);
    if (err) {
        printf("no virtio %s device: %s\n", what, ferry_error_name(err));
        return err;
    }
    char args[32];
    uint32_t irq_session;
    snprintf(args, sizeof(args), "irq=%llu", (unsigned long long)info->irq);
    err = env_session(env, "IRQ", "", args, 8192, 2, &irq_session);
    if (!err)
        err = irq_object(irq_session, irq);
    if (err)
        printf("IRQ %llu: %s\n", (unsigned long long)info->irq, ferry_error_name(err));
    return err;
}
