/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See bpffs.h. */
#include <errno.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "bpffs.h"
#include "macro.h"

int bpffs_check(const char *path)
{
        struct statfs sfs;

        if (statfs(path, &sfs) < 0)
                return negative_errno();
        return sfs.f_type == BPF_FS_MAGIC;
}

int bpffs_ensure_mounted(const char *where)
{
        int r = bpffs_check(where);

        if (r != 0)
                return r < 0 ? r : 0;
        /* As systemd mounts it: only root may read or pin there. */
        if (mount("bpf", where, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
                return negative_errno();
        return 1;
}
