/*
 * The Ferry port of lwIP (net.h): sys_now from the Timer session, the
 * netif over a Nic session, the wait loop.
 */
#include "net.h"
#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/pbuf.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>
#include <string.h>

static struct ferry_net *the_net; /* NO_SYS: one stack per component */
static uint32_t rand_state;

uint32_t ferry_net_now_ms(void)
{
    uint64_t us = 0;
    if (the_net)
        timer_elapsed_us(the_net->timer, &us);
    return (uint32_t)(us / 1000);
}

uint32_t sys_now(void)
{
    return ferry_net_now_ms();
}

/* xorshift32, seeded from the MAC and the time at start */
uint32_t ferry_net_rand(void)
{
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
}

void ferry_net_assert(const char *msg, const char *file, int line)
{
    printf("lwIP assertion failed: %s at %s:%d\n", msg, file, line);
    if (the_net)
        env_exit(the_net->env, 3);
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

/* Announces the frames put into the transmit ring since the last call
 * (one NIC_TX for all of them). */
void ferry_net_flush(struct ferry_net *n)
{
    if (!n->tx_pending)
        return;
    n->tx_pending = 0;
    n->tx_calls++;
    nic_tx(n->nic.session);
}

/*
 * netif->linkoutput: one frame into the transmit ring. The driver is told
 * (NIC_TX) once per batch: by ferry_net_flush before ferry_net_wait sleeps,
 * or here when the ring is full.
 */
static err_t link_output(struct netif *netif, struct pbuf *p)
{
    struct ferry_net *n = netif->state;
    /* 8-aligned like the pbuf's frame and the slot: word copies (picolibc) */
    static _Alignas(8) uint8_t frame[FERRY_NIC_FRAME_MAX];
    if (p->tot_len > sizeof(frame))
        return ERR_BUF;
    pbuf_copy_partial(p, frame, p->tot_len, 0);
    long err = nic_put(&n->nic, frame, p->tot_len);
    if (err == FERRY_E_NOMEM) { /* ring full: let the driver take it, once */
        n->tx_pending = 1;
        ferry_net_flush(n);
        err = nic_put(&n->nic, frame, p->tot_len);
    }
    if (err) {
        n->tx_dropped++;
        return ERR_MEM; /* TCP retransmits; ICMP and UDP lose the frame */
    }
    n->tx_frames++;
    n->tx_pending++;
    return ERR_OK;
}

static err_t netif_setup(struct netif *netif)
{
    struct ferry_net *n = netif->state;
    netif->name[0] = 'n';
    netif->name[1] = 'c';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, n->nic.mac, ETH_HWADDR_LEN);
    netif->mtu = (u16_t)n->nic.info.mtu;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = link_output;
    return ERR_OK;
}

/* Every frame in the receive ring to lwIP. */
static void rx_drain(struct ferry_net *n)
{
    uint32_t len;
    const uint8_t *frame;
    while ((frame = nic_rx_peek(&n->nic, &len))) {
        if (len >= FERRY_NIC_FRAME_MIN && len <= FERRY_NIC_FRAME_MAX) {
            struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
            if (p) {
                pbuf_take(p, frame, (u16_t)len);
                if (n->netif.input(p, &n->netif) != ERR_OK)
                    pbuf_free(p);
            }
        }
        nic_rx_done(&n->nic);
    }
}

void ferry_net_wait(struct ferry_net *n, uint64_t max_us)
{
    uint32_t sleep_ms = sys_timeouts_sleeptime();
    uint64_t us = max_us;
    ferry_net_flush(n); /* what lwIP sent since the last round, before sleeping */
    if (sleep_ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE && (uint64_t)sleep_ms * 1000 < us)
        us = (uint64_t)sleep_ms * 1000;
    if (us) {
        uint64_t before = sys_instret();
        sys_irq_wait(n->signal, us); /* a timeout is as good as a signal here */
        n->asleep += sys_instret() - before;
    }
    rx_drain(n);
    sys_check_timeouts();
    ferry_net_flush(n);
}

static bool parse_ip(const char *text, ip4_addr_t *addr)
{
    return text && ip4addr_aton(text, addr);
}

long ferry_net_init(struct ferry_net *n, struct env *env, const char *ip, const char *netmask,
                    const char *gateway)
{
    memset(n, 0, sizeof(*n));
    n->env = env;
    ip4_addr_t addr, mask, gw;
    ip4_addr_set_zero(&gw);
    if (!parse_ip(ip, &addr) || !parse_ip(netmask, &mask) || (gateway && !parse_ip(gateway, &gw))) {
        printf("net: bad address: ip '%s', netmask '%s', gateway '%s'\n", ip ? ip : "",
               netmask ? netmask : "", gateway ? gateway : "");
        return FERRY_E_INVAL;
    }
    long err = env_session(env, "Timer", "", NULL, 8192, 4, &n->timer);
    if (err) {
        printf("net: Timer session: %s\n", ferry_error_name(err));
        return err;
    }
    if ((err = env_signal_alloc(env, &n->signal))) {
        printf("net: signal: %s\n", ferry_error_name(err));
        return err;
    }
    if ((err = nic_open(env, "", n->signal, &n->nic))) {
        printf("net: Nic session: %s\n", ferry_error_name(err));
        return err;
    }
    the_net = n;
    rand_state = (uint32_t)(n->nic.info.mac ^ (n->nic.info.mac >> 32)) ^ ferry_net_now_ms();
    if (!rand_state)
        rand_state = 1;
    lwip_init();
    if (!netif_add(&n->netif, &addr, &mask, &gw, n, netif_setup, ethernet_input)) {
        printf("net: netif_add failed\n");
        return FERRY_E_INVAL;
    }
    netif_set_default(&n->netif);
    netif_set_up(&n->netif);
    if (n->nic.info.flags & FERRY_NIC_LINK_UP)
        netif_set_link_up(&n->netif);
    printf("net: %s/%s on mac %02x:%02x:%02x:%02x:%02x:%02x\n", ip, netmask, n->nic.mac[0],
           n->nic.mac[1], n->nic.mac[2], n->nic.mac[3], n->nic.mac[4], n->nic.mac[5]);
    return FERRY_OK;
}
