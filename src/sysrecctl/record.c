/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl record -- CMD: run one command in a cgroup of its own and record
 * it from its first syscall (the execve). Through sysrecd when it is on the
 * bus; otherwise (or with --standalone) by loading the BPF program here.
 *
 * With --runs=N the command runs N times, one after the other, each run in a
 * cgroup of its own below the recording's (run-1 ... run-N): the profile is
 * the union, and each run's own set (GetCgroupProfile of the run's cgroup, or
 * a recorder id per run standalone) tells which syscalls only some runs made.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "cgroup.h"
#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "profile-import.h"
#include "recorder.h"
#include "sysrec-names.h"
#include "sysrecctl.h"

typedef struct RecordContext {
        char *cg_root;   /* cgroup2 mount */
        char *cg_path;   /* our cgroup, relative to cg_root */
        int cg_fd;
        sd_bus *bus;     /* daemon mode */
        Recorder *recorder; /* standalone mode */
        char name[256];
        pid_t child;
        int release_fd;
        unsigned runs;      /* --runs */
        char *run_path;     /* the current run's cgroup: cg_path itself with one run */
        int run_fd;
        SyscallSet *run_sets; /* with several runs: each run's own set */
} RecordContext;

static void record_context_done(RecordContext *c)
{
        if (c->cg_fd >= 0)
                close(c->cg_fd);
        if (c->run_fd >= 0)
                close(c->run_fd);
        if (c->release_fd >= 0)
                close(c->release_fd);
        sd_bus_flush_close_unref(c->bus);
        recorder_free(c->recorder);
        free(c->cg_root);
        free(c->cg_path);
        free(c->run_path);
        free(c->run_sets);
}

/* A cgroup of our own below the one we run in (at the root if we run there). */
static int make_cgroup(RecordContext *c)
{
        _cleanup_free_ char *self = NULL, *full = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        r = cgroup2_find_mount(&c->cg_root);
        if (r < 0)
                return log_error_errno(r, _("Failed to find the cgroup2 mount: %m"));
        r = cgroup_pid_get_path(getpid(), &self);
        if (r < 0)
                return log_error_errno(r, _("Failed to find our own cgroup: %m"));
        if (asprintf(&c->cg_path, "%s/sysrec-record-%d", strcmp(self, "/") == 0 ? "" : self, (int)getpid()) < 0 ||
            asprintf(&full, "%s%s", c->cg_root, c->cg_path) < 0)
                return log_oom();
        if (mkdir(full, 0755) < 0)
                return log_error_errno(negative_errno(), _("Failed to create cgroup %s: %m"), full);
        root_fd = open(c->cg_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return log_error_errno(negative_errno(), _("Failed to open %s: %m"), c->cg_root);
        r = cgroup_open(root_fd, c->cg_path, &c->cg_fd);
        if (r < 0)
                return log_error_errno(r, _("Failed to open cgroup %s: %m"), full);
        return 0;
}

/* The cgroup run k goes to: the recording's own with one run, else run-k
 * below it, so that each run's syscalls can be told apart. */
static int make_run_cgroup(RecordContext *c, unsigned k)
{
        _cleanup_free_ char *full = NULL;
        char leaf[32];

        free(c->run_path);
        c->run_path = NULL;
        if (c->run_fd >= 0)
                c->run_fd = (close(c->run_fd), -EBADF);
        if (c->runs == 1) {
                c->run_path = strdup(c->cg_path);
                if (!c->run_path)
                        return log_oom();
                c->run_fd = fcntl(c->cg_fd, F_DUPFD_CLOEXEC, 3);
                if (c->run_fd < 0)
                        return log_error_errno(negative_errno(), _("Failed to duplicate a file descriptor: %m"));
                return 0;
        }
        snprintf(leaf, sizeof(leaf), "run-%u", k);
        if (asprintf(&c->run_path, "%s/%s", c->cg_path, leaf) < 0 ||
            asprintf(&full, "%s%s", c->cg_root, c->run_path) < 0)
                return log_oom();
        if (mkdirat(c->cg_fd, leaf, 0755) < 0 && mkdir(full, 0755) < 0)
                return log_error_errno(negative_errno(), _("Failed to create cgroup %s: %m"), full);
        c->run_fd = open(full, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->run_fd < 0)
                return log_error_errno(negative_errno(), _("Failed to open cgroup %s: %m"), full);
        return 0;
}

/* Kill what the command left behind in cgroup path and remove it. */
static void remove_cgroup(RecordContext *c, const char *path)
{
        _cleanup_free_ char *full = NULL, *kill_file = NULL;

        if (!path || asprintf(&full, "%s%s", c->cg_root, path) < 0 ||
            asprintf(&kill_file, "%s/cgroup.kill", full) < 0)
                return;
        for (int i = 0; i < 100; i++) {
                if (rmdir(full) == 0 || errno == ENOENT)
                        return;
                if (errno != EBUSY)
                        break;
                if (i == 0) {
                        int fd = open(kill_file, O_WRONLY | O_CLOEXEC);
                        if (fd >= 0) {
                                if (write(fd, "1", 1) == 1)
                                        log_notice(_("Killed processes the command left running."));
                                close(fd);
                        }
                }
                usleep(20 * 1000);
        }
        log_warning_errno(negative_errno(), _("Failed to remove cgroup %s: %m"), full);
}

/* Wait (at most a second) until pid sleeps in read(2), so that the calls it
 * makes before it waits are never recorded, however the two processes are
 * scheduled: every run then starts its recording at the execve. Where
 * /proc/PID/syscall cannot be read, the "ready" byte alone has to do. */
static void wait_blocked_in_read(pid_t pid)
{
        char path[64], buf[64];

        snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
        for (int i = 0; i < 1000; i++) {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                ssize_t n;

                if (fd < 0)
                        return;
                n = read(fd, buf, sizeof(buf) - 1);
                if (n <= 0)
                        return;
                buf[n] = 0;
                if (atol(buf) == SYS_read && buf[0] != '-' && strncmp(buf, "running", 7) != 0)
                        return;
                usleep(1000);
        }
        log_debug("Command %d did not block in read() within a second.", (int)pid);
}

/* Fork the command; it says it is ready, then waits on a pipe until it has
 * been moved into the cgroup. */
static int fork_command(RecordContext *c, char **cmd)
{
        _cleanup_close_ int ready_r = -EBADF, ready_w = -EBADF, release_r = -EBADF, release_w = -EBADF;
        int p[2], q[2];
        pid_t pid;
        char b;

        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), _("Failed to create pipe: %m"));
        release_r = p[0], release_w = p[1];
        if (pipe2(q, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), _("Failed to create pipe: %m"));
        ready_r = q[0], ready_w = q[1];
        pid = fork();
        if (pid < 0)
                return log_error_errno(negative_errno(), _("Failed to fork: %m"));
        if (pid == 0) {
                signal(SIGINT, SIG_DFL);
                signal(SIGQUIT, SIG_DFL);
                if (write(ready_w, "r", 1) != 1 || read(release_r, &b, 1) != 1)
                        _exit(127);
                execvp(cmd[0], cmd);
                fprintf(stderr, _("sysrecctl: failed to execute '%s': %s\n"), cmd[0], strerror(errno));
                _exit(127);
        }
        c->child = pid;
        ready_w = (close(ready_w), -EBADF);
        if (read(ready_r, &b, 1) != 1)
                return log_error_errno(-EPIPE, _("The command's process ended before it was started."));
        wait_blocked_in_read(pid);
        c->release_fd = TAKE_FD(release_w);
        return 0;
}

static int move_and_release(RecordContext *c)
{
        char buf[32];
        int fd, n;

        fd = openat(c->run_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                _cleanup_free_ char *full = NULL;
                (void)asprintf(&full, "%s%s/cgroup.procs", c->cg_root, c->run_path);
                fd = full ? open(full, O_WRONLY | O_CLOEXEC) : -1;
        }
        if (fd < 0)
                return log_error_errno(negative_errno(), _("Failed to open cgroup.procs of %s: %m"), c->run_path);
        n = snprintf(buf, sizeof(buf), "%d", (int)c->child);
        if (write(fd, buf, (size_t)n) != n) {
                int k = negative_errno();
                close(fd);
                return log_error_errno(k, _("Failed to move the command into %s: %m"), c->run_path);
        }
        close(fd);
        if (write(c->release_fd, "x", 1) != 1)
                return log_error_errno(negative_errno(), _("Failed to start the command: %m"));
        c->release_fd = (close(c->release_fd), -EBADF);
        return 0;
}

static int wait_command(RecordContext *c)
{
        int status;

        while (waitpid(c->child, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(negative_errno(), _("Failed to wait for the command: %m"));
        c->child = 0;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

static int on_command_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        bool *exited = userdata;

        *exited = true;
        return 0;
}

/* Daemon mode on a terminal: subscribe to the recording's changes so that
 * the wait for the command can show them. Progress is a nicety: failing to
 * set it up only says so. */
static Progress *progress_start(RecordContext *c)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(progress_freep) Progress *p = NULL;
        int r;

        if (!c->bus || !arg.progress || arg.quiet || !isatty(STDERR_FILENO))
                return NULL;
        r = progress_new(c->bus, c->name, stderr, PROGRESS_BOTTOM, &p);
        if (r >= 0)
                r = progress_load(p, &e);
        if (r < 0) {
                log_warning(_("Cannot show progress: %s"), e.message ?: strerror(-r));
                return NULL;
        }
        return TAKE_PTR(p);
}

static int on_resize(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        progress_resize(userdata);
        return 0;
}

/* SIGTERM ends sysrecctl as it does without progress, but leaves the
 * terminal's scroll region as it found it. */
static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        sigset_t mask;

        progress_abort(userdata);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
        (void)sigprocmask(SIG_UNBLOCK, &mask, NULL);
        return 0;
}

/* Dispatch the bus (and so the progress) until the command exits; the
 * caller reaps it. The command was forked before SIGWINCH was blocked. */
static int wait_exit_with_progress(RecordContext *c, Progress *progress)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *source = NULL;
        _cleanup_close_ int pidfd = pidfd_open(c->child, 0);
        bool exited = false;
        int r;

        if (pidfd < 0)
                return log_debug_errno(negative_errno(), "Failed to open the command's pidfd: %m");
        r = sd_event_new(&event);
        if (r >= 0)
                r = sd_bus_attach_event(c->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_event_add_io(event, &source, pidfd, EPOLLIN, on_command_exit, &exited);
        if (r >= 0)
                (void)sd_event_source_set_description(source, "command-exit");
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGWINCH | SD_EVENT_SIGNAL_PROCMASK, on_resize, progress);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_terminate, progress);
        /* Not sd_event_exit(): sd-bus closes an attached connection when its loop
         * exits, and the recording is still to be stopped on it. */
        while (r >= 0 && !exited)
                r = sd_event_run(event, UINT64_MAX);
        (void)sd_bus_detach_event(c->bus);
        return r;
}

static int daemon_start(RecordContext *c, sd_bus_error *e)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager",
                                           "StartRecording");
        if (r >= 0)
                r = sd_bus_message_append(m, "sa{sv}", c->name, 1, "cgroup", "s", c->cg_path);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "arguments", "b", (int)arg.arguments);
        if (r >= 0 && arg.base_profile)
                r = sd_bus_message_append(m, "{sv}", "base-profile", "s", arg.base_profile);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_call(c->bus, m, 0, e, &reply);
}

static int daemon_finish(RecordContext *c, char **ret_profile)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = sd_bus_call_method(c->bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager", "StopRecording",
                               &e, NULL, "s", c->name);
        if (r < 0)
                return bus_error_exit(&e, r, N_("stop recording")), r;
        r = sd_bus_call_method(c->bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager", "GetProfile",
                               &e, &reply, "ss", c->name, profile_format_to_string(arg.format));
        if (r < 0)
                return bus_error_exit(&e, r, N_("get profile")), r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return r;
        *ret_profile = strdup(text);
        (void)sd_bus_call_method(c->bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager", "RemoveRecording",
                                 NULL, NULL, "s", c->name);
        return *ret_profile ? 0 : -ENOMEM;
}

static int standalone_start(RecordContext *c)
{
        int r = recorder_new(1024, NULL, NULL, &c->recorder);
        if (r < 0)
                return r;
        if (c->runs > 1)
                return 0; /* each run's cgroup is tracked on its own (run_once) */
        r = recorder_track_tree(c->recorder, c->cg_fd, 1, SYSREC_CG_DESCENDANTS, NULL);
        if (r < 0)
                return log_error_errno(r, _("Failed to record cgroup %s: %m"), c->cg_path);
        return 0;
}

static int standalone_finish(RecordContext *c, char **ret_profile)
{
        SyscallSet s = {};
        int r;

        if (c->runs == 1) {
                r = recorder_release(c->recorder, 1, &s);
                if (r < 0)
                        return log_error_errno(r, _("Failed to collect the recording: %m"));
        } else
                for (unsigned k = 0; k < c->runs; k++)
                        syscall_set_merge(&s, &c->run_sets[k]);
        r = merge_base_profile(&s);
        if (r < 0)
                return r;
        ProfileOptions o = { .name = c->name, .arguments = arg.arguments };

        return profile_format_full(&s, arg.format, &o, ret_profile);
}

/* Daemon mode: what run k's cgroup made, from the recording's per-cgroup sets. */
static int daemon_run_set(RecordContext *c, SyscallSet *ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL, *err = NULL;
        const char *text;
        int r;

        r = recording_path(c->name, &path);
        if (r < 0)
                return log_oom();
        r = sd_bus_call_method(c->bus, "org.sysrec1", path, SYSREC_RECORDING_INTERFACE, "GetCgroupProfile", &e,
                               &reply, "ss", c->run_path, "oci");
        if (r < 0)
                return bus_error_exit(&e, r, N_("get the profile of a run")), r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return log_error_errno(r, _("Failed to read the profile of a run: %m"));
        r = profile_import(text, strlen(text), ret, NULL, &err);
        if (r < 0)
                return log_error_errno(r, _("Failed to read the profile of a run: %s"), err ?: strerror(-r));
        return 0;
}

/* With several runs: keep run k's set, then remove its cgroup. */
static int run_collect(RecordContext *c, unsigned k)
{
        int r = 0;

        if (c->runs == 1)
                return 0;
        if (c->bus)
                r = daemon_run_set(c, &c->run_sets[k - 1]);
        else {
                r = recorder_release(c->recorder, k, &c->run_sets[k - 1]);
                if (r < 0)
                        log_error_errno(r, _("Failed to collect run %u: %m"), k);
        }
        remove_cgroup(c, c->run_path);
        return r;
}

/* Kill a command that was forked but did not start. */
static void kill_command(RecordContext *c)
{
        if (c->child <= 0)
                return;
        kill(c->child, SIGKILL);
        (void)waitpid(c->child, NULL, 0);
        c->child = 0;
}

/* Run k of the command: a cgroup, the fork, the move, the wait. Returns the
 * command's exit status (>= 0) or a negative errno (logged). */
static int run_once(RecordContext *c, char **cmd, unsigned k, Progress *progress)
{
        int r, status;

        r = make_run_cgroup(c, k);
        if (r >= 0 && !c->bus && c->runs > 1) {
                r = recorder_track_tree(c->recorder, c->run_fd, k, SYSREC_CG_DESCENDANTS, NULL);
                if (r < 0)
                        log_error_errno(r, _("Failed to record cgroup %s: %m"), c->run_path);
        }
        if (r >= 0)
                r = fork_command(c, cmd);
        if (r >= 0)
                r = move_and_release(c);
        if (r < 0) {
                kill_command(c);
                if (c->runs > 1)
                        remove_cgroup(c, c->run_path);
                return r;
        }
        if (progress)
                (void)wait_exit_with_progress(c, progress);
        status = wait_command(c);
        if (status < 0)
                return status;
        r = run_collect(c, k);
        return r < 0 ? r : status;
}

/* Which syscalls only some of the runs made: "ABI NAME in K of N runs" lines on stderr. */
static void runs_report(const RecordContext *c, const char *cmd)
{
        SyscallSet all = {};
        unsigned varying = 0;

        for (unsigned k = 0; k < c->runs; k++)
                syscall_set_merge(&all, &c->run_sets[k]);
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                for (unsigned nr = 0; nr < SYSREC_NR_WORDS * 64; nr++) {
                        unsigned n = 0;

                        if (!syscall_set_contains(&all, abi, nr))
                                continue;
                        for (unsigned k = 0; k < c->runs; k++)
                                n += syscall_set_contains(&c->run_sets[k], abi, nr);
                        if (n == c->runs)
                                continue;
                        if (varying++ == 0 && !arg.quiet)
                                fprintf(stderr, _("Syscalls of '%s' that only some of the %u runs made:\n"), cmd,
                                        c->runs);
                        _cleanup_free_ char *name = abi_syscall_name(abi, nr);
                        /* TRANSLATORS: "  <ABI> <syscall> in <k> of <n> runs" (sysrecctl record --runs). */
                        fprintf(stderr, _("  %-8s %-24s in %u of %u runs\n"), abi_to_string(abi), name ?: "?", n,
                                c->runs);
                }
        if (arg.quiet)
                return;
        if (varying == 0)
                fprintf(stderr, _("All %u runs of '%s' made the same %u syscalls.\n"), c->runs, cmd,
                        syscall_set_count(&all));
        else
                fprintf(stderr, _("%u of the %u syscalls of '%s' appeared in only some runs.\n"), varying,
                        syscall_set_count(&all), cmd);
}

/* Connect to sysrecd unless --standalone; NULL bus means standalone. */
static int choose_mode(RecordContext *c)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (arg.standalone)
                return 0;
        r = sd_bus_open_system(&c->bus);
        if (r >= 0)
                r = sd_bus_call_method(c->bus, "org.sysrec1", "/org/sysrec1", "org.freedesktop.DBus.Peer",
                                       "Ping", &e, NULL, NULL);
        if (r >= 0)
                return 0;
        c->bus = sd_bus_flush_close_unref(c->bus);
        if (arg.daemon_only)
                return log_error_errno(r, _("sysrecd is not reachable (%s)."), e.message ?: strerror(-r));
        log_info(_("sysrecd is not running; recording standalone."));
        return 0;
}

int verb_record(int argc, char *argv[])
{
        _cleanup_(record_context_done) RecordContext c = { .cg_fd = -EBADF, .release_fd = -EBADF,
                                                           .run_fd = -EBADF, .runs = arg.runs ?: 1 };
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(progress_freep) Progress *progress = NULL;
        _cleanup_free_ char *profile = NULL;
        unsigned k;
        int r, status = 0;

        if (argc < 2) {
                log_error(_("Usage: sysrecctl record [-o FILE] [--format=FORMAT] [--runs=N] -- CMD ARGS..."));
                return EXIT_USAGE;
        }
        snprintf(c.name, sizeof(c.name), "%s", arg.name ?: "");
        if (!arg.name)
                snprintf(c.name, sizeof(c.name), "sysrecctl-record-%d", (int)getpid());
        if (c.runs > 1) {
                c.run_sets = calloc(c.runs, sizeof(SyscallSet));
                if (!c.run_sets)
                        return log_oom(), EXIT_FAIL;
        }

        if (choose_mode(&c) < 0)
                return EXIT_FAIL;
        if (make_cgroup(&c) < 0)
                return EXIT_FAIL;
        /* Ctrl-C reaches the command; we stay to write its profile. */
        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);

        r = c.bus ? daemon_start(&c, &e) : standalone_start(&c);
        if (r < 0 && c.bus)
                (void)bus_error_exit(&e, r, N_("start recording"));
        if (r >= 0)
                progress = progress_start(&c);
        for (k = 1; r >= 0 && k <= c.runs; k++) {
                r = run_once(&c, argv + 1, k, progress);
                if (r > 0 && c.runs > 1) {
                        status = r;
                        break;
                }
                if (r >= 0)
                        status = r;
        }
        if (r < 0 || (c.runs > 1 && status != 0)) {
                progress_end(progress);
                if (c.bus) {
                        (void)sd_bus_call_method(c.bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager",
                                                 "StopRecording", NULL, NULL, "s", c.name);
                        if (r >= 0)
                                (void)sd_bus_call_method(c.bus, "org.sysrec1", "/org/sysrec1",
                                                         "org.sysrec1.Manager", "RemoveRecording", NULL, NULL,
                                                         "s", c.name);
                }
                remove_cgroup(&c, c.cg_path);
                if (r < 0)
                        return EXIT_FAIL;
                /* TRANSLATORS: "Run <k> of <n> of '<command>' failed with exit status <s>; ..." */
                log_error(_("Run %u of %u of '%s' failed with exit status %d; no profile written."), k, c.runs,
                          argv[1], status);
                return status;
        }

        remove_cgroup(&c, c.cg_path);
        r = c.bus ? daemon_finish(&c, &profile) : standalone_finish(&c, &profile);
        progress_end(progress);
        if (r < 0)
                return EXIT_FAIL;
        if (c.runs > 1)
                runs_report(&c, argv[1]);
        if (output_profile(profile, arg.format) < 0)
                return EXIT_FAIL;
        if (!arg.quiet && arg.output && strcmp(arg.output, "-") != 0)
                /* TRANSLATORS: "Profile of '<command>' (<how>, <format>) written to <file>." */
                fprintf(stderr, _("Profile of '%s' (%s, %s) written to %s.\n"), argv[1],
                        c.bus ? _("recorded by sysrecd") : _("recorded standalone"),
                        profile_format_to_string(arg.format), arg.output);
        return status;
}
