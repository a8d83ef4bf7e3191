/*
 * The configuration of a parent of components (init's init.cfg; rtcr uses the same syntax for
 * its protected children): which children it starts, with what quota, and where each child's
 * session requests go. The text format, its defaults, limits and every error message are
 * described in docs/framework.md, section "init's configuration".
 *
 * The parser is freestanding (no allocation, no stdio) and runs inside init on the target and
 * on the host in unit tests. The text is untrusted: it comes with an explicit size, need not be
 * NUL-terminated, and every byte of it is only read inside [text, text + size).
 *
 * Error policy: every problem is reported once through the caller's callback as
 * (file, line, reason), and counted. A child with an error on one of its own lines is dropped;
 * the rest of the configuration is kept. A route whose target child is not among the kept
 * children (unknown, or dropped) is reported and becomes ROUTE_DENIED; its child is kept.
 */
#ifndef FERRY_LIB_CONFIG_H
#define FERRY_LIB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_NAME_MAX     31 /* child, binary, service and arg key names, without the NUL */
#define CONFIG_VALUE_MAX    63 /* arg values, without the NUL */
#define CONFIG_FILE_MAX     63 /* the configuration's own name as shown in messages */
#define CONFIG_MAX_CHILDREN 16
#define CONFIG_MAX_ROUTES   16 /* explicit routes per child; the `route *` default is extra */
#define CONFIG_MAX_ARGS     8
#define CONFIG_MAX_SESSIONS 256 /* `sessions N`: a parent server's whole pool (PS_SESSIONS) */
#define CONFIG_MSG_MAX      192 /* the longest reason handed to the error callback, with NUL */
#define CONFIG_MAX_STEPS    32  /* rtcr's `step` lines */
#define CONFIG_STEP_MAX     127 /* a step's text after `step`, without the NUL */

/* Keys beyond init's that a parser accepts (config_parse_keys). */
#define CONFIG_KEYS_RTCR 0x1u /* `step TEXT...` and `policy stale yes|no` (docs/rtcr.md) */

/*
 * Reports one error. `msg` is the reason alone (no file, no line, no newline) and is only valid
 * during the call; config_format_error() turns the three parts into "FILE:LINE: reason".
 */
typedef void (*config_error_fn)(void *ctx, const char *file, unsigned line, const char *msg);

/* Zero is ROUTE_DENIED, so a route nobody filled in denies: the safe default. */
enum route_target {
    ROUTE_DENIED = 0, /* the session request fails */
    ROUTE_PARENT = 1, /* forwarded to init's parent */
    ROUTE_CHILD = 2,  /* forwarded to the sibling named in `child`, which must announce it */
};

struct init_route {
    char service[CONFIG_NAME_MAX + 1]; /* "*" for a child's default route */
    enum route_target target;
    char child[CONFIG_NAME_MAX + 1]; /* ROUTE_CHILD only: a kept child, never the route's owner */
    unsigned line;                   /* 0 for the implicit default (denied) */
};

struct init_arg {
    char key[CONFIG_NAME_MAX + 1];
    char value[CONFIG_VALUE_MAX + 1]; /* printable ASCII, no blanks, no '#' */
    unsigned line;
};

/*
 * One kept child. Invariants after config_parse(): name and binary are valid names; ram > 0 and
 * caps > 0; services are pairwise distinct; every ROUTE_CHILD route names another kept child.
 */
struct init_child {
    char name[CONFIG_NAME_MAX + 1];
    char binary[CONFIG_NAME_MAX + 1]; /* boot module holding its ELF; defaults to name */
    uint64_t ram;                     /* RAM quota in bytes */
    uint64_t caps;                    /* capability quota */
    unsigned sessions; /* `sessions N`: sessions it may hold at its parent; 0: the default */
    unsigned line;     /* of its `child` line: for init's later messages */
    struct init_route routes[CONFIG_MAX_ROUTES];
    unsigned route_count;
    struct init_route fallback; /* `route * ...`, or denied with line 0 */
    struct init_arg args[CONFIG_MAX_ARGS];
    unsigned arg_count;
    /* `serves-only yes` (init only): the child only serves the others; once every child
     * without it has ended, init ends it. */
    bool serves_only;
};

struct init_config {
    char file[CONFIG_FILE_MAX + 1];                  /* passed to config_parse(), truncated */
    struct init_child children[CONFIG_MAX_CHILDREN]; /* in file order */
    unsigned child_count;
    bool verbose; /* `verbose yes`: init logs each start and each routing decision */
    /* CONFIG_KEYS_RTCR only: the `step` lines in file order (their text after `step`, blanks
     * kept as written) and `policy stale yes|no` (default no). */
    struct config_step {
        char text[CONFIG_STEP_MAX + 1];
        unsigned line;
    } steps[CONFIG_MAX_STEPS];
    unsigned step_count;
    bool policy_stale;
    /* The reporter given to config_parse(), reused by config_child_error(). */
    config_error_fn error;
    void *error_ctx;
};

/*
 * Parses `size` bytes of `text` (NULL allowed when size is 0) into *cfg, which is overwritten
 * completely. `file` names the configuration in messages. `error` may be NULL. Returns the number
 * of errors reported; cfg holds the kept children even when it is not 0.
 */
unsigned config_parse(struct init_config *cfg, const char *file, const char *text, size_t size,
                      config_error_fn error, void *ctx);
/* config_parse accepting the extra keys of `keys` (CONFIG_KEYS_*) at the top level; without
 * them (init) those lines are "unknown keyword" errors as before. */
unsigned config_parse_keys(struct init_config *cfg, const char *file, const char *text, size_t size,
                           unsigned keys, config_error_fn error, void *ctx);

/* The route for `service`: the explicit one, or the child's default. Never NULL. */
const struct init_route *config_route(const struct init_child *child, const char *service);

/* The kept child called `name`, or NULL. */
const struct init_child *config_child(const struct init_config *cfg, const char *name);

/* How many kept children are not `serves-only yes` (the ones that use the others). */
unsigned config_client_count(const struct init_config *cfg);

/* The value of the child's argument `key`, or NULL. */
const char *config_arg(const struct init_child *child, const char *key);

/* "parent", "child", "denied" (for logs); "?" for anything else. */
const char *config_target_name(enum route_target target);

/*
 * Reports `msg` at the child's `child` line through the reporter given to config_parse(), for
 * checks init makes later (binary not among the boot modules, quota larger than init's).
 */
void config_child_error(const struct init_config *cfg, const struct init_child *child,
                        const char *msg);

/* What a parent can give its children: what it has, and what it keeps for itself. */
struct config_budget {
    uint64_t ram_avail, ram_reserve;   /* bytes */
    uint64_t caps_avail, caps_reserve; /* capabilities */
};

enum config_quota {
    CONFIG_QUOTA_OK = 0,
    CONFIG_QUOTA_RAM,  /* child->ram + ram_reserve exceeds ram_avail (or wraps) */
    CONFIG_QUOTA_CAPS, /* child->caps + caps_reserve exceeds caps_avail (or wraps) */
};

/*
 * Whether the child's quota fits the budget; for a failing resource *left is what the parent can
 * give of it (avail - reserve, 0 if avail is smaller). No sum wraps: `ram 18446744073709551615`
 * does not fit any budget.
 */
enum config_quota config_quota_check(const struct init_child *child,
                                     const struct config_budget *budget, uint64_t *left);

/*
 * Writes "FILE:LINE: msg" into buf (size bytes, NUL-terminated, truncated to fit; nothing when
 * size is 0). Returns the length written, without the NUL.
 */
size_t config_format_error(char *buf, size_t size, const char *file, unsigned line,
                           const char *msg);

#endif
