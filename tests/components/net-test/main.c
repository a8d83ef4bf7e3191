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
 * The client shuts its side down once every byte is acknowledged and exits
 * only after the server's close: the server has then seen the end of the
 * stream (a FIN lost on the wire is retransmitted while the client waits).
 *
 * `progress N` (server): prints "tcp: N bytes received so far" at every
 * multiple of N bytes. `after-loss ping` (client): a transfer that breaks
 * (reset, timeout: the peer died) is reported with its cause and bytes, and
 * the client then pings the peer until it answers again (it rebooted) and
 * exits 0; without it a broken transfer fails the client.
 *
 * `bench yes` (make bench, bench/net.scn): no pattern and no checks (a
 * constant buffer is sent, bytes are only counted), ten measured pings,
 * and `bench:` lines for the transfer and the pings: the instructions this
 * component's thread ran for them (rdinstret under -icount, minus what
 * passed while it slept in ferry_net_wait: lwIP, the copies, and the
 * NIC_TX calls with the driver's work in them), next to the guest's time.
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
#define STALL_MS     10000 /* no acknowledgement for this long: the transfer is lost */
#define BENCH_PINGS  10

static struct env *env;
static struct ferry_net net;
static ip_addr_t peer;
static uint64_t total;    /* bytes of the TCP transfer */
static bool bench;        /* `bench yes`: measure, no pattern, no checks */
static uint64_t progress; /* `progress N`: report every N received bytes (0: never) */

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
    if (!ping_pcb) {
        ping_pcb = raw_new(IP_PROTO_ICMP);
        if (!ping_pcb)
            fail("ping: no raw pcb");
        raw_recv(ping_pcb, ping_recv, NULL);
        raw_bind(ping_pcb, IP_ADDR_ANY);
    }
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

/* bench: BENCH_PINGS pings after the first ones (ARP resolved), each one's
 * instructions on this ECU and the guest's time, averaged. */
static void ping_bench(void)
{
    uint64_t instructions = 0, us = 0;
    for (unsigned seq = 100; seq < 100 + BENCH_PINGS; seq++) {
        ping_seq = (uint16_t)seq;
        ping_answered = false;
        uint64_t t0 = 0, t1 = 0;
        timer_elapsed_us(net.timer, &t0);
        uint64_t i0 = sys_instret() - net.asleep;
        ping_send();
        ferry_net_flush(&net);
        while (!ping_answered)
            ferry_net_wait(&net, 1000000);
        uint64_t i1 = sys_instret() - net.asleep;
        timer_elapsed_us(net.timer, &t1);
        instructions += i1 - i0;
        us += t1 - t0;
    }
    printf("bench: ping_rtt %llu instructions awake, %llu us guest time (average of %u)\n",
           (unsigned long long)(instructions / BENCH_PINGS), (unsigned long long)(us / BENCH_PINGS),
           BENCH_PINGS);
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

static const char *tcp_error_name(err_t err);

static struct {
    uint64_t bytes, sum, expect_sum, wrong;
    uint64_t start_instret;
    uint32_t start_ms;
} sink;

/* A `bench: tcp_WHAT` line: this ECU's instructions awake since start_instret
 * per payload byte (the sender's and the receiver's). */
static void bench_line(const char *what, uint64_t bytes, uint64_t start_instret, uint32_t ms)
{
    uint64_t n = sys_instret() - net.asleep - start_instret;
    printf("bench: tcp_%s %llu bytes, %llu instructions awake, %llu.%02llu per byte, %u ms guest "
           "time\n",
           what, (unsigned long long)bytes, (unsigned long long)n, (unsigned long long)(n / bytes),
           (unsigned long long)(n * 100 / bytes % 100), (unsigned)ms);
}

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (!p) { /* the sender closed: the transfer is complete */
        uint32_t ms = ferry_net_now_ms() - sink.start_ms;
        if (bench && sink.bytes) {
            bench_line("recv", sink.bytes, sink.start_instret, ms);
        } else {
            printf("tcp: received %llu bytes in %u ms, fnv1a %016llx, expected %016llx\n",
                   (unsigned long long)sink.bytes, (unsigned)ms, (unsigned long long)sink.sum,
                   (unsigned long long)sink.expect_sum);
            if (sink.bytes == total && sink.sum == sink.expect_sum && !sink.wrong)
                printf("tcp: %llu bytes verified\n", (unsigned long long)sink.bytes);
            else
                printf("CHECK FAILED: tcp: %llu bytes differ from the pattern\n",
                       (unsigned long long)sink.wrong);
        }
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_close(pcb);
        return ERR_OK;
    }
    if (progress && (sink.bytes + p->tot_len) / progress != sink.bytes / progress)
        printf("tcp: %llu bytes received so far\n",
               (unsigned long long)((sink.bytes + p->tot_len) / progress * progress));
    if (bench) {
        sink.bytes += p->tot_len;
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
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

static void sink_err(void *arg, err_t err)
{
    (void)arg;
    printf("tcp: connection from the peer lost after %llu bytes: %s\n",
           (unsigned long long)sink.bytes, tcp_error_name(err));
}

static err_t sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    sink.bytes = sink.wrong = 0;
    sink.sum = sink.expect_sum = FNV_OFFSET;
    sink.start_ms = ferry_net_now_ms();
    sink.start_instret = sys_instret() - net.asleep;
    printf("tcp: connection from %s\n", ipaddr_ntoa(&pcb->remote_ip));
    tcp_recv(pcb, sink_recv);
    tcp_err(pcb, sink_err);
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

/* What broke a connection, in words (lwIP's err_t as its tcp_err gives it). */
static const char *tcp_error_name(err_t err)
{
    switch (err) {
    case ERR_RST:
        return "connection reset by the peer";
    case ERR_ABRT:
        return "connection aborted: the peer did not answer (retransmissions exhausted)";
    case ERR_CLSD:
        return "connection closed";
    case ERR_TIMEOUT:
        return "timed out";
    default:
        return "lwIP error";
    }
}

static struct {
    uint64_t queued, acked, sum, start_instret;
    uint32_t start_ms, progress_ms; /* progress_ms: when data was last acknowledged */
    struct tcp_pcb *pcb;            /* NULL once lwIP freed it (error) or we closed it */
    err_t error;
    volatile bool connected, shut, done, failed;
} src;
/* The data to send: 6 bytes past an 8-byte boundary, as TCP's payload is 54
 * bytes into its frame (Ethernet, IP and TCP headers): lwIP copies this into
 * its segments (TCP_WRITE_FLAG_COPY) with memcpy, which copies whole words
 * between addresses aligned alike and shifts words otherwise (lib/mem). */
static _Alignas(8) uint8_t chunk_store[4 * TCP_MSS + 8];
static uint8_t *const chunk = chunk_store + 6;
#define CHUNK_BYTES (4 * TCP_MSS)

static void source_fill(struct tcp_pcb *pcb)
{
    while (src.queued < total) {
        u16_t room = tcp_sndbuf(pcb);
        uint64_t n = total - src.queued;
        if (n > CHUNK_BYTES)
            n = CHUNK_BYTES;
        if (n > room)
            n = room;
        if (n == 0)
            break;
        for (uint64_t i = 0; i < n && !bench; i++)
            chunk[i] = pattern(src.queued + i);
        if (tcp_write(pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break; /* lwIP's queue is full: more when data is acked */
        for (uint64_t i = 0; i < n && !bench; i++)
            src.sum = fnv(src.sum, chunk[i]);
        src.queued += n;
    }
    tcp_output(pcb);
}

static err_t source_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    src.acked += len;
    src.progress_ms = ferry_net_now_ms();
    if (src.acked == total && !src.shut) {
        /* all data acknowledged: our FIN; done when the server closes too */
        src.shut = true;
        tcp_shutdown(pcb, 0, 1);
        return ERR_OK;
    }
    source_fill(pcb);
    return ERR_OK;
}

/* The server closed (it has seen our FIN, so the whole stream). */
static err_t source_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p) { /* the server sends nothing: ignore */
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_close(pcb);
    src.pcb = NULL;
    src.done = true;
    return ERR_OK;
}

static void source_err(void *arg, err_t err)
{
    (void)arg;
    src.pcb = NULL; /* lwIP has freed it */
    src.error = err;
    src.failed = true;
}

static err_t source_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    src.connected = true;
    src.start_ms = src.progress_ms = ferry_net_now_ms();
    src.start_instret = sys_instret() - net.asleep;
    source_fill(pcb);
    return ERR_OK;
}

/*
 * Sends `total` bytes to the peer's sink. Returns false when the connection
 * broke (reported with its cause): reset or aborted by lwIP, or, when
 * `stall_abort` (a loss is expected: `after-loss`), no acknowledgement for
 * STALL_MS (the connection is then aborted here). Without it a stall is left
 * to lwIP's retransmissions: on a lossy link (net-lossy) two losses of one
 * early segment back its timeout off past 10 s while the transfer still
 * completes.
 */
static bool tcp_send_test(bool stall_abort)
{
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb)
        fail("tcp: no pcb");
    src.pcb = pcb;
    src.sum = FNV_OFFSET;
    tcp_sent(pcb, source_sent);
    tcp_recv(pcb, source_recv);
    tcp_err(pcb, source_err);
    if (tcp_connect(pcb, &peer, SINK_PORT, source_connected) != ERR_OK)
        fail("tcp: connect");
    src.progress_ms = ferry_net_now_ms();
    while (!src.done && !src.failed) {
        ferry_net_wait(&net, 1000000);
        if (stall_abort && !src.done && !src.failed &&
            ferry_net_now_ms() - src.progress_ms > STALL_MS) {
            src.error = ERR_TIMEOUT;
            src.failed = true;
            tcp_abort(src.pcb); /* calls source_err with ERR_ABRT: keep ours */
            src.error = ERR_TIMEOUT;
        }
    }
    if (src.failed) {
        printf("tcp: transfer to %s failed after %llu of %llu bytes acknowledged: %s\n",
               ipaddr_ntoa(&peer), (unsigned long long)src.acked, (unsigned long long)total,
               src.error == ERR_TIMEOUT ? "no acknowledgement for 10 s"
                                        : tcp_error_name(src.error));
        return false;
    }
    uint32_t ms = ferry_net_now_ms() - src.start_ms;
    if (bench)
        bench_line("send", src.acked, src.start_instret, ms);
    printf("tcp: sent %llu bytes in %u ms, fnv1a %016llx\n", (unsigned long long)src.acked,
           (unsigned)ms, (unsigned long long)src.sum);
    return true;
}

void component_construct(struct env *e)
{
    env = e;
    const char *role = env_arg(env, "role");
    const char *ip = env_arg(env, "ip");
    const char *peer_text = env_arg(env, "peer");
    const char *bytes = env_arg(env, "bytes");
    const char *bench_text = env_arg(env, "bench");
    const char *progress_text = env_arg(env, "progress");
    const char *after_loss = env_arg(env, "after-loss");
    total = bytes ? strtoull(bytes, NULL, 0) : DEFAULT_SIZE;
    bench = bench_text && strcmp(bench_text, "yes") == 0;
    progress = progress_text ? strtoull(progress_text, NULL, 0) : 0;
    if (after_loss && strcmp(after_loss, "ping"))
        fail("arg after-loss: only 'ping'");
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
    if (bench)
        ping_bench();
    if (!tcp_send_test(after_loss != NULL)) {
        if (!after_loss)
            fail("tcp: transfer");
        printf("client: still running: pinging %s until it answers again\n", ipaddr_ntoa(&peer));
        ping_peer(3);
        /* the rebooted peer pings us too: stay until it has had its answers */
        if (!wait_for(&pinged_enough, 30000))
            fail("the rebooted peer did not ping us three times");
        printf("client: done after the loss\n");
        env_exit(env, 0);
    }
    /* the server pings us too: stay until it has had its three answers */
    if (!wait_for(&pinged_enough, 30000))
        fail("the peer did not ping us three times");
    printf("client: done\n");
    env_exit(env, 0);
}
