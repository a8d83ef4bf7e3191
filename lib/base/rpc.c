#include "rpc.h"
#include "lock.h"
#include <stddef.h>
#include <string.h>

/*
 * Receive windows. Every thread that calls or serves has a window of
 * FERRY_MSG_CAPS consecutive empty slots, described in its UTCB's runtime
 * words (so a moved thread keeps it):
 *   user[RPC_U_WINDOW]  first slot of the window, 0 if none yet
 *   user[RPC_U_OWNED]   bit i set: slot first+i is still part of the window
 *   user[RPC_U_ARMED]   while the window is whole (every bit set), the
 *                       rcv_window that names it; 0 otherwise
 * A received capability the receiver keeps leaves the window (its bit is
 * cleared, and ARMED); before the next receive a window with holes is
 * replaced (window_refill). So the common case, a whole window, costs one
 * load and one store per receive.
 */
#define RPC_U_WINDOW 0
#define RPC_U_OWNED  1
#define RPC_U_ARMED  2
#define WINDOW_FULL  ((1u << FERRY_MSG_CAPS) - 1)

static struct slot_alloc *rpc_slots;
static uint64_t rpc_task;
static struct lock slot_lock = LOCK_INIT;

void rpc_init(struct slot_alloc *slots, uint64_t own_task_sel)
{
    rpc_slots = slots;
    rpc_task = own_task_sel;
}

uint32_t rpc_slot_alloc(void)
{
    lock_acquire(&slot_lock);
    uint32_t slot = slot_alloc(rpc_slots);
    lock_release(&slot_lock);
    return slot;
}

static void slot_give_back(uint32_t slot)
{
    lock_acquire(&slot_lock);
    slot_free(rpc_slots, slot);
    lock_release(&slot_lock);
}

void rpc_slot_release(uint32_t slot)
{
    if (!slot)
        return;
    sys_task_unmap(rpc_task, slot);
    slot_give_back(slot);
}

/*
 * Replaces a window with holes (or none yet), and arms it (none if no slots
 * are left). Off the hot path: a window is replaced only after a capability
 * was kept. When the kept capabilities are the window's first k slots and
 * the k slots after it are free, the window slides up by k; otherwise its
 * remaining slots go back to the allocator and a fresh run is taken.
 */
static __attribute__((noinline, cold)) void window_refill(struct ferry_utcb *u)
{
    uint64_t first = u->user[RPC_U_WINDOW], owned = u->user[RPC_U_OWNED];
    unsigned kept = 0; /* the leading slots kept */
    while (kept < FERRY_MSG_CAPS && !(owned & (1u << kept)))
        kept++;
    lock_acquire(&slot_lock);
    if (first && owned == ((WINDOW_FULL << kept) & WINDOW_FULL) &&
        slot_take_range(rpc_slots, (uint32_t)first + FERRY_MSG_CAPS, kept)) {
        first += kept;
    } else {
        for (unsigned i = 0; first && i < FERRY_MSG_CAPS; i++)
            if (owned & (1u << i))
                slot_free(rpc_slots, (uint32_t)first + i);
        first = slot_alloc_run(rpc_slots, FERRY_MSG_CAPS);
    }
    lock_release(&slot_lock);
    u->user[RPC_U_WINDOW] = first;
    u->user[RPC_U_OWNED] = first ? WINDOW_FULL : 0;
    u->user[RPC_U_ARMED] = u->rcv_window = first ? FERRY_RCV_WINDOW(first, FERRY_MSG_CAPS) : 0;
}

/* Arms the calling thread's (UTCB u) receive window if it is whole, the
 * common case: no lock, no call. False if it needs window_refill. */
static inline __attribute__((always_inline)) bool window_arm(struct ferry_utcb *u)
{
    uint64_t armed = u->user[RPC_U_ARMED];
    if (__builtin_expect(!armed, 0))
        return false;
    u->rcv_window = armed;
    return true;
}

/* Makes sure the calling thread has a whole receive window, and arms it. */
static inline __attribute__((always_inline)) void window_prepare(struct ferry_utcb *u)
{
    if (!window_arm(u))
        window_refill(u);
}

/* Reports the capabilities that arrived with the message just received. */
static void window_collect(unsigned caps, uint32_t *slot, uint64_t *badge, uint64_t *type)
{
    struct ferry_utcb *u = sys_utcb();
    for (unsigned i = 0; i < caps && i < FERRY_MSG_CAPS; i++) {
        type[i] = u->rcv_type[i];
        badge[i] = u->rcv_label[i];
        slot[i] = type[i] != FERRY_OBJ_NONE ? (uint32_t)u->user[RPC_U_WINDOW] + i : 0;
    }
}

/* The receiver keeps the capability in window position i. */
static uint32_t window_take(unsigned i)
{
    struct ferry_utcb *u = sys_utcb();
    u->user[RPC_U_OWNED] &= ~(1ull << i);
    u->user[RPC_U_ARMED] = 0;
    return (uint32_t)u->user[RPC_U_WINDOW] + i;
}

/*
 * Strings are packed word by word (the target and the host are little-endian:
 * byte i of the field is byte i of the words in memory). picolibc's memset and
 * memcpy go byte by byte, which made these fields a visible part of every
 * session request.
 */
void rpc_put_string(uint64_t *mr, unsigned words, const char *s)
{
    if (words == 0)
        return;
    unsigned i = 0, limit = words * 8u - 1;
    uint64_t v = 0;
    for (; s && i < limit && s[i]; i++) {
        v |= (uint64_t)(uint8_t)s[i] << (8 * (i % 8));
        if (i % 8 == 7) {
            mr[i / 8] = v;
            v = 0;
        }
    }
    /* the word holding the terminator (i < limit: there is one), then padding */
    for (unsigned w = i / 8; w < words; w++, v = 0)
        mr[w] = v;
}

void rpc_get_string(const uint64_t *mr, unsigned words, char *out)
{
    const char *in = (const char *)mr;
    unsigned i = 0;
    for (; i < words * 8u - 1 && in[i]; i++)
        out[i] = in[i];
    out[i] = 0;
}

/* The reply's error code; a successful reply with fewer than `reply_words`
 * words is E_INVAL, the capabilities it brought (now in *res) released. */
static __attribute__((noinline, cold)) long reply_too_short(struct rpc_result *res)
{
    for (unsigned i = 0; res && i < res->caps; i++)
        rpc_slot_release(res->cap_slot[i]); /* (0 for one not received: ignored) */
    if (res)
        res->caps = 0;
    return FERRY_E_INVAL;
}
static inline __attribute__((always_inline)) long reply_check(uint64_t rtag, unsigned reply_words,
                                                              struct rpc_result *res)
{
    long proto = (long)FERRY_TAG_PROTO(rtag);
    if (reply_words && proto == FERRY_OK && FERRY_TAG_WORDS(rtag) < reply_words)
        return reply_too_short(res);
    return proto;
}

/* reply_check of a reply that brought capabilities: they leave the window,
 * into *res for the caller to own, or released if res is NULL. */
static __attribute__((noinline)) long reply_with_caps(uint64_t rtag, unsigned reply_words,
                                                      struct rpc_result *res)
{
    unsigned caps = FERRY_TAG_CAPS(rtag);
    struct rpc_result local;
    struct rpc_result *r = res ? res : &local;
    r->caps = caps;
    window_collect(caps, r->cap_slot, r->cap_badge, r->cap_type);
    for (unsigned i = 0; i < caps && i < FERRY_MSG_CAPS; i++) {
        if (!r->cap_slot[i])
            continue;
        window_take(i);
        if (!res)
            rpc_slot_release(r->cap_slot[i]);
    }
    return reply_check(rtag, reply_words, res);
}

/* The call with the window armed: every path after the IPC is a tail call, so
 * a reply without capabilities (the common case) needs no stack frame. */
static inline __attribute__((always_inline)) long call_armed(uint64_t gate, uint64_t tag,
                                                             uint64_t timeout_us,
                                                             unsigned reply_words,
                                                             struct rpc_result *res)
{
    uint64_t rtag;
    long err = sys_ipc_call(gate, tag, timeout_us, &rtag);
    if (err)
        return err;
    if (res) {
        res->words = FERRY_TAG_WORDS(rtag);
        res->caps = 0;
    }
    if (__builtin_expect(FERRY_TAG_CAPS(rtag) != 0, 0))
        return reply_with_caps(rtag, reply_words, res);
    return reply_check(rtag, reply_words, res);
}

static __attribute__((noinline, cold)) long call_refill(uint64_t gate, uint64_t tag,
                                                        uint64_t timeout_us, unsigned reply_words,
                                                        struct rpc_result *res)
{
    window_refill(sys_utcb());
    return call_armed(gate, tag, timeout_us, reply_words, res);
}

/* The call of rpc_call_tag, rpc_call_timeout_tag and rpc_call_reply_tag,
 * inlined into each, so that the first two pay nothing for the reply check. */
static inline __attribute__((always_inline)) long
call(uint64_t gate, uint64_t tag, uint64_t timeout_us, unsigned reply_words, struct rpc_result *res)
{
    if (__builtin_expect(!window_arm(sys_utcb()), 0))
        return call_refill(gate, tag, timeout_us, reply_words, res);
    return call_armed(gate, tag, timeout_us, reply_words, res);
}

long rpc_call_tag(uint64_t gate, uint64_t tag, struct rpc_result *res)
{
    return call(gate, tag, FERRY_TIMEOUT_NEVER, 0, res);
}

long rpc_call_timeout_tag(uint64_t gate, uint64_t tag, uint64_t timeout_us, struct rpc_result *res)
{
    return call(gate, tag, timeout_us, 0, res);
}

long rpc_call_reply_tag(uint64_t gate, uint64_t tag, unsigned reply_words, struct rpc_result *res)
{
    return call(gate, tag, FERRY_TIMEOUT_NEVER, reply_words, res);
}

/* ---- entrypoints ---- */

uint32_t rpc_keep_cap(struct rpc_request *req, unsigned i)
{
    if (i >= req->caps || !req->cap_slot[i])
        return 0;
    req->cap_kept[i] = true;
    return req->cap_slot[i];
}

void rpc_reply_cap(struct rpc_request *req, uint64_t slot, uint64_t rights)
{
    if (req->reply_caps < FERRY_MSG_CAPS)
        rpc_send_cap(req->reply_caps++, slot, rights);
}

/* The signature of `opcode` in `iface`, or NULL. Tables list their operations
 * in opcode order with consecutive opcodes as a rule, so the entry at
 * opcode - first opcode is tried before the search. */
static inline const struct ferry_rpc_sig *rpc_sig(const struct rpc_iface *iface, unsigned opcode)
{
    const struct ferry_rpc_sig *sigs = iface->sigs;
    unsigned n = iface->sig_count, guess = opcode - (n ? sigs[0].opcode : 0);
    if (guess < n && sigs[guess].opcode == opcode)
        return &sigs[guess];
    for (unsigned i = 0; i < n; i++)
        if (sigs[i].opcode == opcode)
            return &sigs[i];
    return NULL;
}

/* The signature check: the decode step every request (its tag) passes before
 * dispatch. */
static inline long rpc_check(const struct rpc_iface *iface, uint64_t tag)
{
    const struct ferry_rpc_sig *sig = rpc_sig(iface, (unsigned)FERRY_TAG_PROTO(tag));
    if (!sig)
        return FERRY_E_BADOP;
    if (FERRY_TAG_WORDS(tag) < sig->in_words || FERRY_TAG_CAPS(tag) != sig->in_caps)
        return FERRY_E_INVAL;
    if (FERRY_TAG_FLAGS(tag) & FERRY_TAG_FLAG_CAPFAIL)
        return FERRY_E_INVAL;
    return FERRY_OK;
}

/* The request's capabilities leave the window before the operation runs: an
 * operation that calls out (a nested rpc_call) then gets a fresh window
 * instead of one whose slots are still occupied. */
static __attribute__((noinline)) void request_caps_take(struct rpc_request *req)
{
    for (unsigned i = 0; i < req->caps && i < FERRY_MSG_CAPS; i++)
        req->cap_kept[i] = false;
    window_collect(req->caps, req->cap_slot, req->cap_badge, req->cap_type);
    for (unsigned i = 0; i < req->caps && i < FERRY_MSG_CAPS; i++)
        if (req->cap_slot[i])
            window_take(i);
}

/* After the operation: the request's capabilities it did not keep are released. */
static __attribute__((noinline)) void request_caps_release(struct rpc_request *req)
{
    for (unsigned i = 0; i < req->caps && i < FERRY_MSG_CAPS; i++)
        if (req->cap_slot[i] && !req->cap_kept[i])
            rpc_slot_release(req->cap_slot[i]);
}

/* rpc_ep_handle, inlined into the entrypoint's loop. A request without
 * capabilities (the common case) calls nothing but the pool lookup's slow
 * path and the operation. */
static inline __attribute__((always_inline)) uint64_t handle(struct rpc_pool *pool, uint64_t *mr,
                                                             uint64_t tag, uint64_t badge)
{
    /* Only the fields below and the first `caps` capability entries are
     * defined (users read no further); a zeroing initialiser would cost a
     * byte-wise memset of the whole struct on every request. */
    struct rpc_request req;
    req.badge = badge;
    req.opcode = (unsigned)FERRY_TAG_PROTO(tag);
    req.words = FERRY_TAG_WORDS(tag);
    req.caps = FERRY_TAG_CAPS(tag);
    req.mr = mr;
    req.reply_words = req.reply_caps = 0;
    if (__builtin_expect(req.caps != 0, 0))
        request_caps_take(&req);

    struct rpc_object *obj = rpc_pool_find(pool, badge);
    long err = obj ? rpc_check(obj->iface, tag) : FERRY_E_BADOBJ;
    if (err == FERRY_OK)
        err = obj->iface->dispatch(obj->self, &req);

    if (__builtin_expect(FERRY_TAG_CAPS(tag) != 0, 0))
        request_caps_release(&req);
    if (err == RPC_NO_REPLY)
        return ~0ull;
    if (err != FERRY_OK)
        return FERRY_TAG(0, 0, (uint64_t)err);
    return FERRY_TAG(req.reply_words, req.reply_caps, 0);
}

uint64_t rpc_ep_handle(struct rpc_ep *ep, uint64_t tag, uint64_t badge)
{
    return handle(ep->pool, rpc_mr(), tag, badge);
}

/* The UTCB and the pool are loop invariants (a thread's UTCB never moves; an
 * entrypoint's pool is set before it serves). */
void rpc_ep_serve(struct rpc_ep *ep)
{
    struct ferry_utcb *u = sys_utcb();
    struct rpc_pool *pool = ep->pool;
    uint64_t tag, badge, reply = ~0ull;
    for (;;) {
        window_prepare(u);
        long err = reply == ~0ull ? sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &badge)
                                  : sys_ipc_reply_wait(reply, FERRY_TIMEOUT_NEVER, &tag, &badge);
        /* a failed reply (caller gone) still received nothing: wait afresh */
        reply = err ? ~0ull : handle(pool, u->mr, tag, badge);
    }
}
