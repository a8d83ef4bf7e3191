/*
 * Client stubs for core's Timer, ROM and dataspace interfaces
 * (include/ferry/iface/). The PD, CPU and RM stubs the runtime itself needs
 * are in env.h (pd_alloc_ram, cpu_create_thread, rm_attach, ...). Each returns
 * the RPC's error; results go through pointers.
 */
#ifndef FERRY_BASE_CLIENT_H
#define FERRY_BASE_CLIENT_H

#include "env.h"

/* Timer session */
long timer_sigh(uint32_t timer, uint32_t signal);
long timer_oneshot(uint32_t timer, uint64_t us);
long timer_periodic(uint32_t timer, uint64_t period_us);
long timer_stop(uint32_t timer);
long timer_elapsed_us(uint32_t timer, uint64_t *us);

/* ROM session: the module as a dataspace (imported) and its size in bytes. */
long rom_dataspace(uint32_t rom, uint32_t *ds, uint64_t *size);
/* Opens the ROM of module `name`, attaches it read-only: *addr, *size, and
 * the session to close (rom_detach) when done. */
long rom_attach(struct env *env, const char *name, uint64_t ram, uint32_t *rom, uint64_t *addr,
                uint64_t *size);
void rom_detach(struct env *env, uint32_t rom, uint64_t addr);

#endif
