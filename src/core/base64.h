/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Base64 (RFC 4648, with padding): how binary profiles travel as D-Bus strings. */
#pragma once

#include <stddef.h>

/* NUL-terminated, no line breaks. */
int base64_encode(const void *data, size_t size, char **ret);
/* Whitespace is skipped; anything else outside the alphabet, or bad padding,
 * is -EINVAL. */
int base64_decode(const char *text, void **ret, size_t *ret_size);
