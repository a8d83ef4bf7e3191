/*
 * XXH3 for lib/image (Debian's libxxhash-dev, header-only), included by
 * image.c and store.c only.
 *
 * User code is built -ffreestanding, which implies -fno-builtin: xxhash's
 * XXH_memcpy (its copies of 8-byte words, e.g. the 192-byte custom secret
 * a seeded hash writes word by word) would stay a call to memcpy per word.
 * Here memcpy is GCC's builtin, expanded inline where the size is known and
 * a call to memcpy (lib/mem) where it is not. String.h comes first so that
 * its declaration of memcpy is not rewritten by the macro.
 *
 * In user programs xxhash loads words with plain 8-byte loads
 * (XXH_FORCE_MEMORY_ACCESS=2 and -O3, mk/image.mk, which says why).
 */
#ifndef FERRY_IMAGE_XXH_H
#define FERRY_IMAGE_XXH_H

#include <string.h>

#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define XXH_INLINE_ALL
#include <xxhash.h>
#undef memcpy

#endif
