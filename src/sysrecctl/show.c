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

#include "log.h"
#include "macro.h"
#include "pager.h"
#include "gettext.h"
#include "syscall-groups.h"
#include "sysrecctl.h"

#define RECORDING_IFACE "org.sysrec1.Recording"
#define RISKY_BASELINE "@system-service"

static int recording_path(const char *name, char **ret)
{
        return sd_bus_path_encode("/org/sysrec1/recording", name, ret);
}

static char *format_time(uint64_t usec)
{
        char buf[64];
        struct tm tm;
        time_t t = (time_t)(usec / 1000000);

        if (usec == 0)
                return strdup("n/a");
        if (!localtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return strdup("n/a");
        return strdup(buf);
}


void recording_info_done(RecordingInfo *i)
{
        free(i->name);
        free(i->state);
        free(i->target);
        free(i->profile_path);
        for (size_t k = 0; k < i->n_abis; k++) {
                free(i->abis[k]);
                strv_free(i->syscalls[k]);
        }
        free(i->abis);
        free(i->syscalls);
}

static int read_syscalls(sd_bus *bus, const char *path, RecordingInfo *info, sd_bus_error *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_get_property(bus, "org.sysrec1", path, RECORDING_IFACE, "Syscalls", e, &reply, "a{sas}");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sas}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sas")) > 0) {
                const char *abi;
                char **names = NULL;

                r = sd_bus_message_read(reply, "s", &abi);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &names);
                if (r < 0)
                        return r;
                info->abis = realloc(info->abis, sizeof(char *) * (info->n_abis + 1));
                info->syscalls = realloc(info->syscalls, sizeof(char **) * (info->n_abis + 1));
                if (!info->abis || !info->syscalls)
                        return -ENOMEM;
                info->abis[info->n_abis] = strdup(abi);
                info->syscalls[info->n_abis++] = names;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
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
        if (i->abis) {
                json_object *s = json_object_new_object();
                for (size_t k = 0; k < i->n_abis; k++) {
                        json_object *a = json_object_new_array();
                        for (char **n = i->syscalls[k]; n && *n; n++)
                                json_object_array_add(a, json_object_new_string(*n));
                        json_object_object_add(s, i->abis[k], a);
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

/* "label  name name name", wrapped under the names at about 100 columns. */
static void print_wrapped(const char *label, int width, char **names, size_t n)
{
        size_t col, indent = (size_t)width + 4;

        printf("  %-*s  ", width, label);
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
        printf("\n%s: %zu syscall%s\n", abi, n, n == 1 ? "" : "s");
        for (size_t g = 0; g < n_groups; g++) {
                size_t k = 0;

                for (size_t i = 0; i < n; i++)
                        if (idx[i] == g)
                                filed[k++] = names[i];
                if (k > 0)
                        print_wrapped(g < ELEMENTSOF(syscall_groups) ? syscall_groups[g].name : "(no group)",
                                      16, filed, k);
        }
        if (n_risky == 0) {
                printf("  Every syscall is in a %s group.\n", RISKY_BASELINE);
                return 0;
        }
        printf("\n  Not in any %s group (%zu):\n", RISKY_BASELINE, n_risky);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *groups = NULL;

                if (!is_risky(names[i]))
                        continue;
                groups = groups_of(names[i]);
                printf("    %-22s %s\n", names[i], groups && groups[0] ? groups : "(no group)");
        }
        return 0;
}

/* "groups": {abi: {group: [names]}}, "risky": {abi: [names]}. */
static void add_groups_json(json_object *o, const RecordingInfo *info)
{
        json_object *groups = json_object_new_object(), *risky = json_object_new_object();

        for (size_t k = 0; k < info->n_abis; k++) {
                json_object *per = json_object_new_object(), *r = json_object_new_array();

                for (char **s = info->syscalls[k]; s && *s; s++) {
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
                json_object_object_add(groups, info->abis[k], per);
                json_object_object_add(risky, info->abis[k], r);
        }
        json_object_object_add(o, "groups", groups);
        json_object_object_add(o, "risky", risky);
}

int verb_show(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(recording_info_done) RecordingInfo info = {};
        _cleanup_free_ char *started = NULL, *stopped = NULL;
        int r;

        if (argc != 2) {
                log_error("Usage: sysrecctl show NAME");
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = recording_info_get(bus, argv[1], true, &info, &e);
        if (r < 0)
                return bus_error_exit(&e, r, "show recording");

        pager_open();
        if (arg.json) {
                _cleanup_(json_object_putp) json_object *o = recording_info_to_json(&info);
                add_groups_json(o, &info);
                json_print(o);
                return EXIT_OK;
        }
        started = format_time(info.started);
        stopped = format_time(info.stopped);
        printf("%s - %s\n", info.name, info.state);
        printf("     Target: %s\n", info.target);
        printf("    Started: %s\n", started);
        if (info.stopped)
                printf("    Stopped: %s\n", stopped);
        printf("    Cgroups: %u\n", info.cgroups);
        printf("  Processes: %u\n", info.processes);
        printf("   Syscalls: %u", info.count);
        for (size_t k = 0; k < info.n_abis; k++) {
                size_t c = 0;
                for (char **n = info.syscalls[k]; n && *n; n++)
                        c++;
                printf("%s%s: %zu", k == 0 ? " (" : ", ", info.abis[k], c);
        }
        printf("%s\n", info.n_abis ? ")" : "");
        if (info.profile_path && info.profile_path[0])
                printf("    Profile: %s\n", info.profile_path);
        if (arg.legend && info.n_abis > 0)
                printf("\nGroups as in systemd-analyze syscall-filter (systemd %s); each syscall under the "
                       "first group that has it.\n", SYSCALL_GROUPS_SYSTEMD_VERSION);
        for (size_t k = 0; k < info.n_abis; k++) {
                r = print_abi(info.abis[k], info.syscalls[k]);
                if (r < 0)
                        return EXIT_FAIL;
        }
        return EXIT_OK;
}
