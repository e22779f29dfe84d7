/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See sync.h: the event loop, the connection to sysrecd, the reconcile pass. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "sync.h"

#define BACKOFF_MIN_USEC (20 * 1000ULL)
#define RECONNECT_USEC (500 * 1000ULL)

void pod_track_free(PodTrack *t)
{
        if (!t)
                return;
        free(t->uid);
        json_object_put(t->pod);
        free(t->saved_statuses);
        free(t);
}

Sync *sync_free(Sync *s)
{
        if (!s)
                return NULL;
        informer_free(s->pods);
        informer_free(s->recordings);
        informer_free(s->profiles);
        kube_client_free(s->kube);
        sd_event_source_disable_unref(s->defer);
        sd_event_source_disable_unref(s->retry);
        sd_event_source_disable_unref(s->reconnect);
        sd_bus_flush_close_unref(s->bus);
        sysrec_recordings_free(s->daemon, s->n_daemon);
        for (size_t i = 0; i < s->n_tracks; i++)
                pod_track_free(s->tracks[i]);
        free(s->tracks);
        json_object_put(s->mine);
        json_object_put(s->status_dirty);
        json_object_put(s->published);
        if (s->state_fd >= 0)
                close(s->state_fd);
        if (s->operator_fd >= 0)
                close(s->operator_fd);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

void sync_schedule(Sync *s)
{
        (void)sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT);
}

SysrecRecording *sync_daemon_find(Sync *s, const char *name)
{
        for (size_t i = 0; i < s->n_daemon; i++)
                if (strcmp(s->daemon[i].name, name) == 0)
                        return &s->daemon[i];
        return NULL;
}

int sync_daemon_refresh(Sync *s)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        SysrecRecording *l = NULL;
        size_t n = 0;
        int r;

        if (!s->bus || !s->daemon_up)
                return -ENOTCONN;
        r = sysrec_list_recordings(s->bus, &l, &n, &e);
        if (r < 0)
                return log_warning_errno(r, "Failed to list sysrecd's recordings: %s", e.message ?: strerror(-r));
        sysrec_recordings_free(s->daemon, s->n_daemon);
        s->daemon = l;
        s->n_daemon = n;
        s->dirty_daemon = false;
        return 0;
}

/* ---- the reconcile pass ---- */

static void reconcile(Sync *s)
{
        bool synced = informer_synced(s->pods) && informer_synced(s->recordings);
        int r = 0, k;

        if (s->dirty_daemon && s->daemon_up) {
                k = sync_daemon_refresh(s);
                if (k < 0)
                        r = k;
        }
        if (synced && s->daemon_up && !s->dirty_daemon) {
                k = workloads_reconcile(s);
                if (k < 0)
                        r = k;
                k = record_reconcile(s);
                if (k < 0)
                        r = k;
                k = merge_reconcile(s);
                if (k < 0)
                        r = k;
                k = record_status_reconcile(s);
                if (k < 0)
                        r = k;
                k = publish_reconcile(s);
                if (k < 0)
                        r = k;
        }
        if (informer_synced(s->profiles) && s->dirty_install) {
                s->dirty_install = false;
                k = install_reconcile(s);
                if (k < 0) {
                        s->dirty_install = true;
                        r = k;
                }
        }
        if (synced && informer_synced(s->profiles) && s->daemon_up && !s->ready_notified) {
                s->ready_notified = true;
                log_info("Synchronized: node %s, %d pods, %d recordings, %d profiles.", s->opt.node_name,
                         json_object_object_length(informer_cache(s->pods)),
                         json_object_object_length(informer_cache(s->recordings)),
                         json_object_object_length(informer_cache(s->profiles)));
                (void)sd_notify(false, "READY=1\nSTATUS=Synchronized.");
        }
        if (r < 0) {
                (void)sd_event_source_set_time_relative(s->retry, s->backoff);
                (void)sd_event_source_set_enabled(s->retry, SD_EVENT_ONESHOT);
                s->backoff = s->backoff * 2 > s->opt.max_backoff_usec ? s->opt.max_backoff_usec : s->backoff * 2;
        } else
                s->backoff = BACKOFF_MIN_USEC;
}

static int on_defer(sd_event_source *src, void *userdata)
{
        reconcile(userdata);
        return 0;
}

static int on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
        Sync *s = userdata;

        s->dirty_record = true;
        reconcile(s);
        return 0;
}

/* ---- informers ---- */

static void on_pod(Informer *i, InformerEvent e, json_object *obj, json_object *old, void *userdata)
{
        Sync *s = userdata;

        s->dirty_record = true;
        sync_schedule(s);
}

static void on_recording(Informer *i, InformerEvent e, json_object *obj, json_object *old, void *userdata)
{
        Sync *s = userdata;

        s->dirty_record = true;
        sync_schedule(s);
}

static void on_profile(Informer *i, InformerEvent e, json_object *obj, json_object *old, void *userdata)
{
        Sync *s = userdata;

        s->dirty_install = true;
        sync_schedule(s);
}

/* ---- sysrecd on the bus ---- */

static void daemon_appeared(Sync *s)
{
        s->daemon_up = true;
        s->dirty_daemon = true;
        s->dirty_record = true;
        s->dirty_workloads = true;
        /* Until its list says otherwise, a new sysrecd knows no workloads. */
        for (size_t i = 0; i < s->n_tracks; i++)
                s->tracks[i]->registered = false;
        sync_schedule(s);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Sync *s = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || strcmp(name, SYSREC_BUS_NAME) != 0)
                return 0;
        if (*new) {
                log_info("sysrecd is on the bus (%s); synchronizing.", new);
                daemon_appeared(s);
        } else {
                log_warning("sysrecd left the bus; waiting for it to come back.");
                s->daemon_up = false;
        }
        return 0;
}

static int on_daemon_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Sync *s = userdata;

        /* Somebody else may have stopped or removed a pod's recording. */
        s->dirty_daemon = true;
        s->dirty_record = true;
        sync_schedule(s);
        return 0;
}

static int bus_connect(Sync *s);

static int on_reconnect(sd_event_source *src, uint64_t usec, void *userdata)
{
        Sync *s = userdata;

        if (bus_connect(s) < 0) {
                (void)sd_event_source_set_time_relative(s->reconnect, RECONNECT_USEC * 4);
                (void)sd_event_source_set_enabled(s->reconnect, SD_EVENT_ONESHOT);
        }
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Sync *s = userdata;

        log_warning("Lost the connection to the system bus; reconnecting.");
        s->daemon_up = false;
        s->bus = sd_bus_flush_close_unref(s->bus);
        (void)sd_event_source_set_time_relative(s->reconnect, RECONNECT_USEC);
        (void)sd_event_source_set_enabled(s->reconnect, SD_EVENT_ONESHOT);
        return 0;
}

static int daemon_has_owner(sd_bus *bus)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int b, r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", SYSREC_BUS_NAME);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "b", &b);
        return r < 0 ? r : b;
}

static int bus_connect(Sync *s)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, s->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, s);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, SYSREC_BUS_NAME, "/org/sysrec1", "org.sysrec1.Manager",
                                        "RecordingStopped", on_daemon_signal, s);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, SYSREC_BUS_NAME, "/org/sysrec1", "org.sysrec1.Manager",
                                        "RecordingStarted", on_daemon_signal, s);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, s);
        if (r < 0)
                return log_warning_errno(r, "Failed to connect to the system bus: %m");
        sd_bus_flush_close_unref(s->bus);
        s->bus = TAKE_PTR(bus);
        r = daemon_has_owner(s->bus);
        if (r > 0) {
                log_info("Connected to sysrecd.");
                daemon_appeared(s);
        } else {
                log_warning("sysrecd is not on the bus yet; waiting for it.");
                s->daemon_up = false;
        }
        return 0;
}

/* ---- setup ---- */

static int on_exit_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("Received SIG%s, exiting.", sigabbrev_np((int)si->ssi_signo));
        (void)sd_notify(false, "STOPPING=1");
        return sd_event_exit(sd_event_source_get_event(src), 0);
}

static int open_dir(const char *path, int *ret)
{
        int r = mkdir_p_at(AT_FDCWD, path, 0755);

        if (r < 0)
                return log_error_errno(r, "Failed to create '%s': %m", path);
        *ret = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*ret < 0)
                return log_error_errno(negative_errno(), "Failed to open '%s': %m", path);
        return 0;
}

static int add_informer(Sync *s, const char *name, const char *path, const char *field_selector,
                        informer_handler_t handler, Informer **ret)
{
        InformerOptions o = {
                .name = name,
                .path = path,
                .field_selector = field_selector,
                .max_backoff_usec = s->opt.max_backoff_usec,
                .watch_timeout_sec = s->opt.watch_timeout_sec,
        };
        return informer_new(s->kube, s->event, &o, handler, s, ret);
}

int sync_new(const SyncOptions *o, KubeConfig *config, Sync **ret)
{
        _cleanup_(sync_freep) Sync *s = NULL;
        _cleanup_free_ char *operator_dir = NULL, *fs = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s) {
                kube_config_free(config);
                return log_oom();
        }
        s->opt = *o;
        s->state_fd = s->operator_fd = -EBADF;
        s->backoff = BACKOFF_MIN_USEC;
        s->mine = json_object_new_object();
        s->published = json_object_new_object();
        s->status_dirty = json_object_new_object();
        if (!s->mine || !s->published || !s->status_dirty) {
                kube_config_free(config);
                return log_oom();
        }
        r = sd_event_default(&s->event);
        if (r < 0) {
                kube_config_free(config);
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        }
        r = kube_client_new(config, s->event, &s->kube);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the API client: %m");

        r = open_dir(o->state_dir, &s->state_fd);
        if (r < 0)
                return r;
        if (asprintf(&operator_dir, "%s/seccomp/operator", o->kubelet_dir) < 0)
                return log_oom();
        r = open_dir(operator_dir, &s->operator_fd);
        if (r < 0)
                return r;

        if (asprintf(&fs, "spec.nodeName=%s", o->node_name) < 0)
                return log_oom();
        r = add_informer(s, "pods", "/api/v1/pods", fs, on_pod, &s->pods);
        if (r >= 0)
                r = add_informer(s, "profilerecordings", SPO_PATH "/profilerecordings", NULL, on_recording,
                                 &s->recordings);
        if (r >= 0)
                r = add_informer(s, "seccompprofiles", SPO_PATH "/seccompprofiles", NULL, on_profile, &s->profiles);
        if (r < 0)
                return log_error_errno(r, "Failed to set up informers: %m");

        r = sd_event_add_defer(s->event, &s->defer, on_defer, s);
        if (r >= 0)
                r = sd_event_add_time(s->event, &s->retry, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_retry, s);
        if (r >= 0)
                r = sd_event_add_time(s->event, &s->reconnect, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_reconnect, s);
        if (r < 0)
                return log_error_errno(r, "Failed to set up event sources: %m");
        (void)sd_event_source_set_enabled(s->defer, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->retry, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->reconnect, SD_EVENT_OFF);
        (void)sd_event_source_set_description(s->defer, "reconcile");
        (void)sd_event_source_set_description(s->retry, "reconcile-retry");
        (void)sd_event_source_set_description(s->reconnect, "bus-reconnect");
        /* The reconcile pass runs after the informers and the bus have been served. */
        (void)sd_event_source_set_priority(s->defer, SD_EVENT_PRIORITY_IDLE);

        r = sd_event_add_signal(s->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, s);
        if (r >= 0)
                r = sd_event_add_signal(s->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, s);
        if (r < 0)
                return log_error_errno(r, "Failed to install signal handlers: %m");
        (void)sd_event_set_watchdog(s->event, true);
        *ret = TAKE_PTR(s);
        return 0;
}

int sync_run(Sync *s)
{
        int r;

        if (bus_connect(s) < 0) {
                (void)sd_event_source_set_time_relative(s->reconnect, RECONNECT_USEC);
                (void)sd_event_source_set_enabled(s->reconnect, SD_EVENT_ONESHOT);
        }
        r = informer_start(s->pods);
        if (r >= 0)
                r = informer_start(s->recordings);
        if (r >= 0)
                r = informer_start(s->profiles);
        if (r < 0)
                return log_error_errno(r, "Failed to start informers: %m");
        log_info("sysrec-k8s-sync %s on node %s: API server %s, kubelet dir %s, cgroup driver %s, cgroup root %s.",
                 SYSREC_VERSION, s->opt.node_name, kube_client_config(s->kube)->server, s->opt.kubelet_dir,
                 cgroup_driver_to_string(s->opt.driver), s->opt.cgroup_root);
        return sd_event_loop(s->event);
}
