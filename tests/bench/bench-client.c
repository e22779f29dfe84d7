/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client: the D-Bus side of the benchmark, timed from the client.
 *
 *   start-many FILE      StartRecording for each "NAME CGROUP" line, many in flight;
 *                        prints "failed NAME" for each call that failed
 *   stop-many FILE       StopRecording, then RemoveRecording, for each "NAME" line
 *   register-many N CGROUP
 *                        RegisterWorkload bench-w<i> (labels app=w<i>, tier=bench)
 *   latency NAME CGROUP ENTER PROFILES
 *                        enter the cgroup directory ENTER, StartRecording NAME
 *                        on CGROUP (a cgroup path, or app=VALUE for a label
 *                        selector); then time how long until a marker syscall
 *                        made right after the reply shows in the recording,
 *                        StopRecording until its profile is in PROFILES, and
 *                        remove the recording
 *
 * Each command prints one line of key=value pairs. The bus is the one
 * DBUS_SYSTEM_BUS_ADDRESS names, like every sysrec client.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

#define DEST "org.sysrec1"
#define PATH "/org/sysrec1"
#define IFACE "org.sysrec1.Manager"
#define WINDOW 64 /* calls in flight; far below dbus-daemon's per-connection reply limit */
#define MARKER_SYSCALL "getcpu"


static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

typedef struct Pipeline {
        sd_bus *bus;
        unsigned in_flight, calls, failed;
} Pipeline;

/* One call in flight; its name is printed if it fails ("failed NAME"), so
 * that the caller can retry exactly those. */
typedef struct Call {
        Pipeline *pipeline;
        char name[256];
} Call;

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        Call *c = userdata;
        Pipeline *p = c->pipeline;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        p->in_flight--;
        if (e) {
                if (p->failed++ < 5)
                        fprintf(stderr, "bench-client: %s: %s: %s\n", c->name, e->name, e->message);
                printf("failed %s\n", c->name);
        }
        free(c);
        return 0;
}

/* Wait until fewer than max calls are in flight. */
static int pipeline_drain(Pipeline *p, unsigned max)
{
        int r;

        while (p->in_flight > max) {
                r = sd_bus_process(p->bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(p->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

static int pipeline_send(Pipeline *p, sd_bus_message *m, const char *name)
{
        Call *c;
        int r;

        r = pipeline_drain(p, WINDOW - 1);
        if (r < 0)
                return r;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->pipeline = p;
        snprintf(c->name, sizeof(c->name), "%s", name);
        r = sd_bus_call_async(p->bus, NULL, m, on_reply, c, 0);
        if (r < 0) {
                free(c);
                return r;
        }
        p->in_flight++;
        p->calls++;
        return 0;
}

static int new_call(sd_bus *bus, const char *member, sd_bus_message **ret)
{
        return sd_bus_message_new_method_call(bus, ret, DEST, PATH, IFACE, member);
}

static int append_start_args(sd_bus_message *m, const char *name, const char *target)
{
        const char *eq = strchr(target, '=');

        if (target[0] == '/')
                return sd_bus_message_append(m, "sa{sv}a{sv}", name, 1, "cgroup", "s", target, 0);
        if (!eq)
                return -EINVAL;
        /* A label selector KEY=VALUE. */
        _cleanup_free_ char *key = strndup(target, (size_t)(eq - target));
        if (!key)
                return -ENOMEM;
        return sd_bus_message_append(m, "sa{sv}a{sv}", name, 1, "labels", "a{ss}", 1, key, eq + 1, 0);
}

static int cmd_start_many(sd_bus *bus, const char *file)
{
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        Pipeline p = { .bus = bus };
        char name[256], cgroup[4096];
        uint64_t t0;
        int r;

        if (!f)
                return negative_errno();
        t0 = now_us();
        while (fscanf(f, "%255s %4095s", name, cgroup) == 2) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                r = new_call(bus, "StartRecording", &m);
                if (r >= 0)
                        r = append_start_args(m, name, cgroup);
                if (r >= 0)
                        r = pipeline_send(&p, m, name);
                if (r < 0)
                        return r;
        }
        r = pipeline_drain(&p, 0);
        if (r < 0)
                return r;
        printf("calls=%u failed=%u elapsed_us=%llu\n", p.calls, p.failed,
               (unsigned long long)(now_us() - t0));
        return p.failed ? -EIO : 0;
}

static int cmd_stop_many(sd_bus *bus, const char *file)
{
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        Pipeline p = { .bus = bus };
        char name[256];
        uint64_t t0;
        int r;

        if (!f)
                return negative_errno();
        t0 = now_us();
        while (fscanf(f, "%255s%*[^\n]", name) == 1) {
                static const char *const members[] = { "StopRecording", "RemoveRecording" };

                /* Calls on one connection are handled in order: Remove sees the stop done. */
                for (size_t i = 0; i < ELEMENTSOF(members); i++) {
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                        r = new_call(bus, members[i], &m);
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", name);
                        if (r >= 0)
                                r = pipeline_send(&p, m, name);
                        if (r < 0)
                                return r;
                }
        }
        r = pipeline_drain(&p, 0);
        if (r < 0)
                return r;
        printf("calls=%u failed=%u elapsed_us=%llu\n", p.calls, p.failed,
               (unsigned long long)(now_us() - t0));
        return p.failed ? -EIO : 0;
}

static int cmd_register_many(sd_bus *bus, unsigned n, const char *cgroup)
{
        Pipeline p = { .bus = bus };
        uint64_t t0 = now_us();
        int r;

        for (unsigned i = 0; i < n; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                char id[32], app[32];

                snprintf(id, sizeof(id), "bench-w%u", i);
                snprintf(app, sizeof(app), "w%u", i);
                r = new_call(bus, "RegisterWorkload", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "ssa{ss}", id, cgroup, 2, "app", app, "tier", "bench");
                if (r >= 0)
                        r = pipeline_send(&p, m, id);
                if (r < 0)
                        return r;
        }
        r = pipeline_drain(&p, 0);
        if (r < 0)
                return r;
        printf("calls=%u failed=%u elapsed_us=%llu\n", p.calls, p.failed,
               (unsigned long long)(now_us() - t0));
        return p.failed ? -EIO : 0;
}

static int call_simple(sd_bus *bus, const char *member, const char *name)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, DEST, PATH, IFACE, member, &error, NULL, "s", name);
        if (r < 0)
                fprintf(stderr, "bench-client: %s '%s': %s\n", member, name, error.message ?: strerror(-r));
        return r;
}

static int profile_has_marker(sd_bus *bus, const char *name)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;
        int r;

        r = sd_bus_call_method(bus, DEST, PATH, IFACE, "GetProfile", &error, &reply, "ss", name, "oci");
        if (r < 0) {
                fprintf(stderr, "bench-client: GetProfile '%s': %s\n", name, error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return r;
        return strstr(text, "\"" MARKER_SYSCALL "\"") != NULL;
}

static int file_has_marker(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[4096];

        if (!f)
                return errno == ENOENT ? 0 : negative_errno();
        while (fgets(line, sizeof(line), f))
                if (strstr(line, "\"" MARKER_SYSCALL "\""))
                        return 1;
        return 0;
}

static int cgroup_enter(const char *dir)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&procs, "%s/cgroup.procs", dir) < 0)
                return -ENOMEM;
        fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
                return negative_errno();
        return 0;
}

static int cmd_latency(sd_bus *bus, const char *name, const char *target, const char *enter,
                       const char *profiles)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_free_ char *profile = NULL;
        uint64_t t_start, t_started, t_visible, t_stop, t_stopped;
        unsigned polls = 0;
        unsigned cpu;
        int r, on_disk;

        if (asprintf(&profile, "%s/%s.json", profiles, name) < 0)
                return -ENOMEM;
        r = cgroup_enter(enter);
        if (r < 0) {
                fprintf(stderr, "bench-client: cannot enter '%s': %s\n", enter, strerror(-r));
                return r;
        }

        r = new_call(bus, "StartRecording", &m);
        if (r >= 0)
                r = append_start_args(m, name, target);
        if (r < 0)
                return r;
        t_start = now_us();
        r = sd_bus_call(bus, m, 0, &error, &reply);
        t_started = now_us();
        /* The first syscall after the reply: a recording that is live when
         * StartRecording returns must have it. */
        syscall(SYS_getcpu, &cpu, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "bench-client: StartRecording '%s': %s\n", name, error.message ?: strerror(-r));
                return r;
        }

        do {
                r = profile_has_marker(bus, name);
                polls++;
        } while (r == 0 && now_us() - t_started < 5000000);
        t_visible = now_us();
        if (r < 0)
                return r;

        t_stop = now_us();
        r = call_simple(bus, "StopRecording", name);
        t_stopped = now_us();
        if (r < 0)
                return r;
        on_disk = file_has_marker(profile);
        (void)call_simple(bus, "RemoveRecording", name);

        printf("start_us=%llu marker_recorded=%d marker_polls=%u visible_us=%llu stop_us=%llu profile_on_disk=%d\n",
               (unsigned long long)(t_started - t_start), r > 0, polls,
               (unsigned long long)(t_visible - t_started), (unsigned long long)(t_stopped - t_stop),
               on_disk > 0);
        return r > 0 && on_disk > 0 ? 0 : -EIO;
}

static int usage(const char *argv0)
{
        fprintf(stderr,
                "usage: %s start-many FILE | stop-many FILE | register-many N CGROUP |\n"
                "       %s latency NAME CGROUP|KEY=VALUE ENTER-DIR PROFILE-DIR\n",
                argv0, argv0);
        return 2;
}

int main(int argc, char *argv[])
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (argc < 3)
                return usage(argv[0]);
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "bench-client: cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }

        if (strcmp(argv[1], "start-many") == 0 && argc == 3)
                r = cmd_start_many(bus, argv[2]);
        else if (strcmp(argv[1], "stop-many") == 0 && argc == 3)
                r = cmd_stop_many(bus, argv[2]);
        else if (strcmp(argv[1], "register-many") == 0 && argc == 4)
                r = cmd_register_many(bus, (unsigned)strtoul(argv[2], NULL, 10), argv[3]);
        else if (strcmp(argv[1], "latency") == 0 && argc == 6)
                r = cmd_latency(bus, argv[2], argv[3], argv[4], argv[5]);
        else
                return usage(argv[0]);
        if (r < 0 && r != -EIO)
                fprintf(stderr, "bench-client: %s failed: %s\n", argv[1], strerror(-r));
        return r < 0 ? 1 : 0;
}
