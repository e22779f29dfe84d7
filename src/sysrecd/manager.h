/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's state: recordings, registered workloads, the recorder, the
 * state directory. manager_* functions know nothing of D-Bus; they return
 * -errno and manager-bus.c turns that into named errors.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "polkit.h"
#include "recorder.h"
#include "recording.h"

typedef struct Workload {
        char *id;
        char *cgroup;
        char **labels;
        uint32_t recording; /* label recording that tracks it, 0 if none */
        size_t index;       /* in Manager.workloads */
} Workload;

typedef struct ManagerLimits {
        unsigned max_recordings;
        unsigned max_workloads;
        unsigned max_labels; /* per workload or selector */
        unsigned max_cgroups; /* kernel map size */
} ManagerLimits;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *ring_source;
        PolkitRegistry *polkit_registry;
        Recorder *recorder;

        char *state_dir;
        int state_fd;
        int profiles_fd;
        char *cgroup_root;
        char *pin_dir;
        int cgroup_fd;

        Recording **recordings;
        size_t n_recordings;
        Workload **workloads; /* in no order; removal swaps the last one in */
        size_t n_workloads, n_workloads_alloc;
        void *workload_index; /* tsearch() tree by id */
        uint32_t next_id;

        ManagerLimits limits;
        bool exiting;
} Manager;

/* Where a failed start left off: the value the client got wrong, or the
 * recording that owns a cgroup. */
typedef struct ManagerFailure {
        char *what;
} ManagerFailure;

void manager_failure_done(ManagerFailure *f);

/* pin_dir: bpffs directory where maps and links are pinned so recordings
 * survive the daemon (NULL: recordings end with it). */
int manager_new(const char *state_dir, const char *pin_dir, const ManagerLimits *limits, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free)

/* Connect to the bus, register objects, take the name, start the event sources. */
int manager_start(Manager *m);

Recording *manager_find_recording(Manager *m, const char *name);
Recording *manager_find_recording_by_id(Manager *m, uint32_t id);
Workload *manager_find_workload(Manager *m, const char *id);
unsigned manager_active_recordings(Manager *m);

/* Takes ownership of *target and *options on success. */
int manager_start_recording(Manager *m, const char *name, RecordingTarget *target,
                            RecordingOptions *options, ManagerFailure *failure, Recording **ret);
int manager_stop_recording(Manager *m, Recording *r);
int manager_remove_recording(Manager *m, Recording *r);
/* Stop every active recording (clean shutdown). */
void manager_stop_all(Manager *m);

int manager_register_workload(Manager *m, const char *id, const char *cgroup, char **labels,
                              ManagerFailure *failure);
int manager_unregister_workload(Manager *m, Workload *w);

/* Resolve and open a cgroup path the client gave (relative to the cgroup2
 * root): -EINVAL bad path, -ENOENT missing, -ELOOP symlink, -EXDEV outside. */
/* Track a recording's target again (its kernel maps were lost). */
int manager_reattach_recording(Manager *m, Recording *r);

int manager_open_cgroup(Manager *m, const char *path, char **ret_normalized, int *ret_fd);
