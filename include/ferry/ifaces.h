/*
 * Every RPC interface of the system, by number: the one place where a
 * forwarder (a parent virtualising a service, as the checkpointer's virtual
 * sessions do) finds how many words and capabilities any operation of any
 * interface takes, without restating a layout. The tables are the X-macro
 * lists of the headers in include/ferry/iface/, defined once in
 * lib/base/ifaces.c (linked into core and into every component).
 *
 * Forwarding a request: check it as a server would (at least in_words words,
 * exactly in_caps capabilities), pass on the words it came with (LOG_WRITE's
 * count varies with its text) and its capabilities, and hand back the reply
 * as it is: the reply tag's word and capability counts say what it holds.
 */
#ifndef FERRY_IFACES_H
#define FERRY_IFACES_H

#include <ferry/rpc.h>

enum ferry_iface_id {
    FERRY_IFACE_PARENT,
    FERRY_IFACE_PD,
    FERRY_IFACE_NPD,
    FERRY_IFACE_CPU,
    FERRY_IFACE_THREAD,
    FERRY_IFACE_RM_SESSION,
    FERRY_IFACE_RM,
    FERRY_IFACE_DS,
    FERRY_IFACE_ROM,
    FERRY_IFACE_LOG,
    FERRY_IFACE_TIMER,
    FERRY_IFACE_IRQ,
    FERRY_IFACE_IO_MEM,
    FERRY_IFACE_PAGER,
    FERRY_IFACE_BLOCK,
    FERRY_IFACE_STORE,
    FERRY_IFACE_OBJECT,
    FERRY_IFACE_RELAY,
    FERRY_IFACE_NIC,
    FERRY_IFACE_COUNT
};

struct ferry_iface_desc {
    const char *name; /* "PD", "native PD", ... (a session's service name where it has one) */
    const struct ferry_rpc_sig *sigs;
    unsigned count;
};

/* Indexed by enum ferry_iface_id. */
extern const struct ferry_iface_desc ferry_ifaces[FERRY_IFACE_COUNT];

/* The signature of `opcode` in interface `id`; NULL if either is unknown. */
const struct ferry_rpc_sig *ferry_iface_sig(unsigned id, unsigned opcode);

#endif
