/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A recording: what it targets, its options, its state, and the syscalls
 * seen so far. The kernel map holds the truth while it records; the set
 * here collects ring-buffer events for the live view and, once stopped,
 * holds the final profile.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "profile.h"
#include "syscall-set.h"

typedef struct Manager Manager;

typedef enum RecordingState {
        RECORDING_RECORDING,
        RECORDING_STOPPED,
        RECORDING_FAILED,
        _RECORDING_STATE_MAX,
} RecordingState;

typedef enum TargetType {
        TARGET_CGROUP,
        TARGET_UNIT,
        TARGET_PID,
        TARGET_LABELS,
        _TARGET_TYPE_MAX,
} TargetType;

typedef struct RecordingTarget {
        TargetType type;
        char *cgroup;   /* TARGET_CGROUP, and the resolved cgroup of UNIT and PID */
        char *unit;     /* TARGET_UNIT */
        uint32_t pid;   /* TARGET_PID */
        char **labels;  /* TARGET_LABELS: selector, alternating keys and values */
} RecordingTarget;

typedef struct RecordingOptions {
        bool descendants;
        bool skip_runtime_setup;
        bool arguments; /* argument rules in the profiles (default) */
        bool publish;
        bool merge;
        char **metadata; /* alternating keys and values */
        char *base_profile;      /* name of a base profile unioned into the profiles, or NULL */
        SyscallSet base_profile_set; /* ... as read when the recording started */
} RecordingOptions;

/* A cgroup a recording tracked, with its own syscalls once stopped. */
typedef struct RecordingCgroup {
        uint64_t id;
        uint64_t parent;
        char *path; /* relative to the cgroup2 root; NULL if unknown */
        char *name; /* directory name, from the kernel's mkdir event */
        SyscallSet set;
} RecordingCgroup;

/* The ring-buffer events of one skip-runtime-setup cgroup, of the latest
 * epoch of its gate seen: a gate that re-opens drops what came before it. */
typedef struct RecordingGateEvents {
        uint64_t cgroup;
        uint64_t epoch;
        SyscallSet set;
} RecordingGateEvents;

typedef struct Recording {
        Manager *manager;
        char *name;
        char *object_path;
        uint32_t id; /* the kernel map's recording id */
        RecordingState state;
        RecordingTarget target;
        RecordingOptions options;

        SyscallSet base;   /* earlier phases (merge), and the final set once stopped */
        SyscallSet events; /* from ring-buffer events while recording */
        RecordingGateEvents *gate_events; /* ... per cgroup, with skip-runtime-setup */
        size_t n_gate_events, n_gate_alloc;
        unsigned n_merged; /* targets merged into this recording after the first */
        unsigned n_lost;   /* cgroups below it that the full kernel map could not take */
        bool unreleased;   /* stopped, but its kernel entries wait for the saved state */
        bool complete;     /* false once part of its kernel state was lost (restart without pins) */
        bool complete_changed; /* ... found so at start-up: announced once on the bus */
        unsigned n_cgroups;
        unsigned n_processes; /* processes started in or moved into its cgroups */
        uint64_t started_usec, stopped_usec;
        char *profile_path; /* set once the profile is on disk */

        RecordingCgroup *cgroups; /* every cgroup tracked so far */
        size_t n_cgroup_entries, n_cgroup_alloc;
        size_t *cgroup_index;     /* by id, see recording-cgroups.c */
        size_t index_size;
        size_t n_unnamed;         /* entries whose path is not known yet */

        sd_event_source *changed_source; /* rate limit for PropertiesChanged */
        bool syscalls_changed;
        bool cgroups_changed; /* Cgroups is emitted only then: counting walks the map */
        const SyscallSet *emitting; /* while emitting changes: one collect for every getter */
} Recording;

const char *recording_state_to_string(RecordingState s);
const char *target_type_to_string(TargetType t);

void recording_target_done(RecordingTarget *t);
void recording_options_done(RecordingOptions *o);

int recording_new(Manager *m, const char *name, uint32_t id, Recording **ret);
Recording *recording_free(Recording *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Recording *, recording_free)

/* A SYSREC_EVENT_SYSCALL event of one of the recording's cgroups. */
void recording_add_event(Recording *r, uint64_t cgroup, uint64_t epoch, unsigned abi, unsigned nr);
/* Merge what the events held into s (unless NULL); forget them. */
void recording_take_events(Recording *r, SyscallSet *s);

/* The syscalls recorded so far (kernel map plus events), or the final set. */
int recording_get_syscalls(Recording *r, SyscallSet *ret);
int recording_get_profile(Recording *r, ProfileFormat f, char **ret);
/* Format any set with this recording's profile options. */
int recording_format(Recording *r, const SyscallSet *s, ProfileFormat f, char **ret);
/* Human-readable description of the target ("cgroup /my.slice"). */
char *recording_describe_target(Recording *r);
