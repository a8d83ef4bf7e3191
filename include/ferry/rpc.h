/*
 * RPC conventions shared by every client and server (docs/framework.md).
 *
 * An RPC is one IPC call through a gate whose label is the object's badge:
 *
 *   request  tag proto = opcode      mr[]: arguments     snd_cap[]: capability arguments
 *   reply    tag proto = error code  mr[]: results       capabilities: results
 *
 * The server learns the badge from the gate's label, looks the object up in
 * its object pool, checks the request against the interface's signature table
 * and only then runs the operation. Every failure is a reply with an error
 * (enum ferry_error), never a crash: E_BADOBJ (no object behind the badge),
 * E_BADOP (opcode not in the interface), E_INVAL (too few words, wrong number
 * of capabilities, a capability that could not be received).
 *
 * Interfaces are declared once, in include/ferry/iface/NAME.h, as an X-macro
 * list of RPC(NAME, OPCODE, IN_WORDS, IN_CAPS). FERRY_RPC_ENUM turns the list
 * into opcode constants, FERRY_RPC_SIGS into the signature table the server's
 * dispatcher checks; client stubs and servers both include the same header.
 *
 * Message layouts are declared there too, once per operation, so that no code
 * outside an interface's client stub and its server's dispatch ever indexes
 * message words by number:
 *   - the words of a request are `struct ferry_IFACE_OP_in`, those of a reply
 *     `struct ferry_IFACE_OP_out` (only where the operation has words), each
 *     a sequence of uint64_t (or char arrays of whole words) overlaid on the
 *     UTCB's message words with FERRY_RPC_MSG; FERRY_RPC_LAYOUT checks that it
 *     fits, and the list's IN_WORDS is FERRY_RPC_WORDS(the _in structure);
 *   - capability arguments and results are named by their index:
 *     enum { FERRY_IFACE_OP_CAP_WHAT = 0, ... }.
 * A forwarder (a parent virtualising a service) needs none of this: the
 * signature table (include/ferry/ifaces.h: every interface's, by number) and
 * the reply tag's word and capability counts are enough to pass an operation
 * on unchanged. Client stubs, one short function per operation, are in
 * lib/base/client.h.
 */
#ifndef FERRY_RPC_H
#define FERRY_RPC_H

#include <ferry/utcb.h>
#include <stdint.h>

struct ferry_rpc_sig {
    uint16_t opcode;
    uint8_t in_words; /* at least this many argument words */
    uint8_t in_caps;  /* exactly this many capability arguments */
};

#define FERRY_RPC_ENUM_ENTRY(name, op, words, caps) name = op,
#define FERRY_RPC_SIG_ENTRY(name, op, words, caps)  {op, words, caps},
#define FERRY_RPC_ENUM(list)                        enum { list(FERRY_RPC_ENUM_ENTRY) }
#define FERRY_RPC_SIGS(list)                                                                       \
    {                                                                                              \
        list(FERRY_RPC_SIG_ENTRY)                                                                  \
    }
/* The number of operations in a list, and the declaration of its signature
 * table (defined once, in lib/base/ifaces.c; include/ferry/ifaces.h finds
 * every interface's table by number, for a forwarder). */
#define FERRY_RPC_COUNT_ENTRY(name, op, words, caps) +1
#define FERRY_RPC_COUNT(list)                        (0 list(FERRY_RPC_COUNT_ENTRY))
#define FERRY_RPC_SIGS_DECLARE(var, list)                                                          \
    extern const struct ferry_rpc_sig var[FERRY_RPC_COUNT(list)]

/* The message structure `type` (without `struct`) over the words at `mr`. */
#define FERRY_RPC_MSG(type, mr) ((struct type *)(void *)(mr))
/* Its size in message words. */
#define FERRY_RPC_WORDS(type) (sizeof(struct type) / 8)
/* Checks that `type` is whole words and fits a message. */
#define FERRY_RPC_LAYOUT(type)                                                                     \
    _Static_assert(sizeof(struct type) % 8 == 0 && sizeof(struct type) <= FERRY_MSG_WORDS * 8,     \
                   #type " is not a whole number of message words that fits a message")

/* Strings travel in message words as fixed-size NUL-padded fields. */
#define FERRY_NAME_WORDS  4  /* service, thread and module names: 31 chars + NUL */
#define FERRY_LABEL_WORDS 8  /* session labels: 63 chars + NUL */
#define FERRY_ARGS_WORDS  16 /* session arguments "key=value,...": 127 chars + NUL */
#define FERRY_NAME_MAX    (FERRY_NAME_WORDS * 8)
#define FERRY_LABEL_MAX   (FERRY_LABEL_WORDS * 8)
#define FERRY_ARGS_MAX    (FERRY_ARGS_WORDS * 8)

#endif
