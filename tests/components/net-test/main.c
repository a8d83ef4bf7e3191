/*
 * net-test: TCP/IP between ECUs with lwIP over a Nic session (lib/net,
 * docs/network.md). Arguments: `ip A.B.C.D` (netmask 255.255.255.0), `peer
 * A.B.C.D`, `role server|client`, `bytes N` (TCP transfer, default 16 MiB).
 *
 * server: answers pings (lwIP's ICMP), echoes UDP datagrams on port 7, and
 *   sinks one TCP connection on port 5001 at a time, checking every byte
 *   against the known pattern and printing the stream's FNV-1a checksum next
 *   to the expected one; with `peer` it also pings the peer three times.
 * client: pings the peer three times, sends three UDP datagrams to its echo
 *   port and checks the answers, then sends `bytes` bytes of the pattern over
 *   TCP to port 5001, prints their checksum, waits until the peer has pinged
 *   it three times (the server's half of "ping both ways"), and exits 0.
 *
 * Lost frames are resent (ping, UDP) or retransmitted (TCP, by lwIP); the
 * component only waits in ferry_net_wait (signals, no polling).
 */
#include "net.h"
#include <lwip/inet_chksum.h>
#include <lwip/ip4.h>
#include <lwip/prot/icmp.h>
#include <lwip/prot/ip4.h>
#include <lwip/raw.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_PORT    7
#define SINK_PORT    5001
#define PING_ID      0xfe77
#define RETRY_MS     500
#define MAX_TRIES    40
#define DEFAULT_SIZE (16u << 20)
#define FNV_OFFSET   0xcbf29ce484222325ull
#define FNV_PRIME    0x100000001b3ull

static struct env *env;
static struct ferry_net net;
static ip_addr_t peer;
static uint64_t total; /* bytes of the TCP transfer */

static void fail(const char *what)
{
    printf("FAILED: %s\n", what);
    env_exit(env, 1);
}

/* The known data: byte i of every transfer. */
static inline uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i ^ (i >> 8) ^ (i >> 16) ^ 0x5a);
}

static inline uint64_t fnv(uint64_t h, uint8_t b)
{
    return (h ^ b) * FNV_PRIME;
}

/* Runs lwIP until *flag is set or timeout_ms passed; returns *flag. */
static bool wait_for(volatile bool *flag, uint32_t timeout_ms)
{
    uint32_t start = ferry_net_now_ms();
    while (!*flag && ferry_net_now_ms() - start < timeout_ms)
        ferry_net_wait(&net, 100000);
    return *flag;
}

/* ---- ping (ICMP echo through a raw PCB) ---- */

static struct raw_pcb *ping_pcb;
static uint16_t ping_seq;
static volatile bool ping_answered;
static volatile unsigned pinged; /* echo requests from the peer seen */
static volatile bool pinged_enough;

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)arg;
    (void)pcb;
    struct ip_hdr ip;
    struct icmp_echo_hdr echo;
    if (pbuf_copy_partial(p, &ip, sizeof(ip), 0) != sizeof(ip))
        return 0;
    u16_t hlen = IPH_HL_BYTES(&ip);
    if (pbuf_copy_partial(p, &echo, sizeof(echo), hlen) != sizeof(echo))
        return 0;
    if (echo.type == ICMP_ECHO && ip_addr_cmp(addr, &peer) && ++pinged >= 3)
        pinged_enough = true;
    if (echo.type != ICMP_ER || echo.id != PP_HTONS(PING_ID) || lwip_ntohs(echo.seqno) != ping_seq)
        return 0; /* not ours: lwIP's ICMP answers requests */
    ping_answered = true;
    pbuf_free(p);
    return 1;
}

static void ping_send(void)
{
    struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);
    if (!p)
        fail("ping: no pbuf");
    struct icmp_echo_hdr *echo = p->payload;
    ICMPH_TYPE_SET(echo, ICMP_ECHO);
    ICMPH_CODE_SET(echo, 0);
    echo->id = PP_HTONS(PING_ID);
    echo->seqno = lwip_htons(ping_seq);
    echo->chksum = 0;
    memset(echo + 1, 0xa5, 32);
    echo->chksum = inet_chksum(echo, p->len);
    raw_sendto(ping_pcb, p, &peer);
    pbuf_free(p);
}

static void ping_peer(unsigned count)
{
    ping_pcb = raw_new(IP_PROTO_ICMP);
    if (!ping_pcb)
        fail("ping: no raw pcb");
    raw_recv(ping_pcb, ping_recv, NULL);
    raw_bind(ping_pcb, IP_ADDR_ANY);
    for (unsigned seq = 1; seq <= count; seq++) {
        ping_seq = (uint16_t)seq;
        ping_answered = false;
        uint32_t sent_at = 0;
        for (unsigned tries = 0; !ping_answered && tries < MAX_TRIES; tries++) {
            sent_at = ferry_net_now_ms();
            ping_send();
            wait_for(&ping_answered, RETRY_MS);
        }
        if (!ping_answered)
            fail("ping: no reply");
        printf("ping %s: reply seq %u (%u ms)\n", ipaddr_ntoa(&peer), seq,
               (unsigned)(ferry_net_now_ms() - sent_at));
    }
    /* the PCB stays: it counts the peer's echo requests (lwIP answers them) */
}

/* ---- UDP echo ---- */

static void echo_serve(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                       u16_t port)
{
    (void)arg;
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static char udp_expect[32];
static volatile bool udp_answered;

static void echo_reply(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                       u16_t port)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    char text[32] = {0};
    pbuf_copy_partial(p, text, sizeof(text) - 1, 0);
    if (strcmp(text, udp_expect) == 0)
        udp_answered = true;
    pbuf_free(p);
}

static void udp_echo_test(unsigned count)
{
    struct udp_pcb *pcb = udp_new();
    if (!pcb || udp_bind(pcb, IP_ADDR_ANY, 0) != ERR_OK)
        fail("udp: no pcb");
    udp_recv(pcb, echo_reply, NULL);
    for (unsigned seq = 1; seq <= count; seq++) {
        snprintf(udp_expect, sizeof(udp_expect), "udp echo %u", seq);
        udp_answered = false;
        for (unsigned tries = 0; !udp_answered && tries < MAX_TRIES; tries++) {
            struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)strlen(udp_expect), PBUF_RAM);
            if (!p)
                fail("udp: no pbuf");
            memcpy(p->payload, udp_expect, strlen(udp_expect));
            udp_sendto(pcb, p, &peer, ECHO_PORT);
            pbuf_free(p);
            wait_for(&udp_answered, RETRY_MS);
        }
        if (!udp_answered)
            fail("udp: no echo");
        printf("udp: '%s' echoed by %s\n", udp_expect, ipaddr_ntoa(&peer));
    }
    udp_remove(pcb);
}

/* ---- TCP sink (server) ---- */

static struct {
    uint64_t bytes, sum, expect_sum, wrong;
    uint32_t start_ms;
} sink;

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p) { /* the sender closed: the transfer is complete */
        uint32_t ms = ferry_net_now_ms() - sink.start_ms;
        printf("tcp: received %llu bytes in %u ms, fnv1a %016llx, expected %016llx\n",
               (unsigned long long)sink.bytes, (unsigned)ms, (unsigned long long)sink.sum,
               (unsigned long long)sink.expect_sum);
        if (sink.bytes == total && sink.sum == sink.expect_sum && !sink.wrong)
            printf("tcp: %llu bytes verified\n", (unsigned long long)sink.bytes);
        else
            printf("CHECK FAILED: tcp: %llu bytes differ from the pattern\n",
                   (unsigned long long)sink.wrong);
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_close(pcb);
        return ERR_OK;
    }
    for (struct pbuf *q = p; q; q = q->next) {
        const uint8_t *b = q->payload;
        for (u16_t i = 0; i < q->len; i++, sink.bytes++) {
            uint8_t want = pattern(sink.bytes);
            sink.sum = fnv(sink.sum, b[i]);
            sink.expect_sum = fnv(sink.expect_sum, want);
            sink.wrong += b[i] != want;
        }
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    sink.bytes = sink.wrong = 0;
    sink.sum = sink.expect_sum = FNV_OFFSET;
    sink.start_ms = ferry_net_now_ms();
    printf("tcp: connection from %s\n", ipaddr_ntoa(&pcb->remote_ip));
    tcp_recv(pcb, sink_recv);
    return ERR_OK;
}

static void sink_listen(void)
{
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb || tcp_bind(pcb, IP_ADDR_ANY, SINK_PORT) != ERR_OK)
        fail("tcp: cannot bind");
    pcb = tcp_listen(pcb);
    if (!pcb)
        fail("tcp: cannot listen");
    tcp_accept(pcb, sink_accept);
}

/* ---- TCP source (client) ---- */

static struct {
    uint64_t queued, acked, sum;
    uint32_t start_ms;
    volatile bool connected, done, failed;
} src;
static uint8_t chunk[4 * TCP_MSS];

static void source_fill(struct tcp_pcb *pcb)
{
    while (src.queued < total) {
        u16_t room = tcp_sndbuf(pcb);
        uint64_t n = total - src.queued;
        if (n > sizeof(chunk))
            n = sizeof(chunk);
        if (n > room)
            n = room;
        if (n == 0)
            break;
        for (uint64_t i = 0; i < n; i++)
            chunk[i] = pattern(src.queued + i);
        if (tcp_write(pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break; /* lwIP's queue is full: more when data is acked */
        for (uint64_t i = 0; i < n; i++)
            src.sum = fnv(src.sum, chunk[i]);
        src.queued += n;
    }
    tcp_output(pcb);
}

static err_t source_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    src.acked += len;
    if (src.acked == total) {
        tcp_sent(pcb, NULL);
        tcp_close(pcb);
        src.done = true;
        return ERR_OK;
    }
    source_fill(pcb);
    return ERR_OK;
}

static void source_err(void *arg, err_t err)
{
    (void)arg;
    printf("tcp: connection failed: lwIP error %d\n", (int)err);
    src.failed = true;
}

static err_t source_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    src.connected = true;
    src.start_ms = ferry_net_now_ms();
    source_fill(pcb);
    return ERR_OK;
}

static void tcp_send_test(void)
{
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb)
        fail("tcp: no pcb");
    src.sum = FNV_OFFSET;
    tcp_sent(pcb, source_sent);
    tcp_err(pcb, source_err);
    if (tcp_connect(pcb, &peer, SINK_PORT, source_connected) != ERR_OK)
        fail("tcp: connect");
    while (!src.done && !src.failed)
        ferry_net_wait(&net, 1000000);
    if (src.failed)
        fail("tcp: transfer");
    uint32_t ms = ferry_net_now_ms() - src.start_ms;
    printf("tcp: sent %llu bytes in %u ms, fnv1a %016llx\n", (unsigned long long)src.acked,
           (unsigned)ms, (unsigned long long)src.sum);
}

void component_construct(struct env *e)
{
    env = e;
    const char *role = env_arg(env, "role");
    const char *ip = env_arg(env, "ip");
    const char *peer_text = env_arg(env, "peer");
    const char *bytes = env_arg(env, "bytes");
    total = bytes ? strtoull(bytes, NULL, 0) : DEFAULT_SIZE;
    if (!role || (strcmp(role, "server") && strcmp(role, "client")))
        fail("arg role: server or client");
    if (peer_text && !ipaddr_aton(peer_text, &peer))
        fail("arg peer: not an IPv4 address");
    if (!peer_text && strcmp(role, "client") == 0)
        fail("arg peer: a client needs one");
    if (ferry_net_init(&net, env, ip, "255.255.255.0", NULL))
        env_exit(env, 1);
    if (strcmp(role, "server") == 0) {
        struct udp_pcb *echo = udp_new();
        if (!echo || udp_bind(echo, IP_ADDR_ANY, ECHO_PORT) != ERR_OK)
            fail("udp: cannot bind the echo port");
        udp_recv(echo, echo_serve, NULL);
        sink_listen();
        printf("serving: udp echo on %u, tcp sink on %u\n", ECHO_PORT, SINK_PORT);
        if (peer_text)
            ping_peer(3);
        for (;;)
            ferry_net_wait(&net, 1000000);
    }
    ping_peer(3);
    udp_echo_test(3);
    tcp_send_test();
    /* the server pings us too: stay until it has had its three answers */
    if (!wait_for(&pinged_enough, 30000))
        fail("the peer did not ping us three times");
    printf("client: done\n");
    env_exit(env, 0);
}
