/*
 * Parent: what a component asks of the one who started it (core serves it to
 * init, init and rtcr to their children). Quota amounts are bytes of RAM and a
 * count of capabilities, donated by the requester (see docs/framework.md,
 * "Quota"). The protocol between a parent, a client and a child server is
 * described in docs/framework.md, "Session requests to a child server".
 *
 * Client side:
 * PARENT_SESSION:        in  struct ferry_parent_session_in
 *                        out struct ferry_parent_session_out; ticket 0: done, the
 *                            session is cap[0]; else pending: ask SESSION_RESULT
 *                            (at once if `handed` is 0: the server was busy)
 * PARENT_SESSION_PAID:   as PARENT_SESSION, plus cap[0] = the PD session that pays
 *                        the quota (core only; init opens a child's sessions so)
 * PARENT_SESSION_RESULT: in  ticket              out pending (1: ask again later),
 *                            cap[0] the session once it is done; an error ends it
 * PARENT_UPGRADE:        in  cap[0] session, ram, caps
 * PARENT_CLOSE:          in  cap[0] session
 * PARENT_EXIT:           in  exit code           (no reply is promised)
 *
 * Server side (a child that serves a service to its siblings):
 * PARENT_ANNOUNCE:       in  cap[0] signal the parent triggers when requests for
 *                            this component are pending, cap[1] the request gate
 *                            (FERRY_PARENT_PUSH_REQUEST below), service name
 * PARENT_REQUEST_NEXT:   out struct ferry_parent_request_next_out (the oldest
 *                            pending request, and how many more wait); E_NOENT
 *                            when nothing is pending
 * PARENT_REQUEST_DELIVER: in ticket, service, cap[0] the session opened for it;
 *                            sent (IPC_SEND), not called: a delivery taken gets
 *                            no reply; one not taken (given up, unknown) comes
 *                            back to the server as a CLOSE
 * PARENT_REQUEST_REFUSE: in  ticket, error        (the request failed)
 *
 * A parent never waits for a child: requests for a child server wait in the
 * parent until it can hand them over (FERRY_PARENT_PUSH_REQUEST below, or the
 * server fetches them with REQUEST_NEXT) and the server answers (DELIVER or
 * REFUSE); a request not answered within the parent's bound fails E_TIMEOUT.
 */
#ifndef FERRY_IFACE_PARENT_H
#define FERRY_IFACE_PARENT_H

#include <ferry/rpc.h>

/* PARENT_SESSION (and PARENT_SESSION_PAID) */
struct ferry_parent_session_in {
    uint64_t ram;                 /* donated RAM bytes */
    uint64_t caps;                /* donated capabilities */
    char service[FERRY_NAME_MAX]; /* NUL-padded */
    char label[FERRY_LABEL_MAX];  /* the requester's label; parents prefix theirs */
    char args[FERRY_ARGS_MAX];    /* "key=value,..." */
};
struct ferry_parent_session_out {
    uint64_t ticket; /* 0: cap[0] is the session; else the request is pending */
    uint64_t handed; /* pending: 1 the server has it; 0 it was busy, ask
                        PARENT_SESSION_RESULT at once (the parent tries again) */
};
FERRY_RPC_LAYOUT(ferry_parent_session_in);
FERRY_RPC_LAYOUT(ferry_parent_session_out);
enum { FERRY_PARENT_SESSION_PAID_CAP_PAYER = 0 };
enum { FERRY_PARENT_SESSION_CAP_SESSION = 0 }; /* reply */

struct ferry_parent_session_result_in {
    uint64_t ticket;
};
struct ferry_parent_session_result_out {
    uint64_t pending; /* 1: not answered yet; 0: cap[0] is the session */
};
FERRY_RPC_LAYOUT(ferry_parent_session_result_in);
FERRY_RPC_LAYOUT(ferry_parent_session_result_out);

struct ferry_parent_upgrade_in {
    uint64_t ram;
    uint64_t caps;
};
FERRY_RPC_LAYOUT(ferry_parent_upgrade_in);
enum { FERRY_PARENT_UPGRADE_CAP_SESSION = 0 };
enum { FERRY_PARENT_CLOSE_CAP_SESSION = 0 };

struct ferry_parent_announce_in {
    char service[FERRY_NAME_MAX];
};
FERRY_RPC_LAYOUT(ferry_parent_announce_in);
enum { FERRY_PARENT_ANNOUNCE_CAP_SIGNAL = 0, FERRY_PARENT_ANNOUNCE_CAP_GATE = 1 };

struct ferry_parent_exit_in {
    uint64_t code; /* the exit code, sign-extended */
};
FERRY_RPC_LAYOUT(ferry_parent_exit_in);

/* What a pending request asks of the server. */
enum ferry_parent_request_kind {
    FERRY_PARENT_REQUEST_OPEN = 1,  /* open a session; answer DELIVER or REFUSE */
    FERRY_PARENT_REQUEST_CLOSE = 2, /* close the session in cap[0]; no answer */
};
struct ferry_parent_request_next_out {
    uint64_t ticket; /* OPEN: names the request in DELIVER / REFUSE */
    uint64_t kind;   /* enum ferry_parent_request_kind */
    uint64_t ram;    /* OPEN: the client's donation */
    uint64_t caps;
    uint64_t session; /* CLOSE: the badge of the session object (the server's own) */
    uint64_t more;    /* requests still waiting after this one (0: stop fetching; the
                         parent signals again when a new one comes) */
    char service[FERRY_NAME_MAX];
    char label[FERRY_LABEL_MAX]; /* OPEN: the client's label, prefixed by the parent */
    char args[FERRY_ARGS_MAX];   /* OPEN */
};
FERRY_RPC_LAYOUT(ferry_parent_request_next_out);
_Static_assert(__builtin_offsetof(struct ferry_parent_request_next_out, args) -
                       __builtin_offsetof(struct ferry_parent_request_next_out, service) ==
                   __builtin_offsetof(struct ferry_parent_session_in, args) -
                       __builtin_offsetof(struct ferry_parent_session_in, service),
               "service, label and args are laid out alike in a request and its forwarding");

struct ferry_parent_request_deliver_in {
    uint64_t ticket;
    char service[FERRY_NAME_MAX]; /* the request's: a delivery the parent does not
                                     take comes back as a CLOSE naming it */
};
FERRY_RPC_LAYOUT(ferry_parent_request_deliver_in);
enum { FERRY_PARENT_REQUEST_DELIVER_CAP_SESSION = 0 };

struct ferry_parent_request_refuse_in {
    uint64_t ticket;
    uint64_t error; /* enum ferry_error, not FERRY_OK */
};
FERRY_RPC_LAYOUT(ferry_parent_request_refuse_in);

#define FERRY_PARENT_RPCS(RPC)                                                                     \
    RPC(FERRY_PARENT_SESSION, 1, FERRY_RPC_WORDS(ferry_parent_session_in), 0)                      \
    RPC(FERRY_PARENT_SESSION_PAID, 2, FERRY_RPC_WORDS(ferry_parent_session_in), 1)                 \
    RPC(FERRY_PARENT_UPGRADE, 3, FERRY_RPC_WORDS(ferry_parent_upgrade_in), 1)                      \
    RPC(FERRY_PARENT_CLOSE, 4, 0, 1)                                                               \
    RPC(FERRY_PARENT_ANNOUNCE, 5, FERRY_RPC_WORDS(ferry_parent_announce_in), 2)                    \
    RPC(FERRY_PARENT_EXIT, 6, FERRY_RPC_WORDS(ferry_parent_exit_in), 0)                            \
    RPC(FERRY_PARENT_SESSION_RESULT, 7, FERRY_RPC_WORDS(ferry_parent_session_result_in), 0)        \
    RPC(FERRY_PARENT_REQUEST_NEXT, 8, 0, 0)                                                        \
    RPC(FERRY_PARENT_REQUEST_DELIVER, 9, FERRY_RPC_WORDS(ferry_parent_request_deliver_in), 1)      \
    RPC(FERRY_PARENT_REQUEST_REFUSE, 10, FERRY_RPC_WORDS(ferry_parent_request_refuse_in), 0)       \
    RPC(FERRY_PARENT_SESSION_SIGNAL, 11, 0, 1)
FERRY_RPC_ENUM(FERRY_PARENT_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_parent_sigs, FERRY_PARENT_RPCS);

/*
 * What the parent sends to a server's request gate (from PARENT_ANNOUNCE) with
 * IPC_SEND and a zero timeout, so that it never waits: only when the server's
 * entrypoint waits for a message, the next request, as PARENT_REQUEST_NEXT
 * would return it (fetched by this send). No reply.
 */
#define FERRY_PARENT_PUSH_RPCS(RPC)                                                                \
    RPC(FERRY_PARENT_PUSH_REQUEST, 1, FERRY_RPC_WORDS(ferry_parent_request_next_out), 0)
FERRY_RPC_ENUM(FERRY_PARENT_PUSH_RPCS);

/* Word offsets of PARENT_SESSION's fields, for code that decodes the words
 * one by one (core's session_request_decode). */
#define FERRY_SESSION_W_RAM     0
#define FERRY_SESSION_W_CAPS    1
#define FERRY_SESSION_W_SERVICE 2
#define FERRY_SESSION_W_LABEL   (FERRY_SESSION_W_SERVICE + FERRY_NAME_WORDS)
#define FERRY_SESSION_W_ARGS    (FERRY_SESSION_W_LABEL + FERRY_LABEL_WORDS)
#define FERRY_SESSION_WORDS     FERRY_RPC_WORDS(ferry_parent_session_in)
_Static_assert(FERRY_SESSION_W_ARGS + FERRY_ARGS_WORDS == FERRY_SESSION_WORDS,
               "PARENT_SESSION word offsets match struct ferry_parent_session_in");

#endif
