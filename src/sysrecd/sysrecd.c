/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysrecd: records the syscalls of cgroups into seccomp profiles; see sysrecd(8). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "bpffs.h"
#include "bus-util.h"
#include "log.h"
#include "manager.h"
#include "parse-util.h"

static const char *arg_state_dir = "/var/lib/sysrec";
static const char *arg_pin_dir = NULL; /* NULL: the default, below BPFFS_DEFAULT_MOUNT */
static bool arg_no_pin = false;
static ManagerLimits arg_limits = {
        .max_recordings = 1024,
        .max_workloads = 100000,
        .max_labels = 64,
        .max_cgroups = 16384,
};

static void help(void)
{
        printf("%s [OPTIONS...]\n\n"
               "Record the syscalls of cgroups into seccomp profiles, driven over D-Bus.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show package version\n"
               "     --state-dir=PATH       Where profiles are written (default: $STATE_DIRECTORY,\n"
               "                            else /var/lib/sysrec)\n"
               "     --pin-dir=PATH         Pin BPF maps and links in this bpffs directory, so that\n"
               "                            recordings survive restarts (default: %s,\n"
               "                            mounting a bpffs on %s if none is)\n"
               "     --no-pin               Pin nothing: recordings end with sysrecd\n"
               "     --max-recordings=N     Recordings kept at once (default: %u)\n"
               "     --max-workloads=N      Registered workloads (default: %u)\n"
               "     --max-labels=N         Labels per workload or selector (default: %u)\n"
               "     --max-cgroups=N        cgroups recorded at once, kernel map size (default: %u)\n"
               "     --log-level=LEVEL      err, warning, notice, info or debug\n",
               program_invocation_short_name, BPFFS_DEFAULT_PIN_DIR, BPFFS_DEFAULT_MOUNT, arg_limits.max_recordings,
               arg_limits.max_workloads, arg_limits.max_labels, arg_limits.max_cgroups);
}

static int parse_limit(const char *s, const char *what, unsigned min, unsigned max, unsigned *ret)
{
        if (parse_uint_range(s, min, max, ret) < 0) {
                log_error("Invalid value for %s: '%s' (expected %u..%u).", what, s, min, max);
                return -EINVAL;
        }
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_VERSION = 0x100,
                ARG_STATE_DIR,
                ARG_PIN_DIR,
                ARG_NO_PIN,
                ARG_MAX_RECORDINGS,
                ARG_MAX_WORKLOADS,
                ARG_MAX_LABELS,
                ARG_MAX_CGROUPS,
                ARG_LOG_LEVEL,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "pin-dir", required_argument, NULL, ARG_PIN_DIR },
                { "no-pin", no_argument, NULL, ARG_NO_PIN },
                { "max-recordings", required_argument, NULL, ARG_MAX_RECORDINGS },
                { "max-workloads", required_argument, NULL, ARG_MAX_WORKLOADS },
                { "max-labels", required_argument, NULL, ARG_MAX_LABELS },
                { "max-cgroups", required_argument, NULL, ARG_MAX_CGROUPS },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sysrecd %s\n", SYSREC_VERSION);
                        return 0;
                case ARG_STATE_DIR:
                        if (optarg[0] != '/') {
                                log_error("--state-dir= needs an absolute path, got '%s'.", optarg);
                                return -EINVAL;
                        }
                        arg_state_dir = optarg;
                        break;
                case ARG_PIN_DIR:
                        if (optarg[0] != '/') {
                                log_error("--pin-dir= needs an absolute path, got '%s' (--no-pin pins nothing).",
                                          optarg);
                                return -EINVAL;
                        }
                        arg_pin_dir = optarg;
                        break;
                case ARG_NO_PIN:
                        arg_no_pin = true;
                        break;
                case ARG_MAX_RECORDINGS:
                        r = parse_limit(optarg, "--max-recordings", 1, 1000000, &arg_limits.max_recordings);
                        break;
                case ARG_MAX_WORKLOADS:
                        r = parse_limit(optarg, "--max-workloads", 1, 10000000, &arg_limits.max_workloads);
                        break;
                case ARG_MAX_LABELS:
                        r = parse_limit(optarg, "--max-labels", 1, 4096, &arg_limits.max_labels);
                        break;
                case ARG_MAX_CGROUPS:
                        r = parse_limit(optarg, "--max-cgroups", 16, 1 << 22, &arg_limits.max_cgroups);
                        break;
                case ARG_LOG_LEVEL:
                        r = log_parse_level(optarg);
                        if (r < 0) {
                                log_error("Invalid log level '%s'.", optarg);
                                return r;
                        }
                        log_set_max_level(r);
                        r = 0;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (arg_no_pin && arg_pin_dir) {
                log_error("--pin-dir='%s' and --no-pin contradict each other.", arg_pin_dir);
                return -EINVAL;
        }
        if (optind < argc) {
                log_error("%s takes no arguments, got '%s'.", program_invocation_short_name, argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Where the maps and links are pinned (NULL: nowhere). By default below
 * BPFFS_DEFAULT_MOUNT, where a bpffs is mounted first if none is. */
static int pin_dir_resolve(const char **ret)
{
        int r;

        if (arg_no_pin || arg_pin_dir) {
                *ret = arg_pin_dir;
                return 0;
        }
        r = bpffs_ensure_mounted(BPFFS_DEFAULT_MOUNT);
        if (r < 0)
                return log_error_errno(r, "Failed to mount a bpf filesystem on %s for the default pin directory: %m "
                                       "(give --pin-dir= on a bpf filesystem, or --no-pin).", BPFFS_DEFAULT_MOUNT);
        if (r > 0)
                log_info("Mounted a bpf filesystem on %s.", BPFFS_DEFAULT_MOUNT);
        *ret = BPFFS_DEFAULT_PIN_DIR;
        return 0;
}

int main(int argc, char *argv[])
{
        const char *pin_dir = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        log_setup(LOG_TARGET_AUTO);
        /* Under systemd, StateDirectory= tells us where our state goes. */
        if (getenv("STATE_DIRECTORY") && getenv("STATE_DIRECTORY")[0] == '/' &&
            !strchr(getenv("STATE_DIRECTORY"), ':'))
                arg_state_dir = getenv("STATE_DIRECTORY");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = sd_bus_error_add_map(sysrec_error_map);
        if (r < 0)
                log_warning_errno(r, "Failed to register error map, ignoring: %m");

        r = pin_dir_resolve(&pin_dir);
        if (r < 0)
                goto finish;
        if (!pin_dir)
                log_info("Pinning nothing (--no-pin): active recordings end with sysrecd.");
        r = manager_new(arg_state_dir, pin_dir, &arg_limits, &m);
        if (r < 0)
                goto finish;
        r = manager_start(m);
        if (r < 0)
                goto finish;

        r = sd_event_loop(m->event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        (void)sd_notify(false, "STOPPING=1");
        if (r < 0) {
                (void)sd_notifyf(false, "ERRNO=%i", -r);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
