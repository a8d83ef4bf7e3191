/*
 * Core: the root task. It owns every page of RAM left to user space, the root
 * factory and the device windows, and serves the core services (PD, CPU, RM,
 * LOG, ROM, Timer, IRQ, IO_MEM) plus the PARENT interface of init as RPC
 * objects, all on one entrypoint: core's main thread (docs/framework.md, "Core").
 *
 * Every RPC object is a struct core_obj: a badge (unique on this machine, never
 * reused), the kernel gate clients call through (its label is the badge) and an
 * entry in the entrypoint's object pool. Core's struct of every object lives
 * in RAM charged to the session that created it (meta.c, session.c): core has
 * no table that clients share, so a client within its quota always gets what
 * it paid for, and running out of its own quota is E_QUOTA / E_CAPQUOTA.
 *
 * Freeing an RPC object removes its badge from the pool, so calls through any
 * remaining capability fail with E_BADOBJ, and unmaps core's copy of its gate
 * (obj_retire): the kernel frees the gate with its last capability
 * (docs/kernel.md, "Object lifetime"). Kernel objects that stand for a
 * component's resources (its task, threads, pager gate, signals and RPC gates)
 * are destroyed instead (obj_destroy, core_destroy_kernel_object): they stop
 * at once, whoever still holds a capability, and their kernel memory is freed.
 *
 * Names: core's objects are named for what they are on core's side, never like
 * the base library's client stubs or the kernel's objects: struct cpu_thread
 * (not the kernel's struct thread), struct region_map and region_map_attach
 * (not lib/base's rm_attach stub), cpu_session_create_thread (not lib/base's
 * cpu_create_thread stub); RPC handlers are <iface>_op_<operation>.
 *
 * Threads: everything runs on the entrypoint, except the timer thread
 * (timer.c), which shares only the list of timers with it, under timer_lock.
 */
#ifndef FERRY_CORE_H
#define FERRY_CORE_H

#include "../kernel/list.h" /* the kernel's intrusive lists; header only */
#include "args.h"
#include "rpc.h"
#include <ferry/bootinfo.h>
#include <ferry/component.h>
#include <ferry/error.h>
#include <ferry/iface/cpu.h>
#include <ferry/macros.h>
#include <ferry/rpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_ROUND_UP(x) (((x) + FERRY_PAGE_SIZE - 1) & ~(FERRY_PAGE_SIZE - 1))
#define PAGE_ALIGNED(x)  (((x) & (FERRY_PAGE_SIZE - 1)) == 0)

/* Priorities: core's threads run above every component thread (FERRY_CPU_PRIO_MAX). */
#define CORE_EP_PRIO    (FERRY_CPU_PRIO_MAX + 20)
#define CORE_TIMER_PRIO (FERRY_CPU_PRIO_MAX + 30) /* deadlines are met even while core serves */
#define CORE_INIT_PRIO  100                       /* init's main thread */

/*
 * No fixed tables: the struct of every object core keeps for a client lives
 * in a slice of a page charged to that client's session (meta.c), the struct
 * of a session in a page of its own, charged to its donation. Only the object
 * pool and core's capability slots are global, and they are bounded by
 * capabilities: every pool entry is charged one capability and holds at most
 * two of core's slots, and all capability quota comes from init's
 * CORE_INIT_CAPS, so neither can run out while a client has quota left.
 */
#define CORE_POOL_CAPACITY 8192
#define CORE_LABEL_MAX     160 /* "init -> " + a 63-character label, with room to nest */

/* Costs, charged to the account of the session that creates the object
 * (docs/framework.md, "Sessions, labels and quota"). */
#define CORE_SESSION_COST_RAM  FERRY_PAGE_SIZE /* the page holding its struct session */
#define CORE_SESSION_COST_CAPS 1               /* its gate */
#define CORE_THREAD_COST_RAM   FERRY_PAGE_SIZE /* the UTCB (kernel pool, accounted here) */
#define CORE_SLICE_SIZE        192             /* core's struct of any other object */
#define CORE_SLICE_HEADER      64              /* struct meta_page at a page's start */
#define CORE_SLICES_PER_PAGE   ((FERRY_PAGE_SIZE - CORE_SLICE_HEADER) / CORE_SLICE_SIZE) /* 21 */
/* RAM of `n` objects' structs when one session holds them all: whole pages. */
#define CORE_SLICE_PAGES_RAM(n)                                                                    \
    ((((n) + CORE_SLICES_PER_PAGE - 1) / CORE_SLICES_PER_PAGE) * FERRY_PAGE_SIZE)
/* The RAM donation a CPU session needs for `n` threads. */
#define CORE_CPU_SESSION_RAM(n)                                                                    \
    (CORE_SESSION_COST_RAM + (n)*CORE_THREAD_COST_RAM + CORE_SLICE_PAGES_RAM(n))
#define CORE_INIT_CAPS 4096 /* init's capability quota: all there is */
/* The parent object is core's only object not charged to a session. */
_Static_assert(CORE_POOL_CAPACITY >= CORE_INIT_CAPS + 1, "the pool holds every charged object");
_Static_assert(FERRY_COMP_SEL_LIMIT - 64 >= 2 * (CORE_INIT_CAPS + 1) + 16,
               "core's slots hold every charged object's kernel objects");

/* ---- badges (badge.c) ---- */

/* A new badge: base, base + 1, ... (base 1 unless core.cfg says otherwise), never reused. */
uint64_t badge_alloc(void);
/* The largest badge base: 2^63 badges remain above it. */
#define CORE_BADGE_BASE_MAX 0x8000000000000000ull
/* Sets the first badge: E_RANGE for 0 or above CORE_BADGE_BASE_MAX, E_BUSY once a
 * badge was handed out. */
long badge_set_base(uint64_t base);

/* ---- boot options (config.c) ---- */

/* Reads the optional boot module core.cfg and applies it (badge-base); every
 * error is printed as `core: core.cfg:LINE: reason`, then E_INVAL. */
long core_config_read(void);

/* ---- RAM for dataspaces (ram.c) ---- */

/*
 * A physically contiguous run of pages of one boot RAM region. Core reaches
 * every page of those regions through its own mapping (core_addr), set up once
 * at boot, so it can zero, fill and read dataspaces.
 */
struct ram_extent {
    uint32_t mem_sel; /* core's slot of the region's memory capability; 0: none */
    uint32_t region;  /* index in ram.c's region table */
    uint64_t offset;  /* in the memory capability, page aligned */
    uint64_t pages;
    uint8_t *core_addr;
};

/* Takes over every RAM region (ram[0] from `ram0_first_free` on); 0 or an error. */
long ram_init(const struct ferry_bootinfo *bi, uint64_t ram0_first_free);
/* Zeroed contiguous pages; E_NOMEM if no region has such a run. */
long ram_alloc(uint64_t pages, struct ram_extent *out);
/* The same without zeroing: for core's own pages, whose users zero what they use. */
long ram_alloc_dirty(uint64_t pages, struct ram_extent *out);
void ram_free(const struct ram_extent *e);
/* Physical address of the extent's first page (for DMA: DS_PHYS). */
uint64_t ram_paddr(const struct ram_extent *e);
uint64_t ram_free_bytes(void);

/* ---- accounts (account.c) ---- */

/* What a session may use and uses. Invariant: used <= quota for both. */
struct account {
    uint64_t ram_quota, ram_used;
    uint64_t cap_quota, cap_used;
    struct list meta_pages; /* struct meta_page: pages of slices charged here (meta.c) */
    const char *label;      /* the session's, for the message when it runs out */
    bool reported;          /* that message was printed (once until the next upgrade) */
};

/* Returns err (E_QUOTA / E_CAPQUOTA); the first time for the account, prints
 * which quota of which session ran out. */
long account_exhausted(struct account *a, long err);

/* Charges ram bytes and caps, all or nothing: E_QUOTA / E_CAPQUOTA if they do not fit.
 * (Inline: it is on the path of every object core creates.) */
static inline long account_charge(struct account *a, uint64_t ram, uint64_t caps)
{
    if (ram > a->ram_quota - a->ram_used)
        return account_exhausted(a, FERRY_E_QUOTA);
    if (caps > a->cap_quota - a->cap_used)
        return account_exhausted(a, FERRY_E_CAPQUOTA);
    a->ram_used += ram;
    a->cap_used += caps;
    return FERRY_OK;
}

/* Gives back what account_charge took (never below zero, even if a caller got
 * the bookkeeping wrong). */
static inline void account_release(struct account *a, uint64_t ram, uint64_t caps)
{
    a->ram_used -= ram < a->ram_used ? ram : a->ram_used;
    a->cap_used -= caps < a->cap_used ? caps : a->cap_used;
}

/* ---- core's structs of objects, in pages charged to accounts (meta.c) ---- */

/* Charges an object's cost (`ram` bytes, `caps` capabilities) to `a` and takes a
 * slice (CORE_SLICE_SIZE bytes, the first `size` zeroed) for its struct, from
 * a page charged to `a` (a new page costs FERRY_PAGE_SIZE more RAM quota).
 * All or nothing: E_QUOTA / E_CAPQUOTA if it does not fit. */
long meta_alloc(struct account *a, uint64_t ram, uint64_t caps, size_t size, void **out);
/* Gives back the cost and the slice; its page (and the page's charge) with the last slice. */
void meta_free(struct account *a, uint64_t ram, uint64_t caps, void *p);

/* ---- RPC objects (object.c) ---- */

enum obj_kind {
    OBJ_FREE = 0,
    OBJ_SESSION,   /* struct session: one per service session */
    OBJ_PARENT,    /* init's parent object */
    OBJ_DATASPACE, /* struct dataspace */
    OBJ_THREAD,    /* struct cpu_thread */
    OBJ_RM,        /* struct region_map */
    OBJ_NATIVE_PD, /* struct session (PD), its native part */
    OBJ_PAGER,     /* struct session (PD), the pager gate its threads fault to */
    OBJ_SIGNAL,    /* struct pd_cap: a software IRQ (not an RPC object: never called) */
    OBJ_RPC_CAP,   /* struct pd_cap: a gate to a component thread (never reaches core) */
};

struct core_obj {
    struct rpc_object rpc; /* pool handle, interface; rpc.self points back here */
    uint64_t badge;        /* the gate's (or IRQ's) label; core is never checkpointed */
    enum obj_kind kind;    /* OBJ_FREE while not published */
    uint32_t sel;          /* core's slot of the gate (or IRQ) clients hold; 0 if none */
};

void obj_pool_init(void);
struct rpc_pool *obj_pool(void);
/* New badge, a gate with that label bound to `receiver_sel` (core's entrypoint:
 * FERRY_ROOT_SEL_THREAD), entry in the pool. E_NOMEM if pool or kernel are full. */
long obj_publish_gate(struct core_obj *o, enum obj_kind kind, const struct rpc_iface *iface,
                      uint64_t receiver_sel);
/* New badge, a software IRQ (source 0) or hardware IRQ labelled with it, entry in the pool. */
long obj_publish_irq(struct core_obj *o, enum obj_kind kind, const struct rpc_iface *iface,
                     uint64_t source);
/* Removes the object from the pool (its badge is dead from now on) and unmaps core's copy;
 * the kernel frees the gate once no capability to it is left. */
void obj_retire(struct core_obj *o);
/* The same, but the kernel gate or IRQ is destroyed first: every capability to it is
 * dead (E_DEAD), blocked senders or waiters are woken with E_DEAD. */
void obj_destroy(struct core_obj *o);
/* Destroys the kernel object in core's slot `sel` (TASK_UNMAP with FERRY_UNMAP_DESTROY)
 * and gives the slot back; 0: nothing. */
void core_destroy_kernel_object(uint32_t sel);
/* The live object with this badge and kind, or NULL. */
struct core_obj *obj_find(uint64_t badge, enum obj_kind kind);
/* The object behind capability argument i of a request (its badge as received), or NULL. */
struct core_obj *obj_from_cap(const struct rpc_request *req, unsigned i, enum obj_kind kind);
/* Why obj_from_cap found nothing: E_BADOBJ for a capability to an object core freed (its
 * badge is dead), E_INVAL for anything else (no capability, another kind of object). */
long obj_cap_error(const struct rpc_request *req, unsigned i);

/* ---- sessions (session.c) ---- */

enum core_service {
    SVC_PD,
    SVC_CPU,
    SVC_RM,
    SVC_LOG,
    SVC_ROM,
    SVC_TIMER,
    SVC_IRQ,
    SVC_IO_MEM,
    SVC_COUNT
};

struct dataspace;
struct region_map;

#define CORE_UTCB_PAGES ((FERRY_COMP_UTCB_END - FERRY_COMP_UTCB_BASE) / FERRY_PAGE_SIZE)

struct pd_state {
    uint32_t task_sel;        /* core's slot of the kernel task (R|W|...) */
    struct region_map *space; /* the address space (PD_ADDRESS_SPACE) */
    struct core_obj pager;    /* its gate is every thread's pager + exception handler */
    struct core_obj native;   /* OBJ_FREE until PD_NATIVE hands it out */
    bool native_given;        /* PD_NATIVE answers only once */
    struct dataspace *report; /* one page, PD_REPORT: the runtime's badge tables */
    /* UTCB pages in [FERRY_COMP_UTCB_BASE, FERRY_COMP_UTCB_END): bit i set = page i
     * belongs to a live thread. A killed thread's kernel object (and so its
     * UTCB mapping) is destroyed before its bit is cleared, so a new thread
     * may get the address at once. */
    uint64_t utcb_used[CORE_UTCB_PAGES / 64];
};

/* A timer session's timer (timer.c); shared with the timer thread under its lock. */
struct timer_entry {
    struct list link; /* in timer.c's list of timers */
    bool armed;
    uint32_t sigh_sel; /* core's slot of the signal to trigger; 0: none */
    uint64_t deadline_us;
    uint64_t period_us; /* 0: one-shot */
};

/* Lives in a page of its own (ram), charged to its own account as
 * CORE_SESSION_COST_RAM; linked in session.c's list while open. */
struct session {
    struct core_obj obj; /* OBJ_SESSION */
    struct list link;    /* in session.c's list of open sessions */
    struct ram_extent ram;
    enum core_service service;
    struct account account;
    /* The PD session whose account donated this one's quota (and gets it back on
     * close), or NULL for init's own PD, which core funds. Closing a PD session
     * first closes every session it pays for, so this never dangles. */
    struct session *payer;
    char label[CORE_LABEL_MAX];
    union {
        struct pd_state pd;
        struct {
            uint64_t exception_sigh; /* badge of the signal, 0: none */
        } cpu;
        struct {
            struct dataspace *ds;
            uint64_t size; /* of the module */
        } rom;
        struct timer_entry timer;
        struct {
            unsigned source; /* index in device.c's IRQ table */
        } irq;
        struct {
            struct dataspace *ds;
            unsigned device; /* index in the boot info's devices[] */
        } io_mem;
    };
};

/* A session request as PARENT_SESSION carries it. */
struct session_request {
    uint64_t ram, caps;
    char service[FERRY_NAME_MAX];
    char label[FERRY_LABEL_MAX];
    char args[FERRY_ARGS_MAX];
};

/* Decodes PARENT_SESSION's words (FERRY_SESSION_W_*). */
void session_request_decode(const uint64_t *mr, struct session_request *out);
/*
 * Opens a session: moves the donation from payer's account (NULL: core funds
 * it, only for init's PD), labels it "<requester> -> <label>", charges the
 * session's own cost to the donation and runs the service's open.
 */
long session_open(struct session *payer, const char *requester, const struct session_request *req,
                  struct session **out);
/* Adds quota from the session's payer. E_DENIED for a session core funds. */
long session_upgrade(struct session *s, uint64_t ram, uint64_t caps);
/* Frees everything the session owns and returns its quota to the payer. */
void session_close(struct session *s);
struct session *session_of(void *object); /* dispatch's object -> session */
/* The session behind capability argument i if it is one of `service`, else NULL. */
struct session *session_from_cap(const struct rpc_request *req, unsigned i,
                                 enum core_service service);

/* Services: open (session fields zeroed, label set; E_* on failure, having undone
 * what it did) and close (free everything the session owns). */
extern const struct rpc_iface pd_iface, npd_iface, cpu_iface, cpu_thread_iface, rm_session_iface,
    region_map_iface, ds_iface, log_iface, rom_iface, timer_iface, irq_iface, io_mem_iface,
    parent_iface, pager_iface, signal_iface, rpc_cap_iface;
long pd_open(struct session *s, const char *args);
void pd_close(struct session *s);
long cpu_open(struct session *s, const char *args);
void cpu_close(struct session *s);
long rm_session_open(struct session *s, const char *args);
void rm_session_close(struct session *s);
long log_open(struct session *s, const char *args);
void log_close(struct session *s);
long rom_open(struct session *s, const char *args);
void rom_close(struct session *s);
long timer_open(struct session *s, const char *args);
void timer_close(struct session *s);
long irq_open(struct session *s, const char *args);
void irq_close(struct session *s);
long io_mem_open(struct session *s, const char *args);
void io_mem_close(struct session *s);

/* ---- dataspaces (dataspace.c) ---- */

enum ds_kind { DS_RAM, DS_DEVICE, DS_MANAGED };

/* In a slice charged to its owner (meta.c). */
struct dataspace {
    struct core_obj obj; /* OBJ_DATASPACE */
    struct list link;    /* in dataspace.c's list */
    enum ds_kind kind;
    uint32_t flags; /* FERRY_DS_* */
    uint64_t size;  /* bytes, page multiple */
    /* RAM and device: the memory capability and the offset of the first page */
    uint32_t mem_sel;
    uint64_t mem_offset;
    uint8_t *core_addr;         /* RAM: core's mapping; NULL for device memory */
    struct ram_extent ram;      /* RAM: what to give back */
    struct region_map *managed; /* DS_MANAGED: the region map behind it */
    struct session *owner;      /* whose account paid; freed when it closes */
    uint64_t charged_ram, charged_caps;
};

/* A RAM dataspace of `size` bytes (rounded up to pages), zeroed, charged to
 * owner: its pages + 1 cap + a slice. flags: FERRY_DS_WRITABLE or 0 (ROM). */
long ds_alloc_ram(struct session *owner, uint64_t size, uint32_t flags, struct dataspace **out);
/* A dataspace over a device window (never executable), charged 1 cap + a slice. */
long ds_create_device(struct session *owner, uint32_t mem_sel, uint64_t offset, uint64_t size,
                      struct dataspace **out);
/* The dataspace of a managed region map, charged 1 cap + a slice to the map's owner. */
long ds_create_managed(struct session *owner, struct region_map *rm, struct dataspace **out);
/* Detaches it everywhere, gives its memory back to core and its charge back to the owner. */
void ds_free(struct dataspace *ds);
/* Frees every dataspace `owner` paid for. */
void ds_free_owned_by(struct session *owner);

/* ---- region maps (rm.c) ---- */

/* An attachment; in a slice charged to the map's owner (meta.c). */
struct region {
    struct list link; /* in rm.c's list of all attachments */
    struct region_map *rm;
    struct region *next; /* in rm's list, sorted by start */
    struct dataspace *ds;
    uint64_t start, size; /* in the map */
    uint64_t offset;      /* into the dataspace */
    uint32_t rights;      /* FERRY_RIGHT_R|W|X */
};

/* In a slice charged to its owner (meta.c). */
struct region_map {
    struct core_obj obj;        /* OBJ_RM */
    struct list link;           /* in rm.c's list of maps */
    struct session *owner;      /* charged: the PD (address space) or the RM session (managed) */
    struct session *pd;         /* address space of this PD; NULL for a managed map */
    uint64_t base, end;         /* addresses that may be attached: [base, end) */
    uint64_t any_base, any_end; /* where FERRY_RM_ANY searches */
    struct region *regions;
    struct dataspace *ds; /* managed: the map as a dataspace */
    uint64_t fault_sigh;  /* badge of the fault-handler signal, 0: none */
};

long region_map_create_space(struct session *pd, struct region_map **out);
long region_map_create_managed(struct session *owner, uint64_t size, struct region_map **out);
/* Detaches everything (a managed map is detached wherever it is attached) and frees it. */
void region_map_destroy(struct region_map *rm);
void region_map_destroy_owned_by(struct session *owner);
long region_map_attach(struct region_map *rm, struct dataspace *ds, uint64_t addr, uint64_t size,
                       uint64_t offset, unsigned flags, uint64_t *out_addr);
long region_map_detach(struct region_map *rm, uint64_t addr);
/* Detaches every region that shows `ds`. */
void region_map_detach_everywhere(struct dataspace *ds);

enum region_map_resolution {
    REGION_MAP_MAPPED,     /* the page is mapped now: reply, the thread retries */
    REGION_MAP_PENDING,    /* a managed map has nothing at that offset yet: wait for its owner */
    REGION_MAP_UNRESOLVED, /* nothing attached, or the access is not allowed */
};
/* Resolves a page fault at `addr` (access: FERRY_RIGHT_R/W/X) in the address space `space`;
 * for REGION_MAP_PENDING, *pending is the managed map and *offset the offset in it. */
enum region_map_resolution region_map_resolve(struct region_map *space, uint64_t addr,
                                              unsigned access, struct region_map **pending,
                                              uint64_t *offset);

/* ---- threads (cpu.c) ---- */

/* In a slice charged to its CPU session (meta.c). */
struct cpu_thread {
    struct core_obj obj; /* OBJ_THREAD */
    struct list link;    /* in cpu.c's list of threads */
    struct session *cpu, *pd;
    uint32_t ksel; /* core's slot of the kernel thread */
    uint64_t utcb, kobj_id;
    char name[FERRY_NAME_MAX];
    bool started;
    bool paused; /* THREAD_PAUSE by the client */
    bool halted; /* stopped by core on a fault it could not resolve */
    /* the fault that halted it (THREAD_INFO, RM_STATE) */
    unsigned fault_kind;   /* FERRY_THREAD_FAULT_* */
    unsigned fault_access; /* FERRY_RM_FAULT_* */
    uint64_t fault_addr, fault_pc, fault_seq;
    struct region_map *waiting_on; /* map whose RM_STATE reports the fault; NULL: none */
    uint64_t fault_offset;         /* the fault's address in waiting_on */
};

/* A thread of `pd` charged to `cpu`, its UTCB at `utcb` (FERRY_CPU_UTCB_ANY: the PD's
 * next free page): E_ALIGN / E_RANGE / E_OCCUPIED for a bad requested address. */
long cpu_session_create_thread(struct session *cpu, struct session *pd, uint64_t prio,
                               uint64_t utcb, const char *name, struct cpu_thread **out);
void cpu_session_kill_thread(struct cpu_thread *t);
void cpu_kill_threads_of_pd(struct session *pd);
long cpu_thread_start(struct cpu_thread *t, uint64_t pc, uint64_t sp);
struct cpu_thread *cpu_thread_by_kobj(struct session *pd, uint64_t kobj_id);
/* Suspends a thread on a fault core could not resolve and records it. */
void cpu_thread_halt(struct cpu_thread *t, unsigned kind, unsigned access, uint64_t addr,
                     uint64_t pc, struct region_map *waiting_on, uint64_t offset);
/* Lets every thread halted on a fault in `rm` retry (something was attached there). */
void cpu_wake_waiters(struct region_map *rm);
/* The oldest fault recorded against `rm`, or NULL. */
struct cpu_thread *cpu_oldest_waiter(struct region_map *rm);
/* Forgets `rm` in every thread that waits on it (the map goes away; they stay halted). */
void cpu_forget_rm(struct region_map *rm);

/* ---- signals and RPC gates of PD sessions (pd.c) ---- */

/* In a slice charged to its PD session (meta.c). */
struct pd_cap {
    struct core_obj obj; /* OBJ_SIGNAL or OBJ_RPC_CAP */
    struct list link;    /* in pd.c's list */
    struct session *pd;
};

/* Triggers the signal with this badge if it still exists (entrypoint only). */
void signal_trigger(uint64_t badge);
/* The signal behind capability argument i, or NULL. */
struct pd_cap *signal_from_cap(const struct rpc_request *req, unsigned i);

/* ---- timer (timer.c) ---- */

long timer_service_init(void);
/* A signal is going away: no timer may trigger its slot any more. */
void timer_forget_signal(uint32_t sel);

/* ---- devices (device.c) ---- */

void device_init(const struct ferry_bootinfo *bi);

/* ---- boot modules (rom.c) ---- */

const struct ferry_boot_module *rom_find_module(const char *name);
/* Core's view of the boot modules archive (mapped read-only once). */
long rom_init(const struct ferry_bootinfo *bi);
const uint8_t *rom_module_data(const struct ferry_boot_module *m);

/* ---- init (parent.c, init_start.c) ---- */

long parent_create(struct session *init_pd, struct core_obj **out);
/* Loads and starts init; 0, or an error after printing why. */
long init_start(void);

/* ---- main.c ---- */

extern const struct ferry_bootinfo *core_bootinfo;
/* Powers the machine off (init exited, or boot failed). */
void core_poweroff(int failure) __attribute__((noreturn));
/* An invariant of core is broken (core's bug, never a client's doing): prints
 * "core: panic: <reason>" and powers off as a failure. Core has no assertions
 * besides this; everything a client can cause is an error returned to it. */
void core_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
