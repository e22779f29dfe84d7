/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See parse-util.h. */
#include <errno.h>
#include <stdlib.h>

#include "parse-util.h"

int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret)
{
        unsigned long v;
        char *end;

        if (s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}
