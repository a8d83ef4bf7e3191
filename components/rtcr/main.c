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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTCR_CONFIG_MODULE "rtcr.cfg"
#define RTCR_CONFIG_MAX    (64ul * 1024)

struct rtcr rtcr;

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

static void ended(struct ps_child *pc)
{
    struct rtcr_child *c = child_of(pc);
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

#define STEP_UNKNOWN (-2l) /* a step rtcr does not know */

static unsigned step_next; /* index of the next step to run */
static bool step_waiting;  /* a `when` or `wait` step holds the others back */
static bool step_running;  /* a step runs: its kills do not end rtcr (steps_run decides after it) */
static struct signal_handler step_signal;
static uint32_t step_timer; /* rtcr's own Timer session, for `wait` */
static struct {
    bool active;
    char child[32];
    char text[96];
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

/* Splits a step's text into words; a "quoted text" is one word. */
static unsigned split(char *s, char **word, unsigned max)
{
    unsigned n = 0;
    while (*s && n < max) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char end = ' ';
        if (*s == '"')
            end = *s++;
        word[n++] = s;
        while (*s && *s != end && !(end == ' ' && *s == '\t'))
            s++;
        if (*s)
            *s++ = 0;
    }
    return n;
}

static bool has_word(char **word, unsigned n, const char *w)
{
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(word[i], w))
            return true;
    return false;
}

static long step_wait(const char *amount)
{
    char *end;
    unsigned long n = strtoul(amount, &end, 10);
    uint64_t us = !strcmp(end, "ms") ? n * 1000 : !strcmp(end, "s") ? n * 1000000 : 0;
    if (!us)
        return STEP_UNKNOWN;
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

/* Every protected child ends. All are paused first: a child must not run on
 * while a sibling's teardown takes memory they share (it would fault, and the
 * fault signal would reach the parent server's entry after its reuse). */
static void kill_all(void)
{
    ckpt_pause_all();
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        rtcr_child_kill(&rtcr.children[i]);
}

static bool start_children(void);

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

static long step_quota(const char *what)
{
    struct ferry_pd_quota_out q;
    bool same;
    long err = quota_at_mark(&q, &same);
    if (err)
        return err;
    if (!strcmp(what, "mark")) {
        quota_mark = q;
        quota_marked = true;
        return FERRY_OK;
    }
    if (strcmp(what, "check"))
        return STEP_UNKNOWN;
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
static long step_cycle(const char *count, const char *name)
{
    unsigned long n = strtoul(count, NULL, 10);
    if (!n)
        return STEP_UNKNOWN;
    long err = FERRY_OK;
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
static long step_damage(const char *how, const char *name, const char *number)
{
    size_t len;
    uint8_t *buf = (uint8_t *)ckpt_image(name, &len);
    unsigned long n = strtoul(number, NULL, 0);
    if (!buf)
        return FERRY_E_NOENT;
    if (n >= len)
        return FERRY_E_RANGE;
    if (!strcmp(how, "damage"))
        buf[n] ^= 0xff;
    else
        ckpt_image_truncate(name, n);
    printf("rtcr: image '%s' %s at %lu\n", name, !strcmp(how, "damage") ? "damaged" : "truncated",
           n);
    return FERRY_OK;
}

/* Runs one step; sets step_waiting if it waits. Returns the error, or
 * STEP_UNKNOWN. */
static long step_run(char *text)
{
    char *w[8];
    unsigned n = split(text, w, 8);
    if (n == 0)
        return STEP_UNKNOWN;
    if (!strcmp(w[0], "when") && n == 4 && !strcmp(w[2], "logs")) {
        when.active = true;
        snprintf(when.child, sizeof(when.child), "%s", w[1]);
        snprintf(when.text, sizeof(when.text), "%s", w[3]);
        step_waiting = true;
        return FERRY_OK;
    }
    if (!strcmp(w[0], "checkpoint") && n >= 2) {
        long err = ckpt_checkpoint(w[1], has_word(w, n, "incremental"), has_word(w, n, "stop"));
        return !err && has_word(w, n, "disk") ? disk_write_image(w[1]) : err;
    }
    if (!strcmp(w[0], "restore") && n >= 2) {
        const char *as = NULL;
        for (unsigned i = 2; i + 1 < n; i++)
            if (!strcmp(w[i], "as"))
                as = w[i + 1];
        bool disk = has_word(w, n, "disk");
        long err = disk ? disk_read_image(w[1]) : FERRY_OK;
        if (!err && (err = ckpt_restore(w[1], as)) && disk)
            disk_forget_read(); /* nothing of a failed restore stays */
        return err;
    }
    if (!strcmp(w[0], "kill") && n == 1) {
        kill_all();
        printf("rtcr: killed the protected children\n");
        return FERRY_OK;
    }
    if (!strcmp(w[0], "resume") && n == 1) {
        ckpt_thaw();
        return FERRY_OK;
    }
    if (!strcmp(w[0], "start") && n == 1)
        return start_children() ? FERRY_OK : FERRY_E_NOENT;
    if (!strcmp(w[0], "cycle") && n == 3)
        return step_cycle(w[1], w[2]);
    if (!strcmp(w[0], "quota") && n == 2)
        return step_quota(w[1]);
    if ((!strcmp(w[0], "damage") || !strcmp(w[0], "truncate")) && n == 3)
        return step_damage(w[0], w[1], w[2]);
    if (!strcmp(w[0], "wait") && n == 2)
        return step_wait(w[1]);
    if (!strcmp(w[0], "exit") && n == 1) {
        printf("rtcr: exit\n");
        kill_all();
        disk_close();
        env_exit(rtcr.env, 0);
    }
    return STEP_UNKNOWN;
}

static void steps_run(void)
{
    while (!step_waiting && step_next < rtcr.config.step_count) {
        const struct config_step *st = &rtcr.config.steps[step_next++];
        char text[CONFIG_STEP_MAX + 1];
        memcpy(text, st->text, sizeof(text));
        step_running = true;
        long err = step_run(text);
        step_running = false;
        if (err == STEP_UNKNOWN)
            printf("%s:%u: step '%s' not understood\n", RTCR_CONFIG_MODULE, st->line, st->text);
        else if (err)
            printf("rtcr: step '%s' failed: %s\n", st->text, ferry_error_name(err));
    }
    bool alive = false;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++)
        alive |= rtcr.children[i].used;
    if (steps_done() && !alive) {
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

static bool start_children(void)
{
    unsigned started = 0;
    for (unsigned i = 0; i < rtcr.config.child_count; i++) {
        const struct init_child *cfg = &rtcr.config.children[i];
        struct rtcr_child *c = rtcr_child_new();
        if (c && rtcr_child_create(c, cfg, cfg->name, true) == FERRY_OK) {
            started++;
            if (rtcr.verbose)
                printf("rtcr: started '%s' (ram %lu, caps %lu)\n", cfg->name,
                       (unsigned long)cfg->ram, (unsigned long)cfg->caps);
        }
    }
    return started > 0;
}

/* Children start at once, unless the first step is a restore or a start. */
static bool starts_by_step(void)
{
    if (!rtcr.config.step_count)
        return false;
    const char *t = rtcr.config.steps[0].text;
    return !strncmp(t, "restore", 7) || !strncmp(t, "start", 5);
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
    if (!starts_by_step() && !start_children()) {
        printf("rtcr: no protected child could be started (%u configured)\n",
               rtcr.config.child_count);
        env_exit(env, 1);
    }
    parent_server_started(&rtcr.ps);
    steps_run();
}
