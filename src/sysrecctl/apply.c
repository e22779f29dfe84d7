/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl apply UNIT RECORDING: install a recording's systemd profile as
 * a drop-in of the unit and make systemd reload its configuration.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "gettext.h"
#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "sysrecctl.h"

#define DROPIN_NAME "50-sysrec.conf"

static bool unit_name_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 255 || s[0] == '.' || strchr(s, '/') || !strchr(s, '.'))
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] <= ' ' || s[i] == '\\' || s[i] == 0x7f)
                        return false;
        return true;
}

int verb_apply(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const char *unit, *name, *text;
        int r;

        if (argc != 3) {
                log_error(_("Usage: sysrecctl apply UNIT RECORDING"));
                return EXIT_USAGE;
        }
        unit = argv[1];
        name = argv[2];
        if (!unit_name_is_valid(unit)) {
                log_error(_("Invalid unit name '%s'."), unit);
                return EXIT_USAGE;
        }
        if (!recording_name_is_valid(name)) {
                log_error(_("Invalid recording name '%s'."), name);
                return EXIT_USAGE;
        }

        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = sd_bus_call_method(bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager", "GetProfile", &e, &reply,
                               "ss", name, "systemd");
        if (r < 0)
                return bus_error_exit(&e, r, N_("get the systemd profile"));
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return bus_error_exit(NULL, r, N_("read the profile"));

        if (asprintf(&dir, "%s/%s.d", arg.unit_dir, unit) < 0)
                return log_oom(), EXIT_FAIL;
        r = mkdir_p_at(AT_FDCWD, dir, 0755);
        if (r < 0)
                return log_error_errno(r, _("Failed to create '%s': %m"), dir), EXIT_FAIL;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(negative_errno(), _("Failed to open '%s': %m"), dir), EXIT_FAIL;
        r = write_file_atomic_at(dfd, DROPIN_NAME, text, strlen(text), 0644);
        if (r < 0)
                return log_error_errno(r, _("Failed to write '%s/%s': %m"), dir, DROPIN_NAME), EXIT_FAIL;
        if (!arg.quiet)
                printf(_("Wrote %s/%s with the syscalls of recording '%s'.\n"), dir, DROPIN_NAME, name);

        sd_bus_error_free(&e);
        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "Reload", &e, NULL, NULL);
        if (r < 0) {
                log_warning(_("Could not reload systemd (%s); run 'systemctl daemon-reload' yourself."),
                            e.message ?: strerror(-r));
                return EXIT_FAIL;
        }
        if (!arg.quiet)
                printf(_("Reloaded systemd. Restart %s to apply: systemctl restart %s\n"), unit, unit);
        return EXIT_OK;
}
