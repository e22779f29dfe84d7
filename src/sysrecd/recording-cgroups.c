/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See recording-cgroups.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "recording-cgroups.h"

static RecordingCgroup *find(Recording *r, uint64_t id)
{
        for (size_t i = 0; i < r->n_cgroup_entries; i++)
                if (r->cgroups[i].id == id)
                        return &r->cgroups[i];
        return NULL;
}

/* A path for c if its parent's is known (mkdir events of nested cgroups). */
static void resolve_path(Recording *r, RecordingCgroup *c)
{
        RecordingCgroup *p;

        if (c->path || !c->name || !(p = find(r, c->parent)) || !p->path)
                return;
        if (asprintf(&c->path, "%s/%s", strcmp(p->path, "/") == 0 ? "" : p->path, c->name) < 0)
                c->path = NULL;
}

RecordingCgroup *recording_cgroup_add(Recording *r, uint64_t id, uint64_t parent, const char *path,
                                      const char *name)
{
        RecordingCgroup *c = find(r, id), *a;

        if (!c) {
                a = realloc(r->cgroups, sizeof(RecordingCgroup) * (r->n_cgroup_entries + 1));
                if (!a)
                        return NULL;
                r->cgroups = a;
                c = &r->cgroups[r->n_cgroup_entries++];
                *c = (RecordingCgroup){ .id = id, .parent = parent };
        }
        if (parent && !c->parent)
                c->parent = parent;
        if (path && !c->path)
                c->path = strdup(path);
        if (name && !c->name)
                c->name = strdup(name);
        resolve_path(r, c);
        /* Children noted before their parent's path was known. */
        for (size_t i = 0; i < r->n_cgroup_entries; i++)
                if (r->cgroups[i].parent == id)
                        resolve_path(r, &r->cgroups[i]);
        return find(r, id);
}

static int scan_one(int fd, uint64_t id, void *userdata)
{
        Recording *r = userdata;
        const char *root = r->manager->cgroup_root;
        char proc[64], buf[4096];
        ssize_t n;
        size_t rl = strlen(root);

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        if (strncmp(buf, root, rl) != 0 || (buf[rl] != '/' && buf[rl] != 0))
                return 0;
        (void)recording_cgroup_add(r, id, 0, buf[rl] ? buf + rl : "/", NULL);
        return 0;
}

int recording_scan_cgroups(Recording *r, int cgroup_fd)
{
        return cgroup_walk(cgroup_fd, scan_one, r);
}

static void on_entry(uint64_t id, uint64_t parent, const SyscallSet *set, void *userdata)
{
        Recording *r = userdata;
        RecordingCgroup *c = recording_cgroup_add(r, id, parent, NULL, NULL);

        if (c)
                syscall_set_merge(&c->set, set);
}

int recording_snapshot_cgroups(Recording *r)
{
        return recorder_collect_each(r->manager->recorder, r->id, on_entry, r);
}

static bool path_in(const char *p, const char *subtree)
{
        size_t l = strlen(subtree);

        if (strcmp(subtree, "/") == 0)
                return true;
        return p && strncmp(p, subtree, l) == 0 && (p[l] == 0 || p[l] == '/');
}

int recording_cgroup_profile(Recording *r, const char *path, ProfileFormat f, char **ret)
{
        SyscallSet s = {};
        bool found = false;
        int k;

        if (r->state == RECORDING_RECORDING) {
                k = recording_snapshot_cgroups(r);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < r->n_cgroup_entries; i++)
                if (path_in(r->cgroups[i].path, path)) {
                        syscall_set_merge(&s, &r->cgroups[i].set);
                        found = true;
                }
        if (!found)
                return -ENOENT;
        return recording_format(r, &s, f, ret);
}
