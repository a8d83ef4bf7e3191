/*
 * Client stubs of the RPC interfaces of include/ferry/iface/: one short
 * function per operation, in lib/base/client/IFACE.c, the only code besides
 * the servers' dispatch that knows a message's layout. Each returns the RPC's
 * error (enum ferry_error, or the kernel's if the IPC failed); results go
 * through out-parameters and are valid only when it returns FERRY_OK (a
 * reply with fewer words than the operation's _out structure is E_INVAL).
 * Capability results are imported into the capability map (env_import_cap:
 * the caller owns one reference, env_cap_drop drops it); capability
 * arguments are sent with all rights the caller holds and stay the caller's.
 *
 * The parent interface (include/ferry/iface/parent.h) has its stubs in env.h
 * and root.h (env_session, env_announce, env_serve, ...).
 */
#ifndef FERRY_BASE_CLIENT_H
#define FERRY_BASE_CLIENT_H

#include "env.h"
#include "rpc.h"
#include <ferry/iface/block.h>
#include <ferry/iface/nic.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/iface/log.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/rom.h>
#include <ferry/iface/store.h>
#include <ferry/iface/timer.h>
#include <stdint.h>

/* ---- what the stubs are made of (client/call.c) ---- */

/*
 * Calls `gate` with `in_words` words and `in_caps` capabilities already in
 * the UTCB. On success copies the first `out_words` result words to `out`
 * (the operation's _out structure, or for a one-word result the caller's
 * uint64_t) and, if `cap` is not NULL, imports the result capability into
 * *cap. E_INVAL if the reply has fewer words (rpc_call_reply) or no
 * capability; capabilities nobody asked for are released. Inline, so that
 * each stub compiles to the call and its own copy (the constant counts fold).
 */
static inline __attribute__((always_inline)) long client_call(uint64_t gate, unsigned opcode,
                                                              unsigned in_words, unsigned in_caps,
                                                              void *out, unsigned out_words,
                                                              uint32_t *cap)
{
    struct rpc_result res;
    long err = rpc_call_reply(gate, opcode, in_words, in_caps, out_words, cap ? &res : NULL);
    if (err)
        return err;
    const uint64_t *mr = rpc_mr();
#pragma GCC unroll 16
    for (unsigned i = 0; i < out_words; i++) /* before the import */
        ((uint64_t *)out)[i] = mr[i];
    if (!cap)
        return FERRY_OK;
    *cap = res.caps ? env_import_result(&res) : 0;
    return *cap ? FERRY_OK : FERRY_E_INVAL;
}

/* An operation whose arguments are capabilities 0..index, the last being
 * `cap` (the others already set with rpc_send_cap), with no result. */
static inline long client_call_cap(uint64_t gate, unsigned opcode, unsigned index, uint32_t cap)
{
    rpc_send_cap(index, cap, FERRY_RIGHTS_ALL);
    return rpc_call(gate, opcode, 0, index + 1, NULL);
}
/* An operation without arguments whose result is one capability, imported. */
long rpc_get_cap(uint32_t object, unsigned opcode, uint32_t *cap);

/* A session of `service` (ram and caps donated) whose operation `buffer_op`
 * returns a dataspace, attached read-write at *addr (Block, Nic). On failure
 * nothing stays open. */
long client_open_buffer(struct env *env, const char *service, const char *label, const char *args,
                        uint64_t ram, uint64_t caps, unsigned buffer_op, uint32_t *session,
                        uint32_t *ds, void **addr);
/* Detaches the buffer, releases it and closes the session. */
void client_close_buffer(struct env *env, uint32_t session, uint32_t ds, void *addr);

/* ---- PD session (client/pd.c) ---- */

long pd_alloc_ram(uint32_t pd, uint64_t bytes, uint32_t *ds);
/* PD_FREE_RAM, and the dataspace's capability dropped (env_cap_drop). */
long pd_free_ram(uint32_t pd, uint32_t ds);
/* The new object's badge goes to *badge unless it is NULL: a parent or
 * checkpointer may want it, a component's own code passes NULL (the badge
 * rule, env.h; the runtime keeps it in the capability map). */
long pd_alloc_rpc_cap(uint32_t pd, uint32_t thread, uint32_t *gate, uint64_t *badge);
long pd_free_rpc_cap(uint32_t pd, uint32_t gate);
long pd_alloc_signal(uint32_t pd, uint32_t *signal, uint64_t *badge);
long pd_free_signal(uint32_t pd, uint32_t signal);
long pd_quota(uint32_t pd, struct ferry_pd_quota_out *quota);
long pd_address_space(uint32_t pd, uint32_t *rm);
long pd_report(uint32_t pd, uint32_t *ds);
long pd_native(uint32_t pd, uint32_t *npd);

/* native PD */
long npd_map(uint32_t npd, uint32_t cap, uint64_t slot, uint64_t rights);
long npd_unmap(uint32_t npd, uint64_t slot);
long npd_cap_info(uint32_t npd, uint64_t slot, struct ferry_npd_cap_info_out *info);
long npd_cap_next(uint32_t npd, uint64_t slot, uint64_t *next);
/* NPD_CAP_BATCH: up to FERRY_NPD_CAP_BATCH_MAX occupied slots from `slot` on
 * into *out (head.count entries; head.next the slot to continue from, 0 at the
 * end). E_INVAL if the reply's count or entry version is not one it knows;
 * E_RANGE for a start slot outside 1..16383. */
long npd_cap_batch(uint32_t npd, uint64_t slot, struct ferry_npd_cap_batch_out *out);
long npd_report(uint32_t npd, uint32_t *ds);

/* ---- CPU session and threads (client/cpu.c) ---- */

/* A thread of `pd` in CPU session `cpu`, not started (thread_start). */
long cpu_create_thread(uint32_t cpu, uint32_t pd, const char *name, unsigned prio,
                       uint32_t *thread);
/* The same with the UTCB at `utcb` (FERRY_CPU_UTCB_ANY: anywhere), as a restore needs. */
long cpu_create_thread_at(uint32_t cpu, uint32_t pd, const char *name, unsigned prio, uint64_t utcb,
                          uint32_t *thread);
long cpu_kill_thread(uint32_t cpu, uint32_t thread);
long cpu_exception_sigh(uint32_t cpu, uint32_t signal);

long thread_start(uint32_t thread, uint64_t pc, uint64_t sp);
long thread_pause(uint32_t thread);
long thread_resume(uint32_t thread);
/* THREAD_STATE_GET / _SET of the parts sel names (FERRY_TS_*); without _sel: all. */
long thread_state_get_sel(uint32_t thread, uint32_t ds, uint64_t sel);
long thread_state_set_sel(uint32_t thread, uint32_t ds, uint64_t sel);
long thread_state_get(uint32_t thread, uint32_t ds);
long thread_state_set(uint32_t thread, uint32_t ds);
long thread_info(uint32_t thread, struct ferry_thread_info_out *info);

/* ---- RM session and region maps (client/rm.c) ---- */

long rm_create(uint32_t rm_session, uint64_t size, uint32_t *rm);
long rm_destroy(uint32_t rm_session, uint32_t rm);

long rm_attach(uint32_t rm, uint32_t ds, uint64_t at, uint64_t size, uint64_t offset,
               unsigned flags, uint64_t *addr);
long rm_detach(uint32_t rm, uint64_t addr);
long rm_fault_handler(uint32_t rm, uint32_t signal);
long rm_state(uint32_t rm, struct ferry_rm_state_out *state);
long rm_dataspace(uint32_t rm, uint32_t *ds);
/* Pages of an address space written since attached or last cleared (RM_DIRTY). */
long rm_dirty(uint32_t rm, uint64_t at, uint64_t pages, unsigned flags,
              struct ferry_rm_dirty_out *out);

/* ---- dataspace (client/dataspace.c) ---- */

long ds_info(uint32_t ds, struct ferry_ds_info_out *info);
/* The physical address of a writable RAM dataspace (for DMA). */
long ds_phys(uint32_t ds, uint64_t *paddr);

/* ---- ROM session (client/rom.c) ---- */

/* The module as a dataspace (imported) and its size in bytes. */
long rom_dataspace(uint32_t rom, uint32_t *ds, uint64_t *size);
/* Opens the ROM of module `name`, attaches it read-only: *addr, *size, and
 * the session to close (rom_detach) when done. */
long rom_attach(struct env *env, const char *name, uint64_t ram, uint32_t *rom, uint64_t *addr,
                uint64_t *size);
void rom_detach(struct env *env, uint32_t rom, uint64_t addr);

/* ---- LOG session (client/log.c) ---- */

/* One line of `len` (<= FERRY_LOG_MAX) bytes. */
long log_write(uint32_t log, const char *text, uint64_t len);

/* ---- Timer session (client/timer.c) ---- */

long timer_sigh(uint32_t timer, uint32_t signal);
long timer_oneshot(uint32_t timer, uint64_t us);
long timer_periodic(uint32_t timer, uint64_t period_us);
long timer_stop(uint32_t timer);
long timer_elapsed_us(uint32_t timer, uint64_t *us);

/* ---- IRQ and IO_MEM sessions (client/device.c) ---- */

long irq_object(uint32_t irq, uint32_t *object);
long io_mem_dataspace(uint32_t io_mem, uint32_t *ds);
long io_mem_info(uint32_t io_mem, struct ferry_io_mem_info_out *info);

/* ---- Block session (client/block.c; docs/block.md) ---- */

long block_info(uint32_t session, struct ferry_block_info_out *info);
/* The session's buffer dataspace (imported). */
long block_buffer(uint32_t session, uint32_t *ds);
/* count sectors from lba into / out of the buffer at byte offset. */
long block_read(uint32_t session, uint64_t lba, uint64_t count, uint64_t offset);
long block_write(uint32_t session, uint64_t lba, uint64_t count, uint64_t offset);
long block_sync(uint32_t session);

/* A Block session with its buffer attached read-write. */
struct block_client {
    uint32_t session;
    uint32_t ds;
    uint8_t *buf;                     /* the buffer: info.buffer_size bytes */
    struct ferry_block_info_out info; /* as at open */
};

/* Opens a Block session with a buffer of `buffer_bytes` (0: the driver's
 * default), donating what it needs, attaches the buffer and reads the info.
 * On failure nothing stays open. */
long block_open(struct env *env, const char *label, uint64_t buffer_bytes, struct block_client *c);
/* Detaches the buffer and closes the session. */
void block_close(struct env *env, struct block_client *c);

/* ---- Nic session (client/nic.c; docs/network.md) ---- */

long nic_info(uint32_t session, struct ferry_nic_info_out *info);
/* The session's shared buffer dataspace (imported). */
long nic_buffer(uint32_t session, uint32_t *ds);
/* Gives the driver `signal`, triggered on received frames, freed transmit
 * slots and link changes. */
long nic_sigh(uint32_t session, uint32_t signal);
/* Tells the driver the transmit ring has new frames. */
long nic_tx(uint32_t session);

/* A Nic session with its shared buffer attached read-write. */
struct nic_client {
    uint32_t session;
    uint32_t ds;
    struct ferry_nic_shared *shared; /* the rings */
    uint32_t rx_tail;                /* the client's own copy of shared->rx.tail */
    uint32_t tx_head;                /* the client's own copy of shared->tx.head */
    uint8_t mac[6];
    struct ferry_nic_info_out info; /* as at open */
};

/* Opens a Nic session, donating what it needs, attaches the buffer, reads
 * the info and registers `signal` (0: none). On failure nothing stays open. */
long nic_open(struct env *env, const char *label, uint32_t signal, struct nic_client *c);
/* Detaches the buffer and closes the session. */
void nic_close(struct env *env, struct nic_client *c);
/* Puts a frame of len bytes into the transmit ring (no NIC_TX yet).
 * E_NOMEM: the ring is full; E_INVAL: len outside FRAME_MIN..FRAME_MAX. */
long nic_put(struct nic_client *c, const void *frame, uint32_t len);
/* The next received frame (its bytes stay valid until nic_rx_done), or NULL. */
const uint8_t *nic_rx_peek(struct nic_client *c, uint32_t *len);
/* Frees the frame nic_rx_peek returned. */
void nic_rx_done(struct nic_client *c);

/* ---- Store, object and Relay: the example service (client/store.c) ---- */

long store_create(uint32_t store, uint64_t value, uint32_t *object, uint64_t *id);
long store_shared(uint32_t store, uint32_t *ds);
long store_sum(uint32_t store, uint64_t count, uint64_t *sum);
long store_lookup(uint32_t store, uint64_t id, uint32_t *object);
long object_get(uint32_t object, uint64_t *value);
long object_add(uint32_t object, uint64_t n, uint64_t *value);
long relay_give(uint32_t relay, uint32_t object, uint64_t *value);

#endif
