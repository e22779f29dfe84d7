/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Journal-or-stderr logging; see log.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "ansi-color.h"
#include "log.h"

static int max_level = LOG_INFO;
static bool use_journal;
static bool use_colors;

/* JOURNAL_STREAM names the journal's socket when our stderr is connected to
 * it; only then does logging to the journal avoid duplicate lines. */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(enum log_target target)
{
        const char *e = getenv("SYSREC_LOG_LEVEL");

        if (target == LOG_TARGET_AUTO)
                use_journal = stderr_is_journal();
        else
                use_journal = target == LOG_TARGET_JOURNAL;

        if (e && log_parse_level(e) >= 0)
                max_level = log_parse_level(e);
}

void log_set_max_level(int level)
{
        max_level = level;
}

void log_set_colors(bool b)
{
        use_colors = b;
}

int log_get_max_level(void)
{
        return max_level;
}

int log_parse_level(const char *s)
{
        static const char *const names[] = {
                "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *fmt, ...)
{
        char buf[2048];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        errno = error;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);

        if (use_journal)
                sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level, "CODE_FILE=%s", file,
                                "CODE_LINE=%i", line, "CODE_FUNC=%s", func,
                                error ? "ERRNO=%i" : NULL, error, NULL);
        else if (use_colors && level <= LOG_WARNING)
                fprintf(stderr, "%s%s%s\n", level <= LOG_ERR ? ANSI_HIGHLIGHT_RED : ANSI_HIGHLIGHT_YELLOW, buf,
                        ANSI_NORMAL);
        else
                fprintf(stderr, "%s\n", buf);

        errno = saved;
        return -error;
}
