/*
 * Session arguments: "key=value,key=value" strings (docs/framework.md,
 * "Sessions and quota"). Freestanding; shared by core and servers, tested on
 * the host.
 */
#ifndef FERRY_BASE_ARGS_H
#define FERRY_BASE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the value of `key` into out[size] (NUL-terminated). False if the key
 * is absent or its value does not fit. The first occurrence wins. */
bool args_get(const char *args, const char *key, char *out, size_t size);
/* A decimal or 0x-hexadecimal value; false if absent, empty, malformed or
 * larger than 64 bits. */
bool args_get_u64(const char *args, const char *key, uint64_t *out);

#endif
