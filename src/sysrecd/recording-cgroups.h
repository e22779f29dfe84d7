/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroups of a recording, by id and path, and their own profiles: a pod
 * recorded as a whole is split per container by its containers' cgroups.
 * Paths come from walking the target when the recording starts and from
 * the kernel's cgroup_mkdir events (which carry the new directory's name,
 * so a container that is gone by the time we look is still named).
 */
#pragma once

#include "manager.h"

RecordingCgroup *recording_cgroup_add(Recording *r, uint64_t id, uint64_t parent, const char *path,
                                      const char *name);
/* Walk an open cgroup directory and note every cgroup below it. */
int recording_scan_cgroups(Recording *r, int cgroup_fd);
/* Fill every cgroup's own syscall set from the kernel map (before release). */
int recording_snapshot_cgroups(Recording *r);
/* Profile of the cgroups at path or below it, also while recording. */
int recording_cgroup_profile(Recording *r, const char *path, ProfileFormat f, char **ret);
