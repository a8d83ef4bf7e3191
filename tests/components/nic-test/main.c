/*
 * nic-test: a Nic client without an IP stack (docs/network.md).
 *
 * `arg mode ping` (`arg count N`, default 3): broadcasts "ping SEQ" frames
 * (EtherType 0x88b5, local experimental) until a "pong SEQ" for it comes
 * back, for SEQ = 1 .. N; prints each answer with the MAC it came from, then
 * its session's counters, and exits 0 (1 when a ping stays unanswered).
 * `arg mode pong`: answers every "ping SEQ" with a unicast "pong SEQ" to its
 * sender, forever.
 * `arg mode deaf`: opens a session and never reads its receive ring (the
 * driver must drop what does not fit and go on).
 * `arg mode hostile`: breaks every rule of the shared rings (a transmit head
 * far ahead of the tail, lengths 0, 5 and 2^32-1, a frame with another
 * source MAC, a receive tail far behind the head), checks that the driver
 * refused and counted each, and keeps its receive ring broken while the
 * others talk.
 *
 * Waiting is sys_irq_wait on the session's signal with a timeout (to resend
 * a lost ping): no polling.
 */
#include <client.h>
#include <ferry/iface/nic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETHERTYPE_TEST 0x88b5
#define RESEND_US      300000
#define MAX_TRIES      60

static struct env *env;
static struct nic_client nic;
static uint32_t signal;
static unsigned failures;

static void fail(const char *what, long err)
{
    printf("%s failed: %s\n", what, ferry_error_name(err));
    env_exit(env, 1);
}

static void check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "CHECK FAILED", what);
    failures += !ok;
}

static const char *mac_text(const uint8_t *mac)
{
    static char text[18];
    snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    return text;
}

/* Sends "WORD SEQ" to dst (from our MAC). */
static void send_msg(const uint8_t *dst, const char *word, unsigned seq)
{
    uint8_t frame[64] = {0};
    memcpy(frame, dst, 6);
    memcpy(frame + 6, nic.mac, 6);
    frame[12] = ETHERTYPE_TEST >> 8;
    frame[13] = ETHERTYPE_TEST & 0xff;
    snprintf((char *)frame + 14, sizeof(frame) - 14, "%s %u", word, seq);
    long err = nic_put(&nic, frame, sizeof(frame));
    if (!err)
        err = nic_tx(nic.session);
    if (err)
        fail("sending", err);
}

/* The next test frame "WORD SEQ" in the receive ring: its word, seq and source. */
static bool recv_msg(char *word, unsigned *seq, uint8_t *src)
{
    uint32_t len;
    const uint8_t *f;
    while ((f = nic_rx_peek(&nic, &len))) {
        bool ours = len >= 64 && len <= FERRY_NIC_FRAME_MAX &&
                    (f[12] << 8 | f[13]) == ETHERTYPE_TEST &&
                    sscanf((const char *)f + 14, "%7s %u", word, seq) == 2;
        memcpy(src, f + 6, 6);
        nic_rx_done(&nic);
        if (ours)
            return true;
    }
    return false;
}

static void mode_ping(unsigned count)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (unsigned seq = 1; seq <= count; seq++) {
        bool answered = false;
        for (unsigned tries = 0; !answered && tries < MAX_TRIES; tries++) {
            send_msg(broadcast, "ping", seq);
            long err;
            while (!answered && (err = sys_irq_wait(signal, RESEND_US)) == FERRY_OK) {
                char word[8];
                unsigned got;
                uint8_t src[6];
                while (!answered && recv_msg(word, &got, src))
                    if (strcmp(word, "pong") == 0 && got == seq) {
                        printf("pong %u from %s\n", seq, mac_text(src));
                        answered = true;
                    }
            }
            if (!answered && err != FERRY_E_TIMEOUT)
                fail("waiting for the signal", err);
        }
        if (!answered) {
            printf("ping %u: no answer\n", seq);
            env_exit(env, 1);
        }
    }
    struct ferry_nic_info_out info;
    long err = nic_info(nic.session, &info);
    if (err)
        fail("NIC_INFO", err);
    printf("ping: %u of %u answered; driver took %llu interrupts\n", count, count,
           (unsigned long long)info.interrupts);
    check(info.interrupts > 0, "the driver took device interrupts");
    check(info.malformed == 0 && info.spoofed == 0 && info.bad_index == 0,
          "no frame of ours refused");
    env_exit(env, failures ? 1 : 0);
}

static void mode_pong(void)
{
    for (;;) {
        long err = sys_irq_wait(signal, FERRY_TIMEOUT_NEVER);
        if (err)
            fail("waiting for the signal", err);
        char word[8];
        unsigned seq;
        uint8_t src[6];
        while (recv_msg(word, &seq, src))
            if (strcmp(word, "ping") == 0) {
                printf("answered ping %u from %s\n", seq, mac_text(src));
                send_msg(src, "pong", seq);
            }
    }
}

/* Writes one transmit slot by hand (no checks) and publishes it. */
static void put_raw(uint32_t len, const uint8_t *src)
{
    struct ferry_nic_slot *slot = &nic.shared->tx_slot[nic.tx_head % FERRY_NIC_SLOTS];
    memset(slot->data, 0xff, 6);
    memcpy(slot->data + 6, src, 6);
    slot->len = len;
    nic.shared->tx.head = ++nic.tx_head;
}

static void mode_hostile(void)
{
    struct ferry_nic_info_out info;
    uint32_t tail = nic.shared->tx.tail;
    nic.shared->tx.head = tail + 1000;
    long err = nic_tx(nic.session);
    check(err == FERRY_E_INVAL, "transmit head 1000 ahead of the tail: E_INVAL");
    nic.shared->tx.head = nic.tx_head; /* back to the truth */

    static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x66};
    put_raw(0, nic.mac);
    put_raw(5, nic.mac);
    put_raw(0xffffffffu, nic.mac);
    put_raw(64, other);
    err = nic_tx(nic.session);
    if (!err)
        err = nic_info(nic.session, &info);
    if (err)
        fail("NIC_TX/NIC_INFO", err);
    check(
        info.malformed == 3 && info.spoofed == 1 && info.tx_frames == 0,
        "lengths 0, 5, 2^32-1 (malformed) and a foreign source MAC (spoofed): dropped, none sent");
    check(info.bad_index == 1, "one bad index counted");
    check(nic.shared->tx.tail == nic.tx_head, "the driver consumed every slot");

    /* The receive tail far behind the head: every frame for us is refused. */
    nic.shared->rx.tail = nic.shared->rx.head - 5000;
    printf("hostile: receive ring broken; waiting for frames\n");
    uint64_t before = info.bad_index;
    for (;;) {
        err = sys_irq_wait(signal, 2000000);
        if (err && err != FERRY_E_TIMEOUT)
            fail("waiting for the signal", err);
        if ((err = nic_info(nic.session, &info)))
            fail("NIC_INFO", err);
        if (info.bad_index > before) {
            printf("hostile: %llu frames refused for a bad receive tail\n",
                   (unsigned long long)(info.bad_index - before));
            before = info.bad_index;
        }
    }
}

void component_construct(struct env *e)
{
    env = e;
    const char *mode = env_arg(env, "mode");
    const char *count = env_arg(env, "count");
    long err = env_signal_alloc(env, &signal);
    if (err)
        fail("signal", err);
    if ((err = nic_open(env, "", signal, &nic)))
        fail("Nic session", err);
    printf("mac %s, link %s\n", mac_text(nic.mac),
           nic.info.flags & FERRY_NIC_LINK_UP ? "up" : "down");
    if (mode && strcmp(mode, "ping") == 0)
        mode_ping(count ? (unsigned)strtoul(count, NULL, 10) : 3);
    else if (mode && strcmp(mode, "pong") == 0)
        mode_pong();
    else if (mode && strcmp(mode, "hostile") == 0)
        mode_hostile();
    else if (mode && strcmp(mode, "deaf") == 0)
        for (;;)
            sys_sleep(FERRY_TIMEOUT_NEVER);
    printf("unknown mode '%s' (ping, pong, hostile, deaf)\n", mode ? mode : "");
    env_exit(env, 2);
}
