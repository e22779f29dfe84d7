/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See fileio.h. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

static int write_all(int fd, const void *data, size_t size)
{
        const char *p = data;

        while (size > 0) {
                ssize_t n = write(fd, p, size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= (size_t)n;
        }
        return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        unsigned long long rnd = 0;
        struct stat st;
        int r;

        /* An existing target that is not a regular file (/dev/null, /dev/stdout, a
         * FIFO) is written into: renaming over it would replace the device. */
        if (fstatat(dirfd, name, &st, 0) == 0 && !S_ISREG(st.st_mode)) {
                fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return negative_errno();
                return write_all(fd, data, size);
        }
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = (unsigned long long)getpid() << 32 ^ (unsigned long long)(uintptr_t)&rnd;
        /* A fixed-length name: a long target name must not make it too long. */
        if (asprintf(&tmp, ".#tmp.%016llx", rnd) < 0)
                return -ENOMEM;

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();

        r = write_all(fd, data, size);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = negative_errno();
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = negative_errno();
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        /* Make the rename itself durable. */
        (void)fsync(dirfd);
        return 0;
}

int read_full_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 4096;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        buf = malloc(alloc);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t n;

                if (size + 1 >= alloc) {
                        char *nb;

                        if (alloc > max + 1)
                                return -EFBIG;
                        alloc *= 2;
                        nb = realloc(buf, alloc);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                n = read(fd, buf + size, alloc - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                size += (size_t)n;
                if (size > max)
                        return -EFBIG;
        }
        buf[size] = 0;
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int mkdir_p_at(int dirfd, const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char c = *s;
                *s = 0;
                if (mkdirat(dirfd, p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                if (c == 0)
                        break;
                *s = c;
        }
        return 0;
}
