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

#include "bus-pairs.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "sysrecctl.h"

Args arg = {
        .legend = true,
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
                log_error_errno(r, "Failed to connect to the system bus: %m");
        return r;
}

int bus_error_exit(const sd_bus_error *e, int r, const char *what)
{
        if (e && sd_bus_error_is_set(e)) {
                log_error("Failed to %s: %s", what, e->message ?: e->name);
                if (sd_bus_error_has_names(e, "org.sysrec1.Error.NoSuchRecording",
                                           "org.sysrec1.Error.NoSuchWorkload", "org.sysrec1.Error.NoSuchUnit",
                                           "org.sysrec1.Error.NoSuchCgroup", "org.sysrec1.Error.NoSuchProcess"))
                        return EXIT_NOT_FOUND;
                if (sd_bus_error_has_names(e, "org.sysrec1.Error.InvalidArgument"))
                        return EXIT_USAGE;
                if (sd_bus_error_has_names(e, "org.freedesktop.DBus.Error.ServiceUnknown",
                                           "org.freedesktop.DBus.Error.NameHasNoOwner"))
                        log_error("Is sysrecd running? (systemctl start sysrecd)");
                return EXIT_FAIL;
        }
        log_error_errno(r, "Failed to %s: %m", what);
        return EXIT_FAIL;
}

int check_name_arg(const char *name)
{
        if (recording_name_is_valid(name))
                return 0;
        log_error("Invalid recording name '%s': expected [A-Za-z0-9][A-Za-z0-9._-]{0,249}.", name);
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
                log_error("Usage: sysrecctl start NAME --cgroup=PATH|--unit=UNIT|--pid=PID|--label=KEY=VALUE...");
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (n != 1) {
                log_error("Give exactly one target: --cgroup=, --unit=, --pid= or --label= (got %d).", n);
                return EXIT_USAGE;
        }
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = start_recording(bus, argv[1], &e);
        if (r < 0)
                return bus_error_exit(&e, r, "start recording");
        if (!arg.quiet)
                printf("Recording '%s' started.\n", argv[1]);
        return EXIT_OK;
}

static int simple_call(const char *method, const char *name, const char *what, const char *done)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (check_name_arg(name) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = sd_bus_call_method(bus, "org.sysrec1", MANAGER_PATH, MANAGER_IFACE, method, &e, NULL, "s", name);
        if (r < 0)
                return bus_error_exit(&e, r, what);
        if (!arg.quiet && done)
                printf("Recording '%s' %s.\n", name, done);
        return EXIT_OK;
}

/* Call method for every NAME argument; the last failure decides the exit code. */
static int call_each(int argc, char *argv[], const char *method, const char *what, const char *done)
{
        int ret = EXIT_OK;

        if (argc < 2) {
                log_error("Usage: sysrecctl %s NAME...", argv[0]);
                return EXIT_USAGE;
        }
        for (int i = 1; i < argc; i++) {
                int k = simple_call(method, argv[i], what, done);
                if (k != EXIT_OK)
                        ret = k;
        }
        return ret;
}

static int verb_stop(int argc, char *argv[])
{
        return call_each(argc, argv, "StopRecording", "stop recording", "stopped");
}

static int verb_remove(int argc, char *argv[])
{
        return call_each(argc, argv, "RemoveRecording", "remove recording", "removed");
}

static int verb_profile(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        if (argc != 2) {
                log_error("Usage: sysrecctl profile NAME [--format=oci|systemd|spo|bpf] [--output=FILE]");
                return EXIT_USAGE;
        }
        if (check_name_arg(argv[1]) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = sd_bus_call_method(bus, "org.sysrec1", MANAGER_PATH, MANAGER_IFACE, "GetProfile", &e, &reply,
                               "ss", argv[1], profile_format_to_string(arg.format));
        if (r < 0)
                return bus_error_exit(&e, r, "get profile");
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return bus_error_exit(NULL, r, "read profile");
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

static int verb_list(int argc, char *argv[])
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(json_object_putp) json_object *arr = NULL;
        size_t n = 0;
        int r;

        if (argc != 1) {
                log_error("Usage: sysrecctl list");
                return EXIT_USAGE;
        }
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = list_names(bus, &names, &e);
        if (r < 0)
                return bus_error_exit(&e, r, "list recordings");

        if (arg.json)
                arr = json_object_new_array();
        else if (arg.legend)
                printf("%-24s %-10s %8s %7s  %s\n", "NAME", "STATE", "SYSCALLS", "CGROUPS", "TARGET");
        for (char **i = names; *i; i++, n++) {
                _cleanup_(recording_info_done) RecordingInfo info = {};

                r = recording_info_get(bus, *i, false, &info, &e);
                if (r < 0)
                        continue; /* removed meanwhile */
                if (arr)
                        json_object_array_add(arr, recording_info_to_json(&info));
                else
                        printf("%-24s %-10s %8u %7u  %s\n", info.name, info.state, info.count, info.cgroups,
                               info.target);
        }
        if (arr)
                json_print(arr);
        else if (arg.legend)
                printf("\n%zu recording%s listed.\n", n, n == 1 ? "" : "s");
        return EXIT_OK;
}

static void help(void)
{
        printf("sysrecctl [OPTIONS...] COMMAND ...\n\n"
               "Record the syscalls of workloads into seccomp profiles.\n\n"
               "Commands:\n"
               "  start NAME TARGET        Start recording (TARGET: --cgroup=, --unit=, --pid=, --label=)\n"
               "  stop NAME...             Stop recording and write the profile\n"
               "  list                     List recordings\n"
               "  show NAME                Show a recording and its syscalls per ABI, grouped\n"
               "                           as systemd's syscall filter groups them\n"
               "  watch NAME               Follow a recording: new syscalls, processes, cgroups\n"
               "  profile NAME             Print a recording's profile (also while recording)\n"
               "  remove NAME...           Forget stopped recordings and their profiles\n"
               "  record [-o FILE] -- CMD  Record one command; through sysrecd if it runs,\n"
               "                           else standalone\n"
               "  apply UNIT RECORDING     Install the recording's SystemCallFilter= as a\n"
               "                           drop-in of UNIT and reload systemd\n"
               "  merge FILE... -o OUT     Write the union of oci/spo profiles\n"
               "  merge --check A B...     Does profile A allow everything B... allow?\n"
               "                           (exit 0 yes, 1 no, listing what A lacks)\n"
               "  diff A B                 Syscalls and arguments added/removed per ABI\n"
               "                           (exit 0 equal, 1 different)\n"
               "  verify --profile=P -- CMD  Run CMD, letting every call through, and list\n"
               "                           the calls profile P would deny (exit 1 if any)\n\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show package version\n"
               "     --cgroup=PATH         Target: a cgroup, relative to the cgroup2 root\n"
               "     --unit=UNIT           Target: a systemd unit\n"
               "     --pid=PID             Target: the cgroup of a process\n"
               "     --label=KEY=VALUE     Target: registered workloads with these labels\n"
               "     --no-descendants      Do not record cgroups below the target\n"
               "     --skip-runtime-setup  Start each cgroup's profile where the container runtime\n"
               "                           installs its seccomp filter (or execs the workload)\n"
               "     --publish             Publish the profile as a SeccompProfile (Kubernetes)\n"
               "     --metadata=KEY=VALUE  Keep a key/value pair with the recording\n"
               "  -f --format=FORMAT       Profile format: oci (default), systemd, spo (a\n"
               "                           SeccompProfile resource) or bpf (libseccomp's\n"
               "                           compiled filter, raw bytes)\n"
               "  -o --output=FILE         record, profile, merge: write the profile to FILE\n"
               "                           (default: stdout)\n"
               "  -n --name=NAME           record: name of the recording; merge: of the profile\n"
               "     --no-arguments        start, record, merge: no argument rules\n"
               "     --check               merge: only check that the first profile covers the others\n"
               "     --profile=FILE        verify: the oci or spo profile to check against\n"
               "     --standalone          record: load the BPF program here, never use sysrecd\n"
               "     --daemon              record: fail unless sysrecd records it\n"
               "     --no-progress         record: no live progress on the terminal\n"
               "     --json=MODE           Output JSON (short or pretty) for list and show\n"
               "     --no-legend           Omit headers and footers\n"
               "     --unit-dir=DIR        apply: where drop-ins go (default: /etc/systemd/system)\n"
               "  -q --quiet               Print less\n");
}

static int add_pair(char ***l, const char *s, const char *opt)
{
        const char *eq = strchr(s, '=');
        size_t n = 0;
        char **nl;

        if (!eq || eq == s) {
                log_error("%s expects KEY=VALUE, got '%s'.", opt, s);
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
                ARG_CHECK,
                ARG_PROFILE,
                ARG_NO_PROGRESS,
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
                { "check", no_argument, NULL, ARG_CHECK },
                { "profile", required_argument, NULL, ARG_PROFILE },
                { "no-progress", no_argument, NULL, ARG_NO_PROGRESS },
                {}
        };
        char *end;
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
                case ARG_PID: {
                        unsigned long v;
                        errno = 0;
                        v = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg || v == 0 || v > 0x7fffffff) {
                                log_error("Invalid PID '%s'.", optarg);
                                return -EINVAL;
                        }
                        arg.pid = (unsigned)v;
                        break;
                }
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
                                log_error("Unknown format '%s': expected %s.", optarg, profile_format_list());
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
                                log_error("Unknown JSON mode '%s': expected short, pretty or off.", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_NO_LEGEND:
                        arg.legend = false;
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
                case ARG_CHECK:
                        arg.check = true;
                        break;
                case ARG_PROFILE:
                        arg.profile = optarg;
                        break;
                case ARG_NO_PROGRESS:
                        arg.progress = false;
                        break;
                case ARG_UNIT_DIR:
                        if (optarg[0] != '/') {
                                log_error("--unit-dir= needs an absolute path, got '%s'.", optarg);
                                return -EINVAL;
                        }
                        arg.unit_dir = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (arg.standalone && arg.daemon_only) {
                log_error("--standalone and --daemon exclude each other.");
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

int main(int argc, char *argv[])
{
        int split = argc, r;

        log_setup(LOG_TARGET_CONSOLE);
        log_set_max_level(LOG_NOTICE);

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
                        log_error("Missing command before '--' (did you mean 'sysrecctl record -- ...'?).");
                else
                        help();
                return split < argc ? EXIT_USAGE : EXIT_OK;
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (strcmp(verbs[i].name, argv[optind]) != 0)
                        continue;
                if (verbs[i].command) {
                        /* The verb gets "--" then the command as its argv. */
                        if (optind + 1 != split) {
                                log_error("Put the command after '--': sysrecctl %s [OPTIONS] -- CMD ARGS...",
                                          verbs[i].name);
                                return EXIT_USAGE;
                        }
                        return verbs[i].run(argc - split, argv + split);
                }
                if (split < argc) {
                        log_error("'%s' takes no command after '--'.", verbs[i].name);
                        return EXIT_USAGE;
                }
                return verbs[i].run(split - optind, argv + optind);
        }
        log_error("Unknown command '%s'. See 'sysrecctl --help'.", argv[optind]);
        return EXIT_USAGE;
}
