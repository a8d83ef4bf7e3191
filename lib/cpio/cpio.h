/*
 * Reader for cpio "newc" archives (magic "070701"; "070702", the same layout
 * with a checksum field, is accepted and the checksum ignored).
 *
 * Each entry is a 110-byte ASCII header (magic + 13 fields of 8 hex digits),
 * the NUL-terminated name padded so header + name is a multiple of 4, then
 * the data padded to a multiple of 4. Offsets are relative to the archive
 * start. The archive ends with an entry named "TRAILER!!!".
 *
 * Shared by the kernel (freestanding) and host tests. The archive is
 * untrusted: every read is checked against archive_size and every call
 * advances *offset, so corrupt input ends in an error, never a fault.
 */
#ifndef FERRY_LIB_CPIO_H
#define FERRY_LIB_CPIO_H

#include <stddef.h>
#include <stdint.h>

enum cpio_error {
    CPIO_OK = 0,
    CPIO_E_TRUNCATED = -1,     /* header past the end (also: archive without trailer) */
    CPIO_E_MAGIC = -2,         /* header does not start with 070701 / 070702 */
    CPIO_E_HEX = -3,           /* a header field holds a non-hex character */
    CPIO_E_NAME_PAST_END = -4, /* namesize runs past the end of the archive */
    CPIO_E_NAME_NUL = -5,      /* namesize 0, name not NUL-terminated, or a NUL inside it */
    CPIO_E_DATA_PAST_END = -6, /* filesize (after name padding) runs past the end */
};

/* File type bits of cpio_entry.mode (as in st_mode). */
#define CPIO_MODE_TYPE 0170000u
#define CPIO_MODE_FILE 0100000u
#define CPIO_MODE_DIR  0040000u

struct cpio_entry {
    const char *name;  /* NUL-terminated, inside the archive, leading "./" stripped */
    uint32_t name_len; /* without NUL */
    const void *data;  /* inside the archive */
    uint64_t size;
    uint32_t mode;
};

/*
 * Reads the entry at *offset (start with 0). Returns 1 and advances *offset
 * to the next entry, 0 at "TRAILER!!!" (*offset stays on the trailer, so
 * further calls return 0 again), or a negative CPIO_E_* on corruption.
 */
int cpio_next(const void *archive, size_t archive_size, size_t *offset, struct cpio_entry *out);
/* Regular file named exactly `name` (no leading "./"): 1 found, 0 not found, < 0 error. */
int cpio_find(const void *archive, size_t size, const char *name, struct cpio_entry *out);
/* "CPIO_E_MAGIC" ... for logs; "CPIO_E_UNKNOWN" for anything else. */
const char *cpio_error_name(int err);

#endif
