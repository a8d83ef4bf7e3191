/*
 * cpio newc reader (see cpio.h for the format and the safety rules).
 */
#include <ferry/macros.h>
#include "common/bytes.h"
#include "cpio.h"

#include <stdbool.h>

#define CPIO_HEADER_SIZE 110u
#define CPIO_MAGIC_SIZE  6u
#define CPIO_FIELDS      13u
/* Indices of the 8-digit fields after the magic. */
#define CPIO_FIELD_MODE     1u
#define CPIO_FIELD_FILESIZE 6u
#define CPIO_FIELD_NAMESIZE 11u

static const char trailer_name[] = "TRAILER!!!";


/* Value of hex digit c, or -1. */
static int hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses the 8 hex digits at p. */
static int parse_field(const uint8_t *p, uint32_t *out)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < 8; i++) {
        int digit = hex_digit(p[i]);
        if (digit < 0)
            return CPIO_E_HEX;
        value = value << 4 | (uint32_t)digit;
    }
    *out = value;
    return CPIO_OK;
}

/*
 * Bytes needed to pad position `pos` to a multiple of 4, or SIZE_MAX if the
 * padding would run past `limit` (so callers compare against what is left).
 */
static size_t padding(size_t pos, size_t limit)
{
    size_t pad = (4 - pos % 4) % 4;
    return pad > limit - pos ? SIZE_MAX : pad;
}

int cpio_next(const void *archive, size_t archive_size, size_t *offset, struct cpio_entry *out)
{
    const uint8_t *a = archive;
    size_t off = *offset;
    uint32_t field[CPIO_FIELDS];

    if (off > archive_size || archive_size - off < CPIO_HEADER_SIZE)
        return CPIO_E_TRUNCATED;
    const uint8_t *header = a + off;
    if (!bytes_equal((const char *)header, "07070", 5) || (header[5] != '1' && header[5] != '2'))
        return CPIO_E_MAGIC;
    /* All fields must be hex, even those we ignore: anything else means corruption. */
    for (unsigned i = 0; i < CPIO_FIELDS; i++) {
        if (parse_field(header + CPIO_MAGIC_SIZE + 8 * i, &field[i]) != CPIO_OK)
            return CPIO_E_HEX;
    }

    /* The name: namesize bytes including exactly one NUL, at the end. */
    size_t name_off = off + CPIO_HEADER_SIZE;
    uint32_t name_size = field[CPIO_FIELD_NAMESIZE];
    if (name_size > archive_size - name_off)
        return CPIO_E_NAME_PAST_END;
    const char *name = (const char *)a + name_off;
    if (name_size == 0 || name[name_size - 1] != '\0')
        return CPIO_E_NAME_NUL;
    for (uint32_t i = 0; i + 1 < name_size; i++) {
        if (name[i] == '\0')
            return CPIO_E_NAME_NUL;
    }
    if (name_size == sizeof(trailer_name) && bytes_equal(name, trailer_name, name_size))
        return 0;

    /* The data: after the name padding, filesize bytes, then padding to the next header. */
    size_t name_end = name_off + name_size;
    size_t pad = padding(name_end, archive_size);
    uint32_t file_size = field[CPIO_FIELD_FILESIZE];
    if (pad == SIZE_MAX || file_size > archive_size - name_end - pad)
        return CPIO_E_DATA_PAST_END;
    size_t data_off = name_end + pad;
    size_t data_end = data_off + file_size;
    pad = padding(data_end, archive_size);
    /* Padding cut off at the very end leaves no room for a trailer: the next call says so. */
    *offset = pad == SIZE_MAX ? archive_size : data_end + pad;

    /* `find . | cpio -o` names everything "./x"; "." itself stays. */
    uint32_t name_len = name_size - 1;
    if (name_len > 2 && name[0] == '.' && name[1] == '/') {
        name += 2;
        name_len -= 2;
    }
    out->name = name;
    out->name_len = name_len;
    out->data = a + data_off;
    out->size = file_size;
    out->mode = field[CPIO_FIELD_MODE];
    return 1;
}

int cpio_find(const void *archive, size_t size, const char *name, struct cpio_entry *out)
{
    size_t offset = 0;
    size_t want = str_len(name);
    struct cpio_entry entry;

    /* Terminates: every successful cpio_next() moves offset forward by >= 110 bytes. */
    for (;;) {
        int r = cpio_next(archive, size, &offset, &entry);
        if (r <= 0)
            return r;
        if ((entry.mode & CPIO_MODE_TYPE) == CPIO_MODE_FILE && entry.name_len == want &&
            bytes_equal(entry.name, name, want)) {
            *out = entry;
            return 1;
        }
    }
}

const char *cpio_error_name(int err)
{
    static const char *const names[] = {
        [-CPIO_OK] = "CPIO_OK",
        [-CPIO_E_TRUNCATED] = "CPIO_E_TRUNCATED",
        [-CPIO_E_MAGIC] = "CPIO_E_MAGIC",
        [-CPIO_E_HEX] = "CPIO_E_HEX",
        [-CPIO_E_NAME_PAST_END] = "CPIO_E_NAME_PAST_END",
        [-CPIO_E_NAME_NUL] = "CPIO_E_NAME_NUL",
        [-CPIO_E_DATA_PAST_END] = "CPIO_E_DATA_PAST_END",
    };
    if (err > 0 || err <= -(int)(ARRAY_SIZE(names)))
        return "CPIO_E_UNKNOWN";
    return names[-err];
}
