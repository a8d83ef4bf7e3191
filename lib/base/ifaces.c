/*
 * The signature tables of every RPC interface, defined once
 * (include/ferry/ifaces.h): servers check requests against them, forwarders
 * look operations up in them.
 */
#include <ferry/iface/block.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/iface/log.h>
#include <ferry/iface/nic.h>
#include <ferry/iface/pager.h>
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/rom.h>
#include <ferry/iface/store.h>
#include <ferry/iface/timer.h>
#include <ferry/ifaces.h>
#include <ferry/macros.h>
#include <stddef.h>

const struct ferry_rpc_sig ferry_pd_sigs[] = FERRY_RPC_SIGS(FERRY_PD_RPCS);
const struct ferry_rpc_sig ferry_npd_sigs[] = FERRY_RPC_SIGS(FERRY_NPD_RPCS);
const struct ferry_rpc_sig ferry_cpu_sigs[] = FERRY_RPC_SIGS(FERRY_CPU_RPCS);
const struct ferry_rpc_sig ferry_thread_sigs[] = FERRY_RPC_SIGS(FERRY_THREAD_RPCS);
const struct ferry_rpc_sig ferry_rm_session_sigs[] = FERRY_RPC_SIGS(FERRY_RM_SESSION_RPCS);
const struct ferry_rpc_sig ferry_rm_sigs[] = FERRY_RPC_SIGS(FERRY_RM_RPCS);
const struct ferry_rpc_sig ferry_ds_sigs[] = FERRY_RPC_SIGS(FERRY_DS_RPCS);
const struct ferry_rpc_sig ferry_rom_sigs[] = FERRY_RPC_SIGS(FERRY_ROM_RPCS);
const struct ferry_rpc_sig ferry_log_sigs[] = FERRY_RPC_SIGS(FERRY_LOG_RPCS);
const struct ferry_rpc_sig ferry_timer_sigs[] = FERRY_RPC_SIGS(FERRY_TIMER_RPCS);
const struct ferry_rpc_sig ferry_irq_sigs[] = FERRY_RPC_SIGS(FERRY_IRQ_RPCS);
const struct ferry_rpc_sig ferry_io_mem_sigs[] = FERRY_RPC_SIGS(FERRY_IO_MEM_RPCS);
const struct ferry_rpc_sig ferry_pager_sigs[] = FERRY_RPC_SIGS(FERRY_PAGER_RPCS);
const struct ferry_rpc_sig ferry_block_sigs[] = FERRY_RPC_SIGS(FERRY_BLOCK_RPCS);
const struct ferry_rpc_sig ferry_store_sigs[] = FERRY_RPC_SIGS(FERRY_STORE_RPCS);
const struct ferry_rpc_sig ferry_object_sigs[] = FERRY_RPC_SIGS(FERRY_OBJECT_RPCS);
const struct ferry_rpc_sig ferry_relay_sigs[] = FERRY_RPC_SIGS(FERRY_RELAY_RPCS);
const struct ferry_rpc_sig ferry_nic_sigs[] = FERRY_RPC_SIGS(FERRY_NIC_RPCS);
const struct ferry_rpc_sig ferry_parent_sigs[] = FERRY_RPC_SIGS(FERRY_PARENT_RPCS);

#define IFACE(id, name, table) [id] = {name, table, ARRAY_SIZE(table)}

const struct ferry_iface_desc ferry_ifaces[FERRY_IFACE_COUNT] = {
    IFACE(FERRY_IFACE_PARENT, "Parent", ferry_parent_sigs),
    IFACE(FERRY_IFACE_PD, "PD", ferry_pd_sigs),
    IFACE(FERRY_IFACE_NPD, "native PD", ferry_npd_sigs),
    IFACE(FERRY_IFACE_CPU, "CPU", ferry_cpu_sigs),
    IFACE(FERRY_IFACE_THREAD, "thread", ferry_thread_sigs),
    IFACE(FERRY_IFACE_RM_SESSION, "RM", ferry_rm_session_sigs),
    IFACE(FERRY_IFACE_RM, "region map", ferry_rm_sigs),
    IFACE(FERRY_IFACE_DS, "dataspace", ferry_ds_sigs),
    IFACE(FERRY_IFACE_ROM, "ROM", ferry_rom_sigs),
    IFACE(FERRY_IFACE_LOG, "LOG", ferry_log_sigs),
    IFACE(FERRY_IFACE_TIMER, "Timer", ferry_timer_sigs),
    IFACE(FERRY_IFACE_IRQ, "IRQ", ferry_irq_sigs),
    IFACE(FERRY_IFACE_IO_MEM, "IO_MEM", ferry_io_mem_sigs),
    IFACE(FERRY_IFACE_PAGER, "pager", ferry_pager_sigs),
    IFACE(FERRY_IFACE_BLOCK, "Block", ferry_block_sigs),
    IFACE(FERRY_IFACE_STORE, "Store", ferry_store_sigs),
    IFACE(FERRY_IFACE_OBJECT, "object", ferry_object_sigs),
    IFACE(FERRY_IFACE_RELAY, "Relay", ferry_relay_sigs),
    IFACE(FERRY_IFACE_NIC, "Nic", ferry_nic_sigs),
};

const struct ferry_rpc_sig *ferry_iface_sig(unsigned id, unsigned opcode)
{
    if (id >= FERRY_IFACE_COUNT)
        return NULL;
    const struct ferry_iface_desc *d = &ferry_ifaces[id];
    for (unsigned i = 0; i < d->count; i++)
        if (d->sigs[i].opcode == opcode)
            return &d->sigs[i];
    return NULL;
}
