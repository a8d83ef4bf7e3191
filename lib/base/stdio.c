/*
 * picolibc's stdout and stderr on the component's LOG session: each thread
 * collects a line in its own buffer (thread-local, so threads never mix
 * their output) and sends it with one LOG_WRITE.
 *
 * Logging leaves the thread's message words as it found them, so an RPC
 * operation may print between reading its arguments and writing its results
 * (and a parent may print before forwarding a request it received).
 */
#include "client.h"
#include "env.h"
#include <ferry/iface/log.h>
#include <stdio.h>
#include <string.h>

static uint32_t log_session;

static _Thread_local char line[FERRY_LOG_MAX];
static _Thread_local unsigned line_len;

static void line_flush(void)
{
    if (!line_len || !log_session)
        return;
    uint64_t saved[FERRY_MSG_WORDS];
    unsigned len = line_len, words = FERRY_LOG_WRITE_WORDS(len);
    memcpy(saved, rpc_mr(), words * 8);
    line_len = 0;
    log_write(log_session, line, len); /* the reply carries no words */
    memcpy(rpc_mr(), saved, words * 8);
}

static int log_putc(char c, FILE *f)
{
    (void)f;
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line))
        line_flush();
    return (unsigned char)c;
}

static int log_flush(FILE *f)
{
    (void)f;
    line_flush();
    return 0;
}

static FILE log_file = FDEV_SETUP_STREAM(log_putc, NULL, log_flush, _FDEV_SETUP_WRITE);
FILE *const stdout = &log_file;
FILE *const stderr = &log_file;

void base_stdio_init(struct env *env)
{
    log_session = env->log;
}
