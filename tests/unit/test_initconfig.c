// host-sources: lib/config/config.c
/*
 * Unit tests for init's configuration parser (components/init/config.c): the documented
 * example, every error message with its line, recovery (valid children survive), limits, and
 * robustness against truncated and corrupted input. Every text is copied into an exact-size heap
 * buffer without a NUL, so ASan catches any read past the end.
 */
#include <ferry/macros.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define MAX_COLLECTED 64

/* ---- collecting errors ---- */

/* strnlen is POSIX, not C11. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

struct collected {
    unsigned count; /* every call, even beyond MAX_COLLECTED */
    unsigned line[MAX_COLLECTED];
    char msg[MAX_COLLECTED][CONFIG_MSG_MAX];
    char file[MAX_COLLECTED][CONFIG_FILE_MAX + 1];
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
    struct collected *c = ctx;
    /* The reason is a bounded C string without line breaks. */
    size_t len = bounded_len(msg, CONFIG_MSG_MAX);
    assert_true(len > 0 && len < CONFIG_MSG_MAX);
    assert_null(memchr(msg, '\n', len));
    if (c->count < MAX_COLLECTED) {
        c->line[c->count] = line;
        memcpy(c->msg[c->count], msg, len + 1);
        snprintf(c->file[c->count], sizeof(c->file[0]), "%s", file);
    }
    c->count++;
}

struct expected_error {
    unsigned line;
    const char *msg;
};

/* Fails unless `got` holds exactly the `want` errors (want ends at a NULL msg). */
static void assert_errors(const char *what, const struct collected *got,
                          const struct expected_error *want)
{
    unsigned n = 0;
    bool same = true;
    while (want[n].msg != NULL) {
        if (n >= got->count || got->line[n] != want[n].line ||
            strcmp(got->msg[n], want[n].msg) != 0)
            same = false;
        n++;
    }
    if (same && got->count == n) {
        for (unsigned i = 0; i < n; i++)
            assert_string_equal(got->file[i], "init.cfg");
        return;
    }
    for (unsigned i = 0; i < n; i++)
        print_message("  %s: want %u: %s\n", what, want[i].line, want[i].msg);
    for (unsigned i = 0; i < got->count && i < MAX_COLLECTED; i++)
        print_message("  %s: got  %u: %s\n", what, got->line[i], got->msg[i]);
    fail_msg("%s: errors differ (%u reported, %u expected)", what, got->count, n);
}

/* ---- invariants of every parse result ---- */

static bool valid_name(const char *s)
{
    size_t len = bounded_len(s, CONFIG_NAME_MAX + 1);
    if (len == 0 || len > CONFIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static void check_route(const struct init_config *cfg, const struct init_child *c,
                        const struct init_route *r)
{
    assert_true(r->target == ROUTE_DENIED || r->target == ROUTE_PARENT || r->target == ROUTE_CHILD);
    if (r->target == ROUTE_CHILD) {
        assert_true(valid_name(r->child));
        assert_non_null(config_child(cfg, r->child));
        assert_string_not_equal(r->child, c->name);
    } else {
        assert_int_equal(r->child[0], '\0');
    }
}

/* What config.h promises about kept children, whatever the input was. */
static void check_invariants(const struct init_config *cfg)
{
    assert_true(cfg->child_count <= CONFIG_MAX_CHILDREN);
    for (unsigned i = 0; i < cfg->child_count; i++) {
        const struct init_child *c = &cfg->children[i];
        assert_true(valid_name(c->name));
        assert_true(valid_name(c->binary));
        assert_true(c->ram > 0);
        assert_true(c->caps > 0);
        assert_true(c->line > 0);
        assert_true(i == 0 || c->line > cfg->children[i - 1].line);
        assert_ptr_equal(config_child(cfg, c->name), c); /* names are unique */
        assert_true(c->route_count <= CONFIG_MAX_ROUTES);
        for (unsigned r = 0; r < c->route_count; r++) {
            assert_true(valid_name(c->routes[r].service));
            assert_true(c->routes[r].line > c->line);
            assert_ptr_equal(config_route(c, c->routes[r].service), &c->routes[r]);
            check_route(cfg, c, &c->routes[r]);
        }
        assert_string_equal(c->fallback.service, "*");
        check_route(cfg, c, &c->fallback);
        assert_true(c->arg_count <= CONFIG_MAX_ARGS);
        for (unsigned a = 0; a < c->arg_count; a++) {
            const struct init_arg *arg = &c->args[a];
            assert_true(valid_name(arg->key));
            size_t len = bounded_len(arg->value, CONFIG_VALUE_MAX + 1);
            assert_true(len > 0 && len <= CONFIG_VALUE_MAX);
            for (size_t k = 0; k < len; k++)
                assert_true(arg->value[k] > 0x20 && arg->value[k] < 0x7f && arg->value[k] != '#');
            assert_ptr_equal(config_arg(c, arg->key), arg->value); /* keys are unique */
        }
    }
}

/* ---- parsing helpers ---- */

static struct init_config cfg; /* 30+ KiB: not on the stack */

/* Parses `size` bytes of text from an exact-size copy without a NUL. Returns the error count. */
static unsigned parse_bytes(const char *text, size_t size, struct collected *errors)
{
    char *copy = malloc(size ? size : 1);
    assert_non_null(copy);
    memcpy(copy, text, size);
    memset(errors, 0, sizeof(*errors));
    unsigned n = config_parse(&cfg, "init.cfg", copy, size, collect, errors);
    free(copy);
    assert_int_equal(n, errors->count);
    check_invariants(&cfg);
    return n;
}

static unsigned parse(const char *text, struct collected *errors)
{
    return parse_bytes(text, strlen(text), errors);
}

/* A valid child with the least a child needs. */
#define SMALL_CHILD(name) "child " name "\n ram 1\n caps 1\nend\n"

/* The example of docs/framework.md, "init's configuration". */
static const char example[] = "# the demo system\n"
                              "verbose yes\n"
                              "\n"
                              "child server\n"
                              "    ram 1M\n"
                              "    caps 32\n"
                              "    route LOG parent\n"
                              "end\n"
                              "\n"
                              "child hello\n"
                              "    binary hello-demo      # boot module holding the ELF\n"
                              "    ram 256K               # RAM quota in bytes\n"
                              "    caps 64                # capability quota\n"
                              "    route LOG parent\n"
                              "    route Timer parent\n"
                              "    route Hello child server\n"
                              "    route * denied\n"
                              "    arg greeting hi\n"
                              "end\n";

/* ---- valid configurations ---- */

static void test_example(void **state)
{
    (void)state;
    struct collected errors;
    assert_int_equal(parse(example, &errors), 0);
    assert_string_equal(cfg.file, "init.cfg");
    assert_true(cfg.verbose);
    assert_int_equal(cfg.child_count, 2);

    const struct init_child *server = &cfg.children[0];
    assert_string_equal(server->name, "server");
    assert_string_equal(server->binary, "server"); /* defaults to the name */
    assert_int_equal(server->ram, 1024 * 1024);
    assert_int_equal(server->caps, 32);
    assert_int_equal(server->line, 4);
    assert_int_equal(server->route_count, 1);
    assert_int_equal(server->arg_count, 0);
    /* No `route *`: everything else is denied by the implicit default. */
    const struct init_route *r = config_route(server, "Timer");
    assert_ptr_equal(r, &server->fallback);
    assert_int_equal(r->target, ROUTE_DENIED);
    assert_int_equal(r->line, 0);

    const struct init_child *hello = config_child(&cfg, "hello");
    assert_ptr_equal(hello, &cfg.children[1]);
    assert_string_equal(hello->binary, "hello-demo");
    assert_int_equal(hello->ram, 256 * 1024);
    assert_int_equal(hello->caps, 64);
    assert_int_equal(hello->line, 10);
    assert_int_equal(hello->route_count, 3);

    r = config_route(hello, "LOG");
    assert_int_equal(r->target, ROUTE_PARENT);
    assert_string_equal(r->service, "LOG");
    assert_int_equal(r->line, 14);
    r = config_route(hello, "Timer");
    assert_int_equal(r->target, ROUTE_PARENT);
    assert_int_equal(r->line, 15);
    r = config_route(hello, "Hello");
    assert_int_equal(r->target, ROUTE_CHILD);
    assert_string_equal(r->child, "server");
    assert_int_equal(r->line, 16);
    r = config_route(hello, "ROM");
    assert_ptr_equal(r, &hello->fallback);
    assert_int_equal(r->target, ROUTE_DENIED);
    assert_int_equal(r->line, 17);
    assert_int_equal(config_route(hello, "log")->target, ROUTE_DENIED); /* case matters */

    assert_int_equal(hello->arg_count, 1);
    assert_string_equal(config_arg(hello, "greeting"), "hi");
    assert_int_equal(hello->args[0].line, 18);
    assert_null(config_arg(hello, "missing"));
    assert_null(config_child(&cfg, "nobody"));
}

static void test_defaults_and_targets(void **state)
{
    (void)state;
    struct collected errors;
    assert_int_equal(parse("child a\n"
                           " ram 4096\n"
                           " caps 1\n"
                           " route * parent\n"
                           " route Secret denied\n"
                           "end\n"
                           "child b\n"
                           " caps 2\n"
                           " ram 8\n"
                           " route * child a\n"
                           "end\n",
                           &errors),
                     0);
    assert_false(cfg.verbose);
    assert_int_equal(cfg.child_count, 2);
    const struct init_child *a = &cfg.children[0], *b = &cfg.children[1];
    assert_int_equal(config_route(a, "anything")->target, ROUTE_PARENT);
    assert_int_equal(config_route(a, "Secret")->target, ROUTE_DENIED);
    assert_int_equal(config_route(a, "Secret")->line, 5);
    assert_int_equal(config_route(b, "LOG")->target, ROUTE_CHILD);
    assert_string_equal(config_route(b, "LOG")->child, "a");
    assert_int_equal(b->ram, 8);
    assert_int_equal(b->caps, 2);

    assert_int_equal(parse("verbose no\n", &errors), 0);
    assert_false(cfg.verbose);
    assert_int_equal(cfg.child_count, 0);

    assert_string_equal(config_target_name(ROUTE_PARENT), "parent");
    assert_string_equal(config_target_name(ROUTE_CHILD), "child");
    assert_string_equal(config_target_name(ROUTE_DENIED), "denied");
    assert_string_equal(config_target_name((enum route_target)7), "?");
}

/* Routes may name a sibling declared later in the file. */
static void test_forward_reference(void **state)
{
    (void)state;
    struct collected errors;
    assert_int_equal(
        parse("child client\n ram 1\n caps 1\n route S child server\nend\n" SMALL_CHILD("server"),
              &errors),
        0);
    assert_string_equal(config_route(&cfg.children[0], "S")->child, "server");
}

static void test_empty_and_comments(void **state)
{
    (void)state;
    struct collected errors;
    memset(&errors, 0, sizeof(errors));
    assert_int_equal(config_parse(&cfg, "init.cfg", NULL, 0, collect, &errors), 0);
    assert_int_equal(cfg.child_count, 0);
    assert_int_equal(parse("", &errors), 0);
    assert_int_equal(parse("\n\n   \t\n# only a comment\n   # indented # twice\n", &errors), 0);
    assert_int_equal(cfg.child_count, 0);

    /* CRLF line ends, tabs, and a '#' glued to a value all work. */
    assert_int_equal(parse("child\ta\r\n\tram 2K#two pages\r\n\tcaps\t3  \r\nend\r\n", &errors), 0);
    assert_int_equal(cfg.child_count, 1);
    assert_int_equal(cfg.children[0].ram, 2048);
    assert_int_equal(cfg.children[0].caps, 3);
}

/* The text is not NUL-terminated: the last statement ends at the last byte. */
static void test_no_final_newline(void **state)
{
    (void)state;
    struct collected errors;
    static const char text[] = "child a\n ram 7M\n caps 9\nend";
    assert_int_equal(parse_bytes(text, sizeof(text) - 1, &errors), 0);
    assert_int_equal(cfg.children[0].ram, 7u * 1024 * 1024);

    /* Cut inside the number: "caps 9" read as "caps 9", then no `end`. */
    static const char cut[] = "child a\n ram 7M\n caps 99";
    assert_int_equal(parse_bytes(cut, sizeof(cut) - 2, &errors), 1);
    const struct expected_error want[] = {{1, "missing 'end' for child 'a'"}, {0, NULL}};
    assert_errors("cut", &errors, want);

    /* Bytes after `size` are never looked at. */
    static const char more[] = SMALL_CHILD("a") "garbage";
    assert_int_equal(parse_bytes(more, strlen(SMALL_CHILD("a")), &errors), 0);
    assert_int_equal(cfg.child_count, 1);
}

static void test_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *ram;
        uint64_t value;
    } good[] = {
        {"1", 1},
        {"0001", 1},
        {"256K", 256 * 1024},
        {"3M", 3 * 1024 * 1024},
        {"18446744073709551615", UINT64_MAX},
        {"18014398509481983K", UINT64_MAX >> 10 << 10},
        {"17592186044415M", UINT64_MAX >> 20 << 20},
    };
    static const struct {
        const char *ram;
        const char *msg;
    } bad[] = {
        {"0", "'ram' must be greater than 0"},
        {"0K", "'ram' must be greater than 0"},
        {"K", "bad number 'K' for 'ram'"},
        {"12k", "bad number '12k' for 'ram'"},
        {"1G", "bad number '1G' for 'ram'"},
        {"1KK", "bad number '1KK' for 'ram'"},
        {"1.5M", "bad number '1.5M' for 'ram'"},
        {"-1", "bad number '-1' for 'ram'"},
        {"0x10", "bad number '0x10' for 'ram'"},
        {"18446744073709551616", "number '18446744073709551616' too large for 'ram'"},
        {"99999999999999999999999", "number '99999999999999999999999' too large for 'ram'"},
        {"18014398509481984K", "number '18014398509481984K' too large for 'ram'"},
        {"17592186044416M", "number '17592186044416M' too large for 'ram'"},
    };
    char text[256];
    struct collected errors;

    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        snprintf(text, sizeof(text), "child a\n ram %s\n caps 1\nend\n", good[i].ram);
        assert_int_equal(parse(text, &errors), 0);
        assert_int_equal(cfg.children[0].ram, good[i].value);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        snprintf(text, sizeof(text), "child a\n ram %s\n caps 1\nend\n", bad[i].ram);
        assert_int_equal(parse(text, &errors), 1);
        const struct expected_error want[] = {{2, bad[i].msg}, {0, NULL}};
        assert_errors(bad[i].ram, &errors, want);
        assert_int_equal(cfg.child_count, 0);
    }

    /* Capability quotas are plain counts. */
    assert_int_equal(parse("child a\n ram 1\n caps 18446744073709551615\nend\n", &errors), 0);
    assert_int_equal(cfg.children[0].caps, UINT64_MAX);
    assert_int_equal(parse("child a\n ram 1\n caps 1K\nend\n", &errors), 1);
    const struct expected_error want_k[] = {{3, "bad number '1K' for 'caps'"}, {0, NULL}};
    assert_errors("caps 1K", &errors, want_k);
    assert_int_equal(parse("child a\n ram 1\n caps 0\nend\n", &errors), 1);
    const struct expected_error want_0[] = {{3, "'caps' must be greater than 0"}, {0, NULL}};
    assert_errors("caps 0", &errors, want_0);

    /* `sessions N`: optional (0 = the parent server's default), 1 to the pool's size. */
    assert_int_equal(parse("child a\n ram 1\n caps 1\nend\n", &errors), 0);
    assert_int_equal(cfg.children[0].sessions, 0);
    assert_int_equal(parse("child a\n ram 1\n caps 1\n sessions 128\nend\n", &errors), 0);
    assert_int_equal(cfg.children[0].sessions, 128);
    assert_int_equal(parse("child a\n ram 1\n caps 1\n sessions 256\nend\n", &errors), 0);
    assert_int_equal(cfg.children[0].sessions, CONFIG_MAX_SESSIONS);
    assert_int_equal(parse("child a\n ram 1\n caps 1\n sessions 257\nend\n", &errors), 1);
    const struct expected_error want_big[] = {{4, "'sessions' may be at most 256"}, {0, NULL}};
    assert_errors("sessions 257", &errors, want_big);
    assert_int_equal(parse("child a\n ram 1\n caps 1\n sessions 0\nend\n", &errors), 1);
    const struct expected_error want_s0[] = {{4, "'sessions' must be greater than 0"}, {0, NULL}};
    assert_errors("sessions 0", &errors, want_s0);
    assert_int_equal(parse("child a\n ram 1\n caps 1\n sessions 2\n sessions 3\nend\n", &errors),
                     1);
    const struct expected_error want_dup[] = {{5, "duplicate 'sessions' (first at line 4)"},
                                              {0, NULL}};
    assert_errors("sessions twice", &errors, want_dup);
}

/* ---- every error, one at a time ---- */

#define NAME32  "abcdefghijklmnopqrstuvwxyz012345" /* one too long */
#define NAME31  "abcdefghijklmnopqrstuvwxyz01234"
#define NAME50  NAME32 "6789ABCDEFGHIJKLMN"
#define VALUE64 NAME32 NAME32

struct error_case {
    const char *name;
    const char *text;
    unsigned kept; /* children left */
    struct expected_error errors[4];
};

static const struct error_case error_cases[] = {
    {"unknown key",
     "child a\n ram 1\n caps 1\n color red\nend\n",
     0,
     {{4, "unknown key 'color' in child 'a'"}}},
    {"top-level key inside a child",
     "child a\n ram 1\n caps 1\n verbose yes\nend\n",
     0,
     {{4, "unknown key 'verbose' in child 'a'"}}},
    {"unknown top-level word",
     "colour red\n" SMALL_CHILD("a"),
     1,
     {{1, "unknown keyword 'colour'"}}},
    {"child key at the top level", "ram 1\n", 0, {{1, "unknown keyword 'ram'"}}},
    {"duplicate child",
     SMALL_CHILD("a") SMALL_CHILD("a"),
     1,
     {{5, "duplicate child 'a' (first at line 1)"}}},
    {"missing child name",
     "child\n ram 1\n caps 1\nend\n",
     0,
     {{1, "missing value after 'child'"}}},
    {"missing binary",
     "child a\n binary\n ram 1\n caps 1\nend\n",
     0,
     {{2, "missing value after 'binary'"}}},
    {"missing ram value", "child a\n ram\n caps 1\nend\n", 0, {{2, "missing value after 'ram'"}}},
    {"missing caps value",
     "child a\n ram 1\n caps  # none\nend\n",
     0,
     {{3, "missing value after 'caps'"}}},
    {"missing verbose value", "verbose\n", 0, {{1, "missing value after 'verbose'"}}},
    {"missing arg key",
     "child a\n ram 1\n caps 1\n arg\nend\n",
     0,
     {{4, "missing key after 'arg'"}}},
    {"missing arg value",
     "child a\n ram 1\n caps 1\n arg greeting\nend\n",
     0,
     {{4, "missing value for arg 'greeting'"}}},
    {"extra token after ram",
     "child a\n ram 1 2\n caps 1\nend\n",
     0,
     {{2, "unexpected '2' at end of line"}}},
    {"extra token after end",
     "child a\n ram 1\n caps 1\nend now\n",
     0,
     {{4, "unexpected 'now' at end of line"}}},
    {"extra token after child name",
     "child a b\n ram 1\n caps 1\nend\n",
     0,
     {{1, "unexpected 'b' at end of line"}}},
    {"extra token after binary",
     "child a\n binary x y\n ram 1\n caps 1\nend\n",
     0,
     {{2, "unexpected 'y' at end of line"}}},
    {"extra token after route parent",
     "child a\n ram 1\n caps 1\n route LOG parent please\nend\n",
     0,
     {{4, "unexpected 'please' at end of line"}}},
    {"extra token after route child",
     "child a\n ram 1\n caps 1\n route LOG child b c d e f\nend\n" SMALL_CHILD("b"),
     1,
     {{4, "unexpected 'c' at end of line"}}},
    {"extra token after arg",
     "child a\n ram 1\n caps 1\n arg k v w\nend\n",
     0,
     {{4, "unexpected 'w' at end of line"}}},
    {"extra token after verbose", "verbose yes no\n", 0, {{1, "unexpected 'no' at end of line"}}},
    {"bad number", "child a\n ram 1\n caps lots\nend\n", 0, {{3, "bad number 'lots' for 'caps'"}}},
    {"overflowing number",
     "child a\n ram 1\n caps 18446744073709551616\nend\n",
     0,
     {{3, "number '18446744073709551616' too large for 'caps'"}}},
    {"child name too long",
     "child " NAME32 "\n ram 1\n caps 1\nend\n",
     0,
     {{1, "child name '" NAME32 "' is too long (at most 31 characters)"}}},
    {"long names are cut in messages",
     "child " NAME50 "\n ram 1\n caps 1\nend\n",
     0,
     {{1, "child name '" NAME32 "6789ABCD...' is too long (at most 31 characters)"}}},
    {"bad character in child name",
     "child a$b\n ram 1\n caps 1\nend\n",
     0,
     {{1, "bad character in child name 'a$b'"}}},
    {"non-ASCII child name",
     "child h\xc3\xa9llo\n ram 1\n caps 1\nend\n",
     0,
     {{1, "bad character in child name 'h??llo'"}}},
    {"binary name too long",
     "child a\n binary " NAME32 "\n ram 1\n caps 1\nend\n",
     0,
     {{2, "binary name '" NAME32 "' is too long (at most 31 characters)"}}},
    {"bad character in binary name",
     "child a\n binary bin/a\n ram 1\n caps 1\nend\n",
     0,
     {{2, "bad character in binary name 'bin/a'"}}},
    {"service name too long",
     "child a\n ram 1\n caps 1\n route " NAME32 " parent\nend\n",
     0,
     {{4, "service name '" NAME32 "' is too long (at most 31 characters)"}}},
    {"bad character in service name",
     "child a\n ram 1\n caps 1\n route LO*G parent\nend\n",
     0,
     {{4, "bad character in service name 'LO*G'"}}},
    {"bad character in route's child name",
     "child a\n ram 1\n caps 1\n route LOG child x!y\nend\n",
     0,
     {{4, "bad character in child name 'x!y'"}}},
    {"bad character in arg key",
     "child a\n ram 1\n caps 1\n arg k=1 v\nend\n",
     0,
     {{4, "bad character in arg key 'k=1'"}}},
    {"arg value too long",
     "child a\n ram 1\n caps 1\n arg k " VALUE64 "\nend\n",
     0,
     {{4, "arg value '" NAME32 "abcdefgh...' is too long (at most 63 characters)"}}},
    {"control character in arg value",
     "child a\n ram 1\n caps 1\n arg k a\x01"
     "b\nend\n",
     0,
     {{4, "bad character in arg value 'a?b'"}}},
    {"nested child without end",
     "child a\n ram 1\n caps 1\nchild b\n ram 1\n caps 1\nend\n",
     1,
     {{4, "nested 'child': child 'a' (line 1) has no 'end'"}}},
    {"end without child", SMALL_CHILD("a") "end\n", 1, {{5, "'end' without 'child'"}}},
    {"missing final end",
     SMALL_CHILD("a") "child b\n ram 1\n caps 1\n\n# the end is missing\n",
     1,
     {{5, "missing 'end' for child 'b'"}}},
    {"route without service",
     "child a\n ram 1\n caps 1\n route\nend\n",
     0,
     {{4, "missing service after 'route'"}}},
    {"route to nothing",
     "child a\n ram 1\n caps 1\n route LOG\nend\n",
     0,
     {{4, "missing target for route 'LOG'"}}},
    {"route to a child without name",
     "child a\n ram 1\n caps 1\n route LOG child\nend\n",
     0,
     {{4, "missing child name for route 'LOG'"}}},
    {"bad route target",
     "child a\n ram 1\n caps 1\n route LOG core\nend\n",
     0,
     {{4, "bad route target 'core' (expected parent, child NAME or denied)"}}},
    {"route target is case sensitive",
     "child a\n ram 1\n caps 1\n route LOG Parent\nend\n",
     0,
     {{4, "bad route target 'Parent' (expected parent, child NAME or denied)"}}},
    {"route to unknown child",
     "child a\n ram 1\n caps 1\n route LOG child b\nend\n",
     1,
     {{4, "route to unknown child 'b' (service 'LOG' denied)"}}},
    {"default route to unknown child",
     "child a\n ram 1\n caps 1\n route * child zz\nend\n",
     1,
     {{4, "route to unknown child 'zz' (service '*' denied)"}}},
    {"route to itself",
     "child a\n ram 1\n caps 1\n route LOG child a\nend\n",
     0,
     {{4, "child 'a' routes 'LOG' to itself"}}},
    {"default route to itself",
     "child a\n ram 1\n caps 1\n route * child a\nend\n",
     0,
     {{4, "child 'a' routes '*' to itself"}}},
    {"duplicate route",
     "child a\n ram 1\n caps 1\n route LOG parent\n route LOG denied\nend\n",
     0,
     {{5, "duplicate route for 'LOG' (first at line 4)"}}},
    {"duplicate default route",
     "child a\n ram 1\n caps 1\n route * parent\n route * parent\nend\n",
     0,
     {{5, "duplicate route for '*' (first at line 4)"}}},
    {"duplicate ram",
     "child a\n ram 1\n caps 1\n ram 2\nend\n",
     0,
     {{4, "duplicate 'ram' (first at line 2)"}}},
    {"duplicate binary",
     "child a\n binary x\n binary x\n ram 1\n caps 1\nend\n",
     0,
     {{3, "duplicate 'binary' (first at line 2)"}}},
    {"duplicate arg",
     "child a\n ram 1\n caps 1\n arg k 1\n arg k 2\nend\n",
     0,
     {{5, "duplicate arg 'k' (first at line 4)"}}},
    {"duplicate verbose",
     "verbose yes\nverbose no\n",
     0,
     {{2, "duplicate 'verbose' (first at line 1)"}}},
    {"bad verbose value",
     "verbose maybe\n",
     0,
     {{1, "bad value 'maybe' for 'verbose' (expected yes or no)"}}},
    {"verbose without a value, then a valid one",
     "verbose\nverbose yes\n",
     0,
     {{1, "missing value after 'verbose'"}}},
    {"verbose without a value twice",
     "verbose\nverbose\n",
     0,
     {{1, "missing value after 'verbose'"}, {2, "missing value after 'verbose'"}}},
    {"bad verbose value, then a valid one",
     "verbose maybe\nverbose no\nverbose yes\n",
     0,
     {{1, "bad value 'maybe' for 'verbose' (expected yes or no)"},
      {3, "duplicate 'verbose' (first at line 2)"}}},
    {"duplicate serves-only",
     "child a\n ram 1\n caps 1\n serves-only yes\n serves-only no\nend\n",
     0,
     {{5, "duplicate 'serves-only' (first at line 4)"}}},
    {"bad serves-only value",
     "child a\n ram 1\n caps 1\n serves-only maybe\nend\n",
     0,
     {{4, "bad value 'maybe' for 'serves-only' (expected yes or no)"}}},
    {"serves-only without a value",
     "child a\n ram 1\n caps 1\n serves-only\nend\n",
     0,
     {{4, "missing value after 'serves-only'"}}},
    {"serves-only with a surplus token",
     "child a\n ram 1\n caps 1\n serves-only yes no\nend\n",
     0,
     {{4, "unexpected 'no' at end of line"}}},
    {"serves-only at the top level",
     "serves-only yes\n",
     0,
     {{1, "unknown keyword 'serves-only'"}}},
    {"bare child", "child\nend\n", 0, {{1, "missing value after 'child'"}}},
    {"bare child's lines are skipped",
     "child\n colour red\n ram x\n route\nend\n" SMALL_CHILD("b"),
     1,
     {{1, "missing value after 'child'"}}},
    {"bare child without end, then a child",
     "child\n ram 1\nchild b\n ram 1\n caps 1\nend\n",
     1,
     {{1, "missing value after 'child'"},
      {3, "nested 'child': the unnamed child (line 1) has no 'end'"}}},
    {"bare child at the end of the file",
     "child\n ram 1\n",
     0,
     {{1, "missing value after 'child'"}, {1, "missing 'end' for the unnamed child"}}},
    {"missing ram", "child a\n caps 1\nend\n", 0, {{1, "child 'a' has no 'ram'"}}},
    {"missing caps", "child a\n ram 1\nend\n", 0, {{1, "child 'a' has no 'caps'"}}},
    {"missing both",
     "\nchild a\nend\n",
     0,
     {{2, "child 'a' has no 'ram'"}, {2, "child 'a' has no 'caps'"}}},
};

static void test_each_error(void **state)
{
    (void)state;
    struct collected errors;
    for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
        const struct error_case *c = &error_cases[i];
        unsigned want = 0;
        while (want < 4 && c->errors[want].msg != NULL)
            want++;
        struct expected_error expected[5] = {{0, NULL}};
        memcpy(expected, c->errors, want * sizeof(expected[0]));
        parse(c->text, &errors);
        assert_errors(c->name, &errors, expected);
        if (cfg.child_count != c->kept)
            fail_msg("%s: %u children kept, want %u", c->name, cfg.child_count, c->kept);
    }
}

/* A valid `verbose` after an invalid one is the one that counts. */
static void test_verbose_after_invalid(void **state)
{
    (void)state;
    struct collected errors;
    parse("verbose\nverbose yes\n", &errors);
    assert_true(cfg.verbose);
    parse("verbose maybe\nverbose no\nverbose yes\n", &errors);
    assert_false(cfg.verbose);
}

/* config_quota_check: no sum wraps, the first resource that does not fit is named, and what is
 * left never underflows. */
static void test_quota_check(void **state)
{
    (void)state;
    struct init_child c = {.ram = UINT64_MAX, .caps = 1};
    struct config_budget b = {
        .ram_avail = 1ul << 30, .ram_reserve = 512 * 1024, .caps_avail = 100, .caps_reserve = 10};
    uint64_t left = 7;
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_RAM);
    assert_int_equal(left, (1ul << 30) - 512 * 1024);
    c.ram = UINT64_MAX - 512 * 1024 + 1; /* + reserve is exactly 2^64 */
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_RAM);
    c.ram = (1ul << 30) - 512 * 1024; /* exactly what is left */
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_OK);
    c.ram++;
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_RAM);
    c.ram = 1;
    c.caps = UINT64_MAX;
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_CAPS);
    assert_int_equal(left, 90);
    c.caps = 90;
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_OK);
    c.caps = 91;
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_CAPS);
    b.ram_avail = 100; /* less than the reserve: nothing left, no underflow */
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_RAM);
    assert_int_equal(left, 0);
    b.ram_avail = 1ul << 30;
    b.caps_avail = 5;
    c.caps = 1;
    assert_int_equal(config_quota_check(&c, &b, &left), CONFIG_QUOTA_CAPS);
    assert_int_equal(left, 0);
    /* the largest value the parser accepts goes through the same check */
    struct collected errors;
    assert_int_equal(parse("child a\n ram 18446744073709551615\n caps 1\nend\n", &errors), 0);
    assert_int_equal(cfg.child_count, 1);
    b.caps_avail = 100;
    assert_int_equal(config_quota_check(&cfg.children[0], &b, &left), CONFIG_QUOTA_RAM);
}

/* A route to an unknown child is reported, becomes denied, and its child is kept. */
static void test_unknown_child_route_denied(void **state)
{
    (void)state;
    struct collected errors;
    assert_int_equal(
        parse("child a\n ram 1\n caps 1\n route LOG child nobody\n route * child gone\nend\n",
              &errors),
        2);
    assert_int_equal(cfg.child_count, 1);
    const struct init_route *r = config_route(&cfg.children[0], "LOG");
    assert_ptr_equal(r, &cfg.children[0].routes[0]); /* still an explicit route: not the default */
    assert_int_equal(r->target, ROUTE_DENIED);
    assert_string_equal(r->child, "");
    assert_int_equal(r->line, 4);
    assert_int_equal(config_route(&cfg.children[0], "X")->target, ROUTE_DENIED);
}

/*
 * A dropped child takes nobody down with it: routes to it are reported at their own lines and
 * deny, the children holding them are kept.
 */
static void test_route_to_dropped_child(void **state)
{
    (void)state;
    struct collected errors;
    static const char text[] = "child client\n"              /* 1 */
                               " ram 1\n"                    /* 2 */
                               " caps 1\n"                   /* 3 */
                               " route Hello child server\n" /* 4 */
                               " route LOG parent\n"         /* 5 */
                               "end\n"                       /* 6 */
                               "child server\n"              /* 7 */
                               " ram 1\n"                    /* 8 */
                               " caps -1\n"                  /* 9: drops server */
                               "end\n"                       /* 10 */
                               "child other\n"               /* 11 */
                               " ram 1\n"                    /* 12 */
                               " caps 1\n"                   /* 13 */
                               " route * child server\n"     /* 14 */
                               "end\n";
    assert_int_equal(parse(text, &errors), 3);
    const struct expected_error want[] = {
        {9, "bad number '-1' for 'caps'"},
        {4, "route to dropped child 'server' (service 'Hello' denied)"},
        {14, "route to dropped child 'server' (service '*' denied)"},
        {0, NULL},
    };
    assert_errors("dropped", &errors, want);
    assert_int_equal(cfg.child_count, 2);
    const struct init_child *client = config_child(&cfg, "client");
    assert_non_null(client);
    assert_int_equal(config_route(client, "Hello")->target, ROUTE_DENIED);
    assert_int_equal(config_route(client, "LOG")->target, ROUTE_PARENT);
    const struct init_child *other = config_child(&cfg, "other");
    assert_non_null(other);
    assert_int_equal(config_route(other, "Hello")->target, ROUTE_DENIED);
    assert_int_equal(other->fallback.line, 14);
    assert_null(config_child(&cfg, "server"));
}

/* Several broken children among valid ones: all errors reported, the valid ones kept intact. */
static void test_multiple_errors(void **state)
{
    (void)state;
    struct collected errors;
    static const char text[] = "verbose sometimes\n"      /* 1 */
                               "child good1\n"            /* 2 */
                               " ram 64K\n"               /* 3 */
                               " caps 10\n"               /* 4 */
                               " route LOG parent\n"      /* 5 */
                               " route Svc child good2\n" /* 6 */
                               "end\n"                    /* 7 */
                               "child bad1\n"             /* 8 */
                               " ram 64Q\n"               /* 9 */
                               " caps 10\n"               /* 10 */
                               " route LOG\n"             /* 11 */
                               " frobnicate\n"            /* 12 */
                               "end\n"                    /* 13 */
                               "child good2\n"            /* 14 */
                               " ram 1M\n"                /* 15 */
                               " caps 20\n"               /* 16 */
                               " arg mode fast\n"         /* 17 */
                               "end\n"                    /* 18 */
                               "end\n"                    /* 19 */
                               "child bad2\n"             /* 20 */
                               " ram 1\n";                /* 21: no caps, no end */
    assert_int_equal(parse(text, &errors), 6);
    const struct expected_error want[] = {
        {1, "bad value 'sometimes' for 'verbose' (expected yes or no)"},
        {9, "bad number '64Q' for 'ram'"},
        {11, "missing target for route 'LOG'"},
        {12, "unknown key 'frobnicate' in child 'bad1'"},
        {19, "'end' without 'child'"},
        {20, "missing 'end' for child 'bad2'"},
        {0, NULL},
    };
    assert_errors("multiple", &errors, want);
    assert_false(cfg.verbose);
    assert_int_equal(cfg.child_count, 2);
    const struct init_child *g1 = &cfg.children[0], *g2 = &cfg.children[1];
    assert_string_equal(g1->name, "good1");
    assert_int_equal(g1->ram, 64 * 1024);
    assert_int_equal(g1->caps, 10);
    assert_int_equal(g1->line, 2);
    assert_string_equal(config_route(g1, "Svc")->child, "good2");
    assert_string_equal(g2->name, "good2");
    assert_int_equal(g2->line, 14);
    assert_int_equal(g2->ram, 1024 * 1024);
    assert_string_equal(config_arg(g2, "mode"), "fast");
}

/* ---- limits ---- */

struct text {
    char buf[16384];
    size_t len;
};

static void append(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(t->buf) - t->len);
    t->len += (size_t)n;
}

static void test_child_limit(void **state)
{
    (void)state;
    static struct text t;
    struct collected errors;

    /* Exactly 16 children, names of exactly 31 characters. */
    t.len = 0;
    for (unsigned i = 0; i < CONFIG_MAX_CHILDREN; i++)
        append(&t, "child %.29s%02u\n ram 1\n caps 1\nend\n", NAME31, i);
    assert_int_equal(parse(t.buf, &errors), 0);
    assert_int_equal(cfg.child_count, CONFIG_MAX_CHILDREN);
    assert_int_equal(strlen(cfg.children[15].name), CONFIG_NAME_MAX);

    /* The 17th is rejected with its lines (even broken ones); a route to it is one to a dropped
     * child. The line after its `end` is parsed again. */
    append(&t, "child extra\n ram nonsense\nend\nchild more\nend\nbogus\n");
    unsigned extra_line = CONFIG_MAX_CHILDREN * 4 + 1;
    assert_int_equal(parse(t.buf, &errors), 3);
    const struct expected_error want[] = {
        {extra_line, "too many children (at most 16): 'extra' ignored"},
        {extra_line + 3, "too many children (at most 16): 'more' ignored"},
        {extra_line + 5, "unknown keyword 'bogus'"},
        {0, NULL},
    };
    assert_errors("17 children", &errors, want);
    assert_int_equal(cfg.child_count, CONFIG_MAX_CHILDREN);

    /* A dropped child frees its slot: 17 declared, 1 broken, 16 kept, no limit error. */
    t.len = 0;
    append(&t, "child broken\n ram 1\nend\n");
    for (unsigned i = 0; i < CONFIG_MAX_CHILDREN; i++)
        append(&t, "child c%u\n ram 1\n caps 1\n route S child %s\nend\n", i,
               i == 0 ? "broken" : "c0");
    assert_int_equal(parse(t.buf, &errors), 2);
    const struct expected_error want2[] = {
        {1, "child 'broken' has no 'caps'"},
        {7, "route to dropped child 'broken' (service 'S' denied)"},
        {0, NULL},
    };
    assert_errors("slot reuse", &errors, want2);
    assert_int_equal(cfg.child_count, CONFIG_MAX_CHILDREN);
    assert_string_equal(cfg.children[15].name, "c15");
}

static void test_route_and_arg_limits(void **state)
{
    (void)state;
    static struct text t;
    struct collected errors;

    /* 16 explicit routes plus the default. */
    t.len = 0;
    append(&t, "child a\n ram 1\n caps 1\n route * parent\n");
    for (unsigned i = 0; i < CONFIG_MAX_ROUTES; i++)
        append(&t, " route S%u denied\n", i);
    for (unsigned i = 0; i < CONFIG_MAX_ARGS; i++)
        append(&t, " arg k%u v%u\n", i, i);
    append(&t, "end\n");
    assert_int_equal(parse(t.buf, &errors), 0);
    assert_int_equal(cfg.children[0].route_count, CONFIG_MAX_ROUTES);
    assert_int_equal(cfg.children[0].arg_count, CONFIG_MAX_ARGS);
    assert_int_equal(config_route(&cfg.children[0], "S15")->target, ROUTE_DENIED);
    assert_int_equal(config_route(&cfg.children[0], "S15")->line, 4 + 16);
    assert_string_equal(config_arg(&cfg.children[0], "k7"), "v7");

    /* One route more (line 21), one arg more (line 30). */
    t.len = 0;
    append(&t, "child a\n ram 1\n caps 1\n route * parent\n");
    for (unsigned i = 0; i <= CONFIG_MAX_ROUTES; i++)
        append(&t, " route S%u denied\n", i);
    for (unsigned i = 0; i <= CONFIG_MAX_ARGS; i++)
        append(&t, " arg k%u v%u\n", i, i);
    append(&t, "end\n");
    assert_int_equal(parse(t.buf, &errors), 2);
    const struct expected_error want[] = {
        {21, "too many routes in child 'a' (at most 16)"},
        {30, "too many args in child 'a' (at most 8)"},
        {0, NULL},
    };
    assert_errors("limits", &errors, want);
    assert_int_equal(cfg.child_count, 0);

    /* Longest names and values are kept whole. */
    assert_int_equal(parse("child " NAME31 "\n binary " NAME31 "\n ram 1\n caps 1\n route " NAME31
                           " child b\n arg " NAME31 " " NAME31 NAME32 "\nend\n" SMALL_CHILD("b"),
                           &errors),
                     0);
    const struct init_child *c = config_child(&cfg, NAME31);
    assert_non_null(c);
    assert_string_equal(c->binary, NAME31);
    assert_string_equal(config_route(c, NAME31)->child, "b");
    assert_string_equal(config_arg(c, NAME31), NAME31 NAME32);
}

/* ---- reporting ---- */

static void test_format_error(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(config_format_error(buf, sizeof(buf), "init.cfg", 12, "unknown keyword 'x'"),
                     strlen("init.cfg:12: unknown keyword 'x'"));
    assert_string_equal(buf, "init.cfg:12: unknown keyword 'x'");
    assert_int_equal(config_format_error(buf, 8, "init.cfg", 4000000000u, "m"), 7);
    assert_string_equal(buf, "init.cf");
    assert_int_equal(config_format_error(buf, 1, "init.cfg", 1, "m"), 0);
    assert_string_equal(buf, "");
    buf[0] = 'x';
    assert_int_equal(config_format_error(buf, 0, "init.cfg", 1, "m"), 0);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(config_format_error(buf, sizeof(buf), "f", 0, ""), 5);
    assert_string_equal(buf, "f:0: ");
}

static void test_child_error(void **state)
{
    (void)state;
    struct collected errors;
    assert_int_equal(parse(example, &errors), 0);
    config_child_error(&cfg, config_child(&cfg, "hello"), "binary 'hello-demo' not found");
    assert_int_equal(errors.count, 1);
    assert_string_equal(errors.file[0], "init.cfg");
    assert_int_equal(errors.line[0], 10);
    assert_string_equal(errors.msg[0], "binary 'hello-demo' not found");

    /* Without a reporter, errors are still counted; a long file name is cut. */
    static const char long_name[] = NAME50 NAME50;
    assert_int_equal(config_parse(&cfg, long_name, "end\nend\n", 8, NULL, NULL), 2);
    assert_int_equal(strlen(cfg.file), CONFIG_FILE_MAX);
    assert_memory_equal(cfg.file, long_name, CONFIG_FILE_MAX);
    config_child_error(&cfg, &cfg.children[0], "nobody listens");
    assert_int_equal(config_parse(&cfg, NULL, "child\n", 6, NULL, NULL), 2);
    assert_string_equal(cfg.file, "");
}

/* ---- robustness ---- */

/* Every prefix of the example, in an exact-size buffer. */
static void test_every_prefix(void **state)
{
    (void)state;
    struct collected errors;
    size_t size = strlen(example);
    unsigned clean = 0;
    for (size_t n = 0; n <= size; n++) {
        if (parse_bytes(example, n, &errors) == 0)
            clean++;
        /* Cut before the last `end` completes: hello is missing. */
        if (n < size - 1)
            assert_null(config_child(&cfg, "hello"));
    }
    assert_non_null(config_child(&cfg, "hello"));
    /* Clean cuts: between the children, and after the last `end` (with or without '\n'). */
    assert_true(clean > 2);
}

/* rtcr's keys: `step` lines kept verbatim in order, `policy stale`; init still rejects both. */
static void test_rtcr_keys(void **state)
{
    (void)state;
    static const char text[] = SMALL_CHILD("counter") "step when counter logs \"tick 5\"  # cut\n"
                                                      "step checkpoint img1 to disk\n"
                                                      "policy stale yes\n"
                                                      "step\n"
                                                      "policy stale maybe\n"
                                                      "policy stale no\n";
    struct collected errors;
    memset(&errors, 0, sizeof(errors));
    unsigned n =
        config_parse_keys(&cfg, "rtcr.cfg", text, strlen(text), CONFIG_KEYS_RTCR, collect, &errors);
    assert_int_equal(n, 3);
    assert_int_equal(cfg.child_count, 1);
    assert_int_equal(cfg.step_count, 2);
    assert_string_equal(cfg.steps[0].text, "when counter logs \"tick 5\"");
    assert_int_equal(cfg.steps[0].line, 5);
    assert_string_equal(cfg.steps[1].text, "checkpoint img1 to disk");
    assert_true(cfg.policy_stale);
    assert_int_equal(errors.line[0], 8);
    assert_string_equal(errors.msg[0], "'step' without an action");
    assert_int_equal(errors.line[1], 9);
    assert_string_equal(errors.msg[1], "bad value 'maybe' for 'policy stale' (expected yes or no)");
    assert_int_equal(errors.line[2], 10);
    assert_string_equal(errors.msg[2], "duplicate 'policy' (first at line 7)");

    assert_int_equal(parse(text, &errors), 6); /* init: every rtcr line is unknown */
    assert_int_equal(cfg.step_count, 0);
    assert_false(cfg.policy_stale);
    assert_string_equal(errors.msg[0], "unknown keyword 'step'");
}

/* `serves-only yes|no`: kept per child (default no), counted by config_client_count; a key of
 * init's configuration only (rtcr ends its children by its steps). */
static void test_serves_only(void **state)
{
    (void)state;
    static const char text[] =
        "child server\n ram 1\n caps 1\n serves-only yes\nend\n"
        "child other\n ram 1\n caps 1\n serves-only no\nend\n" SMALL_CHILD("client");
    struct collected errors;
    assert_int_equal(parse(text, &errors), 0);
    assert_int_equal(cfg.child_count, 3);
    assert_true(cfg.children[0].serves_only);
    assert_false(cfg.children[1].serves_only);
    assert_false(cfg.children[2].serves_only);
    assert_int_equal(config_client_count(&cfg), 2);

    assert_int_equal(parse("child server\n ram 1\n caps 1\n serves-only yes\nend\n", &errors), 0);
    assert_int_equal(config_client_count(&cfg), 0);
    assert_int_equal(parse("", &errors), 0);
    assert_int_equal(config_client_count(&cfg), 0);

    memset(&errors, 0, sizeof(errors));
    assert_int_equal(
        config_parse_keys(&cfg, "rtcr.cfg", text, strlen(text), CONFIG_KEYS_RTCR, collect, &errors),
        2);
    assert_int_equal(cfg.child_count, 1); /* the two with the key are dropped */
    assert_int_equal(errors.line[0], 4);
    assert_string_equal(errors.msg[0], "unknown key 'serves-only' in child 'server'");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
    /* xorshift64: reproducible across hosts. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random byte changes to the example: bytes that matter to the grammar are likelier. */
static void test_random_flips(void **state)
{
    (void)state;
    static const char special[] = "\n\r\t #*0K\xff";
    struct collected errors;
    size_t size = strlen(example);
    char *text = malloc(size);
    assert_non_null(text);
    unsigned failed = 0, clean = 0;
    for (unsigned round = 0; round < 20000; round++) {
        memcpy(text, example, size);
        unsigned flips = 1 + (unsigned)(rng() % 4);
        for (unsigned f = 0; f < flips; f++) {
            uint64_t r = rng();
            size_t at = (size_t)(r % size);
            text[at] = (r >> 32) % 2 ? (char)(r >> 40) : special[(r >> 40) % (sizeof(special) - 1)];
        }
        /* Also cut at a random length now and then. */
        size_t len = rng() % 8 == 0 ? (size_t)(rng() % (size + 1)) : size;
        if (parse_bytes(text, len, &errors) == 0)
            clean++;
        else
            failed++;
    }
    free(text);
    /* Both outcomes occur, so the invariants were checked on kept and on dropped children. */
    assert_true(failed > 1000);
    assert_true(clean > 100);
}

/* Only NULs, only newlines, long lines, many tokens: nothing but ordinary errors. */
static void test_odd_inputs(void **state)
{
    (void)state;
    struct collected errors;
    static char zeros[1000];
    assert_int_equal(parse_bytes(zeros, sizeof(zeros), &errors), 1);
    assert_int_equal(errors.line[0], 1);
    assert_string_equal(errors.msg[0],
                        "unknown keyword '????????????????????????????????????????...'");

    static char newlines[5000];
    memset(newlines, '\n', sizeof(newlines));
    assert_int_equal(parse_bytes(newlines, sizeof(newlines), &errors), 0);

    static struct text t;
    t.len = 0;
    append(&t, "child a\n ram 1\n caps 1\n route");
    for (unsigned i = 0; i < 2000; i++)
        append(&t, " x");
    append(&t, "\nend\nverbose yes");
    assert_int_equal(parse(t.buf, &errors), 1);
    const struct expected_error want[] = {{4,
                                           "bad route target 'x' (expected parent, child NAME or "
                                           "denied)"},
                                          {0, NULL}};
    assert_errors("many tokens", &errors, want);
    assert_true(cfg.verbose);

    /* Line numbers keep counting across thousands of lines. */
    t.len = 0;
    for (unsigned i = 0; i < 3000; i++)
        append(&t, "\n");
    append(&t, "oops\n");
    assert_int_equal(parse(t.buf, &errors), 1);
    assert_int_equal(errors.line[0], 3001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_defaults_and_targets),
        cmocka_unit_test(test_forward_reference),
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_each_error),
        cmocka_unit_test(test_verbose_after_invalid),
        cmocka_unit_test(test_quota_check),
        cmocka_unit_test(test_unknown_child_route_denied),
        cmocka_unit_test(test_route_to_dropped_child),
        cmocka_unit_test(test_multiple_errors),
        cmocka_unit_test(test_child_limit),
        cmocka_unit_test(test_route_and_arg_limits),
        cmocka_unit_test(test_format_error),
        cmocka_unit_test(test_child_error),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_rtcr_keys),
        cmocka_unit_test(test_serves_only),
        cmocka_unit_test(test_random_flips),
        cmocka_unit_test(test_odd_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
