/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a profile goes: --output=FILE (replaced atomically) or stdout. Binary
 * formats travel as base64 text (over D-Bus and through the writers) and are
 * written as raw bytes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "fileio.h"
#include "gettext.h"
#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "sysrecctl.h"

static bool output_is_stdout(void)
{
        return !arg.output || strcmp(arg.output, "-") == 0;
}

int output_data(const void *data, size_t size, bool binary)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const char *slash;
        int r;

        if (output_is_stdout()) {
                if (binary && isatty(STDOUT_FILENO)) {
                        log_error(_("Refusing to write a binary profile to a terminal; use --output=FILE."));
                        return -EINVAL;
                }
                if (fwrite(data, 1, size, stdout) != size || fflush(stdout) != 0)
                        return log_error_errno(-EIO, _("Failed to write to stdout: %m"));
                return 0;
        }
        slash = strrchr(arg.output, '/');
        dir = slash ? strndup(arg.output, (size_t)(slash - arg.output) + (slash == arg.output)) : strdup(".");
        if (!dir)
                return log_oom();
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(negative_errno(), _("Failed to open directory '%s': %m"), dir);
        r = write_file_atomic_at(dfd, slash ? slash + 1 : arg.output, data, size, 0644);
        if (r < 0)
                return log_error_errno(r, _("Failed to write '%s': %m"), arg.output);
        return 0;
}

int output_profile(const char *text, ProfileFormat f)
{
        _cleanup_free_ void *data = NULL;
        size_t size;
        int r;

        if (!profile_format_is_binary(f))
                return output_data(text, strlen(text), false);
        r = base64_decode(text, &data, &size);
        if (r < 0)
                return log_error_errno(r, _("The %s profile is not valid base64: %m"), profile_format_to_string(f));
        return output_data(data, size, true);
}
