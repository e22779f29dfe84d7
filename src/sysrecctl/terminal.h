/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is sysrecctl talking to a person at a terminal, and may it use colours?
 * Colours follow systemd's rules: only on a terminal whose TERM is not
 * "dumb", never when NO_COLOR is set (https://no-color.org), and
 * SYSTEMD_COLORS=0/1 turns them off/on everywhere.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ansi-color.h"

/* Standard output / standard error is a terminal, as found on first use (a pager
 * replaces stdout with a pipe later; what it shows is still for a terminal). */
bool on_tty(void);
bool stderr_on_tty(void);
/* TERM unset or "dumb": no cursor movement, no colours, no pager. */
bool terminal_is_dumb(void);

/* Colours on standard output / standard error. */
bool colors_enabled(void);
bool colors_enabled_stderr(void);

/* seq when colours are enabled on standard output, else "". */
const char *ansi_color(const char *seq);
static inline const char *ansi_normal(void)
{
        return ansi_color(ANSI_NORMAL);
}

/* Columns a string takes on the terminal (translations need not be ASCII). */
size_t text_width(const char *s);
