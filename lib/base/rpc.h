/*
 * RPC clients and servers over Ferry IPC (conventions: include/ferry/rpc.h).
 *
 * Client: put arguments into the calling thread's UTCB (rpc_mr(), snd_cap
 * via rpc_send_cap) and call rpc_call(). Capabilities in the reply land in
 * fresh slots of the caller's capability space, reported with their badges in
 * struct rpc_result; the caller owns them from then on.
 *
 * Server: an entrypoint thread runs rpc_ep_serve(). Objects are registered in
 * an object pool under their badge (the label of the gate clients call
 * through); each names its interface: a signature table (checked before the
 * operation runs) and a dispatch function.
 *
 * Capability slots come from one struct slot_alloc per task, given to
 * rpc_init() once, before any other call here.
 */
#ifndef FERRY_BASE_RPC_H
#define FERRY_BASE_RPC_H

#include "rpc_pool.h"
#include "slot.h"
#include "sys.h"
#include <ferry/rpc.h>
#include <stdbool.h>
#include <stdint.h>

/* Tells the slot allocator and the task (to unmap capabilities not kept). */
void rpc_init(struct slot_alloc *slots, uint64_t own_task_sel);

uint32_t rpc_slot_alloc(void);
/* Unmaps whatever the slot holds and returns it to the allocator. */
void rpc_slot_release(uint32_t slot);

static inline uint64_t *rpc_mr(void)
{
    return sys_utcb()->mr;
}

/* Sets capability argument i of the next message. */
static inline void rpc_send_cap(unsigned i, uint64_t slot, uint64_t rights)
{
    sys_utcb()->snd_cap[i] = FERRY_CAPDESC(slot, rights);
}

/* Copies *src to *dst, both of one message structure type (FERRY_RPC_LAYOUT:
 * whole words), word by word: picolibc's memcpy moves one byte per iteration. */
#define RPC_COPY_MSG(dst, src)                                                                     \
    rpc_copy_words((uint64_t *)(void *)(dst), (const uint64_t *)(const void *)(src),               \
                   sizeof(*(dst)) / 8)
static inline void rpc_copy_words(uint64_t *dst, const uint64_t *src, unsigned words)
{
    for (unsigned i = 0; i < words; i++)
        dst[i] = src[i];
}

/* Copies a string into `words` message words (NUL padded, always terminated). */
void rpc_put_string(uint64_t *mr, unsigned words, const char *s);
/* Reads such a field into out[words * 8] (terminated even if the sender did not). */
void rpc_get_string(const uint64_t *mr, unsigned words, char *out);

struct rpc_result {
    unsigned words;                     /* result words in rpc_mr() */
    unsigned caps;                      /* capabilities received */
    uint32_t cap_slot[FERRY_MSG_CAPS];  /* where each landed (0: could not be received) */
    uint64_t cap_badge[FERRY_MSG_CAPS]; /* label of the gate / IRQ */
    uint64_t cap_type[FERRY_MSG_CAPS];  /* enum ferry_obj_type */
};

/*
 * The calls below, out of line, with the request's tag FERRY_TAG(words, caps,
 * opcode) built by their inline wrappers at the call site, where it is
 * usually a constant.
 */
long rpc_call_tag(uint64_t gate, uint64_t tag, struct rpc_result *res);
long rpc_call_timeout_tag(uint64_t gate, uint64_t tag, uint64_t timeout_us, struct rpc_result *res);
long rpc_call_reply_tag(uint64_t gate, uint64_t tag, unsigned reply_words, struct rpc_result *res);

/*
 * Calls `gate` with `words` arguments and `caps` capability arguments already
 * in the UTCB. Returns the kernel's error if the IPC failed, else the
 * server's error code. `res` may be NULL if no result is needed; received
 * capabilities are released then.
 */
static inline long rpc_call(uint64_t gate, unsigned opcode, unsigned words, unsigned caps,
                            struct rpc_result *res)
{
    return rpc_call_tag(gate, FERRY_TAG(words, caps, opcode), res);
}
/* The same with a bound on the wait for the server to take the call (not on
 * the reply): E_TIMEOUT if its entrypoint stays busy that long. */
static inline long rpc_call_timeout(uint64_t gate, unsigned opcode, unsigned words, unsigned caps,
                                    uint64_t timeout_us, struct rpc_result *res)
{
    return rpc_call_timeout_tag(gate, FERRY_TAG(words, caps, opcode), timeout_us, res);
}
/* rpc_call of an operation whose reply has `reply_words` result words: a
 * successful reply with fewer is E_INVAL (and its capabilities released), so
 * the caller never reads words the server did not send. */
static inline long rpc_call_reply(uint64_t gate, unsigned opcode, unsigned words, unsigned caps,
                                  unsigned reply_words, struct rpc_result *res)
{
    return rpc_call_reply_tag(gate, FERRY_TAG(words, caps, opcode), reply_words, res);
}

/* ---- servers ---- */

struct rpc_request;

struct rpc_iface {
    const char *name;
    const struct ferry_rpc_sig *sigs;
    unsigned sig_count;
    /* Runs the operation. Reads arguments from req->mr, writes results to the
     * same words, adds reply capabilities with rpc_reply_cap, returns an error
     * code or RPC_NO_REPLY. req->mr is the thread's UTCB: any RPC the
     * operation makes itself overwrites it, so read every argument first and
     * write results last (printf is the exception: it restores the words). */
    long (*dispatch)(void *object, struct rpc_request *req);
};

/* dispatch's "do not answer this call now" (the caller stays blocked until the
 * kernel cancels its wait when the entrypoint receives the next message). */
#define RPC_NO_REPLY (-1l)

struct rpc_request {
    uint64_t badge;
    unsigned opcode, words, caps;
    uint64_t *mr;
    uint32_t cap_slot[FERRY_MSG_CAPS];
    uint64_t cap_badge[FERRY_MSG_CAPS];
    uint64_t cap_type[FERRY_MSG_CAPS];
    bool cap_kept[FERRY_MSG_CAPS];
    unsigned reply_words, reply_caps;
};

/* Keeps received capability i (else it is unmapped and its slot freed after
 * dispatch); returns its slot. */
uint32_t rpc_keep_cap(struct rpc_request *req, unsigned i);
/* Adds a capability to the reply. */
void rpc_reply_cap(struct rpc_request *req, uint64_t slot, uint64_t rights);

struct rpc_ep {
    struct rpc_pool *pool;
};

/* Serves requests forever. */
void rpc_ep_serve(struct rpc_ep *ep) __attribute__((noreturn));
/* Handles one received request (exposed for tests and for entrypoints that
 * multiplex); returns the reply tag, or ~0 for no reply. */
uint64_t rpc_ep_handle(struct rpc_ep *ep, uint64_t tag, uint64_t badge);

#endif
