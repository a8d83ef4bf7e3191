/*
 * LOG sessions: every LOG_WRITE is one line "[LABEL] text" on the kernel
 * console. One trailing newline is dropped (the line ends anyway); every other
 * byte outside printable ASCII becomes '?', so a client cannot forge lines or
 * move the cursor of whoever reads the console.
 */
#include "core.h"
#include <ferry/iface/log.h>
#include <stdio.h>
#include <string.h>

static long log_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface log_iface = {"LOG", ferry_log_sigs, ARRAY_SIZE(ferry_log_sigs),
                                    log_dispatch};

long log_open(struct session *s, const char *args)
{
    (void)s;
    (void)args;
    return FERRY_OK;
}

void log_close(struct session *s)
{
    (void)s;
}

static long log_write(struct session *s, struct rpc_request *req)
{
    const struct ferry_log_write_in *in = FERRY_RPC_MSG(ferry_log_write_in, req->mr);
    uint64_t len = in->len;
    if (len > FERRY_LOG_MAX || len > (uint64_t)req->words * 8 - sizeof(*in))
        return FERRY_E_INVAL;
    const char *text = in->text;
    if (len > 0 && text[len - 1] == '\n')
        len--;
    static char line[CORE_LABEL_MAX + FERRY_LOG_MAX + 8];
    size_t n = (size_t)snprintf(line, sizeof(line), "[%s] ", s->label);
    for (uint64_t i = 0; i < len; i++)
        line[n++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    line[n++] = '\n';
    fflush(stdout); /* core's own partial output, if any, comes first */
    sys_debug_write(line, n);
    return FERRY_OK;
}

static long log_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_LOG_WRITE:
        return log_write(s, req);
    }
    return FERRY_E_BADOP;
}
