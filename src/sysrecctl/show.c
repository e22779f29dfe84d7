/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl show NAME: a recording's state and its syscalls per ABI, filed
 * under systemd's syscall-filter groups (@file-system, @network-io, ...) so
 * that a reader sees what the workload does, and with the syscalls that no
 * @system-service group allows set apart: those are the ones to question
 * before shipping the profile. The groups are generated from systemd-analyze
 * (syscall-groups.h); a syscall in several groups is filed under the first
 * plain group in systemd's order, then under an aggregate (@system-service,
 * @privileged, @known) only if no plain group holds it.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "pager.h"
#include "syscall-groups.h"
#include "sysrec-names.h"
#include "sysrecctl.h"
#include "terminal.h"

#define RECORDING_IFACE "org.sysrec1.Recording"
#define RISKY_BASELINE "@system-service"

int recording_path(const char *name, char **ret)
{
        return sd_bus_path_encode("/org/sysrec1/recording", name, ret);
}

static char *format_time(uint64_t usec)
{
        char buf[64];
        struct tm tm;
        time_t t = (time_t)(usec / 1000000);

        /* TRANSLATORS: "sysrecctl show": a time that is not known. */
        if (usec == 0 || !localtime_r(&t, &tm) ||
            strftime(buf, sizeof(buf), "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return strdup(_("n/a"));
        return strdup(buf);
}


void recording_info_done(RecordingInfo *i)
{
        free(i->name);
        free(i->state);
        free(i->target);
        free(i->profile_path);
        syscall_lists_done(&i->syscalls);
}

static int read_syscalls(sd_bus *bus, const char *path, RecordingInfo *info, sd_bus_error *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_get_property(bus, "org.sysrec1", path, RECORDING_IFACE, "Syscalls", e, &reply, "a{sas}");
        if (r < 0)
                return r;
        return syscall_lists_read(&info->syscalls, reply, NULL, NULL);
}

static int read_complete(sd_bus *bus, const char *path, RecordingInfo *info, sd_bus_error *e)
{
        int complete = true, r;

        r = sd_bus_get_property_trivial(bus, "org.sysrec1", path, RECORDING_IFACE,
                                        SYSREC_RECORDING_PROPERTY_COMPLETE, e, 'b', &complete);
        if (r < 0 && sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_PROPERTY)) {
                /* A sysrecd older than the property cannot tell. */
                sd_bus_error_free(e);
                r = 0;
        }
        info->complete = complete;
        return r;
}

int recording_info_get(sd_bus *bus, const char *name, bool syscalls, RecordingInfo *info, sd_bus_error *e)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = recording_path(name, &path);
        if (r < 0)
                return r;
        info->name = strdup(name);
        r = sd_bus_get_property_string(bus, "org.sysrec1", path, RECORDING_IFACE, "State", e, &info->state);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, "org.sysrec1", path, RECORDING_IFACE, "Target", e, &info->target);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, "org.sysrec1", path, RECORDING_IFACE, "ProfilePath", e,
                                               &info->profile_path);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.sysrec1", path, RECORDING_IFACE, "SyscallCount", e, 'u',
                                                &info->count);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.sysrec1", path, RECORDING_IFACE, "Cgroups", e, 'u',
                                                &info->cgroups);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.sysrec1", path, RECORDING_IFACE, "Processes", e, 'u',
                                                &info->processes);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.sysrec1", path, RECORDING_IFACE, "StartedUSec", e, 't',
                                                &info->started);
        if (r >= 0)
                r = sd_bus_get_property_trivial(bus, "org.sysrec1", path, RECORDING_IFACE, "StoppedUSec", e, 't',
                                                &info->stopped);
        if (r >= 0)
                r = read_complete(bus, path, info, e);
        if (r >= 0 && syscalls)
                r = read_syscalls(bus, path, info, e);
        if (r == -EINVAL && !sd_bus_error_is_set(e))
                sd_bus_error_setf(e, "org.sysrec1.Error.NoSuchRecording", _("No recording '%s'."), name);
        return r;
}

json_object *recording_info_to_json(const RecordingInfo *i)
{
        json_object *o = json_object_new_object();

        json_object_object_add(o, "name", json_object_new_string(i->name));
        json_object_object_add(o, "state", json_object_new_string(strempty(i->state)));
        json_object_object_add(o, "target", json_object_new_string(strempty(i->target)));
        json_object_object_add(o, "syscall_count", json_object_new_int64(i->count));
        json_object_object_add(o, "cgroups", json_object_new_int64(i->cgroups));
        json_object_object_add(o, "processes", json_object_new_int64(i->processes));
        json_object_object_add(o, "started_usec", json_object_new_uint64(i->started));
        json_object_object_add(o, "stopped_usec", json_object_new_uint64(i->stopped));
        json_object_object_add(o, "profile_path", json_object_new_string(strempty(i->profile_path)));
        json_object_object_add(o, "complete", json_object_new_boolean(i->complete));
        if (i->syscalls.abis) {
                json_object *s = json_object_new_object();
                for (size_t k = 0; k < i->syscalls.n; k++) {
                        json_object *a = json_object_new_array();
                        for (char **n = i->syscalls.names[k]; n && *n; n++)
                                json_object_array_add(a, json_object_new_string(*n));
                        json_object_object_add(s, i->syscalls.abis[k], a);
                }
                json_object_object_add(o, "syscalls", s);
        }
        return o;
}
static bool group_has(const SyscallGroup *g, const char *name)
{
        for (const char *const *s = g->syscalls; *s; s++)
                if (strcmp(*s, name) == 0)
                        return true;
        return false;
}

static const SyscallGroup *group_find(const char *group)
{
        for (size_t i = 0; i < ELEMENTSOF(syscall_groups); i++)
                if (strcmp(syscall_groups[i].name, group) == 0)
                        return &syscall_groups[i];
        return NULL;
}

/* The group a syscall is filed under: index in syscall_groups, or
 * ELEMENTSOF(syscall_groups) for none. */
static size_t group_index(const char *name)
{
        size_t i;

        for (i = 0; i < ELEMENTSOF(syscall_groups); i++)
                if (group_has(&syscall_groups[i], name))
                        break;
        return i;
}

static bool is_risky(const char *name)
{
        const SyscallGroup *baseline = group_find(RISKY_BASELINE);

        return !baseline || !group_has(baseline, name);
}

/* s, then spaces up to width columns. */
static void print_padded(const char *s, size_t width)
{
        size_t w = text_width(s);

        printf("%s%*s", s, w < width ? (int)(width - w) : 0, "");
}

/* "label  name name name", wrapped under the names at about 100 columns. */
static void print_wrapped(const char *label, size_t width, char **names, size_t n)
{
        size_t col, indent = width + 4;

        fputs("  ", stdout);
        print_padded(label, width);
        fputs("  ", stdout);
        col = indent;
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(names[i]) + 1;
                if (col + l > 100 && col > indent) {
                        printf("\n%*s", (int)indent, "");
                        col = indent;
                }
                printf("%s ", names[i]);
                col += l;
        }
        putchar('\n');
}

/* Every group but @known (which holds every syscall systemd knows) that has name. */
static char *groups_of(const char *name)
{
        const char *sep = "";
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        if (!f)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(syscall_groups); i++)
                if (strcmp(syscall_groups[i].name, "@known") != 0 && group_has(&syscall_groups[i], name)) {
                        fprintf(f, "%s%s", sep, syscall_groups[i].name);
                        sep = " ";
                }
        if (fclose(f) != 0)
                return NULL;
        return s;
}

static int print_abi(const char *abi, char **names)
{
        size_t n = 0, n_groups = ELEMENTSOF(syscall_groups) + 1, n_risky = 0;
        _cleanup_free_ size_t *idx = NULL;
        _cleanup_free_ char **filed = NULL;

        for (char **s = names; s && *s; s++)
                n++;
        idx = calloc(n + 1, sizeof(size_t));
        filed = calloc(n + 1, sizeof(char *));
        if (!idx || !filed)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                idx[i] = group_index(names[i]);
                n_risky += is_risky(names[i]);
        }
        putchar('\n');
        /* TRANSLATORS: "sysrecctl show": the heading of an ABI's syscalls, e.g. "x86_64: 12 syscalls". */
        printf(ngettext("%s: %zu syscall\n", "%s: %zu syscalls\n", n), abi, n);
        for (size_t g = 0; g < n_groups; g++) {
                size_t k = 0;

                for (size_t i = 0; i < n; i++)
                        if (idx[i] == g)
                                filed[k++] = names[i];
                if (k > 0)
                        print_wrapped(g < ELEMENTSOF(syscall_groups) ? syscall_groups[g].name : _("(no group)"),
                                      16, filed, k);
        }
        if (n_risky == 0) {
                /* TRANSLATORS: %s is a group of systemd's SystemCallFilter=, "@system-service". */
                printf(_("  Every syscall is in a %s group.\n"), RISKY_BASELINE);
                return 0;
        }
        putchar('\n');
        /* TRANSLATORS: %s is "@system-service", then how many syscalls follow. */
        printf(_("  Not in any %s group (%zu):\n"), RISKY_BASELINE, n_risky);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *groups = NULL;

                if (!is_risky(names[i]))
                        continue;
                groups = groups_of(names[i]);
                printf("    %-22s %s\n", names[i], groups && groups[0] ? groups : _("(no group)"));
        }
        return 0;
}

/* "groups": {abi: {group: [names]}}, "risky": {abi: [names]}. */
static void add_groups_json(json_object *o, const RecordingInfo *info)
{
        json_object *groups = json_object_new_object(), *risky = json_object_new_object();

        for (size_t k = 0; k < info->syscalls.n; k++) {
                json_object *per = json_object_new_object(), *r = json_object_new_array();

                for (char **s = info->syscalls.names[k]; s && *s; s++) {
                        size_t g = group_index(*s);
                        const char *gname = g < ELEMENTSOF(syscall_groups) ? syscall_groups[g].name : "";
                        json_object *list;

                        if (!json_object_object_get_ex(per, gname, &list)) {
                                list = json_object_new_array();
                                json_object_object_add(per, gname, list);
                        }
                        json_object_array_add(list, json_object_new_string(*s));
                        if (is_risky(*s))
                                json_object_array_add(r, json_object_new_string(*s));
                }
                json_object_object_add(groups, info->syscalls.abis[k], per);
                json_object_object_add(risky, info->syscalls.abis[k], r);
        }
        json_object_object_add(o, "groups", groups);
        json_object_object_add(o, "risky", risky);
}

enum {
        FIELD_TARGET,
        FIELD_STARTED,
        FIELD_STOPPED,
        FIELD_CGROUPS,
        FIELD_PROCESSES,
        FIELD_SYSCALLS,
        FIELD_PROFILE,
        _FIELD_MAX,
};

/* "  Processes: ": the label right-aligned in width columns, after two spaces. */
static void print_field(const char *label, size_t width)
{
        size_t w = text_width(label);

        printf("  %*s%s: ", w < width ? (int)(width - w) : 0, "", label);
}

/* The recording's state, target, times and counts, as systemctl status prints a unit's. */
static void print_summary(const RecordingInfo *info)
{
        _cleanup_free_ char *started = NULL, *stopped = NULL;
        /* TRANSLATORS: field names of "sysrecctl show", right-aligned before a colon. */
        const char *fields[_FIELD_MAX] = {
                [FIELD_TARGET] = _("Target"),     [FIELD_STARTED] = _("Started"),
                [FIELD_STOPPED] = _("Stopped"),   [FIELD_CGROUPS] = _("Cgroups"),
                [FIELD_PROCESSES] = _("Processes"), [FIELD_SYSCALLS] = _("Syscalls"),
                [FIELD_PROFILE] = _("Profile"),
        };
        const char *state, *color;
        size_t width = 0;

        started = format_time(info->started);
        stopped = format_time(info->stopped);
        state = state_to_display(info->state, &color);
        printf("%s - %s%s%s\n", info->name, color ? ansi_color(color) : "", state, color ? ansi_normal() : "");
        if (!info->complete)
                printf("  %s%s%s\n", ansi_color(ANSI_HIGHLIGHT_YELLOW), incomplete_warning(), ansi_normal());
        for (size_t f = 0; f < _FIELD_MAX; f++)
                width = MAX(width, text_width(fields[f]));
        print_field(fields[FIELD_TARGET], width);
        printf("%s\n", info->target);
        print_field(fields[FIELD_STARTED], width);
        printf("%s\n", started);
        if (info->stopped) {
                print_field(fields[FIELD_STOPPED], width);
                printf("%s\n", stopped);
        }
        print_field(fields[FIELD_CGROUPS], width);
        printf("%u\n", info->cgroups);
        print_field(fields[FIELD_PROCESSES], width);
        printf("%u\n", info->processes);
        print_field(fields[FIELD_SYSCALLS], width);
        printf("%u", info->count);
        for (size_t k = 0; k < info->syscalls.n; k++) {
                size_t c = 0;
                for (char **n = info->syscalls.names[k]; n && *n; n++)
                        c++;
                printf("%s%s: %zu", k == 0 ? " (" : ", ", info->syscalls.abis[k], c);
        }
        printf("%s\n", info->syscalls.n ? ")" : "");
        if (info->profile_path && info->profile_path[0]) {
                print_field(fields[FIELD_PROFILE], width);
                printf("%s\n", info->profile_path);
        }
}

int verb_show(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(recording_info_done) RecordingInfo info = {};
        int r;

        if (argc != 2) {
                log_error(_("Usage: sysrecctl show NAME"));
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = recording_info_get(bus, argv[1], true, &info, &e);
        if (r < 0)
                return bus_error_exit(&e, r, N_("show recording"));

        pager_open();
        if (arg.json) {
                _cleanup_(json_object_putp) json_object *o = recording_info_to_json(&info);
                add_groups_json(o, &info);
                json_print(o);
                return EXIT_OK;
        }
        print_summary(&info);
        if (arg.legend && info.syscalls.n > 0) {
                putchar('\n');
                /* TRANSLATORS: %s is a version of systemd, e.g. "252". */
                printf(_("Groups as in systemd-analyze syscall-filter (systemd %s); each syscall under the "
                         "first group that has it.\n"), SYSCALL_GROUPS_SYSTEMD_VERSION);
        }
        for (size_t k = 0; k < info.syscalls.n; k++) {
                r = print_abi(info.syscalls.abis[k], info.syscalls.names[k]);
                if (r < 0)
                        return EXIT_FAIL;
        }
        return EXIT_OK;
}
