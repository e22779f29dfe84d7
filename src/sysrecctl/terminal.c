/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminal detection and the colour decision; see terminal.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

#include "macro.h"
#include "terminal.h"

static int cached_stdout_tty = -1, cached_stderr_tty = -1;

bool on_tty(void)
{
        if (cached_stdout_tty < 0)
                cached_stdout_tty = isatty(STDOUT_FILENO) > 0;
        return cached_stdout_tty;
}

bool stderr_on_tty(void)
{
        if (cached_stderr_tty < 0)
                cached_stderr_tty = isatty(STDERR_FILENO) > 0;
        return cached_stderr_tty;
}

bool terminal_is_dumb(void)
{
        const char *t = getenv("TERM");

        return !t || strcmp(t, "dumb") == 0;
}

/* 1 or 0 when the environment decides, -1 when the terminal does. */
static int colors_from_env(void)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", "16", "256", "24bit" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        const char *e = getenv("NO_COLOR");

        if (e && *e)
                return 0;
        e = getenv("SYSTEMD_COLORS");
        if (!e)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(e, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(e, no[i]) == 0)
                        return 0;
        return -1;
}

static bool colors_decide(int *cache, bool tty)
{
        if (*cache < 0) {
                int e = colors_from_env();
                *cache = e >= 0 ? e : tty && !terminal_is_dumb();
        }
        return *cache;
}

bool colors_enabled(void)
{
        static int cached = -1;

        return colors_decide(&cached, on_tty());
}

bool colors_enabled_stderr(void)
{
        static int cached = -1;

        return colors_decide(&cached, stderr_on_tty());
}

const char *ansi_color(const char *seq)
{
        return colors_enabled() ? seq : "";
}

size_t text_width(const char *s)
{
        _cleanup_free_ wchar_t *w = NULL;
        size_t n = mbstowcs(NULL, s, 0);
        int k;

        if (n == (size_t)-1 || !(w = calloc(n + 1, sizeof(wchar_t))))
                return strlen(s);
        (void)mbstowcs(w, s, n + 1);
        k = wcswidth(w, n);
        return k < 0 ? n : (size_t)k;
}
