/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz cgroup2_find_mount_in() (src/core/cgroup.c): the mountinfo parser
 * that finds where cgroup2 is mounted, including its \ooo unescaping. The
 * input goes through a memfd, since the function reads a file by path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static int fd = -1;
        char path[64], *mp = NULL;
        int r;

        if (size > 65536)
                return 0;
        if (fd < 0) {
                fd = memfd_create("mountinfo", MFD_CLOEXEC);
                if (fd < 0)
                        abort();
        }
        if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
                abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

        r = cgroup2_find_mount_in(path, &mp);
        if (r >= 0) {
                /* A field of one line, unescaped: never longer than the input. */
                if (!mp || strlen(mp) > size)
                        abort();
                free(mp);
        } else if (r != -ENOMEDIUM && r != -ENOMEM)
                abort();
        return 0;
}
