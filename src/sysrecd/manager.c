/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See manager.h. */
#include <fcntl.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "cgroup.h"
#include "fileio.h"
#include "log.h"
#include "manager-bus.h"
#include "manager.h"
#include "names.h"
#include "recording-cgroups.h"
#include "recording-state.h"

void manager_failure_done(ManagerFailure *f)
{
        free(f->what);
        f->what = NULL;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void noop_free(void *p)
{
}

static void workload_free(Workload *w)
{
        if (!w)
                return;
        free(w->id);
        free(w->cgroup);
        strv_free(w->labels);
        free(w);
}

static void on_recorder_event(const struct sysrec_event *e, void *userdata)
{
        Manager *m = userdata;
        Recording *r = manager_find_recording_by_id(m, e->recording);

        if (!r || r->state != RECORDING_RECORDING)
                return;
        switch (e->type) {
        case SYSREC_EVENT_SYSCALL:
                recording_add_event(r, e->cgroup, e->parent, e->abi, e->nr);
                recording_bus_syscalls_changed(r);
                break;
        case SYSREC_EVENT_CGROUP: {
                /* The program reserves the full record for cgroup events. */
                const struct sysrec_cgroup_event *ce = (const struct sysrec_cgroup_event *)e;
                char name[SYSREC_CGROUP_NAME_MAX];

                memcpy(name, ce->name, sizeof(name));
                name[sizeof(name) - 1] = 0;
                (void)recording_cgroup_add(r, e->cgroup, e->parent, NULL, name[0] ? name : NULL);
                r->n_cgroups++;
                r->cgroups_changed = true;
                recording_bus_syscalls_changed(r);
                log_debug("Recording '%s': new cgroup %llu below %llu.", r->name,
                          (unsigned long long)e->cgroup, (unsigned long long)e->parent);
                break;
        }
        case SYSREC_EVENT_PROCESS:
                r->n_processes++;
                recording_bus_syscalls_changed(r);
                break;
        case SYSREC_EVENT_LOST:
                if (r->n_lost++ == 0)
                        log_warning("Recording '%s' is incomplete: the kernel map is full (--max-cgroups=%u), "
                                    "new cgroup %llu is not recorded.", r->name, m->limits.max_cgroups,
                                    (unsigned long long)e->cgroup);
                recording_bus_syscalls_changed(r);
                break;
        default:
                break;
        }
}

int manager_new(const char *state_dir, const char *pin_dir, const ManagerLimits *limits, Manager **ret)
{
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->state_fd = m->profiles_fd = m->cgroup_fd = -EBADF;
        m->limits = *limits;
        m->next_id = 1;

        m->state_dir = strdup(state_dir);
        if (!m->state_dir)
                return log_oom();
        r = mkdir_p_at(AT_FDCWD, state_dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create state directory '%s': %m", state_dir);
        m->state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->state_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open state directory '%s': %m",
                                       state_dir);
        if (mkdirat(m->state_fd, "profiles", 0755) < 0 && errno != EEXIST)
                return log_error_errno(negative_errno(), "Failed to create '%s/profiles': %m", state_dir);
        m->profiles_fd = openat(m->state_fd, "profiles", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (m->profiles_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open '%s/profiles': %m", state_dir);

        r = cgroup2_find_mount(&m->cgroup_root);
        if (r < 0)
                return log_error_errno(r, "Failed to find the cgroup2 mount: %m");
        m->cgroup_fd = open(m->cgroup_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (m->cgroup_fd < 0)
                return log_error_errno(negative_errno(), "Failed to open '%s': %m", m->cgroup_root);
        log_debug("cgroup2 is mounted at %s.", m->cgroup_root);

        if (pin_dir) {
                m->pin_dir = strdup(pin_dir);
                if (!m->pin_dir)
                        return log_oom();
        }
        r = recorder_new_pinned(m->limits.max_cgroups, pin_dir, on_recorder_event, m, &m->recorder);
        if (r < 0)
                return r;
        /* Carry maps of an older layout over first: loading reconciles the
         * saved recordings with what the maps hold. */
        r = recorder_resume(m->recorder);
        if (r < 0)
                return r;
        r = manager_load_recordings(m);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m)
{
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_recordings; i++)
                recording_free(m->recordings[i]);
        free(m->recordings);
        tdestroy(m->workload_index, noop_free);
        for (size_t i = 0; i < m->n_workloads; i++)
                workload_free(m->workloads[i]);
        free(m->workloads);
        sd_event_source_disable_unref(m->ring_source);
        polkit_registry_free(m->polkit_registry);
        recorder_free(m->recorder);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        if (m->state_fd >= 0)
                close(m->state_fd);
        if (m->profiles_fd >= 0)
                close(m->profiles_fd);
        if (m->cgroup_fd >= 0)
                close(m->cgroup_fd);
        free(m->cgroup_root);
        free(m->pin_dir);
        free(m->state_dir);
        free(m);
        return NULL;
}

static int on_ring_buffer(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Manager *m = userdata;
        int r = recorder_process(m->recorder);

        if (r < 0)
                log_warning_errno(r, "Failed to read BPF ring buffer: %m");
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Manager *m = userdata;

        log_info("Received SIG%s, stopping.", sigabbrev_np((int)si->ssi_signo));
        m->exiting = true;
        if (m->pin_dir) {
                /* The kernel goes on recording through the pins; the next
                 * sysrecd takes the recordings over, nothing is lost. */
                if (manager_active_recordings(m) > 0)
                        log_info("%u recording(s) stay active in the kernel (pinned in %s) until sysrecd returns.",
                                 manager_active_recordings(m), m->pin_dir);
                /* Their cgroups' paths, learnt from events since the last save. */
                for (size_t i = 0; i < m->n_recordings; i++)
                        if (m->recordings[i]->state == RECORDING_RECORDING)
                                (void)recording_save(m->recordings[i]);
                (void)sd_notify(false, "STOPPING=1");
        } else {
                (void)sd_notify(false, "STOPPING=1\nSTATUS=Finishing active recordings...");
                manager_stop_all(m);
        }
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int manager_start(Manager *m)
{
        int r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate event loop: %m");

        r = sd_event_add_signal(m->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_exit_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to install signal handlers: %m");

        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable watchdog, ignoring: %m");

        r = sd_event_add_io(m->event, &m->ring_source, recorder_get_fd(m->recorder), EPOLLIN,
                            on_ring_buffer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch BPF ring buffer: %m");
        (void)sd_event_source_set_description(m->ring_source, "bpf-ring-buffer");

        return manager_bus_setup(m);
}

Recording *manager_find_recording(Manager *m, const char *name)
{
        for (size_t i = 0; i < m->n_recordings; i++)
                if (strcmp(m->recordings[i]->name, name) == 0)
                        return m->recordings[i];
        return NULL;
}

Recording *manager_find_recording_by_id(Manager *m, uint32_t id)
{
        for (size_t i = 0; i < m->n_recordings; i++)
                if (m->recordings[i]->id == id)
                        return m->recordings[i];
        return NULL;
}

static int workload_compare(const void *a, const void *b)
{
        return strcmp(((const Workload *)a)->id, ((const Workload *)b)->id);
}

Workload *manager_find_workload(Manager *m, const char *id)
{
        Workload key = { .id = (char *)id };
        Workload **w = tfind(&key, &m->workload_index, workload_compare);

        return w ? *w : NULL;
}

unsigned manager_active_recordings(Manager *m)
{
        unsigned n = 0;

        for (size_t i = 0; i < m->n_recordings; i++)
                n += m->recordings[i]->state == RECORDING_RECORDING;
        return n;
}

int manager_open_cgroup(Manager *m, const char *path, char **ret_normalized, int *ret_fd)
{
        _cleanup_free_ char *norm = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t id;
        int r;

        r = cgroup_path_normalize(path, &norm);
        if (r < 0)
                return r == -ENAMETOOLONG ? r : -EINVAL;
        r = cgroup_open(m->cgroup_fd, norm, &fd);
        if (r < 0)
                return r;
        r = cgroup_fd_get_id(fd, &id);
        if (r < 0)
                return r;
        if (ret_normalized)
                *ret_normalized = TAKE_PTR(norm);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static uint32_t manager_allocate_id(Manager *m)
{
        while (m->next_id == 0 || manager_find_recording_by_id(m, m->next_id))
                m->next_id++;
        return m->next_id++;
}

static uint32_t recording_flags(const Recording *r)
{
        return (r->options.descendants ? SYSREC_CG_DESCENDANTS : 0) |
               (r->options.skip_runtime_setup ? SYSREC_CG_GATED : 0);
}

static int track_or_arm(Manager *m, Recording *r, const char *path, ManagerFailure *failure);

/* Track the cgroup tree at fd for r and learn its paths. -EBUSY with
 * failure->what naming the recording that owns it already. */
static int track_fd(Manager *m, Recording *r, int fd, ManagerFailure *failure)
{
        uint32_t owner = 0;
        int k;

        k = recorder_track_tree(m->recorder, fd, r->id, recording_flags(r), &owner);
        if (k == -EBUSY) {
                Recording *o = manager_find_recording_by_id(m, owner);
                failure->what = strdup(o ? o->name : "?");
        }
        if (k < 0)
                return k;
        r->n_cgroups += (unsigned)k;
        (void)recording_scan_cgroups(r, fd);
        if (k > 0) {
                /* A workload or a merged target joined a running recording. */
                r->cgroups_changed = true;
                recording_bus_syscalls_changed(r);
        }
        return 0;
}

/* Track one workload's cgroup tree for a label recording. */
static int track_workload(Manager *m, Recording *r, Workload *w)
{
        _cleanup_(manager_failure_done) ManagerFailure f = {};
        _cleanup_close_ int fd = -EBADF;
        int k;

        k = manager_open_cgroup(m, w->cgroup, NULL, &fd);
        if (k == -ENOENT) {
                /* Registered before its cgroup exists (a pod its kubelet has
                 * not set up yet): armed, recorded from its creation. */
                k = track_or_arm(m, r, w->cgroup, &f);
                if (k < 0)
                        return log_warning_errno(k, "Workload '%s': cannot arm cgroup '%s': %m", w->id, w->cgroup);
                w->recording = r->id;
                return 0;
        }
        if (k < 0)
                return log_warning_errno(k, "Workload '%s': cannot open cgroup '%s': %m", w->id, w->cgroup);
        k = track_fd(m, r, fd, &f);
        if (k == -EBUSY)
                return log_warning_errno(k, "Workload '%s' (cgroup %s) is already recorded by '%s', not adding it to '%s'.",
                                         w->id, w->cgroup, strempty(f.what), r->name);
        if (k < 0)
                return log_warning_errno(k, "Failed to record workload '%s' for '%s': %m", w->id, r->name);
        w->recording = r->id;
        log_info("Recording '%s': added workload '%s' (cgroup %s).", r->name, w->id, w->cgroup);
        return 0;
}

static int recording_resolve_cgroup(Manager *m, RecordingTarget *t, int *ret_fd)
{
        _cleanup_free_ char *path = NULL, *norm = NULL;
        int k;

        switch (t->type) {
        case TARGET_CGROUP:
                k = manager_open_cgroup(m, t->cgroup, &norm, ret_fd);
                if (k < 0)
                        return k;
                free(t->cgroup);
                t->cgroup = TAKE_PTR(norm);
                return 0;
        case TARGET_PID:
                k = cgroup_pid_get_path((pid_t)t->pid, &path);
                if (k < 0)
                        return k == -ENOENT ? -ESRCH : k;
                k = manager_open_cgroup(m, path, NULL, ret_fd);
                if (k < 0)
                        return k == -ENOENT ? -ESRCH : k;
                free(t->cgroup);
                t->cgroup = TAKE_PTR(path);
                return 0;
        default:
                return -EINVAL;
        }
}

/* Arm path (a cgroup that may not exist yet) below its parent, so that it is
 * recorded from its first syscall when it is created, and again each time it
 * is re-created; if it exists already, its current tree is tracked too. */
static int track_or_arm(Manager *m, Recording *r, const char *path, ManagerFailure *failure)
{
        _cleanup_free_ char *norm = NULL, *parent = NULL;
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *base;
        uint64_t parent_id;
        int k;

        k = cgroup_path_normalize(path, &norm);
        if (k < 0 || strcmp(norm, "/") == 0)
                goto fail;
        base = strrchr(norm, '/') + 1;
        parent = strndup(norm, (size_t)(base - norm - 1));
        if (!parent)
                return -ENOMEM;
        k = manager_open_cgroup(m, parent[0] ? parent : "/", NULL, &pfd);
        if (k >= 0)
                k = cgroup_fd_get_id(pfd, &parent_id);
        if (k < 0)
                goto fail;
        k = recorder_arm(m->recorder, parent_id, base, r->id, recording_flags(r));
        if (k < 0)
                goto fail;
        (void)recording_cgroup_add(r, parent_id, 0, parent[0] ? parent : "/", NULL);

        k = manager_open_cgroup(m, norm, NULL, &fd);
        if (k == -ENOENT) {
                log_info("Recording '%s': %s does not exist yet; armed.", r->name, norm);
                return 0;
        }
        if (k >= 0)
                k = track_fd(m, r, fd, failure);
        if (k == -EBUSY)
                return k;
        if (k < 0)
                goto fail;
        return 0;
fail:
        failure->what = strdup(norm ?: path);
        return k < 0 ? k : -EINVAL;
}

static int recording_attach_target(Manager *m, Recording *r, RecordingTarget *t, ManagerFailure *failure)
{
        _cleanup_close_ int fd = -EBADF;
        int k;

        /* A unit is armed below its slice: recorded from its first syscall
         * when it starts (ExecStartPre included), and after every restart. */
        if (t->type == TARGET_UNIT)
                return track_or_arm(m, r, t->cgroup, failure);

        if (t->type == TARGET_LABELS) {
                for (size_t i = 0; i < m->n_workloads; i++)
                        if (m->workloads[i]->recording == 0 &&
                            labels_match(t->labels, m->workloads[i]->labels))
                                (void)track_workload(m, r, m->workloads[i]);
                return 0;
        }

        k = recording_resolve_cgroup(m, t, &fd);
        if (k < 0) {
                failure->what = strdup(t->cgroup ?: "");
                return k;
        }
        return track_fd(m, r, fd, failure);
}

/* Add another target (a replica) to a recording: while it records, its
 * cgroups join the same recording; once stopped, it records again and its
 * next profile is the union of both phases. */
static int manager_merge_recording(Manager *m, Recording *r, RecordingTarget *t, ManagerFailure *failure)
{
        RecordingState old_state = r->state;
        uint32_t old_id = r->id;
        int k;

        if (t->type == TARGET_LABELS || r->target.type == TARGET_LABELS)
                return -EMEDIUMTYPE;
        if (r->state != RECORDING_RECORDING) {
                r->id = manager_allocate_id(m);
                r->state = RECORDING_RECORDING;
                r->stopped_usec = 0;
        }
        k = recording_attach_target(m, r, t, failure);
        if (k < 0) {
                if (old_state != RECORDING_RECORDING) {
                        (void)recorder_release(m->recorder, r->id, NULL);
                        r->id = old_id;
                        r->state = old_state;
                }
                return k;
        }
        r->n_merged++;
        (void)recording_save(r);
        log_info("Recording '%s': merged %s %s.", r->name, target_type_to_string(t->type),
                 strempty(t->type == TARGET_UNIT ? t->unit : t->cgroup));
        if (old_state != RECORDING_RECORDING)
                manager_bus_recording_started(m, r);
        return 0;
}

int manager_reattach_recording(Manager *m, Recording *r)
{
        _cleanup_(manager_failure_done) ManagerFailure f = {};
        int k = recording_attach_target(m, r, &r->target, &f);

        if (k < 0)
                (void)recorder_release(m->recorder, r->id, NULL);
        return k;
}

int manager_start_recording(Manager *m, const char *name, RecordingTarget *target,
                            RecordingOptions *options, ManagerFailure *failure, Recording **ret)
{
        _cleanup_(recording_freep) Recording *r = NULL;
        Recording **a;
        int k;

        r = manager_find_recording(m, name);
        if (r) {
                Recording *existing = TAKE_PTR(r);
                if (!options->merge)
                        return -EEXIST;
                k = manager_merge_recording(m, existing, target, failure);
                if (k >= 0 && ret)
                        *ret = existing;
                return k;
        }
        if (m->n_recordings >= m->limits.max_recordings)
                return -E2BIG;

        k = recording_new(m, name, manager_allocate_id(m), &r);
        if (k < 0)
                return k;
        r->target = *target;
        r->options = *options;
        *target = (RecordingTarget){};
        *options = (RecordingOptions){};

        a = realloc(m->recordings, sizeof(Recording *) * (m->n_recordings + 1));
        if (!a)
                return -ENOMEM;
        m->recordings = a;

        r->state = RECORDING_RECORDING;
        r->started_usec = now_usec();
        k = recording_attach_target(m, r, &r->target, failure);
        if (k < 0) {
                (void)recorder_release(m->recorder, r->id, NULL);
                /* Hand the client's input back so that the error can name it. */
                *target = r->target;
                *options = r->options;
                r->target = (RecordingTarget){};
                r->options = (RecordingOptions){};
                return k;
        }

        m->recordings[m->n_recordings++] = r;
        k = recording_save(r);
        if (k < 0 && m->pin_dir) {
                /* A recording that could not be saved would be lost (and its
                 * kernel entries dropped) at the next restart: do not start it. */
                m->n_recordings--;
                (void)recorder_release(m->recorder, r->id, NULL);
                *target = r->target;
                *options = r->options;
                r->target = (RecordingTarget){};
                r->options = (RecordingOptions){};
                if (asprintf(&failure->what, "%s/recordings/%s.json", m->state_dir, r->name) < 0)
                        failure->what = NULL;
                return -EIO;
        }
        log_info("Started recording '%s' of %s (%u cgroups).", r->name,
                 strempty(r->target.type == TARGET_LABELS ? "labels" : r->target.cgroup), r->n_cgroups);
        manager_bus_recording_started(m, r);
        if (ret)
                *ret = r;
        TAKE_PTR(r);
        return 0;
}

static int manager_write_profile(Manager *m, Recording *r)
{
        _cleanup_free_ char *text = NULL, *file = NULL, *path = NULL;
        int k;

        k = recording_format(r, &r->base, PROFILE_OCI, &text);
        if (k < 0)
                return k;
        if (asprintf(&file, "%s.json", r->name) < 0 ||
            asprintf(&path, "%s/profiles/%s", m->state_dir, file) < 0)
                return -ENOMEM;
        k = write_file_atomic_at(m->profiles_fd, file, text, strlen(text), 0644);
        if (k < 0)
                return log_error_errno(k, "Failed to write profile of recording '%s' to '%s': %m",
                                       r->name, path);
        free(r->profile_path);
        r->profile_path = TAKE_PTR(path);
        return 0;
}

int manager_stop_recording(Manager *m, Recording *r)
{
        SyscallSet final = {};
        int k, s;

        if (r->state == RECORDING_RECORDING) {
                (void)recording_snapshot_cgroups(r);
                /* Collect only: the kernel entries are released once the stopped
                 * state is on disk, so that a crash before that loses nothing. */
                k = recorder_collect(m->recorder, r->id, &final);
                if (k < 0)
                        return log_error_errno(k, "Failed to collect recording '%s': %m", r->name);
                r->unreleased = true;
                /* The kernel map is the truth; events only add what a racing
                 * update might have lost on kernels without atomic fetch. */
                syscall_set_merge(&r->base, &final);
                if (recorder_needs_events(m->recorder))
                        recording_take_events(r, &r->base);
                else
                        recording_take_events(r, NULL);
                r->state = RECORDING_STOPPED;
                r->stopped_usec = now_usec();
                for (size_t i = 0; i < m->n_workloads; i++)
                        if (m->workloads[i]->recording == r->id)
                                m->workloads[i]->recording = 0;
                log_info("Stopped recording '%s': %u syscalls.", r->name, syscall_set_count(&r->base));
        } else if (r->profile_path && !r->unreleased)
                return -EALREADY;

        /* A failed write leaves the recording stopped with its syscalls in
         * memory (and in the kernel map); stopping it again retries. */
        k = manager_write_profile(m, r);
        s = recording_save(r);
        if (s >= 0 && r->unreleased) {
                (void)recorder_release(m->recorder, r->id, NULL);
                r->unreleased = false;
        }
        manager_bus_recording_stopped(m, r);
        return k < 0 ? k : s;
}

void manager_stop_all(Manager *m)
{
        for (size_t i = 0; i < m->n_recordings; i++)
                if (m->recordings[i]->state == RECORDING_RECORDING)
                        (void)manager_stop_recording(m, m->recordings[i]);
}

int manager_remove_recording(Manager *m, Recording *r)
{
        _cleanup_free_ char *file = NULL;

        if (r->state == RECORDING_RECORDING)
                return -EBUSY;
        if (r->unreleased) {
                (void)recorder_release(m->recorder, r->id, NULL);
                r->unreleased = false;
        }
        if (asprintf(&file, "%s.json", r->name) < 0)
                return -ENOMEM;
        if (unlinkat(m->profiles_fd, file, 0) < 0 && errno != ENOENT)
                log_warning_errno(negative_errno(), "Failed to remove profile '%s': %m", file);

        manager_bus_recording_removed(m, r);
        for (size_t i = 0; i < m->n_recordings; i++)
                if (m->recordings[i] == r) {
                        memmove(m->recordings + i, m->recordings + i + 1,
                                sizeof(Recording *) * (m->n_recordings - i - 1));
                        m->n_recordings--;
                        break;
                }
        recording_forget_saved(r);
        log_info("Removed recording '%s'.", r->name);
        if (m->bus)
                (void)sd_bus_emit_properties_changed(m->bus, "/org/sysrec1", "org.sysrec1.Manager",
                                                     "ActiveRecordings", NULL);
        recording_free(r);
        return 0;
}

/* A workload's cgroup may be missing yet, as long as its parent exists: the
 * cgroup is armed when a recording wants it. */
static int workload_accept_missing(Manager *m, const char *cgroup, char **ret_norm)
{
        _cleanup_free_ char *norm = NULL, *parent = NULL;
        _cleanup_close_ int pfd = -EBADF;
        const char *base;
        int k;

        k = cgroup_path_normalize(cgroup, &norm);
        if (k < 0 || strcmp(norm, "/") == 0)
                return -EINVAL;
        base = strrchr(norm, '/') + 1;
        if (strlen(base) >= SYSREC_ARMED_NAME_MAX)
                return -ENAMETOOLONG;
        parent = strndup(norm, (size_t)(base - norm - 1));
        if (!parent)
                return -ENOMEM;
        k = manager_open_cgroup(m, parent[0] ? parent : "/", NULL, &pfd);
        if (k < 0)
                return k;
        *ret_norm = TAKE_PTR(norm);
        return 0;
}

int manager_register_workload(Manager *m, const char *id, const char *cgroup, char **labels,
                              ManagerFailure *failure)
{
        _cleanup_close_ int fd = -EBADF;
        Workload *w, **a;
        int k;

        if (manager_find_workload(m, id))
                return -EEXIST;
        if (m->n_workloads >= m->limits.max_workloads)
                return -E2BIG;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->id = strdup(id);
        k = w->id ? manager_open_cgroup(m, cgroup, &w->cgroup, &fd) : -ENOMEM;
        if (k == -ENOENT)
                k = workload_accept_missing(m, cgroup, &w->cgroup);
        if (k < 0) {
                failure->what = strdup(cgroup);
                workload_free(w);
                return k;
        }
        w->labels = labels;
        if (m->n_workloads == m->n_workloads_alloc) {
                size_t n = m->n_workloads_alloc ? m->n_workloads_alloc * 2 : 64;
                a = realloc(m->workloads, sizeof(Workload *) * n);
                if (!a) {
                        w->labels = NULL;
                        workload_free(w);
                        return -ENOMEM;
                }
                m->workloads = a;
                m->n_workloads_alloc = n;
        }
        if (!tsearch(w, &m->workload_index, workload_compare)) {
                w->labels = NULL;
                workload_free(w);
                return -ENOMEM;
        }
        w->index = m->n_workloads;
        m->workloads[m->n_workloads++] = w;
        log_info("Registered workload '%s' (cgroup %s, %zu labels).", w->id, w->cgroup, labels_count(labels));

        for (size_t i = 0; i < m->n_recordings && w->recording == 0; i++) {
                Recording *r = m->recordings[i];
                if (r->state == RECORDING_RECORDING && r->target.type == TARGET_LABELS &&
                    labels_match(r->target.labels, w->labels))
                        (void)track_workload(m, r, w);
        }
        return 0;
}

int manager_unregister_workload(Manager *m, Workload *w)
{
        (void)tdelete(w, &m->workload_index, workload_compare);
        m->workloads[w->index] = m->workloads[--m->n_workloads];
        m->workloads[w->index]->index = w->index;
        /* What its cgroups recorded stays with the recording until it stops. */
        log_info("Unregistered workload '%s'.", w->id);
        workload_free(w);
        return 0;
}
