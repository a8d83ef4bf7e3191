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
    uint64_t tx_dropped; /* frames lwIP sent while the transmit ring stayed full */
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

/* Milliseconds from the Timer session (lwIP's sys_now). */
uint32_t ferry_net_now_ms(void);

#endif
