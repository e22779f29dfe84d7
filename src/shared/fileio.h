/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading whole files and replacing files atomically. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Write data to dirfd/name through a temporary file in the same directory:
 * write, fsync, rename over name, fsync the directory. On failure the
 * previous file is untouched and the temporary file is removed. An existing
 * name that is not a regular file (a device such as /dev/null, a FIFO) is
 * written into instead, never replaced. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode);

/* Read a whole file (at most max bytes, else -EFBIG), NUL-terminated. */
int read_full_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size);

/* mkdir -p of a path below dirfd (components relative to it). */
int mkdir_p_at(int dirfd, const char *path, mode_t mode);
