/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See kubelet-cgroup.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubelet-cgroup.h"
#include "macro.h"

static const char *const driver_names[_CGROUP_DRIVER_MAX] = {
        [CGROUP_DRIVER_SYSTEMD] = "systemd",
        [CGROUP_DRIVER_CGROUPFS] = "cgroupfs",
};

CgroupDriver cgroup_driver_from_string(const char *s)
{
        for (int i = 0; i < _CGROUP_DRIVER_MAX; i++)
                if (s && strcmp(s, driver_names[i]) == 0)
                        return i;
        return _CGROUP_DRIVER_INVALID;
}

const char *cgroup_driver_to_string(CgroupDriver d)
{
        return d >= 0 && d < _CGROUP_DRIVER_MAX ? driver_names[d] : NULL;
}

static int uid_is_valid(const char *uid)
{
        if (!uid || !*uid || strlen(uid) > 64)
                return 0;
        for (const char *p = uid; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '-')
                        return 0;
        return 1;
}

/* Append "/<name>" to *path. */
static int append(char **path, const char *name)
{
        char *n;

        if (asprintf(&n, "%s/%s", *path, name) < 0)
                return -ENOMEM;
        free(*path);
        *path = n;
        return 0;
}

int kubelet_pod_cgroup(CgroupDriver d, const char *root, const char *qos, const char *uid, char **ret)
{
        _cleanup_free_ char *copy = NULL, *path = NULL, *prefix = NULL, *pod = NULL;
        const char *parts[64];
        size_t n = 0;
        char *save = NULL;
        int r = 0;

        if (!uid_is_valid(uid))
                return -EINVAL;
        copy = strdup(root ?: "/");
        path = strdup("");
        if (!copy || !path || asprintf(&pod, "pod%s", uid) < 0)
                return -ENOMEM;
        for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                if (n >= ELEMENTSOF(parts) - 3)
                        return -EINVAL;
                /* a systemd root is given as slices ("/custom.slice"): use its name */
                if (d == CGROUP_DRIVER_SYSTEMD && strlen(t) > 6 && strcmp(t + strlen(t) - 6, ".slice") == 0)
                        t[strlen(t) - 6] = 0;
                parts[n++] = t;
        }
        parts[n++] = "kubepods";
        if (strcmp(qos, "Burstable") == 0)
                parts[n++] = "burstable";
        else if (strcmp(qos, "BestEffort") == 0)
                parts[n++] = "besteffort";
        else if (strcmp(qos, "Guaranteed") != 0)
                return -EINVAL;
        parts[n++] = pod;

        for (size_t i = 0; i < n && r >= 0; i++) {
                if (d == CGROUP_DRIVER_CGROUPFS) {
                        r = append(&path, parts[i]);
                        continue;
                }
                /* systemd: "a-b-c.slice" nested in "a-b.slice", '-' in a name escaped as '_' */
                _cleanup_free_ char *esc = strdup(parts[i]), *slice = NULL, *np = NULL;
                if (!esc)
                        return -ENOMEM;
                for (char *p = esc; *p; p++)
                        if (*p == '-')
                                *p = '_';
                if (prefix ? asprintf(&np, "%s-%s", prefix, esc) < 0 : !(np = strdup(esc)))
                        return -ENOMEM;
                free(prefix);
                prefix = TAKE_PTR(np);
                if (asprintf(&slice, "%s.slice", prefix) < 0)
                        return -ENOMEM;
                r = append(&path, slice);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(path);
        return 0;
}

static int is_id(const char *s, size_t n)
{
        if (n < 12 || n > 128)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)s[i]))
                        return 0;
        return 1;
}

int container_id_from_cgroup_leaf(const char *leaf, char **ret)
{
        static const char *const prefixes[] = { "cri-containerd-", "crio-", "docker-", "" };
        size_t n = strlen(leaf);

        if (strncmp(leaf, "crio-conmon-", 12) == 0)
                return -ENOENT;
        if (n > 6 && strcmp(leaf + n - 6, ".scope") == 0)
                n -= 6;
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                size_t p = strlen(prefixes[i]);

                if (strncmp(leaf, prefixes[i], p) != 0 || !is_id(leaf + p, n - p))
                        continue;
                *ret = strndup(leaf + p, n - p);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

const char *container_id_strip_runtime(const char *s)
{
        const char *p = s ? strstr(s, "://") : NULL;

        return p && p[3] ? p + 3 : NULL;
}
