/*
 * Core's boot options: the optional boot module `core.cfg` (docs/framework.md,
 * "Boot options"). One statement per line, `#` starts a comment:
 *
 *     badge-base 0x100000000    # first badge core hands out (decimal or 0x hex)
 *
 * Two ECUs booted with disjoint badge bases never hand out the same badge,
 * so a badge carried from one to the other (in a checkpoint image) names
 * nothing on the second: every stale use fails loudly instead of reaching
 * another object. A malformed file stops the boot: running with a badge
 * space the operator did not ask for would hide exactly that mistake.
 */
#include "core.h"
#include <stdio.h>
#include <string.h>

#define CONFIG_MODULE "core.cfg"
#define TOKEN_SHOWN   40 /* characters of a bad token a message repeats */

/* The rest of the line is blank or a comment. */
static bool line_rest_empty(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p == end || *p == '#';
}

/* The next token of [*p, end) (blanks skipped, stops at `#`); false if none. */
static bool next_token(const char **p, const char *end, const char **tok, size_t *len)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++;
    if (s == end || *s == '#')
        return false;
    const char *e = s;
    while (e < end && *e != ' ' && *e != '\t' && *e != '\r' && *e != '#')
        e++;
    *tok = s;
    *len = (size_t)(e - s);
    *p = e;
    return true;
}

/* Decimal or 0x hexadecimal, without overflow; false if it is not a number. */
static bool parse_number(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static void config_error(unsigned line, const char *what, const char *tok, size_t len)
{
    int shown = (int)(len > TOKEN_SHOWN ? TOKEN_SHOWN : len);
    printf("core: " CONFIG_MODULE ":%u: %s '%.*s'%s\n", line, what, shown, tok,
           len > TOKEN_SHOWN ? "..." : "");
}

/* One line: 0 or 1 error (printed). */
static unsigned config_line(unsigned line, const char *p, const char *end, unsigned *base_line,
                            uint64_t *base)
{
    const char *tok, *val;
    size_t len, vlen;
    if (!next_token(&p, end, &tok, &len))
        return 0;
    if (len != 10 || strncmp(tok, "badge-base", 10) != 0) {
        config_error(line, "unknown keyword", tok, len);
        return 1;
    }
    if (!next_token(&p, end, &val, &vlen)) {
        printf("core: " CONFIG_MODULE ":%u: missing value after 'badge-base'\n", line);
        return 1;
    }
    uint64_t v;
    if (!parse_number(val, vlen, &v) || v == 0 || v > CORE_BADGE_BASE_MAX) {
        config_error(line, "bad value for 'badge-base' (expected 1 .. 0x8000000000000000):", val,
                     vlen);
        return 1;
    }
    if (!line_rest_empty(p, end)) {
        next_token(&p, end, &tok, &len);
        config_error(line, "unexpected", tok, len);
        return 1;
    }
    if (*base_line) {
        printf("core: " CONFIG_MODULE ":%u: duplicate 'badge-base' (first at line %u)\n", line,
               *base_line);
        return 1;
    }
    *base_line = line;
    *base = v;
    return 0;
}

long core_config_read(void)
{
    const struct ferry_boot_module *m = rom_find_module(CONFIG_MODULE);
    if (!m)
        return FERRY_OK; /* no options: badges from 1 */
    const char *text = (const char *)rom_module_data(m), *end = text + m->size;
    unsigned errors = 0, line = 1, base_line = 0;
    uint64_t base = 1;
    for (const char *p = text; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        errors += config_line(line, p, eol, &base_line, &base);
        p = eol + 1;
    }
    if (errors)
        return FERRY_E_INVAL;
    if (base_line) {
        long err = badge_set_base(base);
        if (err)
            return err;
        printf("core: badge base 0x%lx (" CONFIG_MODULE ":%u)\n", (unsigned long)base, base_line);
    }
    return FERRY_OK;
}
