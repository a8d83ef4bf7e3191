/*
 * rtcr, the checkpoint/restore runtime (docs/rtcr.md): what its parts share.
 *
 *   main.c   configuration, the parent-server policy, the steps
 *   virt.c   virtual sessions: forwarding to the real ones, recording (model.h)
 *   checkpoint.c, freeze.c, capture.c, memory.c, encode.c, images.c,
 *   validate.c, restore.c, compare.c: checkpoint and restore (ckpt.h)
 *
 * Everything runs on rtcr's entrypoint: no locks.
 */
#ifndef RTCR_H
#define RTCR_H

#include "model.h"
#include <badge_runtime.h>
#include <image/image.h>

struct rtcr {
    struct env *env;
    struct parent_server ps;
    struct init_config config;
    struct rtcr_child children[RTCR_MAX_CHILDREN];
    bool verbose; /* the configuration's `verbose yes`: slot-by-slot lines */
    uint64_t ecu; /* this ECU's number, put into image headers (rtcr's arg `ecu`) */
    bool quiet;   /* `cycle`: no line per checkpoint and restore */
};

extern struct rtcr rtcr;

/* ---- virt.c ---- */

/* Prepares the child's four initial virtual sessions and its main thread's
 * virtual object (registered, real ones not known yet) and fills cfg's
 * initial capabilities with them. */
long virt_prepare(struct rtcr_child *c, struct child_config *cfg);
/* Binds the initial sessions and the main thread to the real ones
 * child_construct made, and records the memory it created. */
long virt_bind(struct rtcr_child *c);
/* The parent-server hooks: a session routed to the parent becomes virtual. */
long virt_session(struct parent_server *ps, struct ps_child *client, struct ps_session *s,
                  uint32_t *gate);
void virt_session_end(struct parent_server *ps, struct ps_child *client, struct ps_session *s);
/* Wraps the real session `real` (rtcr's slot, opened for c) as a virtual one
 * of interface `iface`; the child's capability is *gate. */
struct rtcr_session *virt_wrap(struct rtcr_child *c, unsigned iface, uint32_t real, uint32_t id,
                               uint32_t *gate);
/* Records the real session `real` (rtcr's reference, with its badge) that c
 * holds directly: a service without an interface table entry. */
struct rtcr_session *virt_direct(struct rtcr_child *c, uint32_t real, uint64_t badge, uint32_t id);
/* The interface of a service name (ferry_ifaces), or -1. */
int virt_iface_of(const char *service);
/* A managed region map record `id` (0: a new id) of RM session `session`
 * around `real` (rtcr's reference, taken over): its virtual map and
 * dataspace (RM_DATASPACE of real) registered. NULL with *err on failure
 * (real released). */
struct rtcr_rm *virt_rm_new(struct rtcr_child *c, uint32_t id, uint32_t session, uint64_t size,
                            uint32_t real, long *err);
/* Wraps a recorded dataspace (thread) of c as rtcr's virtual object (ds->v,
 * t->v): what the child is handed instead of core's capability. */
long virt_ds_wrap(struct rtcr_child *c, struct rtcr_ds *ds);
long virt_thread_wrap(struct rtcr_child *c, struct rtcr_thread *t);
/* Unregisters a virtual object and releases rtcr's reference to the real one. */
void virt_vobj_drop(struct rtcr_vobj *o);
/* Records what the parent server's tables hold of c beyond rtcr's virtual
 * sessions (a checkpoint captures them): each service c announced, and each
 * open session of c served by a sibling (the record is dropped with it). */
long virt_sync_links(struct rtcr_child *c);
/* Drops every virtual session and record of the child. */
void virt_release(struct rtcr_child *c);

/* LOG lines of children pass here (main.c: `step when ... logs`). */
void rtcr_child_logged(struct rtcr_child *c, const char *text, uint64_t len);

/* ---- checkpoint and restore (ckpt.h lists the files) ---- */

/* What every checkpoint and restore uses, allocated once at start (so that a
 * first operation does not look like a leak): the thread-state buffer. */
long ckpt_init(void);

/* Checkpoints every living protected child into a new image in memory
 * called `name`; prints the statistics line. `stop`: the children stay
 * frozen (until ckpt_thaw, a kill or exit). */
long ckpt_checkpoint(const char *name, bool incremental, bool stop);
/* Resumes every thread of every protected child. */
void ckpt_thaw(void);
/* Pauses every thread of every protected child. */
void ckpt_pause_all(void);
/* Restores image `name`; `as` names the restored child if not NULL (one
 * component images only). */
long ckpt_restore(const char *name, const char *as);
/* The image's bytes (NULL if none is called so). */
const uint8_t *ckpt_image(const char *name, size_t *len);
/* Room for an image of len bytes called `name` (an older one goes): *buf. */
long ckpt_image_room(const char *name, size_t len, uint8_t **buf);
/* The digest the store claims for image `name` (restore validates it). */
void ckpt_image_set_digest(const char *name, const struct image_digest *digest);
/* Cuts the image `name` to len bytes (a test step). */
void ckpt_image_truncate(const char *name, size_t len);
/* Drops the image `name` from memory. */
void ckpt_image_forget(const char *name);

/* ---- disk.c ---- */

/* Writes the image `name` (in memory) to the disk's image store (formatted
 * if the disk holds none); atomic replace. */
long disk_write_image(const char *name);
/* Reads the image `name` from the disk's store into memory. */
long disk_read_image(const char *name);
/* Drops the images the last disk_read_image brought into memory (a restore
 * that failed: its memory goes back). */
void disk_forget_read(void);
/* Closes the Block session. */
void disk_close(void);

/* ---- main.c ---- */

/* A new protected child entry (NULL if all are used). */
struct rtcr_child *rtcr_child_new(void);
/* Constructs a protected child from its configuration without starting it
 * (restore) or starting it. */
long rtcr_child_create(struct rtcr_child *c, const struct init_child *cfg, const char *name,
                       bool start);
/* Whether core serves `service` (a child's session of it is paid by the
 * child's PD; any other service routed to rtcr's parent is asked for by rtcr
 * with its own quota). */
bool rtcr_core_service(const char *service);
/* The living protected child called `name`, or NULL. */
struct rtcr_child *rtcr_child_named(const char *name);
/* Tears the child down (its PD and everything in it). */
void rtcr_child_kill(struct rtcr_child *c);

#endif
