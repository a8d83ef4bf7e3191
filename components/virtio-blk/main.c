/*
 * virtio-blk: a user-level driver for a virtio block device on virtio-mmio,
 * serving the Block service (include/ferry/iface/block.h, docs/block.md).
 *
 * Finding the device: IO_MEM sessions "device=N" for N = 0, 1, ... (core's
 * boot-info devices, which the kernel took from the device tree) until one
 * is a virtio block device; IO_MEM_INFO tells its PLIC interrupt, for which
 * an IRQ session gives the kernel IRQ object.
 *
 * DMA: the virtqueue and the request header/status page are one RAM
 * dataspace of the driver's PD, each session's buffer another; core's
 * DS_PHYS gives their physical addresses (RAM dataspaces are contiguous).
 *
 * Requests are synchronous, one at a time, on the entrypoint: the chain goes
 * into the queue, the device is notified, and the entrypoint sleeps in
 * IRQ_WAIT until the device's interrupt; no polling. The interrupt is
 * acknowledged at the device (InterruptACK) first, then at the kernel
 * (IRQ_ACK, which unmasks the PLIC source).
 *
 * The driver runs until its parent ends it: init's `serves-only yes` ends it
 * once every client has ended (docs/framework.md).
 */
#include "virtio/blk.h"
#include "virtio/device/find.h"
#include "virtio/virtio.h"
#include <args.h>
#include <client.h>
#include <ferry/iface/block.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/macros.h>
#include <root.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_SIZE     16
#define IRQ_TIMEOUT_US 5000000 /* a request not finished by then: the device is broken */
#define DMA_BYTES      (VIRTQ_BYTES(QUEUE_SIZE) + 4096)
#define DMA_REQ_OFFSET VIRTQ_BYTES(QUEUE_SIZE) /* header at +0, status byte at +16 */

static struct env *env;

static struct {
    struct virtio_dev dev;
    struct virtq vq;
    uint32_t irq;                   /* slot of the kernel IRQ object */
    struct virtio_blk_req_hdr *hdr; /* in the DMA page */
    volatile uint8_t *status;       /* in the DMA page */
    uint64_t hdr_phys, status_phys;
    uint64_t sectors;
    uint64_t size_max; /* largest data buffer the device takes, 0: no limit */
    bool read_only, broken;
    uint64_t requests, interrupts;
} blk;

/* ---- DMA memory ---- */

/* A RAM dataspace of the driver attached read-write, with its physical address. */
static void *dma_alloc(uint64_t bytes, uint32_t *ds, uint64_t *phys, long *err)
{
    void *addr = env_alloc_attached(env, bytes, ds, err);
    if (!addr)
        return NULL;
    *err = ds_phys(*ds, phys);
    if (*err) {
        env_free_attached(env, addr, *ds);
        return NULL;
    }
    return addr;
}

/* ---- the device ---- */

/* Runs one request (chain of header, data if bytes > 0, status) to its end. */
static long blk_request(uint32_t type, uint64_t sector, uint64_t data_phys, uint32_t bytes)
{
    if (blk.broken)
        return FERRY_E_DEAD;
    *blk.hdr = (struct virtio_blk_req_hdr){type, 0, sector};
    *blk.status = 0xff;
    struct virtq_buf bufs[3] = {{blk.hdr_phys, sizeof(*blk.hdr), false},
                                {data_phys, bytes, type == VIRTIO_BLK_T_IN},
                                {blk.status_phys, 1, true}};
    if (!bytes)
        bufs[1] = bufs[2];
    uint16_t head, done;
    uint32_t len;
    enum virtq_error qe = virtq_add(&blk.vq, bufs, bytes ? 3 : 2, &head);
    if (qe != VIRTQ_OK) {
        printf("request not queued: %s\n", virtq_error_name(qe));
        return FERRY_E_DEAD;
    }
    virtio_notify(&blk.dev, 0);
    for (;;) {
        long err = sys_irq_wait(blk.irq, IRQ_TIMEOUT_US);
        if (err) {
            printf("device broken: no interrupt for request %s of sector %llu: %s\n",
                   type == VIRTIO_BLK_T_IN    ? "IN"
                   : type == VIRTIO_BLK_T_OUT ? "OUT"
                                              : "FLUSH",
                   (unsigned long long)sector, ferry_error_name(err));
            blk.broken = true;
            virtio_fail(&blk.dev);
            return FERRY_E_DEAD;
        }
        blk.interrupts++;
        virtio_irq_ack(&blk.dev); /* the device drops its line ... */
        sys_irq_ack(blk.irq);     /* ... before the PLIC source is unmasked */
        qe = virtq_get(&blk.vq, &done, &len);
        if (qe == VIRTQ_E_NONE)
            continue; /* a configuration change, or the completion is still on its way */
        if (qe != VIRTQ_OK || done != head) {
            printf("device broken: %s\n",
                   qe != VIRTQ_OK ? virtq_error_name(qe) : "completed a request never made");
            blk.broken = true;
            virtio_fail(&blk.dev);
            return FERRY_E_DEAD;
        }
        break;
    }
    blk.requests++;
    virtq_barrier(); /* the status byte after the used entry */
    uint8_t status = *blk.status;
    if (status != VIRTIO_BLK_S_OK) {
        printf("device error: status %u for sector %llu\n", status, (unsigned long long)sector);
        return FERRY_E_CANCELED;
    }
    return FERRY_OK;
}

static long device_init(void)
{
    struct ferry_io_mem_info_out info;
    long err = virtio_find(env, VIRTIO_ID_BLOCK, "block", &blk.dev, &info, &blk.irq);
    if (err)
        return err;
    enum virtio_error ve = virtio_start(
        &blk.dev,
        VIRTIO_BLK_F_RO | VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH, 0);
    uint32_t ds;
    uint64_t phys = 0;
    uint8_t *dma = NULL;
    if (ve == VIRTIO_OK) {
        dma = dma_alloc(DMA_BYTES, &ds, &phys, &err);
        if (!dma) {
            printf("DMA memory: %s\n", ferry_error_name(err));
            virtio_fail(&blk.dev);
            return err;
        }
        ve = virtio_queue_setup(&blk.dev, 0, &blk.vq, QUEUE_SIZE, dma, phys,
                                VIRTQ_BYTES(QUEUE_SIZE));
    }
    if (ve != VIRTIO_OK) {
        printf("device setup: %s\n", virtio_error_name(ve));
        virtio_fail(&blk.dev);
        return FERRY_E_INVAL;
    }
    blk.hdr = (struct virtio_blk_req_hdr *)(dma + DMA_REQ_OFFSET);
    blk.status = dma + DMA_REQ_OFFSET + 16;
    blk.hdr_phys = phys + DMA_REQ_OFFSET;
    blk.status_phys = phys + DMA_REQ_OFFSET + 16;
    blk.sectors = virtio_config64(&blk.dev, VIRTIO_BLK_CFG_CAPACITY);
    blk.read_only = blk.dev.features & VIRTIO_BLK_F_RO;
    if (blk.dev.features & VIRTIO_BLK_F_SIZE_MAX)
        blk.size_max = virtio_config32(&blk.dev, VIRTIO_BLK_CFG_SIZE_MAX);
    virtio_driver_ok(&blk.dev);
    printf("disk at 0x%llx, irq %llu: %llu sectors of %u bytes (%llu KiB), %s\n",
           (unsigned long long)info.paddr, (unsigned long long)info.irq,
           (unsigned long long)blk.sectors, VIRTIO_BLK_SECTOR,
           (unsigned long long)(blk.sectors / 2), blk.read_only ? "read-only" : "read-write");
    return FERRY_OK;
}

/* ---- the Block service ---- */

struct block_session {
    struct rpc_object obj;
    uint32_t ds;    /* the buffer */
    uint8_t *buf;   /* the driver's view of it */
    uint64_t phys;  /* its physical address */
    uint64_t bytes; /* its size */
};

static uint64_t session_max_sectors(const struct block_session *s)
{
    uint64_t bytes = s->bytes;
    if (blk.size_max && blk.size_max < bytes)
        bytes = blk.size_max;
    return bytes / VIRTIO_BLK_SECTOR;
}

/* Decode of READ/WRITE: the checks of block.h in their order. */
static long io_check(const struct block_session *s, const struct ferry_block_io_in *in, bool write)
{
    if (in->count == 0)
        return FERRY_E_INVAL;
    if (in->count > session_max_sectors(s))
        return FERRY_E_QUOTA;
    if (in->lba > blk.sectors || in->count > blk.sectors - in->lba)
        return FERRY_E_RANGE;
    if (in->offset % VIRTIO_BLK_SECTOR)
        return FERRY_E_ALIGN;
    if (in->offset > s->bytes || in->count * VIRTIO_BLK_SECTOR > s->bytes - in->offset)
        return FERRY_E_NOMEM;
    if (write && blk.read_only)
        return FERRY_E_NORIGHTS;
    return FERRY_OK;
}

static long session_io(struct block_session *s, struct rpc_request *req, bool write)
{
    struct ferry_block_io_in in = *FERRY_RPC_MSG(ferry_block_io_in, req->mr);
    long err = io_check(s, &in, write);
    if (err)
        return err;
    return blk_request(write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, in.lba, s->phys + in.offset,
                       (uint32_t)(in.count * VIRTIO_BLK_SECTOR));
}

static long session_dispatch(void *self, struct rpc_request *req)
{
    struct block_session *s = self;
    switch (req->opcode) {
    case FERRY_BLOCK_INFO: {
        struct ferry_block_info_out *out = FERRY_RPC_MSG(ferry_block_info_out, req->mr);
        *out = (struct ferry_block_info_out){
            .sector_size = VIRTIO_BLK_SECTOR,
            .sector_count = blk.sectors,
            .flags = blk.read_only ? FERRY_BLOCK_READ_ONLY : 0,
            .max_sectors = session_max_sectors(s),
            .buffer_size = s->bytes,
            .requests = blk.requests,
            .interrupts = blk.interrupts,
        };
        req->reply_words = FERRY_RPC_WORDS(ferry_block_info_out);
        return FERRY_OK;
    }
    case FERRY_BLOCK_BUFFER:
        rpc_reply_cap(req, s->ds, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    case FERRY_BLOCK_READ:
        return session_io(s, req, false);
    case FERRY_BLOCK_WRITE:
        return session_io(s, req, true);
    case FERRY_BLOCK_SYNC:
        if (!(blk.dev.features & VIRTIO_BLK_F_FLUSH))
            return blk.broken ? FERRY_E_DEAD : FERRY_OK; /* no write cache to flush */
        return blk_request(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
    }
    return FERRY_E_BADOP;
}

static const struct rpc_iface block_iface = {"block", ferry_block_sigs,
                                             ARRAY_SIZE(ferry_block_sigs), session_dispatch};

static long session_open(struct service_root *root, const char *label, const char *args,
                         uint64_t ram, uint64_t caps, struct rpc_object **session)
{
    (void)root;
    uint64_t bytes = FERRY_BLOCK_BUFFER_DEFAULT;
    char value[24];
    if (args_get(args, "buffer", value, sizeof(value)) &&
        (!args_get_u64(args, "buffer", &bytes) || bytes == 0 || bytes % 4096 ||
         bytes > FERRY_BLOCK_BUFFER_MAX))
        return FERRY_E_INVAL;
    if (ram < bytes + 4096)
        return FERRY_E_QUOTA;
    if (caps < 2)
        return FERRY_E_CAPQUOTA;
    struct block_session *s = calloc(1, sizeof(*s));
    if (!s)
        return FERRY_E_QUOTA;
    long err;
    s->buf = dma_alloc(bytes, &s->ds, &s->phys, &err);
    if (!s->buf) {
        free(s);
        return err;
    }
    s->bytes = bytes;
    s->obj = (struct rpc_object){.iface = &block_iface, .self = s};
    printf("session for '%s', buffer of %llu KiB\n", label, (unsigned long long)(bytes / 1024));
    *session = &s->obj;
    return FERRY_OK;
}

static void session_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    struct block_session *s = session->self;
    env_free_attached(env, s->buf, s->ds); /* the client's attachment goes with it */
    free(s);
}

static struct service_root block_root = {.open = session_open, .close = session_close};

void component_construct(struct env *e)
{
    env = e;
    long err = device_init();
    if (err)
        env_exit(env, 1);
    err = env_serve(env, "Block", &block_root);
    if (err) {
        printf("cannot announce Block: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
}
