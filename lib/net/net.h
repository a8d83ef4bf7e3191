/*
 * The Ferry port of lwIP (docs/network.md, "The lwIP port"): one netif over
 * a Nic session, time from a Timer session, one signal that wakes the
 * component for received frames, freed transmit slots and link changes.
 *
 * Everything lwIP does happens inside ferry_net_wait on the calling thread
 * (NO_SYS, raw API): a component sets up its PCBs and callbacks, then calls
 * ferry_net_wait in its loop. No polling: between events the thread sleeps
 * in sys_irq_wait until the Nic signal or lwIP's next timeout.
 */
#ifndef FERRY_NET_H
#define FERRY_NET_H

#include <client.h>
#include <lwip/netif.h>

struct ferry_net {
    struct env *env;
    uint32_t timer;  /* Timer session: sys_now() */
    uint32_t signal; /* given to the Nic session */
    struct nic_client nic;
    struct netif netif;
    uint32_t tx_pending; /* frames in the transmit ring the driver was not told of */
    uint64_t tx_frames;  /* frames put into the transmit ring */
    uint64_t tx_calls;   /* NIC_TX calls: tx_frames / tx_calls frames per batch */
    uint64_t tx_dropped; /* frames lwIP sent while the transmit ring stayed full */
    uint64_t asleep;     /* rdinstret ticks spent in ferry_net_wait's sleep (benchmarks:
                            under -icount the counter is QEMU's virtual clock, which
                            also advances while the ECU idles) */
};

/*
 * Opens a Timer and a Nic session, starts lwIP and adds the netif with the
 * IPv4 address, netmask and gateway given as dotted quads (gateway may be
 * NULL), set up and default. Prints and returns the failing step's error;
 * E_INVAL for an address that does not parse.
 */
long ferry_net_init(struct ferry_net *n, struct env *env, const char *ip, const char *netmask,
                    const char *gateway);

/*
 * Sleeps until the Nic signal or lwIP's next timeout, at most max_us
 * microseconds; then gives every received frame to lwIP and runs lwIP's due
 * timeouts (whose callbacks, and the PCB callbacks, run in here).
 */
void ferry_net_wait(struct ferry_net *n, uint64_t max_us);

/*
 * Tells the driver of the frames lwIP put into the transmit ring since the
 * last call (one NIC_TX). ferry_net_wait calls it before it sleeps and after
 * each round; call it after sending outside ferry_net_wait when the frames
 * must leave before the next wait.
 */
void ferry_net_flush(struct ferry_net *n);

/* Milliseconds from the Timer session (lwIP's sys_now). */
uint32_t ferry_net_now_ms(void);

#endif
