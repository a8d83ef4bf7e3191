/*
 * lwIP options of the Ferry port (docs/network.md, "The lwIP port").
 *
 * One component, one thread, one netif over a Nic session, driven by
 * signals: NO_SYS with the raw (callback) API only, no sockets, no
 * netconn, no OS layer, no locking (SYS_LIGHTWEIGHT_PROT 0: lwIP runs only
 * on the thread that calls ferry_net_wait). IPv4 with ARP, ICMP, UDP, TCP
 * and raw PCBs (the ping client); no DHCP, DNS, IGMP or IPv6: ECUs have
 * static addresses from their configuration.
 */
#ifndef FERRY_LWIPOPTS_H
#define FERRY_LWIPOPTS_H

#define NO_SYS               1
#define LWIP_SOCKET          0
#define LWIP_NETCONN         0
#define SYS_LIGHTWEIGHT_PROT 0

#define LWIP_IPV4     1
#define LWIP_IPV6     0
#define LWIP_ARP      1
#define LWIP_ETHERNET 1
#define LWIP_ICMP     1
#define LWIP_RAW      1
#define LWIP_UDP      1
#define LWIP_TCP      1
#define LWIP_DHCP     0
#define LWIP_AUTOIP   0
#define LWIP_DNS      0
#define LWIP_IGMP     0
#define IP_REASSEMBLY 0 /* every frame fits the MTU: no fragments sent or expected */
#define IP_FRAG       0

/* Memory: lwIP's own heap and pools, in the component's .bss. */
#define MEM_ALIGNMENT    8
#define MEM_SIZE         (256 * 1024) /* the heap: TCP's unsent and unacked data */
#define MEMP_NUM_PBUF    64
#define PBUF_POOL_SIZE   64 /* received frames waiting in lwIP */
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_SEG 256
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_RAW_PCB 2

/* TCP: full-size segments, a window of 16 of them (no window scaling needed) */
#define TCP_MSS             1460
#define TCP_WND             (16 * TCP_MSS)
#define TCP_SND_BUF         (16 * TCP_MSS)
#define TCP_SND_QUEUELEN    (4 * TCP_SND_BUF / TCP_MSS)
#define LWIP_TCP_TIMESTAMPS 0
/* A window update (an ACK) as soon as the application has taken a full
 * segment (tcp_recved), instead of after 4 of them: the receiver, which
 * consumes at once, acknowledges every segment rather than every second one
 * after the delayed-ACK timer. The sender's congestion window grows twice
 * as fast after each loss, and more of its losses are repaired by fast
 * retransmit instead of a timeout (net-lossy: 100 s -> 83 s). */
#define TCP_WND_UPDATE_THRESHOLD TCP_MSS
/* TCP's timers every 5 ms (fast) and 10 ms (slow) instead of 250/500: the
 * retransmission timeout counts slow ticks, and on a lossy virtual wire with
 * a round trip of a few ms a 500 ms tick makes every lost segment cost
 * 0.5 .. 1 s; 10 ms ticks make the usual timeout 30 .. 50 ms (20 ms ticks:
 * 60 .. 100 ms; net-lossy: 83 s -> 57 .. 65 s). */
#define TCP_TMR_INTERVAL 5

#define LWIP_CHKSUM_ALGORITHM      3 /* software checksums: the device offers no offload here */
#define LWIP_STATS                 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0

#endif
