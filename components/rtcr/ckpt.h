/*
 * Checkpoint and restore inside rtcr (rtcr.h is what main.c and disk.c use):
 * what the parts share. One checkpoint or restore runs at a time, on rtcr's
 * entrypoint; its working state is `cut`.
 *
 *   checkpoint.c  ckpt_checkpoint: the steps and their statistics
 *   freeze.c      pause every thread of the cut, read its state; thaw
 *   capture.c     capability spaces and badge tables, resolved to records
 *   memory.c      the dataspaces mapped into rtcr, dirty and zero pages
 *   encode.c      the cut as a lib/image image in memory
 *   images.c      the images in memory, by name and by digest
 *   validate.c    before a restore: the chain, the configuration, quota
 *   restore.c     ckpt_restore: re-create, map, rewrite, resume
 *   compare.c     the restored capability space against the image
 */
#ifndef RTCR_CKPT_H
#define RTCR_CKPT_H

#include "rtcr.h"
#include <capmap.h>
#include <client.h>
#include <ferry/component.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/timer.h>
#include <ferry/ifaces.h>
#include <ferry/object.h>
#include <tables.h>
#include <ferry/macros.h>
#include <ferry/utcb.h>

#define CKPT_MAX_IMAGES     4
#define CKPT_MAX_CAPS       512 /* occupied slots of all children of one cut */
#define CKPT_MAX_TABLE      512
#define CKPT_MAX_THREADS    (RTCR_MAX_CHILDREN * RTCR_THREADS)
#define CKPT_MAX_DS         (RTCR_MAX_CHILDREN * RTCR_DATASPACES)
#define CKPT_MAX_CHAIN      8              /* images of an incremental chain, base included */
#define CKPT_REPLY_BOUND_US (200ul * 1000) /* a thread waiting for a reply from outside */
#define PAGE                4096ul
#define RTCR_AS_SIZE        0x80000000ul /* a component's address space (2 GiB user half) */
#define TIMER_TAG           "rtcr.timer="
#define LINK_TAG            "rtcr.link=" /* a session with a sibling server, an announcement */
/* The capability map badge of a stale slot: unique per slot, above any badge core hands out. */
#define RTCR_STALE_BADGE(slot) (~0ull - (slot))

/* ---- images.c ---- */

struct stored_image {
    bool used;
    char name[32];
    uint8_t *buf;
    uint32_t ds;
    size_t cap; /* bytes of buf (stored_new reuses it for the next image of the name) */
    size_t len;
    bool known;                 /* digest: encoded here, or validated */
    struct image_digest digest; /* what an incremental image names as its parent */
};
/* The parent of the next incremental checkpoint: the last image taken or
 * restored (the cut whose memory the dirty bits are relative to). */
extern struct image_digest ckpt_last_digest;
extern bool ckpt_have_last;
/* A checkpoint failed after it had read and re-armed the dirty bits: the
 * pages written before it are in no image, so no incremental one may follow
 * until a full checkpoint or a restore makes a new base. */
extern bool ckpt_dirty_lost;

/* The base of the next incremental checkpoint: the image ckpt_last_digest
 * names and the ids of its dataspaces, whose dirty bits are relative to it.
 * An incremental image stores the dirty pages of these, and every non-zero
 * page of any other dataspace (one the base does not hold under its id: a
 * second instance restored with shifted ids, a child started after the
 * base, memory a parent or rtcr wrote, which sets no dirty bit). */
void base_from_cut(const struct image_digest *digest);
void base_from_image(const struct image_view *view, uint32_t id_shift);
bool base_holds(uint32_t ds);

/* The image called `name`, or NULL. */
struct stored_image *stored_named(const char *name);
/* A slot for image `name` with room for `len` bytes (an older one of the name goes). */
struct stored_image *stored_new(const char *name, size_t len, long *err);
/* Frees the image's memory and its slot. */
void stored_drop(struct stored_image *im);
/* Whether an image called `name` is on the chain ending in the image whose
 * digest is *from (that image, its parent, ... in memory). */
bool stored_in_chain(const char *name, const struct image_digest *from);
/* The image whose digest is known to be *d, or NULL. */
struct stored_image *stored_by_digest(const struct image_digest *d);

/* ---- the cut being captured (memory.c holds it) ---- */

struct cap_entry {
    struct rtcr_child *c;
    struct image_cap cap;
    uint64_t label; /* the badge the slot held */
};
struct thread_entry {
    struct rtcr_child *c;
    struct rtcr_thread *t;
    struct ferry_thread_state state;
};
struct ds_entry {
    struct rtcr_child *c;
    struct rtcr_ds *ds;
    uint64_t local;  /* attached in rtcr (0: not yet; a checkpoint maps on demand) */
    uint64_t *dirty; /* a bit per page written since the last cut; for a full
                        image then: a bit per page to store (not zero) */
    uint8_t *snap;   /* its first stored page: the contents of its first PAGE
                        record in cut.image (the next one IMAGE_PAGE_SIZE + its
                        record's framing further: image_record_size(IMAGE_PAGE)) */
};
struct cut {
    struct cap_entry caps[CKPT_MAX_CAPS];
    unsigned cap_count;
    struct image_table_entry table[CKPT_MAX_TABLE];
    unsigned table_count;
    struct thread_entry threads[CKPT_MAX_THREADS];
    unsigned thread_count;
    struct ds_entry dss[CKPT_MAX_DS]; /* every recorded dataspace, once */
    unsigned ds_count;
    uint32_t signal_pending[RTCR_MAX_CHILDREN][RTCR_SIGNALS];
    struct stored_image *image; /* the image being made: the snapshot copies the pages to
                                   store, while the cut is frozen, into its PAGE records */
    size_t prefix;              /* bytes of it before the first PAGE record */
};
extern struct cut cut;

/* A RAM dataspace thread states pass through (checkpoint.c, ckpt_init). */
extern uint32_t ckpt_state_ds;
extern struct ferry_thread_state *ckpt_state_page;

/* ---- freeze.c ---- */

/*
 * Pauses every thread of every protected child and reads its state into
 * cut.threads. While a thread waits for a reply (REPLY_WAIT: its call was
 * taken, the answer is owed), everything runs on for a millisecond and is
 * paused again: a server inside the cut answers, one outside has
 * CKPT_REPLY_BOUND_US; past that the checkpoint fails naming the thread and
 * what it waits on.
 */
long cut_freeze(void);

/* ---- capture.c ---- */

/* The name of a kernel object type (FERRY_OBJ_*). */
const char *type_name(uint64_t type);
/* Every occupied slot of c as a CAP record in cut.caps; FERRY_E_BADOBJ
 * (reported) for a slot rtcr cannot account for under the default policy. */
long capture_caps(struct rtcr_child *c);
/* c's badge tables as TABLE records in cut.table (by slot and object): every
 * badge of every table must be what one of its slots holds. Needs the
 * dataspaces mapped (map_dataspaces) and c's caps captured. */
long capture_tables(struct rtcr_child *c);

/* ---- memory.c ---- */

/* Lists every recorded dataspace of every protected child once in cut.dss
 * (not mapped: a checkpoint maps what it reads on demand), each with its
 * dirty bitmap cleared. */
long collect_dataspaces(void);
/* collect_dataspaces, and every one mapped into rtcr (a restore writes them all). */
long map_dataspaces(void);
/* Unmaps what is mapped (also after a partial failure); cut.dss stays listed. */
void unmap_dataspaces(void);
/* Where the child's address `addr` (len bytes) is in rtcr: through the
 * attachment holding it, its dataspace mapped. 0 if nowhere. */
uint64_t local_addr(struct rtcr_child *c, uint64_t addr, uint64_t len);
/* The child's report page (struct ferry_report: its badge tables), checked. */
long find_report(struct rtcr_child *c, const struct ferry_report **out);
/* rtcr's view of every table the report names: copies[i] for table[i]. */
long map_tables(struct rtcr_child *c, const struct ferry_report *report,
                struct tables_copy *copies);
/* Each cut.dss entry's dirty bitmap: the pages written since the last cut,
 * through any attachment of any protected child, re-armed for the next one. */
long harvest_dirty(void);
/* Each dataspace's bitmap becomes its non-zero pages: for a full image all,
 * for an incremental one those the base does not hold (base_holds). */
long mark_nonzero(bool incremental);
/* Pages the image will hold (the bits set). */
uint64_t pages_to_store(void);
/* Pages of dataspace entry e the image will hold. */
uint64_t entry_pages(const struct ds_entry *e);
/* The in-memory snapshot, while the cut is frozen: image `name`'s buffer
 * allocated (encode_reserve) and every page to store copied straight into
 * its place in it, the contents of its PAGE record, so the children can run
 * on while the encoder frames and hashes them in place (no second copy, no
 * second allocation); snapshot_drop frees an image encode_cut did not keep. */
long snapshot_take(const char *name);
void snapshot_drop(void);

/* ---- encode.c ---- */

struct encode_totals {
    bool incremental; /* pages: only the dirty ones (zero or not) */
    unsigned components, threads, pages, zero, clean;
};
/* Image `name`'s buffer for the captured cut (an older one of the name
 * goes): cut.image, room for every record and every page to store;
 * cut.prefix: the bytes before the first PAGE record (exact: every record
 * of a type has one size). */
long encode_reserve(const char *name);
/* Encodes the captured cut as image `name` into cut.image, whose PAGE
 * records' contents the snapshot wrote; the image is kept (cut.image NULL
 * again) and its digest becomes the parent of the next incremental one.
 * *bytes: the image's length. */
long encode_cut(const char *name, struct encode_totals *tot, struct image_stats *stats,
                size_t *bytes);

/* ---- validate.c ---- */

/* The configured child a component of an image is an instance of: the one of
 * its name, else (an instance restored `as NAME2`) the one whose name it
 * extends by digits. NULL if none. */
const struct init_child *configured_child(const char *name);
/* Every component of the image has a configured child whose RAM quota holds
 * its dataspaces, and rtcr can give all those quotas now (reported if not). */
long check_quota(const char *name, const struct image_view *view);
/* Prints `rtcr: image 'NAME' rejected: ...` for a validation fault. */
void report_rejected(const char *name, long err, const struct image_fault *fault);
/* The chain ending in `im`, validated from the base on (each against its
 * parent's digest): views[0] is im. Returns the count, 0 if rejected. */
unsigned validate_chain(struct stored_image *im, struct image_view *views);

/* ---- restore.c ---- */

/* One component being restored. */
struct restore {
    const struct image_view *view;  /* the newest image: every object */
    const struct image_view *chain; /* chain[0] = view .. chain[chain_len - 1] = the base */
    unsigned chain_len;
    uint32_t rm_image; /* the image's id of the component's address space */
    struct image_component comp;
    struct rtcr_child *c;
    char fail[160]; /* what failed, for the message */
};

#define RESTORE_FAIL(r, ...) snprintf((r)->fail, sizeof((r)->fail), __VA_ARGS__)

/* The CAP record of (component, slot), or false. */
bool cap_record(const struct image_view *view, uint32_t comp, uint32_t slot, struct image_cap *cap);
/* The new badge of the object the image's slot `slot` held (parent: the new
 * parent object; stale: RTCR_STALE_BADGE). False if it has none. */
bool new_badge(const struct restore *r, uint32_t slot, uint64_t *badge);

/* ---- compare.c ---- */

/* The restored capability space against the image, slot by slot: type,
 * rights, and the object (its new badge). Prints each mismatch; returns
 * their number, *slots the number of occupied slots. */
unsigned compare_caps(struct restore *r, unsigned *slots);

#endif
