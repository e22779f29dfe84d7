/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BPF side seen from user space: loads the program, tracks cgroups in
 * the kernel map on behalf of recordings, collects their bitmaps, and hands
 * ring-buffer events to a callback. Programs are attached only while at
 * least one cgroup is tracked. Knows nothing of D-Bus.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "syscall-set.h"
#include "sysrec-bpf.h"

typedef struct Recorder Recorder;

typedef void (*recorder_event_cb_t)(const struct sysrec_event *e, void *userdata);

typedef struct RecorderStats {
        unsigned tracked_cgroups;
        uint64_t events;
        uint64_t dropped_events;
        bool attached;
        bool btf_programs;   /* tp_btf with the ways table (true) or raw_tp fallback */
} RecorderStats;

/* max_cgroups sizes the kernel maps (every cgroup of every recording, alive
 * or gone, until its recording is stopped). The best programs the kernel
 * can run are loaded; $SYSREC_BPF_PROGRAMS (tp_btf, raw_tp)
 * forces one flavour, for tests. */
int recorder_new(unsigned max_cgroups, recorder_event_cb_t cb, void *userdata, Recorder **ret);
/* The same, with the maps and links pinned below pin_root (a bpffs
 * directory) so that recording goes on while the process is gone and a new
 * instance takes over what the old one recorded; then call recorder_resume(). */
int recorder_new_pinned(unsigned max_cgroups, const char *pin_root, recorder_event_cb_t cb, void *userdata,
                        Recorder **ret);
/* After recorder_new_pinned(): migrate maps of an older layout, re-attach
 * (replacing a previous instance's pinned links) if anything is tracked. */
int recorder_resume(Recorder *r);

/* What this instance took over from a previous one, known after recorder_resume(). */
typedef enum RecorderInherited {
        RECORDER_INHERITED_NOTHING, /* not pinning, or nothing (complete) was pinned */
        RECORDER_INHERITED_MAPS,    /* the maps, but no links: nothing was recorded while no instance ran */
        RECORDER_INHERITED_ALL,     /* maps and links: the kernel recorded all along */
} RecorderInherited;
RecorderInherited recorder_inherited(Recorder *r);
/* Ids of the recordings that have cgroups or arms in the map. */
int recorder_list_recordings(Recorder *r, uint32_t **ret, size_t *ret_n);
Recorder *recorder_free(Recorder *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Recorder *, recorder_free)
#define _cleanup_recorder_ _cleanup_(recorder_freep)

/* Start recording one cgroup for recording id (never 0). -EBUSY with
 * *ret_owner set if another recording owns it. Attaches the programs. */
int recorder_track(Recorder *r, uint64_t cgroup_id, uint32_t recording, uint32_t flags,
                   uint32_t *ret_owner);
/* Track fd's cgroup and, with SYSREC_CG_DESCENDANTS, every cgroup below it
 * (existing ones by walking, future ones from the kernel). Descendants owned
 * by another recording are left to it. Returns the number newly tracked. */
int recorder_track_tree(Recorder *r, int cgroup_fd, uint32_t recording, uint32_t flags,
                        uint32_t *ret_owner);

/* Track the cgroup named name below parent_id as soon as it is created (and
 * again each time it is re-created) until the recording is released.
 * -EBUSY if another recording armed the same cgroup. */
int recorder_arm(Recorder *r, uint64_t parent_id, const char *name, uint32_t recording, uint32_t flags);

/* OR of the bitmaps of every cgroup of a recording (read-only). */
int recorder_collect(Recorder *r, uint32_t recording, SyscallSet *ret);
/* Final collect, then forget the recording's cgroups; detaches the
 * programs when nothing is tracked any more. */
int recorder_release(Recorder *r, uint32_t recording, SyscallSet *ret);
/* Call cb for every cgroup of a recording with its own bitmaps (read-only). */
typedef void (*recorder_entry_cb_t)(uint64_t cgroup_id, uint64_t parent, const SyscallSet *set, void *userdata);
int recorder_collect_each(Recorder *r, uint32_t recording, recorder_entry_cb_t cb, void *userdata);
/* Number of cgroups a recording tracks. */
unsigned recorder_count(Recorder *r, uint32_t recording);

/* True when the map can miss a bit that an event reported (raw_tp fallback
 * without atomic fetch): then events must be merged into profiles. */
bool recorder_needs_events(Recorder *r);

int recorder_get_fd(Recorder *r);
/* Drain the ring buffer, calling the event callback. */
int recorder_process(Recorder *r);
void recorder_get_stats(Recorder *r, RecorderStats *ret);
/* Cheap: whether the programs are attached (no map walk). */
bool recorder_is_attached(Recorder *r);
