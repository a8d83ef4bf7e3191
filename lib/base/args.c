#include "args.h"
#include <string.h>

bool args_get(const char *args, const char *key, char *out, size_t size)
{
    size_t key_len = strlen(key);
    const char *p = args;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > key_len && strncmp(p, key, key_len) == 0 && p[key_len] == '=') {
            size_t value_len = len - key_len - 1;
            if (value_len >= size)
                return false;
            memcpy(out, p + key_len + 1, value_len);
            out[value_len] = 0;
            return true;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

bool args_get_u64(const char *args, const char *key, uint64_t *out)
{
    char text[24];
    if (!args_get(args, key, text, sizeof(text)) || !text[0])
        return false;
    unsigned base = 10;
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!*p)
            return false;
    }
    uint64_t value = 0;
    for (; *p; p++) {
        unsigned digit;
        if (*p >= '0' && *p <= '9')
            digit = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            digit = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            digit = (unsigned)(*p - 'A' + 10);
        else
            return false;
        if (digit >= base || value > (UINT64_MAX - digit) / base)
            return false;
        value = value * base + digit;
    }
    *out = value;
    return true;
}
