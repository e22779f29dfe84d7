/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl: the command-line client of sysrecd. Verbs translate to
 * org.sysrec1 calls; "record" can also work without the daemon.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base-profile.h"
#include "bus-pairs.h"
#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "pager.h"
#include "parse-util.h"
#include "sysrecctl.h"
#include "terminal.h"

Args arg = {
        .legend = true,
        .pager = true,
        .format = PROFILE_OCI,
        .descendants = true,
        .unit_dir = "/etc/systemd/system",
        .arguments = true,
        .progress = true,
};

#define MANAGER_PATH "/org/sysrec1"
#define MANAGER_IFACE "org.sysrec1.Manager"
#define RECORDING_IFACE "org.sysrec1.Recording"

int bus_connect(sd_bus **ret)
{
        int r = sd_bus_open_system(ret);
        if (r < 0)
                log_error_errno(r, _("Failed to connect to the system bus: %m"));
        return r;
}

int bus_error_exit(const sd_bus_error *e, int r, const char *what)
{
        if (e && sd_bus_error_is_set(e)) {
                /* TRANSLATORS: "Failed to <action>: <reason>"; the action ("start recording",
                 * "get profile", ...) is translated on its own, the reason comes from sysrecd. */
                log_error(_("Failed to %s: %s"), _(what), e->message ?: e->name);
                if (sd_bus_error_has_names(e, "org.sysrec1.Error.NoSuchRecording",
                                           "org.sysrec1.Error.NoSuchWorkload", "org.sysrec1.Error.NoSuchUnit",
                                           "org.sysrec1.Error.NoSuchCgroup", "org.sysrec1.Error.NoSuchProcess",
                                           /* a recording's object that does not exist */
                                           "org.freedesktop.DBus.Error.UnknownObject"))
                        return EXIT_NOT_FOUND;
                if (sd_bus_error_has_names(e, "org.sysrec1.Error.InvalidArgument"))
                        return EXIT_USAGE;
                if (sd_bus_error_has_names(e, "org.freedesktop.DBus.Error.ServiceUnknown",
                                           "org.freedesktop.DBus.Error.NameHasNoOwner"))
                        log_error(_("Is sysrecd running? (systemctl start sysrecd)"));
                return EXIT_FAIL;
        }
        /* TRANSLATORS: "Failed to <action>: <error>", as above, with the error of the call. */
        log_error_errno(r, _("Failed to %s: %m"), _(what));
        return EXIT_FAIL;
}

int check_name_arg(const char *name)
{
        if (recording_name_is_valid(name))
                return 0;
        log_error(_("Invalid recording name '%s': expected [A-Za-z0-9][A-Za-z0-9._-]{0,249}."), name);
        return -EINVAL;
}

void json_print(json_object *o)
{
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (arg.json == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                             : JSON_C_TO_STRING_PLAIN);
        puts(json_object_to_json_string_ext(o, flags));
}

/* Append the target/options arguments of StartRecording from arg. */
static int append_target(sd_bus_message *m)
{
        int r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (arg.cgroup)
                r = sd_bus_message_append(m, "{sv}", "cgroup", "s", arg.cgroup);
        else if (arg.unit)
                r = sd_bus_message_append(m, "{sv}", "unit", "s", arg.unit);
        else if (arg.pid)
                r = sd_bus_message_append(m, "{sv}", "pid", "u", arg.pid);
        else
                r = bus_append_pairs_entry(m, "labels", arg.labels);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int append_options(sd_bus_message *m)
{
        int r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (!arg.descendants)
                r = sd_bus_message_append(m, "{sv}", "descendants", "b", 0);
        if (r >= 0 && !arg.arguments)
                r = sd_bus_message_append(m, "{sv}", "arguments", "b", 0);
        if (r >= 0 && arg.skip_runtime_setup)
                r = sd_bus_message_append(m, "{sv}", "skip-runtime-setup", "b", 1);
        if (r >= 0 && arg.publish)
                r = sd_bus_message_append(m, "{sv}", "publish", "b", 1);
        if (r >= 0 && arg.base_profile)
                r = sd_bus_message_append(m, "{sv}", "base-profile", "s", arg.base_profile);
        if (r >= 0 && arg.metadata)
                r = bus_append_pairs_entry(m, "metadata", arg.metadata);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static int start_recording(sd_bus *bus, const char *name, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, "org.sysrec1", MANAGER_PATH, MANAGER_IFACE,
                                           "StartRecording");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = append_target(m);
        if (r >= 0)
                r = append_options(m);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, error, &reply);
}

static int verb_start(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int n = !!arg.cgroup + !!arg.unit + !!arg.pid + !!arg.labels, r;

        if (argc != 2) {
                log_error(_("Usage: sysrecctl start NAME --cgroup=PATH|--unit=UNIT|--pid=PID|--label=KEY=VALUE..."));
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (n != 1) {
                log_error(_("Give exactly one target: --cgroup=, --unit=, --pid= or --label= (got %d)."), n);
                return EXIT_USAGE;
        }
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = start_recording(bus, argv[1], &e);
        if (r < 0)
                return bus_error_exit(&e, r, N_("start recording"));
        if (!arg.quiet)
                printf(_("Recording '%s' started.\n"), argv[1]);
        return EXIT_OK;
}

/* StopRecording (stop) or RemoveRecording of one recording. */
static int stop_or_remove(const char *name, bool stop)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (check_name_arg(name) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = sd_bus_call_method(bus, "org.sysrec1", MANAGER_PATH, MANAGER_IFACE,
                               stop ? "StopRecording" : "RemoveRecording", &e, NULL, "s", name);
        if (r < 0)
                return bus_error_exit(&e, r, stop ? N_("stop recording") : N_("remove recording"));
        if (!arg.quiet)
                printf(stop ? _("Recording '%s' stopped.\n") : _("Recording '%s' removed.\n"), name);
        return EXIT_OK;
}

/* Stop or remove every NAME argument; the last failure decides the exit code. */
static int call_each(int argc, char *argv[], bool stop)
{
        int ret = EXIT_OK;

        if (argc < 2) {
                log_error(_("Usage: sysrecctl %s NAME..."), argv[0]);
                return EXIT_USAGE;
        }
        for (int i = 1; i < argc; i++) {
                int k = stop_or_remove(argv[i], stop);
                if (k != EXIT_OK)
                        ret = k;
        }
        return ret;
}

static int verb_stop(int argc, char *argv[])
{
        return call_each(argc, argv, true);
}

static int verb_remove(int argc, char *argv[])
{
        return call_each(argc, argv, false);
}

static int verb_profile(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        if (argc != 2) {
                log_error(_("Usage: sysrecctl profile NAME [--format=oci|systemd|spo|bpf] [--output=FILE]"));
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = sd_bus_call_method(bus, "org.sysrec1", MANAGER_PATH, MANAGER_IFACE, "GetProfile", &e, &reply,
                               "ss", argv[1], profile_format_to_string(arg.format));
        if (r < 0)
                return bus_error_exit(&e, r, N_("get profile"));
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return bus_error_exit(NULL, r, N_("read profile"));
        /* Text for the terminal may be paged; binary data never goes to a terminal. */
        if (!profile_format_is_binary(arg.format) && (!arg.output || strcmp(arg.output, "-") == 0))
                pager_open();
        return output_profile(text, arg.format) < 0 ? EXIT_FAIL : EXIT_OK;
}


static int list_names(sd_bus *bus, char ***ret, sd_bus_error *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        const char *name, *state, *path;
        int r;

        if (!l)
                return -ENOMEM;
        r = sd_bus_call_method(bus, "org.sysrec1", MANAGER_PATH, MANAGER_IFACE, "ListRecordings", e, &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sso)", &name, &state, &path)) > 0) {
                char **nl = realloc(l, sizeof(char *) * (n + 2));
                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[n++] = strdup(name);
                l[n] = NULL;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* One cell padded to width; the last column is not padded. */
static void print_cell(const char *s, const char *color, size_t width, bool right, bool last)
{
        size_t w = text_width(s), pad = width > w ? width - w : 0;

        if (right)
                printf("%*s", (int)pad, "");
        printf("%s%s%s", color ? ansi_color(color) : "", s, color ? ansi_normal() : "");
        if (!right && !last)
                printf("%*s", (int)pad, "");
        if (!last)
                fputs(right ? "  " : " ", stdout);
}

const char *state_to_display(const char *state, const char **ret_color)
{
        *ret_color = NULL;
        if (strcmp(state, "recording") == 0) {
                *ret_color = ANSI_GREEN;
                /* TRANSLATORS: state of a recording in "sysrecctl list": it is recording now. */
                return _("recording");
        }
        if (strcmp(state, "stopped") == 0)
                /* TRANSLATORS: state of a recording in "sysrecctl list": finished, profile written. */
                return _("stopped");
        if (strcmp(state, "failed") == 0) {
                *ret_color = ANSI_HIGHLIGHT_RED;
                /* TRANSLATORS: state of a recording in "sysrecctl list". */
                return _("failed");
        }
        return state;
}

const char *incomplete_warning(void)
{
        /* TRANSLATORS: "sysrecctl show" and "list", for a recording whose Complete property is false. */
        return _("Warning: incomplete: part of its kernel state was lost when sysrecd restarted (a reboot, "
                 "removed pins, or --no-pin); its profile may lack syscalls.");
}

/* The STATE cell of list: the state, and a mark if the recording is incomplete. */
static char *list_state(const RecordingInfo *i, const char **ret_color)
{
        const char *state = state_to_display(i->state, ret_color);
        char *s;

        if (i->complete)
                return strdup(state);
        if (strcmp(i->state, "failed") != 0)
                *ret_color = ANSI_HIGHLIGHT_YELLOW;
        /* TRANSLATORS: STATE column of "sysrecctl list": %s is a state ("recording"), the recording is
         * incomplete. */
        return asprintf(&s, _("%s, incomplete"), state) < 0 ? NULL : s;
}

enum { COL_NAME, COL_STATE, COL_SYSCALLS, COL_CGROUPS, COL_TARGET, _COL_MAX };

static void list_print_table(const RecordingInfo *infos, size_t n)
{
        /* TRANSLATORS: column headers of "sysrecctl list". */
        const char *headers[_COL_MAX] = { _("NAME"), _("STATE"), _("SYSCALLS"), _("CGROUPS"), _("TARGET") };
        size_t width[_COL_MAX] = { 24, 10, 8, 7, 0 };

        for (size_t c = 0; c < _COL_MAX; c++)
                width[c] = MAX(width[c], text_width(headers[c]));
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *state = NULL;
                const char *color;

                width[COL_NAME] = MAX(width[COL_NAME], text_width(infos[i].name));
                state = list_state(&infos[i], &color);
                width[COL_STATE] = MAX(width[COL_STATE], text_width(strempty(state)));
        }
        if (arg.legend) {
                fputs(ansi_color(ANSI_UNDERLINE), stdout);
                for (size_t c = 0; c < _COL_MAX; c++)
                        print_cell(headers[c], NULL, width[c], c == COL_SYSCALLS || c == COL_CGROUPS,
                                   c == COL_TARGET);
                printf("%s\n", ansi_normal());
        }
        for (size_t i = 0; i < n; i++) {
                const char *color;
                _cleanup_free_ char *state = list_state(&infos[i], &color);
                char count[16], cgroups[16];

                snprintf(count, sizeof(count), "%u", infos[i].count);
                snprintf(cgroups, sizeof(cgroups), "%u", infos[i].cgroups);
                print_cell(infos[i].name, NULL, width[COL_NAME], false, false);
                print_cell(strempty(state), color, width[COL_STATE], false, false);
                print_cell(count, NULL, width[COL_SYSCALLS], true, false);
                print_cell(cgroups, NULL, width[COL_CGROUPS], true, false);
                print_cell(infos[i].target, NULL, 0, false, true);
                putchar('\n');
        }
        if (arg.legend) {
                putchar('\n');
                printf(ngettext("%zu recording listed.\n", "%zu recordings listed.\n", n), n);
        }
        for (size_t i = 0; i < n; i++)
                if (!infos[i].complete)
                        log_warning("%s: %s", infos[i].name, incomplete_warning());
}

static int verb_list(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ RecordingInfo *infos = NULL;
        size_t n = 0, m = 0;
        int r;

        if (argc != 1) {
                log_error(_("Usage: sysrecctl list"));
                return EXIT_USAGE;
        }
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = list_names(bus, &names, &e);
        if (r < 0)
                return bus_error_exit(&e, r, N_("list recordings"));
        while (names[m])
                m++;
        infos = calloc(m + 1, sizeof(RecordingInfo));
        if (!infos)
                return log_oom(), EXIT_FAIL;
        for (char **i = names; *i; i++) {
                r = recording_info_get(bus, *i, false, &infos[n], &e);
                sd_bus_error_free(&e);
                if (r < 0) {
                        recording_info_done(&infos[n]); /* removed meanwhile */
                        infos[n] = (RecordingInfo){};
                        continue;
                }
                n++;
        }

        pager_open();
        if (arg.json) {
                _cleanup_(json_object_putp) json_object *arr = json_object_new_array();
                for (size_t i = 0; i < n; i++)
                        json_object_array_add(arr, recording_info_to_json(&infos[i]));
                json_print(arr);
        } else
                list_print_table(infos, n);
        for (size_t i = 0; i < n; i++)
                recording_info_done(&infos[i]);
        return EXIT_OK;
}

/* One line of --help: what to type (never translated) and what it does (may span
 * lines: "\n" continues under the description column). */
typedef struct HelpEntry {
        const char *synopsis;
        const char *text;
} HelpEntry;

static const HelpEntry help_commands[] = {
        { "start NAME TARGET", N_("Start recording (TARGET: --cgroup=, --unit=, --pid=, --label=)") },
        { "stop NAME...", N_("Stop recording and write the profile") },
        { "list", N_("List recordings") },
        { "show NAME", N_("Show a recording and its syscalls per ABI") },
        { "watch NAME", N_("Follow a recording: each new syscall, processes, cgroups") },
        { "profile NAME", N_("Print a recording's profile (also while recording)") },
        { "remove NAME...", N_("Forget stopped recordings and their profiles") },
        { "record [-o FILE] -- CMD", N_("Record one command; through sysrecd if it runs,\nelse standalone") },
        { "apply UNIT RECORDING", N_("Install the recording's SystemCallFilter= as a\ndrop-in of UNIT and reload systemd") },
        { "merge FILE... -o OUT", N_("Write the union of oci/spo profiles") },
        { "merge --check A B...", N_("Does profile A allow everything B... allow?\n(exit 0 yes, 1 no, listing what A lacks)") },
        { "diff A B", N_("Syscalls and arguments added/removed per ABI\n(exit 0 equal, 1 different)") },
        { "verify --profile=P -- CMD", N_("Run CMD, letting every call through, and list\nthe calls profile P would deny (exit 1 if any)") },
};

static const HelpEntry help_options[] = {
        { "-h --help", N_("Show this help") },
        { "   --version", N_("Show package version") },
        { "   --cgroup=PATH", N_("Target: a cgroup, relative to the cgroup2 root") },
        { "   --unit=UNIT", N_("Target: a systemd unit") },
        { "   --pid=PID", N_("Target: the cgroup of a process") },
        { "   --label=KEY=VALUE", N_("Target: registered workloads with these labels") },
        { "   --no-descendants", N_("Do not record cgroups below the target") },
        { "   --skip-runtime-setup", N_("Start each cgroup's profile where the container runtime\ninstalls its seccomp filter (or execs the workload)") },
        { "   --publish", N_("Publish the profile as a SeccompProfile (Kubernetes)") },
        { "   --metadata=KEY=VALUE", N_("Keep a key/value pair with the recording") },
        { "-f --format=FORMAT", N_("Profile format: oci (default), systemd, spo (a\nSeccompProfile resource) or bpf (libseccomp's\ncompiled filter, raw bytes)") },
        { "-o --output=FILE", N_("record, profile, merge: write the profile to FILE\n(default: stdout)") },
        { "-n --name=NAME", N_("record: name of the recording; merge: of the profile") },
        { "   --no-arguments", N_("start, record, merge: no argument rules") },
        { "   --base-profile=NAME", N_("start, record, merge: add base profile NAME (what the\ncontainer runtime needs after its filter install)") },
        { "   --check", N_("merge: only check that the first profile covers the others") },
        { "   --profile=FILE", N_("verify: the oci or spo profile to check against") },
        { "   --standalone", N_("record: load the BPF program here, never use sysrecd") },
        { "   --daemon", N_("record: fail unless sysrecd records it") },
        { "   --no-progress", N_("record: no live progress on the terminal") },
        { "   --runs=N", N_("record: run the command N times (1-100) into one\nprofile and list the syscalls only some runs made") },
        { "   --json=MODE", N_("Output JSON (short or pretty) for list and show") },
        { "   --no-legend", N_("Omit headers and footers") },
        { "   --no-pager", N_("Do not pipe output into a pager") },
        { "   --unit-dir=DIR", N_("apply: where drop-ins go (default: /etc/systemd/system)") },
        { "-q --quiet", N_("Print less") },
};

#define HELP_COLUMN 27

static void help_print(const HelpEntry *entries, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *t = _(entries[i].text), *nl;
                int w = printf("  %s", entries[i].synopsis);

                /* A synopsis too long for its column pushes the text right. */
                printf("%*s", w <= HELP_COLUMN - 2 ? HELP_COLUMN - w : 2, "");
                while ((nl = strchr(t, '\n'))) {
                        printf("%.*s\n%*s", (int)(nl - t), t, HELP_COLUMN, "");
                        t = nl + 1;
                }
                printf("%s\n", t);
        }
}

static void help(void)
{
        pager_open();
        printf("sysrecctl [%s] %s ...\n\n", _("OPTIONS..."), _("COMMAND"));
        printf("%s\n\n", _("Record the syscalls of workloads into seccomp profiles."));
        printf("%s%s%s\n", ansi_color(ANSI_HIGHLIGHT), _("Commands:"), ansi_normal());
        help_print(help_commands, ELEMENTSOF(help_commands));
        printf("\n%s%s%s\n", ansi_color(ANSI_HIGHLIGHT), _("Options:"), ansi_normal());
        help_print(help_options, ELEMENTSOF(help_options));
        printf("\n%s\n", _("See the sysrecctl(1) man page for details."));
}

static int add_pair(char ***l, const char *s, const char *opt)
{
        const char *eq = strchr(s, '=');
        size_t n = 0;
        char **nl;

        if (!eq || eq == s) {
                log_error(_("%s expects KEY=VALUE, got '%s'."), opt, s);
                return -EINVAL;
        }
        while (*l && (*l)[n])
                n++;
        nl = realloc(*l, sizeof(char *) * (n + 3));
        if (!nl)
                return log_oom();
        nl[n] = strndup(s, (size_t)(eq - s));
        nl[n + 1] = strdup(eq + 1);
        nl[n + 2] = NULL;
        *l = nl;
        return nl[n] && nl[n + 1] ? 0 : log_oom();
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_VERSION = 0x100,
                ARG_CGROUP,
                ARG_UNIT,
                ARG_PID,
                ARG_LABEL,
                ARG_NO_DESCENDANTS,
                ARG_PUBLISH,
                ARG_METADATA,
                ARG_STANDALONE,
                ARG_DAEMON,
                ARG_JSON,
                ARG_NO_LEGEND,
                ARG_UNIT_DIR,
                ARG_SKIP_RUNTIME_SETUP,
                ARG_NO_ARGUMENTS,
                ARG_BASE_PROFILE,
                ARG_CHECK,
                ARG_PROFILE,
                ARG_NO_PAGER,
                ARG_NO_PROGRESS,
                ARG_RUNS,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                { "unit", required_argument, NULL, ARG_UNIT },
                { "pid", required_argument, NULL, ARG_PID },
                { "label", required_argument, NULL, ARG_LABEL },
                { "no-descendants", no_argument, NULL, ARG_NO_DESCENDANTS },
                { "publish", no_argument, NULL, ARG_PUBLISH },
                { "metadata", required_argument, NULL, ARG_METADATA },
                { "format", required_argument, NULL, 'f' },
                { "output", required_argument, NULL, 'o' },
                { "name", required_argument, NULL, 'n' },
                { "standalone", no_argument, NULL, ARG_STANDALONE },
                { "daemon", no_argument, NULL, ARG_DAEMON },
                { "json", required_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "quiet", no_argument, NULL, 'q' },
                { "unit-dir", required_argument, NULL, ARG_UNIT_DIR },
                { "skip-runtime-setup", no_argument, NULL, ARG_SKIP_RUNTIME_SETUP },
                { "no-arguments", no_argument, NULL, ARG_NO_ARGUMENTS },
                { "base-profile", required_argument, NULL, ARG_BASE_PROFILE },
                { "check", no_argument, NULL, ARG_CHECK },
                { "profile", required_argument, NULL, ARG_PROFILE },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-progress", no_argument, NULL, ARG_NO_PROGRESS },
                { "runs", required_argument, NULL, ARG_RUNS },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hf:o:n:q", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sysrecctl %s\n", SYSREC_VERSION);
                        return 0;
                case ARG_CGROUP:
                        arg.cgroup = optarg;
                        break;
                case ARG_UNIT:
                        arg.unit = optarg;
                        break;
                case ARG_PID:
                        if (parse_uint_range(optarg, 1, 0x7fffffff, &arg.pid) < 0) {
                                log_error(_("Invalid PID '%s'."), optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_LABEL:
                        if (add_pair(&arg.labels, optarg, "--label") < 0)
                                return -EINVAL;
                        break;
                case ARG_METADATA:
                        if (add_pair(&arg.metadata, optarg, "--metadata") < 0)
                                return -EINVAL;
                        break;
                case ARG_NO_DESCENDANTS:
                        arg.descendants = false;
                        break;
                case ARG_PUBLISH:
                        arg.publish = true;
                        break;
                case 'f':
                        arg.format = profile_format_from_string(optarg);
                        if (arg.format < 0) {
                                log_error(_("Unknown format '%s': expected %s."), optarg, profile_format_list());
                                return -EINVAL;
                        }
                        break;
                case 'o':
                        arg.output = optarg;
                        break;
                case 'n':
                        if (check_name_arg(optarg) < 0)
                                return -EINVAL;
                        arg.name = optarg;
                        break;
                case ARG_STANDALONE:
                        arg.standalone = true;
                        break;
                case ARG_DAEMON:
                        arg.daemon_only = true;
                        break;
                case ARG_JSON:
                        if (strcmp(optarg, "short") == 0)
                                arg.json = JSON_SHORT;
                        else if (strcmp(optarg, "pretty") == 0)
                                arg.json = JSON_PRETTY;
                        else if (strcmp(optarg, "off") == 0)
                                arg.json = JSON_OFF;
                        else {
                                log_error(_("Unknown JSON mode '%s': expected short, pretty or off."), optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_NO_LEGEND:
                        arg.legend = false;
                        break;
                case ARG_NO_PAGER:
                        arg.pager = false;
                        break;
                case 'q':
                        arg.quiet = true;
                        break;
                case ARG_SKIP_RUNTIME_SETUP:
                        arg.skip_runtime_setup = true;
                        break;
                case ARG_NO_ARGUMENTS:
                        arg.arguments = false;
                        break;
                case ARG_BASE_PROFILE:
                        if (!base_profile_name_is_valid(optarg)) {
                                log_error(_("Invalid base profile name '%s': expected [A-Za-z0-9][A-Za-z0-9._-]*, not a path."),
                                          optarg);
                                return -EINVAL;
                        }
                        arg.base_profile = optarg;
                        break;
                case ARG_CHECK:
                        arg.check = true;
                        break;
                case ARG_PROFILE:
                        arg.profile = optarg;
                        break;
                case ARG_NO_PROGRESS:
                        arg.progress = false;
                        break;
                case ARG_RUNS:
                        if (parse_uint_range(optarg, 1, RECORD_RUNS_MAX, &arg.runs) < 0) {
                                log_error(_("Invalid --runs= value '%s': expected a whole number from 1 to %u."),
                                          optarg, RECORD_RUNS_MAX);
                                return -EINVAL;
                        }
                        break;
                case ARG_UNIT_DIR:
                        if (optarg[0] != '/') {
                                log_error(_("--unit-dir= needs an absolute path, got '%s'."), optarg);
                                return -EINVAL;
                        }
                        arg.unit_dir = optarg;
                        break;
                default:
                        /* getopt has said what is wrong. */
                        log_error(_("See 'sysrecctl --help'."));
                        return -EINVAL;
                }
        }
        if (arg.standalone && arg.daemon_only) {
                log_error(_("--standalone and --daemon exclude each other."));
                return -EINVAL;
        }
        return 1;
}

static const struct {
        const char *name;
        int (*run)(int argc, char *argv[]);
        bool command; /* takes a command after "--" */
} verbs[] = {
        { "start", verb_start },          { "stop", verb_stop },       { "list", verb_list },
        { "show", verb_show },            { "profile", verb_profile }, { "remove", verb_remove },
        { "watch", verb_watch },
        { "record", verb_record, true },  { "apply", verb_apply },     { "merge", verb_merge },
        { "diff", verb_diff },            { "verify", verb_verify, true },
};

static int run(int argc, char *argv[])
{
        int split = argc, r;

        /* Everything after "--" is the command to record, never our options. */
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--") == 0) {
                        split = i;
                        break;
                }
        r = parse_argv(split, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_OK;

        if (optind >= split) {
                if (split < argc)
                        log_error(_("Missing command before '--' (did you mean 'sysrecctl record -- ...'?)."));
                else
                        help();
                return split < argc ? EXIT_USAGE : EXIT_OK;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (strcmp(verbs[i].name, argv[optind]) != 0)
                        continue;
                if (arg.runs && verbs[i].run != verb_record) {
                        log_error(_("--runs= is an option of 'record' only, not of '%s'."), verbs[i].name);
                        return EXIT_USAGE;
                }
                if (verbs[i].command) {
                        /* The verb gets "--" then the command as its argv. */
                        if (optind + 1 != split) {
                                log_error(_("Put the command after '--': sysrecctl %s [OPTIONS] -- CMD ARGS..."),
                                          verbs[i].name);
                                return EXIT_USAGE;
                        }
                        return verbs[i].run(argc - split, argv + split);
                }
                if (split < argc) {
                        log_error(_("'%s' takes no command after '--'."), verbs[i].name);
                        return EXIT_USAGE;
                }
                return verbs[i].run(split - optind, argv + optind);
        }
        log_error(_("Unknown command '%s'. See 'sysrecctl --help'."), argv[optind]);
        return EXIT_USAGE;
}

int main(int argc, char *argv[])
{
        int r;

        i18n_setup();
        /* Notices by default; $SYSREC_LOG_LEVEL, read by log_setup(), overrides it. */
        log_set_max_level(LOG_NOTICE);
        log_setup(LOG_TARGET_CONSOLE);
        log_set_colors(colors_enabled_stderr());

        r = run(argc, argv);
        pager_close();
        return r;
}
