/*
 * ROM session: one boot module, named by the session argument "name=MODULE"
 * (or, without it, by the last element of the session label), as a
 * read-only dataspace.
 *
 * ROM_DATASPACE: out cap[0] dataspace, size of the module in bytes
 */
#ifndef FERRY_IFACE_ROM_H
#define FERRY_IFACE_ROM_H

#include <ferry/rpc.h>

struct ferry_rom_dataspace_out {
    uint64_t size; /* of the module, in bytes (the dataspace is page-rounded) */
};
FERRY_RPC_LAYOUT(ferry_rom_dataspace_out);

#define FERRY_ROM_RPCS(RPC) RPC(FERRY_ROM_DATASPACE, 1, 0, 0)
FERRY_RPC_ENUM(FERRY_ROM_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_rom_sigs, FERRY_ROM_RPCS);

#endif
