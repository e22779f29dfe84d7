/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl record -- CMD: run one command in a cgroup of its own and record
 * it from its first syscall (the execve). Through sysrecd when it is on the
 * bus; otherwise (or with --standalone) by loading the BPF program here.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "cgroup.h"
#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "recorder.h"
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
} RecordContext;

static void record_context_done(RecordContext *c)
{
        if (c->cg_fd >= 0)
                close(c->cg_fd);
        if (c->release_fd >= 0)
                close(c->release_fd);
        sd_bus_flush_close_unref(c->bus);
        recorder_free(c->recorder);
        free(c->cg_root);
        free(c->cg_path);
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

/* Kill what the command left behind in its cgroup and remove it. */
static void remove_cgroup(RecordContext *c)
{
        _cleanup_free_ char *full = NULL, *kill_file = NULL;

        if (!c->cg_path || asprintf(&full, "%s%s", c->cg_root, c->cg_path) < 0 ||
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

/* Fork the command; it waits on a pipe until it has been moved into the cgroup. */
static int fork_command(RecordContext *c, char **cmd)
{
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), _("Failed to create pipe: %m"));
        pid = fork();
        if (pid < 0)
                return log_error_errno(negative_errno(), _("Failed to fork: %m"));
        if (pid == 0) {
                char b;

                close(p[1]);
                signal(SIGINT, SIG_DFL);
                signal(SIGQUIT, SIG_DFL);
                if (read(p[0], &b, 1) != 1)
                        _exit(127);
                execvp(cmd[0], cmd);
                fprintf(stderr, _("sysrecctl: failed to execute '%s': %s\n"), cmd[0], strerror(errno));
                _exit(127);
        }
        close(p[0]);
        c->release_fd = p[1];
        c->child = pid;
        return 0;
}

static int move_and_release(RecordContext *c)
{
        char buf[32];
        int fd, n;

        fd = openat(c->cg_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                _cleanup_free_ char *full = NULL;
                (void)asprintf(&full, "%s%s/cgroup.procs", c->cg_root, c->cg_path);
                fd = full ? open(full, O_WRONLY | O_CLOEXEC) : -1;
        }
        if (fd < 0)
                return log_error_errno(negative_errno(), _("Failed to open cgroup.procs of %s: %m"), c->cg_path);
        n = snprintf(buf, sizeof(buf), "%d", (int)c->child);
        if (write(fd, buf, (size_t)n) != n) {
                int k = negative_errno();
                close(fd);
                return log_error_errno(k, _("Failed to move the command into %s: %m"), c->cg_path);
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
        r = recorder_track_tree(c->recorder, c->cg_fd, 1, SYSREC_CG_DESCENDANTS, NULL);
        if (r < 0)
                return log_error_errno(r, _("Failed to record cgroup %s: %m"), c->cg_path);
        return 0;
}

static int standalone_finish(RecordContext *c, char **ret_profile)
{
        SyscallSet s = {};
        int r = recorder_release(c->recorder, 1, &s);
        if (r < 0)
                return log_error_errno(r, _("Failed to collect the recording: %m"));
        r = merge_base_profile(&s);
        if (r < 0)
                return r;
        ProfileOptions o = { .name = c->name, .arguments = arg.arguments };

        return profile_format_full(&s, arg.format, &o, ret_profile);
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
        _cleanup_(record_context_done) RecordContext c = { .cg_fd = -EBADF, .release_fd = -EBADF };
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(progress_freep) Progress *progress = NULL;
        _cleanup_free_ char *profile = NULL;
        int r, status = EXIT_FAIL;

        if (argc < 2) {
                log_error(_("Usage: sysrecctl record [-o FILE] [--format=FORMAT] -- CMD ARGS..."));
                return EXIT_USAGE;
        }
        snprintf(c.name, sizeof(c.name), "%s", arg.name ?: "");
        if (!arg.name)
                snprintf(c.name, sizeof(c.name), "sysrecctl-record-%d", (int)getpid());

        if (choose_mode(&c) < 0)
                return EXIT_FAIL;
        if (make_cgroup(&c) < 0)
                return EXIT_FAIL;
        /* Ctrl-C reaches the command; we stay to write its profile. */
        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);

        r = fork_command(&c, argv + 1);
        if (r >= 0)
                r = c.bus ? daemon_start(&c, &e) : standalone_start(&c);
        if (r < 0 && c.bus)
                (void)bus_error_exit(&e, r, N_("start recording"));
        if (r >= 0)
                progress = progress_start(&c);
        if (r >= 0)
                r = move_and_release(&c);
        if (r < 0) {
                progress_end(progress);
                if (c.child > 0) {
                        kill(c.child, SIGKILL);
                        (void)waitpid(c.child, NULL, 0);
                }
                if (c.bus)
                        (void)sd_bus_call_method(c.bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager",
                                                 "StopRecording", NULL, NULL, "s", c.name);
                remove_cgroup(&c);
                return EXIT_FAIL;
        }

        if (progress)
                (void)wait_exit_with_progress(&c, progress);
        status = wait_command(&c);
        remove_cgroup(&c);
        r = c.bus ? daemon_finish(&c, &profile) : standalone_finish(&c, &profile);
        progress_end(progress);
        if (r < 0)
                return EXIT_FAIL;
        if (output_profile(profile, arg.format) < 0)
                return EXIT_FAIL;
        if (!arg.quiet && arg.output && strcmp(arg.output, "-") != 0)
                /* TRANSLATORS: "Profile of '<command>' (<how>, <format>) written to <file>." */
                fprintf(stderr, _("Profile of '%s' (%s, %s) written to %s.\n"), argv[1],
                        c.bus ? _("recorded by sysrecd") : _("recorded standalone"),
                        profile_format_to_string(arg.format), arg.output);
        return status < 0 ? EXIT_FAIL : status;
}
