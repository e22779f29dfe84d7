/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See cgroup.h. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "fileio.h"
#include "macro.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unoctal(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 3;
                } else
                        *w++ = *r;
        }
        *w = 0;
}

int cgroup2_find_mount_in(const char *mountinfo_path, char **ret)
{
        _cleanup_fclose_ FILE *f = fopen(mountinfo_path, "re");
        _cleanup_free_ char *line = NULL;
        size_t n = 0;

        if (!f)
                return negative_errno();

        while (getline(&line, &n, f) > 0) {
                char *sep, *fields[5] = {}, *save = NULL, *p = line;
                char fstype[64];

                sep = strstr(line, " - ");
                if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2") != 0)
                        continue;
                *sep = 0;
                for (int i = 0; i < 5; i++, p = NULL) {
                        fields[i] = strtok_r(p, " ", &save);
                        if (!fields[i])
                                break;
                }
                if (!fields[4])
                        continue;
                char *mp = strdup(fields[4]);
                if (!mp)
                        return -ENOMEM;
                unoctal(mp);
                *ret = mp;
                return 0;
        }
        return -ENOMEDIUM;
}

int cgroup2_find_mount(char **ret)
{
        return cgroup2_find_mount_in("/proc/self/mountinfo", ret);
}

int cgroup_path_normalize(const char *path, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t len, o = 0;

        if (!path || path[0] != '/')
                return -EINVAL;
        len = strlen(path);
        if (len >= 4096)
                return -ENAMETOOLONG;
        out = malloc(len + 2);
        if (!out)
                return -ENOMEM;

        for (const char *p = path; *p;) {
                size_t l;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                l = strcspn(p, "/");
                if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                if (l > 255)
                        return -ENAMETOOLONG;
                for (size_t i = 0; i < l; i++)
                        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
                                return -EINVAL;
                out[o++] = '/';
                memcpy(out + o, p, l);
                o += l;
                p += l;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

/* The openat2() fallback: no symlinks (O_NOFOLLOW on every component, and
 * the path is normalized so there is no ".."), and no other file system. */
static int cgroup_open_walk(int root_fd, const char *rel, int *ret_fd)
{
        _cleanup_free_ char *copy = strdup(rel);
        _cleanup_close_ int fd = -EBADF;
        struct stat root_st, st;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        if (fstat(root_fd, &root_st) < 0)
                return negative_errno();
        fd = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next;

                if (strcmp(c, ".") == 0)
                        continue;
                if (strcmp(c, "..") == 0)
                        return -EXDEV;
                next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) {
                        int k = negative_errno();
                        struct stat lst;

                        /* O_NOFOLLOW|O_DIRECTORY on a symlink gives ENOTDIR. */
                        if (k == -ENOTDIR && fstatat(fd, c, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
                                return -ELOOP;
                        return k;
                }
                close(fd);
                fd = next;
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                if (st.st_dev != root_st.st_dev)
                        return -EXDEV;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int cgroup_open(int root_fd, const char *path, int *ret_fd)
{
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                           RESOLVE_NO_XDEV,
        };
        const char *rel = path[0] == '/' ? path + 1 : path;
        int fd;

        if (!*rel)
                rel = ".";
        fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        /* openat2() is missing before 5.6, and seccomp filters (systemd's
         * RestrictSUIDSGID=) may refuse it: walk component by component. */
        if (errno != ENOSYS && errno != EPERM)
                return negative_errno();
        return cgroup_open_walk(root_fd, rel, ret_fd);
}

int cgroup_fd_get_id(int fd, uint64_t *ret)
{
        struct statfs sfs;
        struct stat st;

        if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
                return negative_errno();
        if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
                return -ENOTDIR;
        /* On 64-bit kernels the kernfs inode number is the cgroup id. */
        *ret = (uint64_t)st.st_ino;
        return 0;
}

int cgroup_pid_get_path(pid_t pid, char **ret)
{
        _cleanup_free_ char *buf = NULL, *p = NULL;
        char path[64];
        int r;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%i/cgroup", (int)pid);
        r = read_full_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;

        for (char *line = buf, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, "0::", 3) == 0) {
                        size_t l = strlen(line);

                        /* A zombie whose cgroup was removed shows " (deleted)":
                         * it has no cgroup to record any more. */
                        if (l >= 10 && strcmp(line + l - 10, " (deleted)") == 0)
                                return -ESRCH;
                        r = cgroup_path_normalize(line + 3, &p);
                        if (r < 0)
                                return r;
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }
        return -ENOMEDIUM;
}

static int walk(int fd, unsigned depth, cgroup_walk_cb_t cb, void *userdata)
{
        _cleanup_close_ int dfd = -EBADF;
        DIR *d;
        struct dirent *de;
        uint64_t id;
        int r;

        if (depth > 64)
                return -ELOOP;
        r = cgroup_fd_get_id(fd, &id);
        if (r < 0)
                return r;
        r = cb(fd, id, userdata);
        if (r != 0)
                return r < 0 ? r : 0;

        dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                _cleanup_close_ int child = -EBADF;

                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                child = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (child < 0)
                        continue; /* removed meanwhile */
                r = walk(child, depth + 1, cb, userdata);
                if (r < 0 && r != -ENOENT) {
                        closedir(d);
                        return r;
                }
        }
        closedir(d);
        return 0;
}

int cgroup_walk(int fd, cgroup_walk_cb_t cb, void *userdata)
{
        return walk(fd, 0, cb, userdata);
}
