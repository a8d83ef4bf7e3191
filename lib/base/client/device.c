/*
 * Client stubs: IRQ and IO_MEM sessions (include/ferry/iface/device.h).
 */
#include "../client.h"

long irq_object(uint32_t irq, uint32_t *object)
{
    return rpc_get_cap(irq, FERRY_IRQ_OBJECT, object);
}

long io_mem_dataspace(uint32_t io_mem, uint32_t *ds)
{
    return rpc_get_cap(io_mem, FERRY_IO_MEM_DATASPACE, ds);
}

long io_mem_info(uint32_t io_mem, struct ferry_io_mem_info_out *info)
{
    return client_call(io_mem, FERRY_IO_MEM_INFO, 0, 0, info,
                       FERRY_RPC_WORDS(ferry_io_mem_info_out), NULL);
}
