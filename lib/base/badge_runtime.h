/*
 * The runtime's own badge-level functions: for the base library (client
 * stubs, the entrypoint, the parent server, child construction) and for
 * parents and checkpointers, which work on badges by nature. A component's
 * own code uses env.h, which names capabilities by slot only (the badge rule,
 * docs/framework.md "Badge tables"): every badge a component holds must live
 * in one of the reported tables, where a checkpointer can rewrite it.
 */
#ifndef FERRY_BASE_BADGE_RUNTIME_H
#define FERRY_BASE_BADGE_RUNTIME_H

#include "capmap.h"
#include "env.h"

/* The capability map (badge -> slot + references) of this component. */
extern struct capmap *env_capmap;

/*
 * Takes ownership of a capability that arrived in `slot` with `badge`. If the
 * badge is known, the new slot is freed and the existing one returned with one
 * more reference; otherwise the capability is entered into the map. Returns
 * the slot that now stands for the object (0 if the map is full, or the
 * capability has no badge, i.e. is not a gate or signal from core: the
 * capability is dropped).
 */
uint32_t env_cap_import(uint32_t slot, uint64_t badge);
/* Drops one reference; the slot is unmapped when the last one goes. */
void env_cap_release(uint64_t badge);
/* The slot holding the object with this badge, 0 if none. */
uint32_t env_cap_lookup(uint64_t badge);
/* The badge (gate or IRQ label, as the kernel reports it) of the capability in
 * `slot`; 0 for an empty slot or an object without a label. */
uint64_t env_cap_badge(uint32_t slot);

#endif
