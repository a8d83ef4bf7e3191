/*
 * Client stubs: Nic session (include/ferry/iface/nic.h, docs/network.md),
 * a session with its shared buffer attached, and the client's side of the
 * two rings.
 */
#include "../client.h"
#include <string.h>

/* Orders slot contents before the index that publishes them (and the index
 * read before the slot it covers). */
static inline void nic_barrier(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
}

long nic_info(uint32_t session, struct ferry_nic_info_out *info)
{
    return client_call(session, FERRY_NIC_INFO, 0, 0, info, FERRY_RPC_WORDS(ferry_nic_info_out),
                       NULL);
}

long nic_buffer(uint32_t session, uint32_t *ds)
{
    return rpc_get_cap(session, FERRY_NIC_BUFFER, ds);
}

long nic_sigh(uint32_t session, uint32_t signal)
{
    return client_call_cap(session, FERRY_NIC_SIGH, FERRY_NIC_SIGH_CAP_SIGNAL, signal);
}

long nic_tx(uint32_t session)
{
    return client_call(session, FERRY_NIC_TX, 0, 0, NULL, 0, NULL);
}

long nic_open(struct env *env, const char *label, uint32_t signal, struct nic_client *c)
{
    memset(c, 0, sizeof(*c));
    void *addr;
    long err = client_open_buffer(env, "Nic", label, "", FERRY_NIC_SHARED_BYTES + 4096, 2,
                                  FERRY_NIC_BUFFER, &c->session, &c->ds, &addr);
    if (err)
        return err;
    err = nic_info(c->session, &c->info);
    if (!err && signal)
        err = nic_sigh(c->session, signal);
    if (err) {
        client_close_buffer(env, c->session, c->ds, addr);
        return err;
    }
    c->shared = addr;
    c->tx_head = c->shared->tx.head;
    c->rx_tail = c->shared->rx.tail;
    for (unsigned i = 0; i < 6; i++)
        c->mac[i] = (uint8_t)(c->info.mac >> (40 - 8 * i));
    return FERRY_OK;
}

void nic_close(struct env *env, struct nic_client *c)
{
    client_close_buffer(env, c->session, c->ds, c->shared);
    c->shared = NULL;
}

long nic_put(struct nic_client *c, const void *frame, uint32_t len)
{
    if (len < FERRY_NIC_FRAME_MIN || len > FERRY_NIC_FRAME_MAX)
        return FERRY_E_INVAL;
    if (c->tx_head - c->shared->tx.tail >= FERRY_NIC_SLOTS)
        return FERRY_E_NOMEM;
    struct ferry_nic_slot *slot = &c->shared->tx_slot[c->tx_head % FERRY_NIC_SLOTS];
    memcpy(slot->data, frame, len);
    slot->len = len;
    nic_barrier(); /* the slot before the head that publishes it */
    c->shared->tx.head = ++c->tx_head;
    return FERRY_OK;
}

const uint8_t *nic_rx_peek(struct nic_client *c, uint32_t *len)
{
    if (c->shared->rx.head == c->rx_tail)
        return NULL;
    nic_barrier(); /* the head before the slot it covers */
    struct ferry_nic_slot *slot = &c->shared->rx_slot[c->rx_tail % FERRY_NIC_SLOTS];
    *len = slot->len;
    return slot->data;
}

void nic_rx_done(struct nic_client *c)
{
    nic_barrier(); /* done reading the slot before it is given back */
    c->shared->rx.tail = ++c->rx_tail;
}
