/*
 * virtio-net: a user-level driver for a virtio network device on
 * virtio-mmio, serving Nic sessions (include/ferry/iface/nic.h,
 * docs/network.md) and switching frames between them and the wire.
 *
 * Finding the device: IO_MEM sessions "device=N" for N = 0, 1, ... until one
 * is a virtio network device; IO_MEM_INFO tells its PLIC interrupt, for which
 * an IRQ session gives the kernel IRQ object.
 *
 * DMA: one RAM dataspace holds both virtqueues and the wire buffers (16
 * receive, 16 transmit, each a virtio_net_hdr then the frame); core's
 * DS_PHYS gives its physical address. Every receive buffer is always posted
 * to the device except while its frame is being switched.
 *
 * A batch of frames (one NIC_TX) is one notification of the device.
 *
 * `arg bench-frames N` (make bench): the driver counts its own instructions
 * (rdinstret) in NIC_TX (per frame taken from a session) and in the
 * interrupt handler (per frame received from the wire) and prints one
 * `bench:` line for each direction once N frames went that way.
 *
 * Interrupts: a helper thread sleeps in IRQ_WAIT on the kernel IRQ object
 * and, for each interrupt, calls the driver's entrypoint (irq_dispatch), so
 * everything the driver does runs serialised on the entrypoint; no polling.
 * There the interrupt is acknowledged at the device (InterruptACK), then at
 * the kernel (IRQ_ACK, which unmasks the PLIC source), then both used rings
 * are drained: anything the device completes after the acknowledgement
 * raises a new interrupt.
 *
 * Sessions: each has its own MAC (the device's with byte 4 XOR its number,
 * 1 .. NIC_SESSIONS_MAX) and a shared buffer with two rings. Frames a
 * session transmits (NIC_TX) are copied out of its slot, checked (length,
 * source MAC) and switched: to the session owning the destination MAC, else
 * to the wire; broadcast and multicast to every other session and the wire.
 * Frames from the wire go to the session owning the destination, broadcast
 * to all. A bad client only loses its own frames: everything it can break is
 * counted (ferry_nic_info_out) and dropped.
 */
#include "virtio/net.h"
#include "virtio/device/find.h"
#include "virtio/virtio.h"
#include <client.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/iface/nic.h>
#include <ferry/macros.h>
#include <root.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_SIZE 16
#define BUF_BYTES  2048 /* one wire buffer: header + frame */
/* The frame's offset in a wire buffer, the header's just before it: 8-byte
 * aligned like the Nic slots, so that memcpy copies words (lib/mem) */
#define BUF_FRAME        16
#define BUF_HDR          (BUF_FRAME - VIRTIO_NET_HDR_BYTES)
#define NIC_SESSIONS_MAX 8
#define IRQ_THREAD_PRIO  120
#define IRQ_DISPATCH     1

/* DMA layout (byte offsets in the one dataspace) */
#define DMA_RXQ   0
#define DMA_TXQ   VIRTQ_BYTES(QUEUE_SIZE)
#define DMA_RXBUF (2 * VIRTQ_BYTES(QUEUE_SIZE))
#define DMA_TXBUF (DMA_RXBUF + QUEUE_SIZE * BUF_BYTES)
#define DMA_BYTES (DMA_TXBUF + QUEUE_SIZE * BUF_BYTES)

static struct env *env;

struct nic_session {
    struct rpc_object obj;
    unsigned number;             /* 1 .. NIC_SESSIONS_MAX, in its MAC */
    uint32_t ds;                 /* the shared buffer */
    struct ferry_nic_shared *sh; /* the driver's view of it */
    uint8_t mac[6];
    uint32_t signal;           /* the client's signal (NIC_SIGH), 0: none */
    uint32_t tx_tail, rx_head; /* the driver's own ring counters: never read back */
    bool tx_blocked;           /* stopped for want of wire buffers */
    bool notify;               /* trigger the signal at the end of this round */
    uint64_t tx_frames, rx_frames, malformed, spoofed, rx_full, bad_index;
    char label[32];    /* for reports */
    unsigned reported; /* MISDEED_* already reported */
};

static struct {
    struct virtio_dev dev;
    struct virtq rxq, txq;
    uint32_t irq; /* slot of the kernel IRQ object */
    uint8_t *dma;
    uint64_t phys;
    uint16_t rx_of_head[QUEUE_SIZE]; /* receive buffer of each posted chain head */
    uint16_t tx_of_head[QUEUE_SIZE]; /* transmit buffer of each chain in flight */
    uint16_t tx_free[QUEUE_SIZE];    /* free transmit buffers: a stack */
    unsigned tx_free_n;
    uint8_t mac[6];
    bool link_up, broken;
    bool tx_kick; /* frames queued since the device was last notified */
    uint64_t interrupts, wire_bad, wire_rx, wire_tx;
    uint64_t bench_frames; /* `arg bench-frames`: 0 = no measurement */
    uint64_t bench_tx_instr, bench_tx_calls, bench_rx_instr, bench_rx_irqs;
    bool bench_tx_done, bench_rx_done;              /* their line was printed */
    struct nic_session *sessions[NIC_SESSIONS_MAX]; /* by number - 1 */
    struct rpc_object irq_obj;
    uint32_t irq_gate;
} net;

static _Alignas(8) uint8_t bounce[FERRY_NIC_FRAME_MAX]; /* a transmit slot's private copy */

static inline void ring_barrier(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
}

/* ---- the wire ---- */

static void device_broken(const char *why)
{
    printf("device broken: %s\n", why);
    net.broken = true;
    virtio_fail(&net.dev);
}

/* Posts receive buffer i to the device. */
static void rx_post(uint16_t i)
{
    struct virtq_buf b = {net.phys + DMA_RXBUF + (uint64_t)i * BUF_BYTES + BUF_HDR,
                          BUF_BYTES - BUF_HDR, true};
    uint16_t head;
    if (virtq_add(&net.rxq, &b, 1, &head) != VIRTQ_OK) {
        device_broken("receive queue full");
        return;
    }
    net.rx_of_head[head] = i;
}

/* Queues a frame on the wire. E_NOMEM: no free transmit buffer. */
static long wire_send(const uint8_t *frame, uint32_t len)
{
    if (net.broken)
        return FERRY_E_DEAD;
    if (!net.tx_free_n)
        return FERRY_E_NOMEM;
    uint16_t i = net.tx_free[--net.tx_free_n];
    uint8_t *buf = net.dma + DMA_TXBUF + (uint64_t)i * BUF_BYTES;
    memset(buf + BUF_HDR, 0, VIRTIO_NET_HDR_BYTES);
    memcpy(buf + BUF_FRAME, frame, len);
    struct virtq_buf b = {net.phys + DMA_TXBUF + (uint64_t)i * BUF_BYTES + BUF_HDR,
                          VIRTIO_NET_HDR_BYTES + len, false};
    uint16_t head;
    if (virtq_add(&net.txq, &b, 1, &head) != VIRTQ_OK) {
        net.tx_free[net.tx_free_n++] = i;
        return FERRY_E_NOMEM;
    }
    net.tx_of_head[head] = i;
    net.wire_tx++;
    net.tx_kick = true; /* the device hears of the batch in wire_kick */
    return FERRY_OK;
}

/* Notifies the device of the frames queued since the last notification. */
static void wire_kick(void)
{
    if (net.tx_kick && !net.broken)
        virtio_notify(&net.dev, VIRTIO_NET_Q_TX);
    net.tx_kick = false;
}

/* Takes the finished transmit buffers back from the used ring. */
static void tx_collect(void)
{
    uint16_t head;
    uint32_t len;
    enum virtq_error qe;
    while ((qe = virtq_get(&net.txq, &head, &len)) == VIRTQ_OK)
        net.tx_free[net.tx_free_n++] = net.tx_of_head[head];
    if (qe != VIRTQ_E_NONE)
        device_broken(virtq_error_name(qe));
}

/* Whether a transmit buffer is free (if none is, takes back the finished
 * ones first). */
static bool tx_buffer_free(void)
{
    if (!net.tx_free_n && !net.broken)
        tx_collect();
    return net.tx_free_n || net.broken;
}

/* ---- switching ---- */

enum {
    MISDEED_RX_TAIL = 1,
    MISDEED_RX_FULL = 2,
    MISDEED_TX_HEAD = 4,
    MISDEED_LENGTH = 8,
    MISDEED_SOURCE = 16,
};

/* Counts one misdeed of session s; the first of each kind is reported. */
static void misdeed(struct nic_session *s, uint64_t *counter, unsigned kind, const char *what)
{
    (*counter)++;
    if (!(s->reported & kind))
        printf("session %u ('%s'): %s: dropped and counted (reported once)\n", s->number, s->label,
               what);
    s->reported |= kind;
}

/* Puts a frame into session s's receive ring, or counts why not. */
static void deliver(struct nic_session *s, const uint8_t *frame, uint32_t len)
{
    uint32_t tail = s->sh->rx.tail; /* the client's: read once, checked */
    uint32_t used = s->rx_head - tail;
    if (used > FERRY_NIC_SLOTS) {
        misdeed(s, &s->bad_index, MISDEED_RX_TAIL, "receive tail out of range");
        return;
    }
    if (used == FERRY_NIC_SLOTS) {
        misdeed(s, &s->rx_full, MISDEED_RX_FULL, "receive ring full");
        return;
    }
    struct ferry_nic_slot *slot = &s->sh->rx_slot[s->rx_head % FERRY_NIC_SLOTS];
    memcpy(slot->data, frame, len);
    slot->len = len;
    ring_barrier(); /* the slot before the head that publishes it */
    s->sh->rx.head = ++s->rx_head;
    s->rx_frames++;
    s->notify = true;
}

static struct nic_session *session_of_mac(const uint8_t *mac)
{
    for (unsigned i = 0; i < NIC_SESSIONS_MAX; i++)
        if (net.sessions[i] && memcmp(net.sessions[i]->mac, mac, 6) == 0)
            return net.sessions[i];
    return NULL;
}

/*
 * Switches a checked frame from `from` (NULL: the wire). The caller made sure
 * a transmit buffer is free when from is a session.
 */
static void route(struct nic_session *from, const uint8_t *frame, uint32_t len)
{
    if (frame[0] & 1) { /* broadcast or multicast */
        for (unsigned i = 0; i < NIC_SESSIONS_MAX; i++)
            if (net.sessions[i] && net.sessions[i] != from)
                deliver(net.sessions[i], frame, len);
        if (from)
            wire_send(frame, len);
        return;
    }
    struct nic_session *to = session_of_mac(frame);
    if (to && to != from)
        deliver(to, frame, len);
    else if (!to && from)
        wire_send(frame, len);
}

/* Triggers the signal of every session that got something this round. */
static void notify_sessions(void)
{
    for (unsigned i = 0; i < NIC_SESSIONS_MAX; i++) {
        struct nic_session *s = net.sessions[i];
        if (s && s->notify && s->signal)
            sys_irq_trigger(s->signal);
        if (s)
            s->notify = false;
    }
}

/*
 * Takes session s's transmit slots from its tail up to the head it wrote.
 * E_INVAL: head more than FERRY_NIC_SLOTS ahead (counted, ring untouched).
 */
static long session_tx(struct nic_session *s)
{
    uint32_t head = s->sh->tx.head; /* the client's: read once, checked */
    if (head - s->tx_tail > FERRY_NIC_SLOTS) {
        misdeed(s, &s->bad_index, MISDEED_TX_HEAD, "transmit head out of range");
        return FERRY_E_INVAL;
    }
    ring_barrier(); /* the head before the slots it covers */
    s->tx_blocked = false;
    while (s->tx_tail != head) {
        if (!tx_buffer_free()) {
            s->tx_blocked = true; /* resumed when the device frees a buffer */
            break;
        }
        struct ferry_nic_slot *slot = &s->sh->tx_slot[s->tx_tail % FERRY_NIC_SLOTS];
        uint32_t len = *(volatile uint32_t *)&slot->len;
        if (len < FERRY_NIC_FRAME_MIN || len > FERRY_NIC_FRAME_MAX) {
            misdeed(s, &s->malformed, MISDEED_LENGTH, "transmit slot with a bad length");
        } else {
            memcpy(bounce, slot->data, len); /* checked and switched from our copy */
            if (memcmp(bounce + 6, s->mac, 6) != 0) {
                misdeed(s, &s->spoofed, MISDEED_SOURCE, "frame with a foreign source MAC");
            } else {
                route(s, bounce, len);
                s->tx_frames++;
            }
        }
        s->tx_tail++;
    }
    ring_barrier(); /* done with the slots before they are given back */
    s->sh->tx.tail = s->tx_tail;
    wire_kick();
    return FERRY_OK;
}

/* ---- interrupts ---- */

static void link_update(void)
{
    bool up = true;
    if (net.dev.features & VIRTIO_NET_F_STATUS)
        up = virtio_config8(&net.dev, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
    if (up != net.link_up)
        for (unsigned i = 0; i < NIC_SESSIONS_MAX; i++)
            if (net.sessions[i])
                net.sessions[i]->notify = true;
    net.link_up = up;
}

static void rx_drain(void)
{
    uint16_t head;
    uint32_t len;
    enum virtq_error qe;
    bool posted = false;
    while ((qe = virtq_get(&net.rxq, &head, &len)) == VIRTQ_OK) {
        uint16_t i = net.rx_of_head[head];
        const uint8_t *frame = net.dma + DMA_RXBUF + (uint64_t)i * BUF_BYTES + BUF_FRAME;
        if (len < VIRTIO_NET_HDR_BYTES + FERRY_NIC_FRAME_MIN ||
            len > VIRTIO_NET_HDR_BYTES + FERRY_NIC_FRAME_MAX) {
            net.wire_bad++;
        } else {
            net.wire_rx++;
            route(NULL, frame, len - VIRTIO_NET_HDR_BYTES);
        }
        rx_post(i);
        posted = true;
    }
    if (qe != VIRTQ_E_NONE)
        device_broken(virtq_error_name(qe));
    if (posted && !net.broken)
        virtio_notify(&net.dev, VIRTIO_NET_Q_RX);
}

/* Finished transmit buffers back; sessions that waited for one resume. */
static void tx_reclaim(void)
{
    tx_collect();
    for (unsigned i = 0; i < NIC_SESSIONS_MAX && net.tx_free_n; i++) {
        struct nic_session *s = net.sessions[i];
        if (s && s->tx_blocked) {
            session_tx(s);
            s->notify = true; /* its slots were freed */
        }
    }
}

/* bench: one line per direction once bench_frames frames went that way. */
static void bench_report(void)
{
    if (!net.bench_tx_done && net.wire_tx >= net.bench_frames) {
        net.bench_tx_done = true;
        printf("bench: driver_tx %llu frames, %llu instructions per frame, %llu frames per "
               "NIC_TX\n",
               (unsigned long long)net.wire_tx,
               (unsigned long long)(net.bench_tx_instr / net.wire_tx),
               (unsigned long long)(net.wire_tx / (net.bench_tx_calls ? net.bench_tx_calls : 1)));
    }
    if (!net.bench_rx_done && net.wire_rx >= net.bench_frames) {
        net.bench_rx_done = true;
        uint64_t tenths = net.wire_rx * 10 / (net.bench_rx_irqs ? net.bench_rx_irqs : 1);
        printf("bench: driver_rx %llu frames, %llu instructions per frame, %llu.%llu frames per "
               "interrupt\n",
               (unsigned long long)net.wire_rx,
               (unsigned long long)(net.bench_rx_instr / net.wire_rx),
               (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
    }
}

static long irq_dispatch(void *self, struct rpc_request *req)
{
    (void)self;
    (void)req;
    uint64_t start = net.bench_frames ? sys_instret() : 0;
    net.interrupts++;
    uint32_t isr = virtio_irq_ack(&net.dev); /* the device drops its line ... */
    sys_irq_ack(net.irq);                    /* ... before the PLIC source is unmasked */
    if (net.broken)
        return FERRY_OK;
    if (isr & 2)
        link_update();
    rx_drain();
    tx_reclaim();
    notify_sessions();
    if (net.bench_frames) {
        net.bench_rx_instr += sys_instret() - start;
        net.bench_rx_irqs++;
        bench_report();
    }
    return FERRY_OK;
}

static const struct ferry_rpc_sig irq_sigs[] = {{IRQ_DISPATCH, 0, 0}};
static const struct rpc_iface irq_iface = {"virtio-net irq", irq_sigs, 1, irq_dispatch};

/* The helper thread: each interrupt becomes one call of irq_dispatch. */
static void irq_thread(void *arg)
{
    (void)arg;
    for (;;) {
        if (sys_irq_wait(net.irq, FERRY_TIMEOUT_NEVER) != FERRY_OK)
            sys_sleep(FERRY_TIMEOUT_NEVER); /* IRQ object gone: nothing will come */
        rpc_call(net.irq_gate, IRQ_DISPATCH, 0, 0, NULL);
    }
}

/* ---- the device ---- */

/* The DMA dataspace, both queues set up, every receive buffer posted. */
static long queues_init(void)
{
    uint32_t ds;
    long err;
    net.dma = env_alloc_attached(env, DMA_BYTES, &ds, &err);
    if (!net.dma)
        return err;
    err = ds_phys(ds, &net.phys);
    if (err)
        return err;
    enum virtio_error ve =
        virtio_queue_setup(&net.dev, VIRTIO_NET_Q_RX, &net.rxq, QUEUE_SIZE, net.dma + DMA_RXQ,
                           net.phys + DMA_RXQ, VIRTQ_BYTES(QUEUE_SIZE));
    if (ve == VIRTIO_OK)
        ve = virtio_queue_setup(&net.dev, VIRTIO_NET_Q_TX, &net.txq, QUEUE_SIZE, net.dma + DMA_TXQ,
                                net.phys + DMA_TXQ, VIRTQ_BYTES(QUEUE_SIZE));
    if (ve != VIRTIO_OK) {
        printf("queue setup: %s\n", virtio_error_name(ve));
        return FERRY_E_INVAL;
    }
    for (uint16_t i = 0; i < QUEUE_SIZE; i++) {
        rx_post(i);
        net.tx_free[net.tx_free_n++] = i;
    }
    return net.broken ? FERRY_E_INVAL : FERRY_OK;
}

static long device_init(void)
{
    struct ferry_io_mem_info_out info;
    long err = virtio_find(env, VIRTIO_ID_NET, "network", &net.dev, &info, &net.irq);
    if (err)
        return err;
    enum virtio_error ve =
        virtio_start(&net.dev, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MAC);
    if (ve != VIRTIO_OK) {
        printf("device setup: %s\n", virtio_error_name(ve));
        virtio_fail(&net.dev);
        return FERRY_E_INVAL;
    }
    err = queues_init();
    if (err) {
        printf("DMA memory: %s\n", ferry_error_name(err));
        virtio_fail(&net.dev);
        return err;
    }
    for (unsigned i = 0; i < 6; i++)
        net.mac[i] = virtio_config8(&net.dev, VIRTIO_NET_CFG_MAC + i);
    net.irq_obj = (struct rpc_object){.iface = &irq_iface, .self = NULL};
    net.irq_gate = env_rpc_register(env, &net.irq_obj, &err);
    if (!net.irq_gate || !env_thread_spawn(env, "irq", IRQ_THREAD_PRIO, irq_thread, NULL, &err)) {
        printf("interrupt thread: %s\n", ferry_error_name(err));
        virtio_fail(&net.dev);
        return err;
    }
    virtio_driver_ok(&net.dev);
    link_update();
    virtio_notify(&net.dev, VIRTIO_NET_Q_RX);
    printf("nic at 0x%llx, irq %llu: mac %02x:%02x:%02x:%02x:%02x:%02x, link %s\n",
           (unsigned long long)info.paddr, (unsigned long long)info.irq, net.mac[0], net.mac[1],
           net.mac[2], net.mac[3], net.mac[4], net.mac[5], net.link_up ? "up" : "down");
    return FERRY_OK;
}

/* ---- the Nic service ---- */

static uint64_t mac_word(const uint8_t *mac)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < 6; i++)
        w = w << 8 | mac[i];
    return w;
}

static long session_sigh(struct nic_session *s, struct rpc_request *req)
{
    if (req->cap_type[FERRY_NIC_SIGH_CAP_SIGNAL] != FERRY_OBJ_IRQ)
        return FERRY_E_INVAL; /* not a signal */
    uint32_t slot = env_cap_keep(req, FERRY_NIC_SIGH_CAP_SIGNAL);
    if (!slot)
        return FERRY_E_INVAL;
    if (s->signal)
        env_cap_drop(s->signal); /* the new one replaces it (one reference each) */
    s->signal = slot;
    return FERRY_OK;
}

static long session_dispatch(void *self, struct rpc_request *req)
{
    struct nic_session *s = self;
    switch (req->opcode) {
    case FERRY_NIC_INFO: {
        struct ferry_nic_info_out *out = FERRY_RPC_MSG(ferry_nic_info_out, req->mr);
        *out = (struct ferry_nic_info_out){
            .mac = mac_word(s->mac),
            .flags = net.link_up ? FERRY_NIC_LINK_UP : 0,
            .mtu = FERRY_NIC_FRAME_MAX - FERRY_NIC_FRAME_MIN,
            .tx_frames = s->tx_frames,
            .rx_frames = s->rx_frames,
            .malformed = s->malformed,
            .spoofed = s->spoofed,
            .rx_full = s->rx_full,
            .bad_index = s->bad_index,
            .interrupts = net.interrupts,
            .wire_bad = net.wire_bad,
        };
        req->reply_words = FERRY_RPC_WORDS(ferry_nic_info_out);
        return FERRY_OK;
    }
    case FERRY_NIC_BUFFER:
        rpc_reply_cap(req, s->ds, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    case FERRY_NIC_SIGH:
        return session_sigh(s, req);
    case FERRY_NIC_TX: {
        uint64_t start = net.bench_frames ? sys_instret() : 0;
        long err = session_tx(s);
        notify_sessions();
        if (net.bench_frames) {
            net.bench_tx_instr += sys_instret() - start;
            net.bench_tx_calls++;
            bench_report();
        }
        return err;
    }
    }
    return FERRY_E_BADOP;
}

static const struct rpc_iface nic_iface = {"nic", ferry_nic_sigs, ARRAY_SIZE(ferry_nic_sigs),
                                           session_dispatch};

static long session_open(struct service_root *root, const char *label, const char *args,
                         uint64_t ram, uint64_t caps, struct rpc_object **session)
{
    (void)root;
    (void)args;
    if (ram < FERRY_NIC_SHARED_BYTES + 4096)
        return FERRY_E_QUOTA;
    if (caps < 2)
        return FERRY_E_CAPQUOTA;
    unsigned n = 0;
    while (n < NIC_SESSIONS_MAX && net.sessions[n])
        n++;
    if (n == NIC_SESSIONS_MAX)
        return FERRY_E_BUSY; /* every MAC number taken */
    struct nic_session *s = calloc(1, sizeof(*s));
    if (!s)
        return FERRY_E_QUOTA;
    long err;
    s->sh = env_alloc_attached(env, FERRY_NIC_SHARED_BYTES, &s->ds, &err);
    if (!s->sh) {
        free(s);
        return err;
    }
    s->number = n + 1;
    snprintf(s->label, sizeof(s->label), "%s", label);
    memcpy(s->mac, net.mac, 6);
    s->mac[4] ^= (uint8_t)s->number;
    s->obj = (struct rpc_object){.iface = &nic_iface, .self = s};
    net.sessions[n] = s;
    printf("session %u for '%s': mac %02x:%02x:%02x:%02x:%02x:%02x\n", s->number, label, s->mac[0],
           s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
    *session = &s->obj;
    return FERRY_OK;
}

static void session_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    struct nic_session *s = session->self;
    net.sessions[s->number - 1] = NULL;
    if (s->signal)
        env_cap_drop(s->signal);
    env_free_attached(env, s->sh, s->ds); /* the client's attachment goes with it */
    free(s);
}

static struct service_root nic_root = {.open = session_open, .close = session_close};

void component_construct(struct env *e)
{
    env = e;
    const char *bench = env_arg(env, "bench-frames");
    net.bench_frames = bench ? strtoull(bench, NULL, 0) : 0;
    long err = device_init();
    if (err)
        env_exit(env, 1);
    err = env_serve(env, "Nic", &nic_root);
    if (err) {
        printf("cannot announce Nic: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
}
