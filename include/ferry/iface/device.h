/*
 * Device access for user-level drivers. Neither interface has message words.
 *
 * IRQ session (argument "irq=N", a PLIC source that a device of the device
 * tree uses):
 * IRQ_OBJECT:      out cap[0] the kernel IRQ object (wait with IRQ_WAIT, IRQ_ACK after)
 *
 * IO_MEM session (arguments "base=0x...,size=0x...", inside one device's MMIO window):
 * IO_MEM_DATASPACE: out cap[0] device dataspace (attach it; uncached device memory)
 */
#ifndef FERRY_IFACE_DEVICE_H
#define FERRY_IFACE_DEVICE_H

#include <ferry/rpc.h>

#define FERRY_IRQ_RPCS(RPC) RPC(FERRY_IRQ_OBJECT, 1, 0, 0)
FERRY_RPC_ENUM(FERRY_IRQ_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_irq_sigs, FERRY_IRQ_RPCS);

#define FERRY_IO_MEM_RPCS(RPC) RPC(FERRY_IO_MEM_DATASPACE, 1, 0, 0)
FERRY_RPC_ENUM(FERRY_IO_MEM_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_io_mem_sigs, FERRY_IO_MEM_RPCS);

#endif
