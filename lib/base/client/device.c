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
