/*
 * rtcr: the checkpoint/restore runtime (docs/rtcr.md). A component under
 * init and the parent of its protected children: it starts them from its
 * configuration (boot module "rtcr.cfg": init's syntax through lib/config,
 * plus `step` and `policy stale`), hands them virtual sessions (virt.c),
 * and runs its `step` lines: checkpoint, kill, restore (checkpoint.c, restore.c), wait, exit.
 */
#include "rtcr.h"
#include <client.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/timer.h>
#include <ferry/macros.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTCR_CONFIG_MODULE "rtcr.cfg"
#define RTCR_CONFIG_MAX    (64ul * 1024)

struct rtcr rtcr;
/* By index of rtcr.children: left frozen by a `checkpoint ... stop` (until
 * `resume`, or the entry is used for a new child). */
static bool child_frozen[RTCR_MAX_CHILDREN];

/* ---- children ---- */

struct rtcr_child *rtcr_child_new(void)
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        if (!rtcr.children[i].used)
            return &rtcr.children[i];
    return NULL;
}

long rtcr_child_create(struct rtcr_child *c, const struct init_child *cfg, const char *name,
                       bool start)
{
    memset(c, 0, sizeof(*c));
    child_frozen[c - rtcr.children] = false;
    c->used = true;
    c->id = model_id();
    c->cfg = cfg;
    snprintf(c->name, sizeof(c->name), "%s", name);
    struct child_config cc;
    ps_child_config(cfg, c->name, &cc);
    long err = virt_prepare(c, &cc);
    struct child_failure failure = {0};
    if (!err)
        err = start ? parent_server_start_child(&rtcr.ps, &cc, c, &c->pc, &failure)
                    : parent_server_construct_child(&rtcr.ps, &cc, c, &c->pc, &failure);
    if (err) {
        printf("rtcr: child '%s' not %s: %s: %s\n", name, start ? "started" : "constructed",
               child_failure_name(&failure), ferry_error_name(err));
        virt_release(c);
        c->used = false;
        return err;
    }
    /* the child's first calls wait for this entrypoint, which binds first */
    if ((err = virt_bind(c))) {
        printf("rtcr: child '%s': recording its start failed: %s\n", name, ferry_error_name(err));
        rtcr_child_kill(c);
    }
    return err;
}

void rtcr_child_kill(struct rtcr_child *c)
{
    if (!c->used)
        return;
    struct ps_child *pc = c->pc;
    virt_release(c);
    c->used = false;
    if (pc)
        parent_server_kill(&rtcr.ps, pc);
}

bool rtcr_core_service(const char *service)
{
    static const char *const core[] = {"PD", "CPU", "RM", "LOG", "ROM", "Timer", "IRQ", "IO_MEM"};
    for (unsigned i = 0; i < sizeof(core) / sizeof(core[0]); i++)
        if (!strcmp(service, core[i]))
            return true;
    return false;
}

static struct rtcr_child *child_of(struct ps_child *pc)
{
    return pc->policy_data;
}

/* ---- the parent-server policy ---- */

static void route(struct parent_server *ps, struct ps_child *client, const char *service,
                  struct ps_route *out)
{
    const struct init_route *r = config_route(child_of(client)->cfg, service);
    switch (r->target) {
    case ROUTE_PARENT:
        /* a service of another server of rtcr's parent: rtcr asks for it itself */
        *out = (struct ps_route){.kind = PS_ROUTE_PARENT, .own_quota = !rtcr_core_service(service)};
        break;
    case ROUTE_CHILD:
        *out = (struct ps_route){
            .kind = PS_ROUTE_CHILD, .server = parent_server_child(ps, r->child), .name = r->child};
        break;
    default:
        *out = (struct ps_route){.kind = PS_ROUTE_DENIED};
    }
}

static void when_child_ended(const struct rtcr_child *c);

static void ended(struct ps_child *pc)
{
    struct rtcr_child *c = child_of(pc);
    when_child_ended(c);
    virt_release(c);
    c->used = false;
}

static void exited(struct parent_server *ps, struct ps_child *pc, long code)
{
    (void)ps;
    printf("rtcr: child '%s' exited with code %ld\n", pc->child.name, code);
    ended(pc);
}

static void faulted(struct parent_server *ps, struct ps_child *pc, const struct ps_fault *f)
{
    (void)ps;
    ps_print_fault("rtcr: ", pc, f);
    ended(pc);
}

/* Whether a thread of the child halted on a fault (else the fault signal was
 * the late one of the child that had the parent-server entry before). */
static bool fault_confirmed(struct parent_server *ps, struct ps_child *pc)
{
    (void)ps;
    struct rtcr_child *c = child_of(pc);
    for (unsigned i = 0; i < RTCR_THREADS; i++) {
        struct ferry_thread_info_out info;
        if (c->threads[i].used && thread_info(c->threads[i].slot, &info) == FERRY_OK &&
            info.fault_kind != FERRY_THREAD_FAULT_NONE)
            return true;
    }
    return false;
}

static void steps_run(void);
static bool steps_done(void);

static void all_ended(struct parent_server *ps)
{
    if (steps_done()) {
        printf("rtcr: all children have ended\n");
        env_exit(ps->env, 0);
    }
}

static const struct ps_policy rtcr_policy = {.route = route,
                                             .exited = exited,
                                             .faulted = faulted,
                                             .fault_confirmed = fault_confirmed,
                                             .all_ended = all_ended,
                                             .virtualise = virt_session,
                                             .unvirtualise = virt_session_end};

/* ---- steps ---- */

/* A step as decoded at start (step_decode checks its words only; step_run
 * acts). STEP_BAD: not understood, reported at start and skipped. */
enum step_kind {
    STEP_BAD = 0,
    STEP_WHEN,
    STEP_CHECKPOINT,
    STEP_RESTORE,
    STEP_KILL,
    STEP_RESUME,
    STEP_START,
    STEP_CYCLE,
    STEP_QUOTA_MARK,
    STEP_QUOTA_CHECK,
    STEP_DAMAGE,
    STEP_TRUNCATE,
    STEP_WAIT,
    STEP_EXIT,
};

#define STEP_WORDS    8  /* the most words a step has, and one more */
#define STEP_NAME_MAX 31 /* image and child names (rtcr's, the store's, the config's fields) */
#define STEP_TEXT_MAX 95 /* the text of `when ... logs TEXT` */

/* Invariant after step_decode: every string points into `words` (the step's
 * text split in place) and fits its limit above. */
struct step {
    enum step_kind kind;
    char words[CONFIG_STEP_MAX + 1];
    const char *name;             /* the image; the child of `when` */
    const char *as;               /* `restore NAME as CHILD`, or NULL */
    const char *text;             /* `when CHILD logs TEXT` */
    bool incremental, stop, disk; /* checkpoint (disk: restore too) */
    unsigned long number;         /* cycle N, damage OFFSET, truncate LENGTH */
    uint64_t us;                  /* wait */
};

static struct step steps[CONFIG_MAX_STEPS]; /* rtcr.config.steps, decoded */
static unsigned step_next;                  /* index of the next step to run */
static bool step_waiting;                   /* a `when` or `wait` step holds the others back */
static bool step_running; /* a step runs: its kills do not end rtcr (steps_run decides after it) */
static struct signal_handler step_signal;
static uint32_t step_timer; /* rtcr's own Timer session, for `wait` */
static struct {
    bool active;
    bool ended; /* the child ended before it logged the text: the step failed */
    char child[STEP_NAME_MAX + 1];
    char text[STEP_TEXT_MAX + 1];
} when;

/* Every step has run to its end (the last one too: `cycle` kills the
 * children and restores them, so no child living while it runs is no end). */
static bool steps_done(void)
{
    return step_next >= rtcr.config.step_count && !step_waiting && !step_running;
}

void rtcr_child_logged(struct rtcr_child *c, const char *text, uint64_t len)
{
    if (!when.active || strcmp(c->name, when.child))
        return;
    size_t want = strlen(when.text);
    for (uint64_t i = 0; i + want <= len; i++)
        if (!memcmp(text + i, when.text, want)) {
            when.active = false;
            sys_irq_trigger(step_signal.signal); /* runs after this call is answered */
            return;
        }
}

/* A child ended (exit or fault): a `when` waiting for its line fails, and
 * the next step runs (after this call, through the step signal). */
static void when_child_ended(const struct rtcr_child *c)
{
    if (!when.active || strcmp(c->name, when.child))
        return;
    when.active = false;
    when.ended = true;
    sys_irq_trigger(step_signal.signal);
}

struct rtcr_child *rtcr_child_named(const char *name)
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        if (rtcr.children[i].used && !strcmp(rtcr.children[i].name, name))
            return &rtcr.children[i];
    return NULL;
}

static unsigned living_children(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        n += rtcr.children[i].used;
    return n;
}

#define SPLIT_OPEN_QUOTE (-1) /* a `"` without its closing one */
#define SPLIT_TOO_MANY   (-2) /* more than `max` words */

/* Splits a step's text in place into words; a "quoted text" is one word.
 * Returns the count, or SPLIT_OPEN_QUOTE / SPLIT_TOO_MANY. */
static int split(char *s, char **word, unsigned max)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            return n;
        if (n == (int)max)
            return SPLIT_TOO_MANY;
        bool quoted = *s == '"';
        s += quoted;
        word[n++] = s;
        while (*s && (quoted ? *s != '"' : *s != ' ' && *s != '\t'))
            s++;
        if (quoted && !*s)
            return SPLIT_OPEN_QUOTE;
        if (*s)
            *s++ = 0;
    }
}

/* Decimal digits only, not 0: *n. */
static bool positive_number(const char *s, unsigned long *n, char **end)
{
    if (*s < '0' || *s > '9')
        return false;
    *n = strtoul(s, end, 10);
    return *n > 0;
}

/* The words after `checkpoint NAME`: incremental, stop, to disk, each once. */
static bool checkpoint_options(struct step *st, char **w, unsigned n, char *why, size_t size)
{
    for (unsigned i = 2; i < n; i++) {
        if (!strcmp(w[i], "incremental") && !st->incremental)
            st->incremental = true;
        else if (!strcmp(w[i], "stop") && !st->stop)
            st->stop = true;
        else if (!strcmp(w[i], "to") && i + 1 < n && !strcmp(w[i + 1], "disk") && !st->disk)
            st->disk = true, i++; /* "to disk": two words */
        else {
            snprintf(why, size, "unexpected '%s' (checkpoint NAME [incremental] [stop] [to disk])",
                     w[i]);
            return false;
        }
    }
    return true;
}

/* The words after `restore NAME`: as CHILD, from disk, each once. */
static bool restore_options(struct step *st, char **w, unsigned n, char *why, size_t size)
{
    for (unsigned i = 2; i < n; i++) {
        if (!strcmp(w[i], "as") && i + 1 < n && !st->as)
            st->as = w[++i];
        else if (!strcmp(w[i], "from") && i + 1 < n && !strcmp(w[i + 1], "disk") && !st->disk)
            st->disk = true, i++; /* "from disk": two words */
        else {
            snprintf(why, size, "unexpected '%s' (restore NAME [as CHILD] [from disk])", w[i]);
            return false;
        }
    }
    if (st->as && strlen(st->as) > STEP_NAME_MAX) {
        snprintf(why, size, "child name '%s' is longer than %u characters", st->as, STEP_NAME_MAX);
        return false;
    }
    return true;
}

/* The known steps: verb, word counts, what to write. */
static const struct {
    const char *verb;
    unsigned min, max;
    enum step_kind kind;
    const char *usage;
} step_verbs[] = {
    {"when", 4, 4, STEP_WHEN, "when CHILD logs \"TEXT\""},
    {"checkpoint", 2, 6, STEP_CHECKPOINT, "checkpoint NAME [incremental] [stop] [to disk]"},
    {"restore", 2, 6, STEP_RESTORE, "restore NAME [as CHILD] [from disk]"},
    {"kill", 1, 1, STEP_KILL, "kill"},
    {"resume", 1, 1, STEP_RESUME, "resume"},
    {"start", 1, 1, STEP_START, "start"},
    {"cycle", 3, 3, STEP_CYCLE, "cycle N NAME"},
    {"quota", 2, 2, STEP_QUOTA_MARK, "quota mark|check"},
    {"damage", 3, 3, STEP_DAMAGE, "damage NAME OFFSET"},
    {"truncate", 3, 3, STEP_TRUNCATE, "truncate NAME LENGTH"},
    {"wait", 2, 2, STEP_WAIT, "wait Nms|Ns"},
    {"exit", 1, 1, STEP_EXIT, "exit"},
};

/* The kind of a step with `n` words; STEP_BAD with the reason in why if its
 * verb is unknown or its word count wrong. */
static enum step_kind step_verb(char **w, unsigned n, char *why, size_t size)
{
    for (unsigned i = 0; i < ARRAY_SIZE(step_verbs); i++) {
        if (strcmp(w[0], step_verbs[i].verb))
            continue;
        if (n >= step_verbs[i].min && n <= step_verbs[i].max)
            return step_verbs[i].kind;
        snprintf(why, size, "expected '%s'", step_verbs[i].usage);
        return STEP_BAD;
    }
    snprintf(why, size, "unknown action '%s'", w[0]);
    return STEP_BAD;
}

/*
 * Decodes st->words (the step's text, split in place) into *st; only checks
 * the words. False with the reason in why (size bytes) if it is not a step.
 */
static bool step_decode(struct step *st, char *why, size_t size)
{
    char *w[STEP_WORDS];
    int n = split(st->words, w, STEP_WORDS);
    if (n == SPLIT_OPEN_QUOTE || n == SPLIT_TOO_MANY || n == 0) {
        snprintf(why, size, "%s",
                 n == SPLIT_OPEN_QUOTE ? "a quote is not closed ('#' starts a comment)"
                 : n                   ? "too many words"
                                       : "no action");
        return false;
    }
    st->kind = step_verb(w, (unsigned)n, why, size);
    char *end = NULL;
    switch (st->kind) {
    case STEP_BAD:
        return false;
    case STEP_WHEN:
        st->name = w[1];
        st->text = w[3];
        if (strcmp(w[2], "logs") || !*w[3])
            snprintf(why, size, "expected 'when CHILD logs \"TEXT\"'");
        else if (strlen(w[1]) > STEP_NAME_MAX || strlen(w[3]) > STEP_TEXT_MAX)
            snprintf(why, size, "child name or text too long (at most %u and %u characters)",
                     STEP_NAME_MAX, STEP_TEXT_MAX);
        else
            return true;
        return false;
    case STEP_CHECKPOINT:
    case STEP_RESTORE:
    case STEP_CYCLE:
    case STEP_DAMAGE:
    case STEP_TRUNCATE:
        st->name = w[st->kind == STEP_CYCLE ? 2 : 1];
        if (strlen(st->name) > STEP_NAME_MAX) {
            snprintf(why, size, "image name '%s' is longer than %u characters", st->name,
                     STEP_NAME_MAX);
            return false;
        }
        if (st->kind == STEP_CHECKPOINT)
            return checkpoint_options(st, w, (unsigned)n, why, size);
        if (st->kind == STEP_RESTORE)
            return restore_options(st, w, (unsigned)n, why, size);
        if (st->kind == STEP_CYCLE && (!positive_number(w[1], &st->number, &end) || *end)) {
            snprintf(why, size, "'%s' is not a count above 0 (cycle N NAME)", w[1]);
            return false;
        }
        if (st->kind != STEP_CYCLE) {
            st->number = strtoul(w[2], &end, 0);
            if (*w[2] < '0' || *w[2] > '9' || *end) {
                snprintf(why, size, "'%s' is not a number (%s NAME NUMBER)", w[2], w[0]);
                return false;
            }
        }
        return true;
    case STEP_QUOTA_MARK:
        if (!strcmp(w[1], "check"))
            st->kind = STEP_QUOTA_CHECK;
        else if (strcmp(w[1], "mark")) {
            snprintf(why, size, "expected 'quota mark' or 'quota check'");
            return false;
        }
        return true;
    case STEP_WAIT:
        if (positive_number(w[1], &st->number, &end) && (!strcmp(end, "ms") || !strcmp(end, "s"))) {
            st->us = st->number * (!strcmp(end, "ms") ? 1000 : 1000000);
            return true;
        }
        snprintf(why, size, "'%s' is not a time above 0 like 100ms or 2s", w[1]);
        return false;
    default:
        return true;
    }
}

/* Decodes every step at start; reports each one that is not understood. */
static void steps_decode(void)
{
    for (unsigned i = 0; i < rtcr.config.step_count; i++) {
        const struct config_step *cs = &rtcr.config.steps[i];
        char why[128];
        memcpy(steps[i].words, cs->text, sizeof(steps[i].words));
        if (!step_decode(&steps[i], why, sizeof(why))) {
            steps[i].kind = STEP_BAD;
            printf("%s:%u: step '%s' not understood: %s\n", RTCR_CONFIG_MODULE, cs->line, cs->text,
                   why);
        }
    }
}

static long step_when(const struct step *st)
{
    struct rtcr_child *c = rtcr_child_named(st->name);
    if (!c) {
        printf("rtcr: no protected child '%s' lives to log \"%s\"\n", st->name, st->text);
        return FERRY_E_NOENT;
    }
    if (child_frozen[c - rtcr.children]) {
        printf("rtcr: '%s' is frozen by a 'checkpoint ... stop' and logs nothing before "
               "'resume'\n",
               st->name);
        return FERRY_E_BUSY;
    }
    when.active = true;
    when.ended = false;
    snprintf(when.child, sizeof(when.child), "%s", st->name);
    snprintf(when.text, sizeof(when.text), "%s", st->text);
    step_waiting = true;
    return FERRY_OK;
}

static long step_wait(uint64_t us)
{
    long err = FERRY_OK;
    if (!step_timer) {
        err = env_session(rtcr.env, "Timer", "steps", NULL, 8192, 4, &step_timer);
        if (!err)
            err = timer_sigh(step_timer, step_signal.signal);
    }
    if (!err)
        err = timer_oneshot(step_timer, us);
    if (!err)
        step_waiting = true;
    return err;
}

/* A checkpoint (or cycle) needs a child to take: an empty image restores nothing. */
static long check_living(const char *name)
{
    if (living_children())
        return FERRY_OK;
    printf("rtcr: checkpoint '%s': no protected child lives\n", name);
    return FERRY_E_NOENT;
}

/* Every protected child ends. All are paused first: a child must not run on
 * while a sibling's teardown takes memory they share (it would fault, and the
 * fault signal would reach the parent server's entry after its reuse). */
static void kill_all(void)
{
    ckpt_pause_all();
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        rtcr_child_kill(&rtcr.children[i]);
}

static long start_children(unsigned *started);

/* `quota mark` remembers rtcr's PD account, `quota check` compares with it. */
static struct ferry_pd_quota_out quota_mark;
static bool quota_marked;

/* Whether rtcr's account is as at the mark (*q: as it is). */
static long quota_at_mark(struct ferry_pd_quota_out *q, bool *same)
{
    long err = pd_quota(rtcr.env->pd, q);
    *same = !err && q->ram_used == quota_mark.ram_used && q->cap_used == quota_mark.cap_used;
    return err;
}

static long step_quota(bool mark)
{
    struct ferry_pd_quota_out q;
    bool same;
    long err = quota_at_mark(&q, &same);
    if (err)
        return err;
    if (mark) {
        quota_mark = q;
        quota_marked = true;
        return FERRY_OK;
    }
    if (same)
        printf("rtcr: quota as at the mark\n");
    else
        printf("rtcr: quota differs from the mark: ram used %ld bytes, capabilities %ld\n",
               (long)(q.ram_used - quota_mark.ram_used), (long)(q.cap_used - quota_mark.cap_used));
    return FERRY_OK;
}

/*
 * `cycle N NAME`: N times checkpoint NAME, kill, restore NAME, without the
 * per-operation lines; after a `quota mark` the account is compared after
 * every cycle (a difference ends the step). One line per 100 cycles and at
 * the end.
 */
static long step_cycle(unsigned long n, const char *name)
{
    long err = check_living(name);
    rtcr.quiet = true;
    for (unsigned long i = 1; i <= n && !err; i++) {
        err = ckpt_checkpoint(name, false, false);
        if (!err) {
            kill_all();
            err = ckpt_restore(name, NULL);
        }
        struct ferry_pd_quota_out q;
        bool same = true;
        if (!err && quota_marked && !(err = quota_at_mark(&q, &same)) && !same) {
            printf("rtcr: cycle %lu of %lu: quota differs from the mark: ram used %ld bytes, "
                   "capabilities %ld\n",
                   i, n, (long)(q.ram_used - quota_mark.ram_used),
                   (long)(q.cap_used - quota_mark.cap_used));
            err = FERRY_E_QUOTA;
        }
        if (!err && (i % 100 == 0 || i == n))
            printf("rtcr: cycle %lu of %lu done%s\n", i, n,
                   quota_marked ? ", quota as at the mark" : "");
    }
    rtcr.quiet = false;
    return err;
}

/* Test steps on an image in memory: `damage NAME OFFSET` flips the byte at
 * OFFSET, `truncate NAME LENGTH` cuts it. */
static long step_damage(bool damage, const char *name, unsigned long n)
{
    size_t len;
    uint8_t *buf = (uint8_t *)ckpt_image(name, &len);
    if (!buf)
        return FERRY_E_NOENT;
    if (n >= len)
        return FERRY_E_RANGE;
    if (damage)
        buf[n] ^= 0xff;
    else
        ckpt_image_truncate(name, n);
    printf("rtcr: image '%s' %s at %lu\n", name, damage ? "damaged" : "truncated", n);
    return FERRY_OK;
}

static long step_checkpoint(const struct step *st)
{
    long err = check_living(st->name);
    if (!err)
        err = ckpt_checkpoint(st->name, st->incremental, st->stop);
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err && st->stop; i++)
        child_frozen[i] = rtcr.children[i].used;
    return !err && st->disk ? disk_write_image(st->name) : err;
}

static long step_restore(const struct step *st)
{
    long err = st->disk ? disk_read_image(st->name) : FERRY_OK;
    if (!err && (err = ckpt_restore(st->name, st->as)) && st->disk)
        disk_forget_read(); /* nothing of a failed restore stays */
    return err;
}

/* `start`: the configured children that do not live. */
static long step_start(void)
{
    unsigned started;
    long err = start_children(&started);
    if (err == FERRY_E_EXISTS)
        printf("rtcr: start: every configured child lives already\n");
    return err;
}

/* Runs one decoded step; sets step_waiting if it waits. Returns the error. */
static long step_run(const struct step *st)
{
    switch (st->kind) {
    case STEP_BAD:
        return FERRY_OK; /* reported at start */
    case STEP_WHEN:
        return step_when(st);
    case STEP_CHECKPOINT:
        return step_checkpoint(st);
    case STEP_RESTORE:
        return step_restore(st);
    case STEP_KILL:
        kill_all();
        printf("rtcr: killed the protected children\n");
        return FERRY_OK;
    case STEP_RESUME:
        ckpt_thaw();
        memset(child_frozen, 0, sizeof(child_frozen));
        return FERRY_OK;
    case STEP_START:
        return step_start();
    case STEP_CYCLE:
        return step_cycle(st->number, st->name);
    case STEP_QUOTA_MARK:
    case STEP_QUOTA_CHECK:
        return step_quota(st->kind == STEP_QUOTA_MARK);
    case STEP_DAMAGE:
    case STEP_TRUNCATE:
        return step_damage(st->kind == STEP_DAMAGE, st->name, st->number);
    case STEP_WAIT:
        return step_wait(st->us);
    case STEP_EXIT:
        printf("rtcr: exit\n");
        kill_all();
        disk_close();
        env_exit(rtcr.env, 0);
    }
    return FERRY_OK;
}

static void steps_run(void)
{
    while (!step_waiting && step_next < rtcr.config.step_count) {
        unsigned i = step_next++;
        step_running = true;
        long err = step_run(&steps[i]);
        step_running = false;
        if (err)
            printf("rtcr: step '%s' failed: %s\n", rtcr.config.steps[i].text,
                   ferry_error_name(err));
    }
    if (steps_done() && !living_children()) {
        printf("rtcr: all children have ended\n");
        env_exit(rtcr.env, 0);
    }
}

static void step_signalled(void *arg)
{
    (void)arg;
    if (!step_waiting || when.active)
        return; /* a late timer signal */
    step_waiting = false;
    if (when.ended) {
        when.ended = false;
        printf("rtcr: step '%s' failed: '%s' ended before it logged \"%s\"\n",
               rtcr.config.steps[step_next - 1].text, when.child, when.text);
    }
    steps_run();
}

/* ---- start ---- */

static long read_config(struct env *env)
{
    uint32_t rom;
    uint64_t addr, size;
    long err = rom_attach(env, RTCR_CONFIG_MODULE, RTCR_CONFIG_MAX, &rom, &addr, &size);
    if (err) {
        printf("rtcr: no configuration: ROM '%s': %s\n", RTCR_CONFIG_MODULE, ferry_error_name(err));
        return err;
    }
    config_parse_keys(&rtcr.config, RTCR_CONFIG_MODULE, (const char *)addr, size, CONFIG_KEYS_RTCR,
                      ps_print_config_error, NULL);
    rom_detach(env, rom, addr);
    return FERRY_OK;
}

/* Starts every configured child that does not live (by name): *started of
 * them. FERRY_E_EXISTS if all live, FERRY_E_NOENT if none could start. */
static long start_children(unsigned *started)
{
    unsigned living = 0;
    *started = 0;
    for (unsigned i = 0; i < rtcr.config.child_count; i++) {
        const struct init_child *cfg = &rtcr.config.children[i];
        if (rtcr_child_named(cfg->name)) {
            living++;
            continue;
        }
        struct rtcr_child *c = rtcr_child_new();
        if (!c) {
            printf("rtcr: %s:%u: child '%s' not started: rtcr protects at most %u children, "
                   "%u live\n",
                   RTCR_CONFIG_MODULE, cfg->line, cfg->name, RTCR_MAX_CHILDREN, RTCR_MAX_CHILDREN);
            continue;
        }
        if (rtcr_child_create(c, cfg, cfg->name, true) == FERRY_OK) {
            (*started)++;
            if (rtcr.verbose)
                printf("rtcr: started '%s' (ram %lu, caps %lu)\n", cfg->name,
                       (unsigned long)cfg->ram, (unsigned long)cfg->caps);
        }
    }
    if (*started)
        return FERRY_OK;
    return living && living == rtcr.config.child_count ? FERRY_E_EXISTS : FERRY_E_NOENT;
}

/* Children start at once, unless the first step is a restore or a start. */
static bool starts_by_step(void)
{
    return rtcr.config.step_count && (steps[0].kind == STEP_RESTORE || steps[0].kind == STEP_START);
}

void component_construct(struct env *env)
{
    rtcr.env = env;
    parent_server_init(&rtcr.ps, env, &rtcr_policy, &rtcr);
    const char *ecu = env_arg(env, "ecu");
    rtcr.ecu = ecu ? strtoul(ecu, NULL, 10) : 0;
    if (read_config(env))
        env_exit(env, 1);
    rtcr.verbose = rtcr.ps.verbose = rtcr.config.verbose;
    long err = ckpt_init();
    if (!err)
        err = env_signal_handler(env, &step_signal, step_signalled, NULL);
    if (err) {
        printf("rtcr: cannot start: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    steps_decode();
    unsigned started;
    if (!starts_by_step() && start_children(&started)) {
        printf("rtcr: no protected child could be started (%u configured)\n",
               rtcr.config.child_count);
        env_exit(env, 1);
    }
    parent_server_started(&rtcr.ps);
    steps_run();
}
