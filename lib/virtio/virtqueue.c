/*
 * Split virtqueue ring logic (virtqueue.h). Each function first checks its
 * arguments and the device's input, then changes state.
 */
#include "virtqueue.h"
#include <string.h>

enum virtq_error virtq_init(struct virtq *q, uint16_t size, void *mem, uint64_t phys, size_t bytes)
{
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0 || !mem ||
        bytes < VIRTQ_BYTES(size) || (phys & (VIRTQ_PAGE - 1)) != 0)
        return VIRTQ_E_SIZE;
    memset(mem, 0, VIRTQ_BYTES(size));
    memset(q, 0, sizeof(*q));
    q->size = size;
    q->desc = mem;
    q->avail = (struct virtq_avail *)((uint8_t *)mem + VIRTQ_AVAIL_OFFSET(size));
    q->used = (struct virtq_used *)((uint8_t *)mem + VIRTQ_USED_OFFSET(size));
    q->desc_phys = phys;
    q->avail_phys = phys + VIRTQ_AVAIL_OFFSET(size);
    q->used_phys = phys + VIRTQ_USED_OFFSET(size);
    for (uint16_t i = 0; i < size; i++)
        q->link[i] = (uint16_t)(i + 1); /* the free list: 0, 1, 2, ... */
    q->free_head = 0;
    q->free_count = size;
    return VIRTQ_OK;
}

enum virtq_error virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n,
                           uint16_t *head)
{
    if (n == 0)
        return VIRTQ_E_EMPTY;
    if (n > q->free_count)
        return VIRTQ_E_FULL;
    uint16_t first = q->free_head, d = first;
    for (unsigned i = 0; i < n; i++) {
        struct virtq_desc *desc = &q->desc[d];
        uint16_t next = q->link[d];
        desc->addr = bufs[i].addr;
        desc->len = bufs[i].len;
        desc->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                                 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        desc->next = i + 1 < n ? next : 0;
        d = next;
    }
    q->free_head = d;
    q->free_count = (uint16_t)(q->free_count - n);
    q->chain_len[first] = (uint16_t)n;
    q->in_flight++;
    q->avail->ring[q->avail_idx & (q->size - 1)] = first;
    virtq_barrier(); /* the chain and the ring entry before the index that publishes them */
    q->avail_idx++;
    q->avail->idx = q->avail_idx;
    virtq_barrier(); /* the index before the notify that follows */
    *head = first;
    return VIRTQ_OK;
}

enum virtq_error virtq_get(struct virtq *q, uint16_t *head, uint32_t *len)
{
    uint16_t used_idx = *(volatile uint16_t *)&q->used->idx;
    if (used_idx == q->last_used)
        return VIRTQ_E_NONE;
    virtq_barrier(); /* the index before the entry it covers */
    /* decode: the device cannot have finished more chains than are in flight,
     * and the entry must name one of them */
    if ((uint16_t)(used_idx - q->last_used) > virtq_in_flight(q))
        return VIRTQ_E_DEVICE; /* nothing taken: every later call says so too */
    struct virtq_used_elem e = q->used->ring[q->last_used & (q->size - 1)];
    q->last_used++;
    if (e.id >= q->size || q->chain_len[e.id] == 0)
        return VIRTQ_E_DEVICE;
    /* invoke: give the chain's descriptors back to the free list */
    uint16_t n = q->chain_len[e.id], last = (uint16_t)e.id;
    for (uint16_t i = 1; i < n; i++)
        last = q->link[last];
    q->link[last] = q->free_head;
    q->free_head = (uint16_t)e.id;
    q->free_count = (uint16_t)(q->free_count + n);
    q->chain_len[e.id] = 0;
    q->in_flight--;
    *head = (uint16_t)e.id;
    *len = e.len;
    return VIRTQ_OK;
}

const char *virtq_error_name(enum virtq_error e)
{
    static const char *const names[] = {"VIRTQ_OK",      "VIRTQ_E_SIZE", "VIRTQ_E_FULL",
                                        "VIRTQ_E_EMPTY", "VIRTQ_E_NONE", "VIRTQ_E_DEVICE"};
    return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "VIRTQ_E_UNKNOWN";
}
