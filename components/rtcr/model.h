/*
 * rtcr's recorded model of its protected children: every object a child
 * created through rtcr's virtual sessions, named by a stable id (uint32, never
 * reused within one rtcr run, never a badge). It maps directly to lib/image's
 * record types: component, session, region map, dataspace, thread, gate,
 * signal, attachment (docs/rtcr.md, "What rtcr records"). Dataspaces the
 * child allocated, threads and managed region maps are handed to the child
 * as rtcr's virtual objects (struct rtcr_vobj, virt.c).
 *
 * Invariants, per child c:
 *   - every used record holds one reference of rtcr to its object (slot in
 *     rtcr's capability space, badge as core gave it), released when the
 *     record is freed;
 *   - sessions[0..3] are the child's initial PD, CPU, LOG and address-space
 *     RM (rtcr's RPC objects, in slots 2..5 of the child);
 *   - an attachment's rm is c->rm_id or the id of a used managed map of c;
 *     its ds the id of a used dataspace record (of c, or a sibling's shared
 *     one), or in the address space that of a managed map of c;
 *   - ids grow in creation order, so each array walked in index order is in
 *     ascending id order only until a record is freed and reused: the image
 *     writer sorts.
 */
#ifndef RTCR_MODEL_H
#define RTCR_MODEL_H

#include <config/config.h>
#include <parent_server.h>
#include <stdbool.h>
#include <stdint.h>

#define RTCR_MAX_CHILDREN 8
#define RTCR_SESSIONS     12
#define RTCR_DATASPACES   64
#define RTCR_ATTACHMENTS  64
#define RTCR_THREADS      8
#define RTCR_GATES        32
#define RTCR_SIGNALS      16
#define RTCR_REGION_MAPS  4 /* managed region maps */

/* The initial sessions' indices in rtcr_child.sessions. */
enum { RTCR_S_PD = 0, RTCR_S_CPU = 1, RTCR_S_LOG = 2, RTCR_S_RM = 3, RTCR_S_INITIAL = 4 };

struct rtcr_child;

/* Timer state a restore replays (the last configuring calls). */
enum rtcr_timer_mode { RTCR_TIMER_STOPPED = 0, RTCR_TIMER_PERIODIC = 1, RTCR_TIMER_ONESHOT = 2 };

/* A virtual session: rtcr's RPC object forwarding to the real one. */
struct rtcr_session {
    bool used;
    uint32_t id;
    struct rtcr_child *child;
    unsigned iface; /* enum ferry_iface_id */
    struct rpc_object obj;
    uint32_t gate;         /* rtcr's gate: the child's capability */
    uint64_t badge;        /* the gate's badge: what the child's tables hold */
    uint32_t real;         /* rtcr's slot of the real session (or address space) */
    struct ps_session *ps; /* the parent server's entry (not for the initial four) */
    char service[32];
    char label[64];
    char args[128];
    uint64_t ram, caps;
    /* served by a protected child (no object of rtcr's, real 0): the server's
     * component id; == the child's own id: a service it announced (service) */
    uint32_t server;
    uint32_t link_gate, link_signal; /* restore: image ids of the server's session object
                                        (or the request gate) and the request signal */
    uint32_t timer_signal;           /* Timer: signal id given to TIMER_SIGH, 0 if none */
    unsigned timer_mode;             /* enum rtcr_timer_mode */
    uint64_t timer_us;
};

/* A virtual object: rtcr's RPC object standing for a real capability that
 * rtcr keeps; the child holds `gate`, operations on it are forwarded to
 * `real`, and `real` replaces it where the child passes it on (virt.c). */
struct rtcr_vobj {
    struct rpc_object obj;
    uint32_t gate;  /* rtcr's gate: the child's capability (0: not registered) */
    uint64_t badge; /* its badge: what the child's tables hold */
    uint32_t real;  /* rtcr's reference to core's object (0: its record's slot) */
    uint64_t real_badge;
    struct rtcr_child *child; /* whose object it is */
};

struct rtcr_ds {
    bool used;
    uint32_t id;
    uint32_t slot; /* rtcr's reference */
    uint64_t badge;
    uint64_t size;
    uint32_t session;   /* id of the PD (or ROM) session it came from */
    unsigned flags;     /* IMAGE_DS_* */
    bool borrowed;      /* slot is struct child's (ELF and stack regions): not released here */
    struct rtcr_vobj v; /* what the child holds (v.real 0: slot is the real one); gate 0:
                           none (the construction's regions, which the child does not hold) */
};

struct rtcr_attach {
    bool used;
    uint32_t rm; /* the region map it is in: c->rm_id (address space) or a managed map's id */
    uint32_t ds; /* its target: a dataspace id, or (in the address space) a managed map's id */
    uint64_t addr, size, offset;
    unsigned rights; /* IMAGE map rights: 1 R, 2 W, 4 X */
};

struct rtcr_thread {
    bool used;
    uint32_t id;
    uint32_t slot;
    uint64_t badge; /* of core's thread object */
    uint64_t utcb;
    unsigned prio;
    char name[32];
    bool borrowed;      /* slot is struct child's (the main thread) */
    struct rtcr_vobj v; /* what the child holds (v.real 0: slot is the real one); the main
                           thread's from virt_prepare on (slot 0 until virt_bind) */
};

struct rtcr_gate {
    bool used;
    uint32_t id, thread; /* thread id it is bound to */
    uint32_t slot;
    uint64_t badge;
};

struct rtcr_signal {
    bool used;
    uint32_t id;
    uint32_t slot;
    uint64_t badge;
};

/* A managed region map (RM_CREATE through a virtual RM session). Both core
 * objects are virtual: the map (attachments into it are recorded as
 * attachments with rm = id) and its dataspace (RM_DATASPACE; attached in the
 * address space, recorded as an attachment whose target is the map's id). */
struct rtcr_rm {
    bool used;
    uint32_t id;
    uint32_t session; /* id of the RM session that created it */
    uint64_t size;
    struct rtcr_child *child;
    struct rtcr_vobj map; /* FERRY_IFACE_RM */
    struct rtcr_vobj ds;  /* FERRY_IFACE_DS */
};

struct rtcr_child {
    bool used;
    uint32_t id;    /* component id */
    uint32_t rm_id; /* id of its address space */
    char name[32];
    const struct init_child *cfg;
    struct ps_child *pc; /* the parent server's entry */
    struct rtcr_session sessions[RTCR_SESSIONS];
    struct rtcr_ds ds[RTCR_DATASPACES];
    struct rtcr_attach attach[RTCR_ATTACHMENTS];
    struct rtcr_thread threads[RTCR_THREADS];
    struct rtcr_gate gates[RTCR_GATES];
    struct rtcr_signal signals[RTCR_SIGNALS];
    struct rtcr_rm rms[RTCR_REGION_MAPS];
};

/* A new id (never 0, never reused in this run). */
uint32_t model_id(void);
/* Ids restored from an image are taken as they are: later ids lie above them. */
void model_id_seen(uint32_t id);

/* Lookup by the badge core (or rtcr) gave the object, or (dataspaces,
 * threads) the badge of rtcr's virtual object for it (badges are unique on
 * an ECU, so one search finds either); NULL if not recorded. */
struct rtcr_session *model_session_by_badge(struct rtcr_child *c, uint64_t badge);
struct rtcr_ds *model_ds_by_badge(struct rtcr_child *c, uint64_t badge);
struct rtcr_thread *model_thread_by_badge(struct rtcr_child *c, uint64_t badge);
struct rtcr_gate *model_gate_by_badge(struct rtcr_child *c, uint64_t badge);
struct rtcr_signal *model_signal_by_badge(struct rtcr_child *c, uint64_t badge);
/* The same over every protected child (a sibling's object); *owner if found. */
struct rtcr_ds *model_any_ds_by_badge(uint64_t badge, struct rtcr_child **owner);
struct rtcr_gate *model_any_gate_by_badge(uint64_t badge, struct rtcr_child **owner);
struct rtcr_signal *model_any_signal_by_badge(uint64_t badge, struct rtcr_child **owner);
struct rtcr_signal *model_signal_by_id(struct rtcr_child *c, uint32_t id);

/* New records (NULL if the child's table is full); `id` 0 draws a new one. */
struct rtcr_ds *model_ds_add(struct rtcr_child *c, uint32_t id, uint32_t slot, uint64_t badge,
                             uint64_t size, uint32_t session, unsigned flags);
struct rtcr_attach *model_attach_add(struct rtcr_child *c, uint32_t rm, uint32_t ds, uint64_t addr,
                                     uint64_t size, uint64_t offset, unsigned rights);
struct rtcr_thread *model_thread_add(struct rtcr_child *c, uint32_t id, uint32_t slot,
                                     uint64_t badge, uint64_t utcb, unsigned prio,
                                     const char *name);
struct rtcr_gate *model_gate_add(struct rtcr_child *c, uint32_t id, uint32_t thread, uint32_t slot,
                                 uint64_t badge);
struct rtcr_signal *model_signal_add(struct rtcr_child *c, uint32_t id, uint32_t slot,
                                     uint64_t badge);

/* Frees a record and rtcr's reference to its object. */
void model_ds_free(struct rtcr_ds *ds);
void model_thread_free(struct rtcr_thread *t);
void model_gate_free(struct rtcr_gate *g);
void model_signal_free(struct rtcr_signal *s);
/* Detaches the record of the attachment of region map `rm` containing addr (if any). */
void model_detach(struct rtcr_child *c, uint32_t rm, uint64_t addr);
/* A managed region map's record (NULL if the child's table is full); its
 * virtual objects are virt.c's (virt_rm_new). */
struct rtcr_rm *model_rm_add(struct rtcr_child *c, uint32_t id, uint32_t session, uint64_t size);
/* The managed region map whose map (or, ds_too, dataspace) has the virtual
 * badge `badge`, over every protected child; *owner if found. */
struct rtcr_rm *model_any_rm_by_badge(uint64_t badge, bool ds_too, struct rtcr_child **owner);
/* Frees the record, its attachments and where it is attached, its virtual
 * objects and rtcr's references. */
void model_rm_free(struct rtcr_rm *m);
/* Frees every record of the child (rtcr's references too); sessions are the
 * caller's (virt.c). */
void model_clear_objects(struct rtcr_child *c);

#endif
