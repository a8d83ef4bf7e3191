/*
 * Device access for user-level drivers. Neither interface has message words.
 *
 * IRQ session (argument "irq=N", a PLIC source that a device of the device
 * tree uses):
 * IRQ_OBJECT:      out cap[0] the kernel IRQ object (wait with IRQ_WAIT, IRQ_ACK after)
 *
 * IO_MEM session (arguments "base=0x...,size=0x...", inside one device's MMIO window,
 * or "device=N": the whole window of the N-th device of the boot info, E_NOENT
 * past the last one; how a driver finds its device):
 * IO_MEM_DATASPACE: out cap[0] device dataspace (attach it; uncached device memory)
 * IO_MEM_INFO:      out struct ferry_io_mem_info_out: the device the session's
 *                   range belongs to (its window, PLIC interrupt, compatible)
 */
#ifndef FERRY_IFACE_DEVICE_H
#define FERRY_IFACE_DEVICE_H

#include <ferry/rpc.h>

#define FERRY_IRQ_RPCS(RPC) RPC(FERRY_IRQ_OBJECT, 1, 0, 0)
FERRY_RPC_ENUM(FERRY_IRQ_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_irq_sigs, FERRY_IRQ_RPCS);

struct ferry_io_mem_info_out {
    uint64_t paddr;                        /* physical base of the device's window */
    uint64_t size;                         /* bytes of the window */
    uint64_t irq;                          /* PLIC source (IRQ session "irq=N"), 0 if none */
    char compatible[FERRY_NAME_WORDS * 8]; /* e.g. "virtio,mmio" */
};
FERRY_RPC_LAYOUT(ferry_io_mem_info_out);

#define FERRY_IO_MEM_RPCS(RPC)                                                                     \
    RPC(FERRY_IO_MEM_DATASPACE, 1, 0, 0)                                                           \
    RPC(FERRY_IO_MEM_INFO, 2, 0, 0)
FERRY_RPC_ENUM(FERRY_IO_MEM_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_io_mem_sigs, FERRY_IO_MEM_RPCS);

#endif
