/*
 * Ferry kernel error codes.
 *
 * Every system call returns one of these in a0. Zero is success; every
 * other value names exactly one reason, documented in docs/kernel.md.
 * Shared by kernel and user space: do not renumber.
 */
#ifndef FERRY_ERROR_H
#define FERRY_ERROR_H

enum ferry_error {
    FERRY_OK = 0,
    FERRY_E_NOSYS = 1,     /* unknown system call number */
    FERRY_E_BADSEL = 2,    /* selector out of range or slot empty */
    FERRY_E_BADTYPE = 3,   /* slot holds an object of another type */
    FERRY_E_NORIGHTS = 4,  /* capability lacks a right the operation needs */
    FERRY_E_OCCUPIED = 5,  /* destination slot already holds a capability */
    FERRY_E_RANGE = 6,     /* address, size or number outside what is allowed */
    FERRY_E_ALIGN = 7,     /* address or offset not page aligned */
    FERRY_E_NOMEM = 8,     /* kernel memory for the object is exhausted */
    FERRY_E_TIMEOUT = 9,   /* the timeout expired before the operation completed */
    FERRY_E_CANCELED = 10, /* the partner went away while we were waiting */
    FERRY_E_DEAD = 11,     /* object was destroyed (gate's thread gone, ...) */
    FERRY_E_BUSY = 12,     /* object in a state that forbids the operation */
    FERRY_E_INVAL = 13,    /* malformed argument (bad flags, bad type, ...) */
    FERRY_E_NOREPLY = 14,  /* reply without a caller waiting for one */
    FERRY_E_NOENT = 15,    /* nothing found (enumeration reached the end) */
    /* Returned by user-level services in RPC replies (docs/framework.md), never
     * by the kernel. */
    FERRY_E_BADOP = 16,    /* RPC: the object's interface has no such opcode */
    FERRY_E_BADOBJ = 17,   /* RPC: no live object behind this badge (closed, freed) */
    FERRY_E_QUOTA = 18,    /* RPC: the session's RAM quota does not cover the request */
    FERRY_E_CAPQUOTA = 19, /* RPC: the session's capability quota is used up */
    FERRY_E_DENIED = 20,   /* RPC: the policy forbids it (session route denied, not owner) */
    FERRY_E_EXISTS = 21,   /* RPC: already taken (service announced twice, IRQ handed out) */
    FERRY_ERROR_COUNT
};

/* Human-readable name of an error code, for logs ("E_BADSEL"). */
static inline const char *ferry_error_name(long err)
{
    static const char *const names[FERRY_ERROR_COUNT] = {
        "OK",         "E_NOSYS", "E_BADSEL",  "E_BADTYPE",  "E_NORIGHTS", "E_OCCUPIED",
        "E_RANGE",    "E_ALIGN", "E_NOMEM",   "E_TIMEOUT",  "E_CANCELED", "E_DEAD",
        "E_BUSY",     "E_INVAL", "E_NOREPLY", "E_NOENT",   "E_BADOP",    "E_BADOBJ",
        "E_QUOTA",    "E_CAPQUOTA", "E_DENIED", "E_EXISTS",
    };
    if (err < 0 || err >= FERRY_ERROR_COUNT)
        return "E_UNKNOWN";
    return names[err];
}

#endif
