/*
 * Randomized system call stress test: shared declarations.
 *
 * The root task throws STRESS_CALLS random system calls at the kernel, with
 * random arguments, while victim threads (in the root task and in victim
 * tasks) sit in every thread state. Calls that would legitimately end the
 * test are defused before they are issued (see calls.c, "Safety rules"): the
 * point is to find kernel crashes and hangs, not to watch the test shoot
 * itself.
 */
#ifndef STRESS_H
#define STRESS_H

#include <runtime.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef STRESS_SEED /* overridable to explore other sequences */
#define STRESS_SEED 0x5eed0f3e44c0ffeeull
#endif
#define STRESS_CALLS 100000u

/* Slots 32..80 of the root hold the victims; random selectors mostly land in
 * 0..80. Infrastructure the test itself needs lives from INFRA_FIRST on. */
#define VICTIM_FIRST 32
#define VICTIM_LAST  80
#define INFRA_FIRST  100
/* Master copies of the victim slots, put back when random unmaps empty them. */
#define MASTER_FIRST 300

/* The only part of its own address space the root lets random calls touch
 * (MEM_MAP/UNMAP/PROTECT on itself, UTCBs of threads created in itself). */
#define SCRATCH_VA    0x50000000ul
#define SCRATCH_PAGES 256ul

/* The kernel starts the root thread at this priority (kernel/boot.c). Victims
 * stay below it so that a spinning victim never starves the storm. */
#define ROOT_PRIO   100u
#define ECHO_PRIO   120u
#define WATCH_PRIO  200u

/* Layout of every victim task */
#define VICTIM_STACK_VA 0x00800000ul
#define VICTIM_UTCB_VA  0x00900000ul
/* Victim task cap slots, filled at setup */
#define VSEL_ROOT_SERVER_GATE 1 /* gate to a root-task server (v_server) */
#define VSEL_IRQ              2 /* software IRQ */
#define VSEL_PEER_GATE        3 /* gate to the raw server of victim task A */
#define VSEL_ECHO_GATE        4 /* gate to the echo server */
#define VSEL_ROOT_GATE        5 /* gate received by the root itself */
#define VSEL_HOARD_GATE       6 /* gate to a server that sits on calls unreplied */
#define VSEL_COUNT            7

/* ---- rng.c: xorshift64* ---- */
void rng_seed(uint64_t seed);
uint64_t rnd(void);
uint64_t rnd_below(uint64_t n); /* 0 .. n-1 */
bool chance(unsigned percent);

/* ---- registry.c: what the root knows about every object id ---- */
enum mem_kind {
    MEM_NONE,      /* not memory */
    MEM_RAM0,      /* the runtime's heap: victims get only its last pages writable */
    MEM_NO_WRITE,  /* root image, device windows: never writable outside the root */
    MEM_FREE,      /* other RAM, boot modules: nobody depends on their contents */
};

struct sel_info {
    uint64_t type, rights, id;
};

/* cap_info of the root's own slot; false if empty or invalid. */
bool sel_lookup(uint64_t sel, struct sel_info *out);
/* The object id in a root slot, 0 if none. */
uint64_t sel_id(uint64_t sel);

void reg_init(const struct ferry_bootinfo *bi);
/* Records an object the root just created into its slot `dest`. For threads,
 * task_id is the id of their task; for gates, receiver_id that of their thread. */
void reg_created(uint64_t type, uint64_t dest, uint64_t task_id, uint64_t receiver_id);
/* Registers a thread of the root task the test depends on: random calls must
 * never suspend, reconfigure or rewrite it. */
void reg_protect_thread(uint64_t sel);

uint64_t reg_root_task_id(void);
uint64_t reg_root_thread_id(void);
bool reg_is_protected_thread(uint64_t id);
/* Thread running in the root's address space (or unknown): its registers may
 * only be written back unchanged, its pc only pointed at unmapped addresses. */
bool reg_is_root_side_thread(uint64_t id);
/* Object that must reach victim tasks with R rights at most. */
bool reg_is_dangerous(uint64_t id);
enum mem_kind reg_mem_kind(uint64_t id);
/* The thread a gate delivers to, 0 if unknown. */
uint64_t reg_gate_receiver(uint64_t id);
uint64_t reg_echo_thread_id(void);
void reg_set_echo(uint64_t thread_id);

/* RAM window of ram[0] (offset and pages) victims may map writable. */
extern uint64_t victim_window_offset, victim_window_pages;
extern uint64_t image_start, image_end; /* the root's image (bootinfo) */

/* ---- victims.c ---- */
/* Starts the victim threads and tasks in slots VICTIM_FIRST.. and the
 * infrastructure (echo server, watchdog) from INFRA_FIRST on. */
void victims_setup(const struct ferry_bootinfo *bi);
/* A pc a victim thread may be pointed at: a loop entry or garbage. */
uint64_t victim_random_pc(void);
/* Refills victim slots that random calls emptied; returns how many. */
unsigned victims_restore(void);
/* Watchdog: the storm bumps progress; a stall of several seconds fails. */
extern volatile uint64_t stress_progress;
extern volatile bool stress_running;
extern volatile uint64_t stress_last_call[7];

/* Destroys every victim (through the master copies) that is still alive;
 * returns how many were destroyed. */
unsigned victims_destroy(void);

/* ---- exhaust.c ---- */
/* Creates objects until the kernel pool is empty; returns how many. */
unsigned exhaust_kernel_pool(void);
/* Destroys what exhaust_kernel_pool created; returns how many. */
unsigned exhaust_release(void);

/* ---- calls.c ---- */
struct stress_stats {
    uint64_t result[FERRY_ERROR_COUNT + 1]; /* last: codes outside the ABI */
    uint64_t calls;                         /* random calls issued */
    uint64_t per_call[64];                  /* random calls per syscall number (63: invalid) */
    uint64_t per_call_ok[64];               /* ... of which succeeded */
    uint64_t defused;                       /* calls changed by the safety rules */
    uint64_t created;                       /* objects created by random calls */
    uint64_t destroyed;                     /* objects destroyed by random calls */
    uint64_t states_read[5];                /* successful THREAD_READs per run state */
};
extern struct stress_stats stats;
/* May TASK_UNMAP(task, sel, FERRY_UNMAP_DESTROY) be issued? Not if the slot
 * names the root task or a thread the test depends on (or cannot be read). */
bool destroy_allowed(uint64_t task, uint64_t sel);
/* Issues one random call (sometimes mutating the root's UTCB first). */
void stress_one(void);
/* Re-reads which object type each of the root's slots 0..SLOT_CACHE-1 holds. */
#define SLOT_CACHE 128
void slot_cache_refresh(void);

#endif
