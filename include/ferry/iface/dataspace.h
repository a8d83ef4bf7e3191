/*
 * Dataspace: memory that can be attached to region maps (RAM, a boot module,
 * device memory, or a managed dataspace backed by a region map).
 *
 * DS_INFO: out size in bytes, FERRY_DS_* flags
 * DS_PHYS: out paddr, the physical address of a writable RAM dataspace
 *          (physically contiguous: size bytes from there), for drivers that
 *          hand it to a device for DMA; E_INVAL for any other dataspace (ROM
 *          copy, device window, managed)
 */
#ifndef FERRY_IFACE_DATASPACE_H
#define FERRY_IFACE_DATASPACE_H

#include <ferry/rpc.h>

#define FERRY_DS_WRITABLE 0x1u
#define FERRY_DS_DEVICE   0x2u
#define FERRY_DS_MANAGED  0x4u

struct ferry_ds_info_out {
    uint64_t size;  /* bytes */
    uint64_t flags; /* FERRY_DS_* */
};
FERRY_RPC_LAYOUT(ferry_ds_info_out);

struct ferry_ds_phys_out {
    uint64_t paddr; /* physical address of the first byte */
};
FERRY_RPC_LAYOUT(ferry_ds_phys_out);

#define FERRY_DS_RPCS(RPC)                                                                         \
    RPC(FERRY_DS_INFO, 1, 0, 0)                                                                    \
    RPC(FERRY_DS_PHYS, 2, 0, 0)
FERRY_RPC_ENUM(FERRY_DS_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_ds_sigs, FERRY_DS_RPCS);

#endif
