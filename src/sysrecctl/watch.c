/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live progress of a recording, driven only by sysrecd's signals: one GetAll
 * when we start, then the PropertiesChanged of the recording's object (which
 * sysrecd rate-limits) and RecordingStopped. "sysrecctl watch NAME" prints
 * each new syscall on a line of its own under a status line redrawn in
 * place; "sysrecctl record" keeps the status line on the terminal's last row
 * so that the command's own output scrolls above it, never through it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "sysrec-names.h"
#include "sysrecctl.h"

#define RECORDING_IFACE "org.sysrec1.Recording"

struct Progress {
        sd_bus *bus;
        sd_bus_slot *slot;
        char *name, *path;
        FILE *out;
        ProgressStyle style;
        bool tty;           /* redraw in place (ANSI) */
        unsigned rows, cols; /* PROGRESS_BOTTOM: the terminal's size */
        bool drawn;

        SyscallLists known; /* per ABI, the names seen */
        char latest[96];    /* newest syscall names, for the bottom line */

        uint32_t syscalls, processes, cgroups;
        char *state, *profile_path;
        bool warned_incomplete;
};

static bool terminal_usable(FILE *f)
{
        const char *term = getenv("TERM");

        return isatty(fileno(f)) && !(term && strcmp(term, "dumb") == 0);
}

static void status_text(Progress *p, char *buf, size_t size)
{
        char syscalls[48], processes[48], cgroups[48];

        /* TRANSLATORS: the status line of "sysrecctl watch" and "record" is these three,
         * in this order, separated by ", ". */
        snprintf(syscalls, sizeof(syscalls), ngettext("%u syscall", "%u syscalls", p->syscalls), p->syscalls);
        snprintf(processes, sizeof(processes), ngettext("%u process", "%u processes", p->processes),
                 p->processes);
        snprintf(cgroups, sizeof(cgroups), ngettext("%u cgroup", "%u cgroups", p->cgroups), p->cgroups);
        snprintf(buf, size, "%s, %s, %s", syscalls, processes, cgroups);
}

static void status_clear(Progress *p)
{
        if (!p->drawn)
                return;
        if (p->style == PROGRESS_BOTTOM)
                fprintf(p->out, "\0337\033[%u;1H\033[K\0338", p->rows);
        else
                fputs("\r\033[K", p->out);
        p->drawn = false;
}

static void status_draw(Progress *p)
{
        char text[160], line[sizeof(text) + sizeof(p->latest) + 4];

        if (!p->tty)
                return;
        status_text(p, text, sizeof(text));
        if (p->style == PROGRESS_BOTTOM) {
                /* One row, never wrapped (syscall names are ASCII). */
                snprintf(line, sizeof(line), "%s%s%s", text, p->latest[0] ? "  +" : "", p->latest);
                if (p->cols > 0 && strlen(line) >= p->cols)
                        line[p->cols - 1] = 0;
                /* Save the cursor, write the last row (outside the scroll region), restore. */
                fprintf(p->out, "\0337\033[%u;1H\033[K%s\0338", p->rows, line);
        } else
                fprintf(p->out, "\r\033[K%s", text);
        p->drawn = true;
        fflush(p->out);
}

static void note_new_syscall(const char *abi, const char *name, void *userdata)
{
        Progress *p = userdata;

        if (p->style == PROGRESS_BOTTOM) {
                /* Newest first, cut to what fits. */
                char buf[sizeof(p->latest)];

                if (snprintf(buf, sizeof(buf), " %s%s", name, p->latest) >= (int)sizeof(buf)) {
                        char *space = strrchr(buf, ' '); /* drop the name cut in half */
                        if (space)
                                *space = 0;
                }
                memcpy(p->latest, buf, sizeof(buf));
                return;
        }
        if (p->tty)
                status_clear(p);
        fprintf(p->out, "+ %s %s\n", abi, name);
}

/* The Syscalls property (a{sas}, inside its variant): print what is new. */
static int read_syscalls(Progress *p, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{sas}");
        if (r >= 0)
                r = syscall_lists_read(&p->known, m, note_new_syscall, p);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

static int read_string_variant(sd_bus_message *m, char **s)
{
        const char *v;
        char *copy;
        int r = sd_bus_message_read(m, "v", "s", &v);

        if (r < 0)
                return r;
        copy = strdup(v);
        if (!copy)
                return -ENOMEM;
        free(*s);
        *s = copy;
        return 0;
}

/* Complete: warn once when it is (or turns) false. */
static int read_complete(Progress *p, sd_bus_message *m)
{
        int complete, r;

        r = sd_bus_message_read(m, "v", "b", &complete);
        if (r < 0 || complete || p->warned_incomplete)
                return r;
        status_clear(p);
        log_warning("%s: %s", p->name, incomplete_warning());
        p->warned_incomplete = true;
        return r;
}

/* An a{sv} of recording properties, from GetAll or PropertiesChanged. */
static int read_properties(Progress *p, sd_bus_message *m)
{
        const char *prop;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &prop);
                if (r < 0)
                        return r;
                if (strcmp(prop, "Syscalls") == 0)
                        r = read_syscalls(p, m);
                else if (strcmp(prop, "SyscallCount") == 0)
                        r = sd_bus_message_read(m, "v", "u", &p->syscalls);
                else if (strcmp(prop, "Processes") == 0)
                        r = sd_bus_message_read(m, "v", "u", &p->processes);
                else if (strcmp(prop, "Cgroups") == 0)
                        r = sd_bus_message_read(m, "v", "u", &p->cgroups);
                else if (strcmp(prop, "State") == 0)
                        r = read_string_variant(m, &p->state);
                else if (strcmp(prop, "ProfilePath") == 0)
                        r = read_string_variant(m, &p->profile_path);
                else if (strcmp(prop, SYSREC_RECORDING_PROPERTY_COMPLETE) == 0)
                        r = read_complete(p, m);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        status_draw(p);
        return r;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Progress *p = userdata;
        const char *iface;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || strcmp(iface, RECORDING_IFACE) != 0)
                return 0;
        r = read_properties(p, m);
        if (r < 0)
                log_warning_errno(r, _("Failed to parse a change of recording '%s': %m"), p->name);
        else if (p->state && strcmp(p->state, "recording") != 0 && p->style == PROGRESS_LINES)
                (void)sd_event_exit(sd_bus_get_event(p->bus), 0);
        return 0;
}

static int get_all(Progress *p, sd_bus_error *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(p->bus, "org.sysrec1", p->path, "org.freedesktop.DBus.Properties", "GetAll", e,
                               &reply, "s", RECORDING_IFACE);
        if (r < 0) {
                /* sysrecd serves an object only for recordings that exist. */
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                        sd_bus_error_free(e);
                        sd_bus_error_setf(e, "org.sysrec1.Error.NoSuchRecording", _("No recording '%s'."),
                                          p->name);
                }
                return r;
        }
        return read_properties(p, reply);
}

static bool bottom_get_size(Progress *p)
{
        struct winsize ws = {};

        if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) < 0 || ws.ws_row < 3)
                return false;
        p->rows = ws.ws_row;
        p->cols = ws.ws_col;
        return true;
}

static void bottom_setup(Progress *p)
{
        if (!bottom_get_size(p)) {
                p->tty = false;
                return;
        }
        /* As apt does: make room, then scroll only rows 1..rows-1. */
        fprintf(p->out, "\n\0337\033[1;%ur\0338\033[1A", p->rows - 1);
        fflush(p->out);
}

void progress_resize(Progress *p)
{
        if (p->style != PROGRESS_BOTTOM || !p->tty || !bottom_get_size(p))
                return;
        /* The scroll region for the new height, then the status on its new last row. */
        fprintf(p->out, "\0337\033[1;%ur\0338", p->rows - 1);
        status_draw(p);
}

static void bottom_teardown(Progress *p)
{
        status_clear(p);
        fputs("\0337\033[r\0338", p->out);
        fflush(p->out);
}

void progress_abort(Progress *p)
{
        if (p && p->style == PROGRESS_BOTTOM && p->tty)
                bottom_teardown(p);
        if (p)
                p->tty = false;
}

int progress_new(sd_bus *bus, const char *name, FILE *out, ProgressStyle style, Progress **ret)
{
        _cleanup_(progress_freep) Progress *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->bus = sd_bus_ref(bus);
        p->out = out;
        p->style = style;
        p->tty = terminal_usable(out);
        p->name = strdup(name);
        if (!p->name)
                return -ENOMEM;
        r = sd_bus_path_encode("/org/sysrec1/recording", name, &p->path);
        if (r < 0)
                return r;
        /* Subscribe before GetAll, so that no change falls in between. */
        r = sd_bus_match_signal_async(bus, &p->slot, "org.sysrec1", p->path, "org.freedesktop.DBus.Properties",
                                      "PropertiesChanged", on_properties_changed, NULL, p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int progress_load(Progress *p, sd_bus_error *e)
{
        bool tty = p->tty;
        int r;

        /* Nothing to draw until the terminal is set up. */
        p->tty = false;
        r = get_all(p, e);
        p->tty = tty;
        if (r < 0)
                return r;
        if (p->style == PROGRESS_BOTTOM && p->tty)
                bottom_setup(p);
        status_draw(p);
        return 0;
}

bool progress_is_recording(Progress *p)
{
        return p->state && strcmp(p->state, "recording") == 0;
}

void progress_end(Progress *p)
{
        char text[160];

        if (!p)
                return;
        /* Changes queued while we were not dispatching (e.g. the final ones of a stop). */
        while (sd_bus_process(p->bus, NULL) > 0)
                ;
        if (p->style == PROGRESS_BOTTOM && p->tty)
                bottom_teardown(p);
        else
                status_clear(p);
        p->tty = false; /* nothing more to redraw */
        status_text(p, text, sizeof(text));
        if (p->style == PROGRESS_BOTTOM) {
                /* record removes its recording: the daemon's profile file is gone. */
                /* TRANSLATORS: %s is the status line, "12 syscalls, 4 processes, 1 cgroup". */
                fprintf(p->out, _("Recorded %s.\n"), text);
                fflush(p->out);
                return;
        }
        fprintf(p->out, "%s\n", text);
        if (p->profile_path && p->profile_path[0] && !progress_is_recording(p))
                fprintf(p->out, _("Recording '%s' stopped; profile written to %s.\n"), p->name, p->profile_path);
        fflush(p->out);
}

Progress *progress_free(Progress *p)
{
        if (!p)
                return NULL;
        sd_bus_slot_unref(p->slot);
        sd_bus_unref(p->bus);
        syscall_lists_done(&p->known);
        free(p->state);
        free(p->profile_path);
        free(p->path);
        free(p->name);
        free(p);
        return NULL;
}

static int on_recording_stopped(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Progress *p = userdata;
        const char *name, *path, *profile;

        if (sd_bus_message_read(m, "sos", &name, &path, &profile) < 0 || strcmp(name, p->name) != 0)
                return 0;
        free(p->profile_path);
        p->profile_path = strdup(profile);
        return sd_event_exit(sd_bus_get_event(p->bus), 0);
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Progress *p = userdata;

        log_error(_("sysrecd left the bus while watching '%s'."), p->name);
        return sd_event_exit(sd_bus_get_event(p->bus), -ECONNRESET);
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int verb_watch(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(progress_freep) Progress *p = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *stopped = NULL, *owner = NULL;
        int r;

        if (argc != 2) {
                log_error(_("Usage: sysrecctl watch NAME"));
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, NULL);
        if (r < 0)
                return bus_error_exit(NULL, r, N_("set up the event loop"));

        r = progress_new(bus, argv[1], stdout, PROGRESS_LINES, &p);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus, &stopped, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager",
                                              "RecordingStopped", on_recording_stopped, NULL, p);
        if (r >= 0)
                r = sd_bus_add_match_async(bus, &owner,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',arg0='org.sysrec1'",
                                           on_owner_changed, NULL, p);
        if (r < 0)
                return bus_error_exit(NULL, r, N_("subscribe to the recording's signals"));
        /* Every match is installed before this call: no change falls in between. */
        r = progress_load(p, &e);
        if (r < 0)
                return bus_error_exit(&e, r, N_("watch recording"));
        r = progress_is_recording(p) ? sd_event_loop(event) : 0;
        progress_end(p);
        return r < 0 ? EXIT_FAIL : EXIT_OK;
}
