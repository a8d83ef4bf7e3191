/*
 * Dataspace: memory that can be attached to region maps (RAM, a boot module,
 * device memory, or a managed dataspace backed by a region map).
 *
 * DS_INFO: out mr[0] size in bytes, mr[1] FERRY_DS_* flags
 */
#ifndef FERRY_IFACE_DATASPACE_H
#define FERRY_IFACE_DATASPACE_H

#include <ferry/rpc.h>

#define FERRY_DS_WRITABLE 0x1u
#define FERRY_DS_DEVICE   0x2u
#define FERRY_DS_MANAGED  0x4u

#define FERRY_DS_RPCS(RPC) RPC(FERRY_DS_INFO, 1, 0, 0)
FERRY_RPC_ENUM(FERRY_DS_RPCS);

#endif
