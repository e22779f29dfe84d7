/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf filesystems: where sysrecd pins its maps and links. When no pin
 * directory is given, sysrecd pins below /sys/fs/bpf and mounts a bpffs
 * there first if none is, as bpftool and systemd do.
 */
#pragma once

#include <stdbool.h>

#define BPFFS_DEFAULT_MOUNT "/sys/fs/bpf"
#define BPFFS_DEFAULT_PIN_DIR BPFFS_DEFAULT_MOUNT "/sysrec"

/* 1 if path is on a bpf filesystem, 0 if not, -errno if it cannot be checked. */
int bpffs_check(const char *path);
/* Make sure where is a bpffs: 0 if it was one already, 1 if one was mounted now. */
int bpffs_ensure_mounted(const char *where);
