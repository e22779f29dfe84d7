/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* parse_uint_range: s, decimal digits only (no sign, no space), as an unsigned
 * from min to max. 0, or -EINVAL (leaving *ret alone). */
int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret);
