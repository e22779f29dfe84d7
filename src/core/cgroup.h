/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v2 helpers: where the hierarchy is mounted, safe resolution of
 * user-supplied cgroup paths below it, cgroup ids, and a process's cgroup.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* The first cgroup2 mount in /proc/self/mountinfo (-ENOMEDIUM if none). */
int cgroup2_find_mount(char **ret);
int cgroup2_find_mount_in(const char *mountinfo_path, char **ret);

/* Normalize a path relative to the cgroup2 root: must start with '/', no
 * "." or ".." components, no control characters; repeated and trailing
 * slashes are dropped. -EINVAL if it is not acceptable. */
int cgroup_path_normalize(const char *path, char **ret);

/* Open a normalized cgroup path below the root directory fd without
 * following symlinks or leaving the mount (-ENOENT, -ELOOP, -EXDEV, -ENOTDIR). */
int cgroup_open(int root_fd, const char *path, int *ret_fd);

/* The cgroup id (kernfs inode number) of an open cgroup directory. */
int cgroup_fd_get_id(int fd, uint64_t *ret);

/* The cgroup2 path ("0::" line) of a process, -ESRCH if it is gone. */
int cgroup_pid_get_path(pid_t pid, char **ret);

/* Call cb for fd itself and every cgroup below it, parents first. Each
 * directory is passed to cb before it is listed, so a caller that starts
 * watching a cgroup in cb misses none of its children. */
typedef int (*cgroup_walk_cb_t)(int fd, uint64_t id, void *userdata);
int cgroup_walk(int fd, cgroup_walk_cb_t cb, void *userdata);
