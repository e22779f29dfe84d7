/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See base64.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "macro.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const void *data, size_t size, char **ret)
{
        const uint8_t *p = data;
        char *out, *o;

        if (size > (SIZE_MAX - 1) / 4 * 3 - 3)
                return -ENOMEM;
        out = o = malloc((size + 2) / 3 * 4 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < size; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16;
                size_t left = size - i;

                if (left > 1)
                        v |= (uint32_t)p[i + 1] << 8;
                if (left > 2)
                        v |= p[i + 2];
                *o++ = alphabet[(v >> 18) & 63];
                *o++ = alphabet[(v >> 12) & 63];
                *o++ = left > 1 ? alphabet[(v >> 6) & 63] : '=';
                *o++ = left > 2 ? alphabet[v & 63] : '=';
        }
        *o = 0;
        *ret = out;
        return 0;
}

static int value_of(char c)
{
        const char *p = c ? strchr(alphabet, c) : NULL;
        return p ? (int)(p - alphabet) : -1;
}

int base64_decode(const char *text, void **ret, size_t *ret_size)
{
        _cleanup_free_ uint8_t *out = malloc(strlen(text) / 4 * 3 + 3);
        size_t n = 0, pad = 0;
        uint32_t acc = 0;
        unsigned got = 0;

        if (!out)
                return -ENOMEM;
        for (const char *c = text; *c; c++) {
                int v;

                if (strchr(" \t\r\n", *c))
                        continue;
                if (*c == '=') {
                        pad++;
                        continue;
                }
                v = value_of(*c);
                if (v < 0 || pad > 0)
                        return -EINVAL;
                acc = acc << 6 | (uint32_t)v;
                if (++got == 4) {
                        out[n++] = (uint8_t)(acc >> 16);
                        out[n++] = (uint8_t)(acc >> 8);
                        out[n++] = (uint8_t)acc;
                        acc = 0;
                        got = 0;
                }
        }
        if (got == 1 || (got == 0 && pad != 0) || (got > 0 && got + pad != 4))
                return -EINVAL;
        if (got == 2)
                out[n++] = (uint8_t)(acc >> 4);
        else if (got == 3) {
                out[n++] = (uint8_t)(acc >> 10);
                out[n++] = (uint8_t)(acc >> 2);
        }
        *ret = TAKE_PTR(out);
        *ret_size = n;
        return 0;
}
