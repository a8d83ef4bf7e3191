/*
 * Parser of init's configuration (format and messages: docs/framework.md, "init's
 * configuration"; data and error policy: config.h).
 *
 * One pass over the lines fills cfg->children; a second pass checks routes to sibling children,
 * which may be declared after the route. Tokens are (pointer, length) slices of the caller's
 * text: nothing is copied until its length has been checked against the destination.
 */
#include "config.h"

#include <string.h>

/* The longest statement, "route SERVICE child NAME", has 4 tokens; one more shows a surplus. */
#define LINE_TOKENS 5
/* Input quoted in messages is cut to this many characters (then "..."). */
#define QUOTE_MAX 40

struct token {
    const char *text; /* inside the configuration text; NULL when len is 0 */
    size_t len;
};

struct line {
    struct token tok[LINE_TOKENS];
    unsigned count;  /* every token of the line, also those beyond LINE_TOKENS */
    const char *end; /* just past the last token (count > 0) */
};

/* A bounded string writer: buf always NUL-terminated (when size > 0), excess dropped. */
struct writer {
    char *buf;
    size_t size;
    size_t len;
};

/* The variable parts of one message: %s takes s, %q the next of q (quoted), %u takes n. */
struct msg_args {
    const char *s;
    struct token q[2];
    unsigned n;
};

enum block {
    AT_TOP,        /* between children */
    IN_CHILD,      /* inside child ... end, parsed into p->child */
    SKIPPING_CHILD /* inside a child beyond CONFIG_MAX_CHILDREN, or without a name: lines
                      ignored up to `end` */
};

struct parser {
    struct init_config *cfg;
    const char *text;
    size_t size;
    unsigned errors;
    unsigned verbose_line; /* line of the `verbose` statement, 0 if none yet */
    unsigned keys;         /* CONFIG_KEYS_* accepted beyond init's */
    unsigned policy_line;  /* line of the `policy stale` statement, 0 if none yet */

    /* The open child (block != AT_TOP). */
    enum block block;
    struct init_child *child; /* IN_CHILD: the free slot cfg->children[cfg->child_count] */
    struct token name;        /* as written on its `child` line: maybe empty or invalid */
    unsigned child_line;
    bool child_bad; /* an error on one of its lines: dropped at `end` */
    /* Line of the first binary / ram / caps / sessions / serves-only statement, 0 if none:
     * duplicates, missing keys. */
    unsigned binary_line, ram_line, caps_line, sessions_line, serves_only_line;
};

/* ---- strings and messages ---- */

static struct token cstr_token(const char *s)
{
    return (struct token){s, strlen(s)};
}

static bool token_is(struct token t, const char *word)
{
    size_t n = strlen(word);
    return t.len == n && (n == 0 || memcmp(t.text, word, n) == 0);
}

static bool tokens_equal(struct token a, struct token b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.text, b.text, a.len) == 0);
}

/* Copies a token whose length the caller has checked: dst holds len + 1 bytes at least. */
static void copy_token(char *dst, struct token t)
{
    if (t.len > 0)
        memcpy(dst, t.text, t.len);
    dst[t.len] = '\0';
}

static void put_char(struct writer *w, char c)
{
    if (w->size == 0 || w->len + 1 >= w->size)
        return;
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

static void put_str(struct writer *w, const char *s)
{
    while (*s != '\0')
        put_char(w, *s++);
}

static void put_uint(struct writer *w, unsigned n)
{
    char digits[12];
    unsigned count = 0;
    do {
        digits[count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    while (count > 0)
        put_char(w, digits[--count]);
}

/* Input in quotes, cut to QUOTE_MAX, anything but printable ASCII shown as '?'. */
static void put_quoted(struct writer *w, struct token t)
{
    put_char(w, '\'');
    for (size_t i = 0; i < t.len && i < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)t.text[i];
        put_char(w, c >= 0x20 && c < 0x7f ? (char)c : '?');
    }
    if (t.len > QUOTE_MAX)
        put_str(w, "...");
    put_char(w, '\'');
}

static void format_msg(struct writer *w, const char *fmt, const struct msg_args *args)
{
    unsigned next_q = 0;
    for (const char *f = fmt; *f != '\0'; f++) {
        if (f[0] != '%' || f[1] == '\0') {
            put_char(w, *f);
            continue;
        }
        f++;
        if (*f == 's')
            put_str(w, args->s);
        else if (*f == 'u')
            put_uint(w, args->n);
        else if (*f == 'q' && next_q < 2)
            put_quoted(w, args->q[next_q++]);
        else
            put_char(w, *f);
    }
}

/*
 * Reports an error at `line` and counts it. An error while a child is open is that child's
 * error: it will be dropped.
 */
static void fail(struct parser *p, unsigned line, const char *fmt, struct msg_args args)
{
    char msg[CONFIG_MSG_MAX];
    struct writer w = {msg, sizeof(msg), 0};
    msg[0] = '\0';
    format_msg(&w, fmt, &args);
    p->errors++;
    if (p->block != AT_TOP)
        p->child_bad = true;
    if (p->cfg->error != NULL)
        p->cfg->error(p->cfg->error_ctx, p->cfg->file, line, msg);
}

/* ---- lines and values ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Splits the line starting at text[pos] into tokens: runs of characters other than blanks,
 * '\n' and '#'; a '#' starts a comment up to the end of the line. Returns the start of the next
 * line (size at the end of the text).
 */
static size_t split_line(const char *text, size_t size, size_t pos, struct line *out)
{
    out->count = 0;
    while (pos < size && text[pos] != '\n') {
        if (text[pos] == '#') {
            while (pos < size && text[pos] != '\n')
                pos++;
            break;
        }
        if (is_blank(text[pos])) {
            pos++;
            continue;
        }
        size_t start = pos;
        while (pos < size && text[pos] != '\n' && text[pos] != '#' && !is_blank(text[pos]))
            pos++;
        if (out->count < LINE_TOKENS)
            out->tok[out->count] = (struct token){text + start, pos - start};
        out->count++;
        out->end = text + pos;
    }
    return pos < size ? pos + 1 : size;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* A name: 1..CONFIG_NAME_MAX of [A-Za-z0-9_.-]. `kind` says what it names in the message. */
static bool check_name(struct parser *p, unsigned line, struct token t, const char *kind)
{
    if (t.len > CONFIG_NAME_MAX) {
        fail(p, line, "%s %q is too long (at most %u characters)",
             (struct msg_args){.s = kind, .q = {t}, .n = CONFIG_NAME_MAX});
        return false;
    }
    for (size_t i = 0; i < t.len; i++) {
        if (!is_name_char(t.text[i])) {
            fail(p, line, "bad character in %s %q", (struct msg_args){.s = kind, .q = {t}});
            return false;
        }
    }
    return true;
}

enum number_result { NUMBER_OK, NUMBER_BAD, NUMBER_TOO_LARGE };

/* Decimal digits, with a K (2^10) or M (2^20) suffix when `suffix_allowed`. */
static enum number_result parse_number(struct token t, bool suffix_allowed, uint64_t *out)
{
    size_t digits = t.len;
    unsigned shift = 0;
    if (suffix_allowed && digits > 0 && (t.text[digits - 1] == 'K' || t.text[digits - 1] == 'M')) {
        shift = t.text[digits - 1] == 'K' ? 10 : 20;
        digits--;
    }
    if (digits == 0)
        return NUMBER_BAD;
    for (size_t i = 0; i < digits; i++) {
        if (t.text[i] < '0' || t.text[i] > '9')
            return NUMBER_BAD;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < digits; i++) {
        unsigned digit = (unsigned)(t.text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return NUMBER_TOO_LARGE;
        value = value * 10 + digit;
    }
    if (value > UINT64_MAX >> shift)
        return NUMBER_TOO_LARGE;
    *out = value << shift;
    return NUMBER_OK;
}

/* True if the statement has no token beyond its `want` ones; reports the first surplus one. */
static bool no_surplus(struct parser *p, unsigned line, const struct line *l, unsigned want)
{
    if (l->count <= want)
        return true;
    fail(p, line, "unexpected %q at end of line", (struct msg_args){.q = {l->tok[want]}});
    return false;
}

/* KEY VALUE: true if the line has exactly that shape. */
static bool key_value(struct parser *p, unsigned line, const struct line *l)
{
    if (l->count < 2) {
        fail(p, line, "missing value after %q", (struct msg_args){.q = {l->tok[0]}});
        return false;
    }
    return no_surplus(p, line, l, 2);
}

/*
 * A key allowed once: records its first line in *first, reports any later one. Checked before
 * the value, so that `ram` without a value is not also reported as a child without `ram`.
 */
static bool first_time(struct parser *p, unsigned line, struct token key, unsigned *first)
{
    if (*first != 0) {
        fail(p, line, "duplicate %q (first at line %u)",
             (struct msg_args){.q = {key}, .n = *first});
        return false;
    }
    *first = line;
    return true;
}

/* ---- child statements ---- */

static const struct init_route *find_route(const struct init_child *c, struct token service)
{
    for (unsigned i = 0; i < c->route_count; i++) {
        if (tokens_equal(cstr_token(c->routes[i].service), service))
            return &c->routes[i];
    }
    return NULL;
}

static void binary_statement(struct parser *p, unsigned line, const struct line *l)
{
    if (!first_time(p, line, l->tok[0], &p->binary_line) || !key_value(p, line, l))
        return;
    if (check_name(p, line, l->tok[1], "binary name"))
        copy_token(p->child->binary, l->tok[1]);
}

enum quota_key { QUOTA_RAM, QUOTA_CAPS, QUOTA_SESSIONS };

/* ram SIZE, caps COUNT or sessions COUNT (at most CONFIG_MAX_SESSIONS). */
static void quota_statement(struct parser *p, unsigned line, const struct line *l,
                            enum quota_key which)
{
    struct token key = l->tok[0];
    bool is_ram = which == QUOTA_RAM;
    unsigned *first = which == QUOTA_RAM    ? &p->ram_line
                      : which == QUOTA_CAPS ? &p->caps_line
                                            : &p->sessions_line;
    if (!first_time(p, line, key, first) || !key_value(p, line, l))
        return;
    uint64_t value = 0;
    switch (parse_number(l->tok[1], is_ram, &value)) {
    case NUMBER_BAD:
        fail(p, line, "bad number %q for %q", (struct msg_args){.q = {l->tok[1], key}});
        return;
    case NUMBER_TOO_LARGE:
        fail(p, line, "number %q too large for %q", (struct msg_args){.q = {l->tok[1], key}});
        return;
    case NUMBER_OK:
        break;
    }
    if (value == 0) {
        fail(p, line, "%q must be greater than 0", (struct msg_args){.q = {key}});
        return;
    }
    if (which == QUOTA_SESSIONS && value > CONFIG_MAX_SESSIONS) {
        fail(p, line, "%q may be at most %u",
             (struct msg_args){.q = {key}, .n = CONFIG_MAX_SESSIONS});
        return;
    }
    if (which == QUOTA_RAM)
        p->child->ram = value;
    else if (which == QUOTA_CAPS)
        p->child->caps = value;
    else
        p->child->sessions = (unsigned)value;
}

/* route SERVICE parent | route SERVICE denied | route SERVICE child NAME; SERVICE "*": default. */
static void route_statement(struct parser *p, unsigned line, const struct line *l)
{
    struct init_child *c = p->child;
    if (l->count < 2) {
        fail(p, line, "missing service after 'route'", (struct msg_args){0});
        return;
    }
    struct token service = l->tok[1];
    bool is_default = token_is(service, "*");
    if (!is_default && !check_name(p, line, service, "service name"))
        return;
    if (l->count < 3) {
        fail(p, line, "missing target for route %q", (struct msg_args){.q = {service}});
        return;
    }

    struct token target = l->tok[2];
    struct init_route route = {.line = line};
    unsigned want = 3;
    if (token_is(target, "parent")) {
        route.target = ROUTE_PARENT;
    } else if (token_is(target, "denied")) {
        route.target = ROUTE_DENIED;
    } else if (token_is(target, "child")) {
        if (l->count < 4) {
            fail(p, line, "missing child name for route %q", (struct msg_args){.q = {service}});
            return;
        }
        struct token to = l->tok[3];
        if (!check_name(p, line, to, "child name"))
            return;
        if (tokens_equal(to, p->name)) {
            fail(p, line, "child %q routes %q to itself",
                 (struct msg_args){.q = {p->name, service}});
            return;
        }
        route.target = ROUTE_CHILD;
        copy_token(route.child, to);
        want = 4;
    } else {
        fail(p, line, "bad route target %q (expected parent, child NAME or denied)",
             (struct msg_args){.q = {target}});
        return;
    }
    if (!no_surplus(p, line, l, want))
        return;
    copy_token(route.service, service);

    const struct init_route *first =
        is_default ? (c->fallback.line != 0 ? &c->fallback : NULL) : find_route(c, service);
    if (first != NULL) {
        fail(p, line, "duplicate route for %q (first at line %u)",
             (struct msg_args){.q = {service}, .n = first->line});
        return;
    }
    if (is_default) {
        c->fallback = route;
        return;
    }
    if (c->route_count == CONFIG_MAX_ROUTES) {
        fail(p, line, "too many routes in child %q (at most %u)",
             (struct msg_args){.q = {p->name}, .n = CONFIG_MAX_ROUTES});
        return;
    }
    c->routes[c->route_count++] = route;
}

/* arg KEY VALUE */
static void arg_statement(struct parser *p, unsigned line, const struct line *l)
{
    struct init_child *c = p->child;
    if (l->count < 2) {
        fail(p, line, "missing key after 'arg'", (struct msg_args){0});
        return;
    }
    struct token key = l->tok[1];
    if (!check_name(p, line, key, "arg key"))
        return;
    if (l->count < 3) {
        fail(p, line, "missing value for arg %q", (struct msg_args){.q = {key}});
        return;
    }
    struct token value = l->tok[2];
    if (value.len > CONFIG_VALUE_MAX) {
        fail(p, line, "arg value %q is too long (at most %u characters)",
             (struct msg_args){.q = {value}, .n = CONFIG_VALUE_MAX});
        return;
    }
    for (size_t i = 0; i < value.len; i++) {
        /* Blanks and '#' end a token: only other control bytes and non-ASCII get here. */
        unsigned char ch = (unsigned char)value.text[i];
        if (ch < 0x20 || ch >= 0x7f) {
            fail(p, line, "bad character in arg value %q", (struct msg_args){.q = {value}});
            return;
        }
    }
    if (!no_surplus(p, line, l, 3))
        return;
    for (unsigned i = 0; i < c->arg_count; i++) {
        if (tokens_equal(cstr_token(c->args[i].key), key)) {
            fail(p, line, "duplicate arg %q (first at line %u)",
                 (struct msg_args){.q = {key}, .n = c->args[i].line});
            return;
        }
    }
    if (c->arg_count == CONFIG_MAX_ARGS) {
        fail(p, line, "too many args in child %q (at most %u)",
             (struct msg_args){.q = {p->name}, .n = CONFIG_MAX_ARGS});
        return;
    }
    struct init_arg *arg = &c->args[c->arg_count++];
    copy_token(arg->key, key);
    copy_token(arg->value, value);
    arg->line = line;
}

/* KEY yes|no: true with *yes set if the line has that shape; reports a bad value. */
static bool yes_no(struct parser *p, unsigned line, const struct line *l, bool *yes)
{
    if (!key_value(p, line, l))
        return false;
    *yes = token_is(l->tok[1], "yes");
    if (*yes || token_is(l->tok[1], "no"))
        return true;
    fail(p, line, "bad value %q for %q (expected yes or no)",
         (struct msg_args){.q = {l->tok[1], l->tok[0]}});
    return false;
}

/* `serves-only yes|no` (init's configuration only): a child that only serves the others. */
static void serves_only_statement(struct parser *p, unsigned line, const struct line *l)
{
    bool yes;
    if (first_time(p, line, l->tok[0], &p->serves_only_line) && yes_no(p, line, l, &yes))
        p->child->serves_only = yes;
}

/* ---- blocks ---- */

/* Forgets the open child without keeping it (its error has been reported). */
static void abandon_child(struct parser *p)
{
    if (p->block == IN_CHILD)
        memset(p->child, 0, sizeof(*p->child));
    p->block = AT_TOP;
    p->child = NULL;
}

/* `end`: keeps the open child if none of its lines had an error. */
static void end_child(struct parser *p, unsigned line, const struct line *l)
{
    no_surplus(p, line, l, 1);
    if (p->block == IN_CHILD) {
        /* Reported only if the key never appeared: a bad value has its own message. */
        if (p->ram_line == 0)
            fail(p, p->child_line, "child %q has no 'ram'", (struct msg_args){.q = {p->name}});
        if (p->caps_line == 0)
            fail(p, p->child_line, "child %q has no 'caps'", (struct msg_args){.q = {p->name}});
        if (!p->child_bad) {
            if (p->child->binary[0] == '\0')
                memcpy(p->child->binary, p->child->name, sizeof(p->child->binary));
            p->cfg->child_count++;
            p->block = AT_TOP;
            p->child = NULL;
            return;
        }
    }
    abandon_child(p);
}

/* `child NAME` at the top level: opens a block, in a free slot if there is one. */
static void begin_child(struct parser *p, unsigned line, const struct line *l)
{
    struct init_config *cfg = p->cfg;
    p->name = l->count >= 2 ? l->tok[1] : (struct token){NULL, 0};
    p->child_line = line;
    p->child_bad = false;
    p->binary_line = p->ram_line = p->caps_line = p->sessions_line = p->serves_only_line = 0;
    if (cfg->child_count == CONFIG_MAX_CHILDREN) {
        fail(p, line, "too many children (at most %u): %q ignored",
             (struct msg_args){.q = {p->name}, .n = CONFIG_MAX_CHILDREN});
        p->block = SKIPPING_CHILD;
        return;
    }

    /* From here on errors belong to the new child. */
    p->block = IN_CHILD;
    p->child = &cfg->children[cfg->child_count];
    memset(p->child, 0, sizeof(*p->child));
    p->child->line = line;
    p->child->fallback.service[0] = '*';
    p->child->fallback.target = ROUTE_DENIED;

    if (l->count < 2) { /* no name to report its later problems with: skip it */
        key_value(p, line, l);
        p->block = SKIPPING_CHILD;
        return;
    }
    if (!key_value(p, line, l) || !check_name(p, line, p->name, "child name"))
        return;
    for (unsigned i = 0; i < cfg->child_count; i++) {
        if (tokens_equal(cstr_token(cfg->children[i].name), p->name)) {
            fail(p, line, "duplicate child %q (first at line %u)",
                 (struct msg_args){.q = {p->name}, .n = cfg->children[i].line});
            return;
        }
    }
    copy_token(p->child->name, p->name);
}

/* `child` while a child is open: the open one lacks its `end`; it is dropped. */
static void nested_child(struct parser *p, unsigned line, const struct line *l)
{
    if (p->name.len)
        fail(p, line, "nested 'child': child %q (line %u) has no 'end'",
             (struct msg_args){.q = {p->name}, .n = p->child_line});
    else
        fail(p, line, "nested 'child': the unnamed child (line %u) has no 'end'",
             (struct msg_args){.n = p->child_line});
    abandon_child(p);
    begin_child(p, line, l);
}

static void child_statement(struct parser *p, unsigned line, const struct line *l)
{
    struct token key = l->tok[0];
    if (token_is(key, "end"))
        end_child(p, line, l);
    else if (token_is(key, "child"))
        nested_child(p, line, l);
    else if (p->block == SKIPPING_CHILD)
        return;
    else if (token_is(key, "binary"))
        binary_statement(p, line, l);
    else if (token_is(key, "ram"))
        quota_statement(p, line, l, QUOTA_RAM);
    else if (token_is(key, "caps"))
        quota_statement(p, line, l, QUOTA_CAPS);
    else if (token_is(key, "sessions"))
        quota_statement(p, line, l, QUOTA_SESSIONS);
    else if (token_is(key, "route"))
        route_statement(p, line, l);
    else if (token_is(key, "arg"))
        arg_statement(p, line, l);
    else if (!(p->keys & CONFIG_KEYS_RTCR) && token_is(key, "serves-only"))
        serves_only_statement(p, line, l);
    else
        fail(p, line, "unknown key %q in child %q", (struct msg_args){.q = {key, p->name}});
}

/* `verbose yes|no`: a second one is a duplicate only after a valid first one (an invalid one
 * has its own message and sets nothing). */
static void verbose_statement(struct parser *p, unsigned line, const struct line *l)
{
    bool yes;
    if (!yes_no(p, line, l, &yes))
        return;
    if (first_time(p, line, l->tok[0], &p->verbose_line))
        p->cfg->verbose = yes;
}

/* `step TEXT...` (rtcr): the text from the first token after `step` to the end of the last,
 * checked by rtcr when it runs the steps. */
static void step_statement(struct parser *p, unsigned line, const struct line *l)
{
    if (l->count < 2) {
        fail(p, line, "'step' without an action", (struct msg_args){0});
        return;
    }
    if (p->cfg->step_count >= CONFIG_MAX_STEPS) {
        fail(p, line, "more than %u steps", (struct msg_args){.n = CONFIG_MAX_STEPS});
        return;
    }
    const char *from = l->tok[1].text;
    size_t len = (size_t)(l->end - from);
    if (len > CONFIG_STEP_MAX) {
        fail(p, line, "step longer than %u characters", (struct msg_args){.n = CONFIG_STEP_MAX});
        return;
    }
    struct config_step *st = &p->cfg->steps[p->cfg->step_count++];
    memcpy(st->text, from, len);
    st->text[len] = 0;
    st->line = line;
}

/* `policy stale yes|no` (rtcr): record unaccountable capabilities as stale. */
static void policy_statement(struct parser *p, unsigned line, const struct line *l)
{
    if (l->count != 3 || !token_is(l->tok[1], "stale")) {
        fail(p, line, "expected 'policy stale yes' or 'policy stale no'", (struct msg_args){0});
        return;
    }
    bool yes = token_is(l->tok[2], "yes");
    if (!yes && !token_is(l->tok[2], "no")) {
        fail(p, line, "bad value %q for 'policy stale' (expected yes or no)",
             (struct msg_args){.q = {l->tok[2]}});
        return;
    }
    if (first_time(p, line, l->tok[0], &p->policy_line))
        p->cfg->policy_stale = yes;
}

static void top_statement(struct parser *p, unsigned line, const struct line *l)
{
    struct token key = l->tok[0];
    if ((p->keys & CONFIG_KEYS_RTCR) && token_is(key, "step"))
        step_statement(p, line, l);
    else if ((p->keys & CONFIG_KEYS_RTCR) && token_is(key, "policy"))
        policy_statement(p, line, l);
    else if (token_is(key, "child"))
        begin_child(p, line, l);
    else if (token_is(key, "end"))
        fail(p, line, "'end' without 'child'", (struct msg_args){0});
    else if (token_is(key, "verbose"))
        verbose_statement(p, line, l);
    else
        fail(p, line, "unknown keyword %q", (struct msg_args){.q = {key}});
}

/* ---- routes between children ---- */

/* Whether some line of the text reads `child NAME` (a child that was dropped). */
static bool declared(const struct parser *p, const char *name)
{
    struct line l;
    for (size_t pos = 0; pos < p->size;) {
        pos = split_line(p->text, p->size, pos, &l);
        if (l.count >= 2 && token_is(l.tok[0], "child") && token_is(l.tok[1], name))
            return true;
    }
    return false;
}

/* A route to a child that was not kept is reported and denies from now on. */
static void check_sibling(struct parser *p, struct init_route *route)
{
    if (route->target != ROUTE_CHILD || config_child(p->cfg, route->child) != NULL)
        return;
    fail(p, route->line,
         declared(p, route->child) ? "route to dropped child %q (service %q denied)"
                                   : "route to unknown child %q (service %q denied)",
         (struct msg_args){.q = {cstr_token(route->child), cstr_token(route->service)}});
    route->target = ROUTE_DENIED;
    memset(route->child, 0, sizeof(route->child));
}

static void check_siblings(struct parser *p)
{
    for (unsigned i = 0; i < p->cfg->child_count; i++) {
        struct init_child *c = &p->cfg->children[i];
        for (unsigned r = 0; r < c->route_count; r++)
            check_sibling(p, &c->routes[r]);
        check_sibling(p, &c->fallback);
    }
}

/* ---- interface ---- */

unsigned config_parse(struct init_config *cfg, const char *file, const char *text, size_t size,
                      config_error_fn error, void *ctx)
{
    return config_parse_keys(cfg, file, text, size, 0, error, ctx);
}

unsigned config_parse_keys(struct init_config *cfg, const char *file, const char *text, size_t size,
                           unsigned keys, config_error_fn error, void *ctx)
{
    memset(cfg, 0, sizeof(*cfg));
    if (file != NULL) {
        struct writer w = {cfg->file, sizeof(cfg->file), 0};
        put_str(&w, file);
    }
    cfg->error = error;
    cfg->error_ctx = ctx;

    struct parser p = {.cfg = cfg, .text = text, .size = text != NULL ? size : 0, .keys = keys};
    struct line l;
    unsigned line = 0;
    for (size_t pos = 0; pos < p.size;) {
        pos = split_line(p.text, p.size, pos, &l);
        line++;
        if (l.count == 0)
            continue;
        if (p.block == AT_TOP)
            top_statement(&p, line, &l);
        else
            child_statement(&p, line, &l);
    }
    if (p.block != AT_TOP) {
        fail(&p, p.child_line,
             p.name.len ? "missing 'end' for child %q" : "missing 'end' for the unnamed child",
             (struct msg_args){.q = {p.name}});
        abandon_child(&p);
    }
    check_siblings(&p);
    return p.errors;
}

const struct init_route *config_route(const struct init_child *child, const char *service)
{
    for (unsigned i = 0; i < child->route_count; i++) {
        if (strcmp(child->routes[i].service, service) == 0)
            return &child->routes[i];
    }
    return &child->fallback;
}

const struct init_child *config_child(const struct init_config *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->child_count; i++) {
        if (strcmp(cfg->children[i].name, name) == 0)
            return &cfg->children[i];
    }
    return NULL;
}

unsigned config_client_count(const struct init_config *cfg)
{
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->child_count; i++)
        n += !cfg->children[i].serves_only;
    return n;
}

const char *config_arg(const struct init_child *child, const char *key)
{
    for (unsigned i = 0; i < child->arg_count; i++) {
        if (strcmp(child->args[i].key, key) == 0)
            return child->args[i].value;
    }
    return NULL;
}

const char *config_target_name(enum route_target target)
{
    switch (target) {
    case ROUTE_DENIED:
        return "denied";
    case ROUTE_PARENT:
        return "parent";
    case ROUTE_CHILD:
        return "child";
    }
    return "?";
}

void config_child_error(const struct init_config *cfg, const struct init_child *child,
                        const char *msg)
{
    if (cfg->error != NULL)
        cfg->error(cfg->error_ctx, cfg->file, child->line, msg);
}

size_t config_format_error(char *buf, size_t size, const char *file, unsigned line, const char *msg)
{
    struct writer w = {buf, size, 0};
    if (size > 0)
        buf[0] = '\0';
    put_str(&w, file != NULL ? file : "");
    put_char(&w, ':');
    put_uint(&w, line);
    put_str(&w, ": ");
    put_str(&w, msg);
    return w.len;
}

enum config_quota config_quota_check(const struct init_child *child,
                                     const struct config_budget *budget, uint64_t *left)
{
    uint64_t need;
    if (__builtin_add_overflow(child->ram, budget->ram_reserve, &need) ||
        need > budget->ram_avail) {
        *left =
            budget->ram_avail > budget->ram_reserve ? budget->ram_avail - budget->ram_reserve : 0;
        return CONFIG_QUOTA_RAM;
    }
    if (__builtin_add_overflow(child->caps, budget->caps_reserve, &need) ||
        need > budget->caps_avail) {
        *left = budget->caps_avail > budget->caps_reserve
                    ? budget->caps_avail - budget->caps_reserve
                    : 0;
        return CONFIG_QUOTA_CAPS;
    }
    *left = 0;
    return CONFIG_QUOTA_OK;
}
