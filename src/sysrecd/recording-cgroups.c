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

/* An open-addressing index from cgroup id to position in r->cgroups (stored
 * +1, 0 = empty), at most half full: a recording of 10,000 cgroups must not
 * pay a linear scan per event. */
static size_t slot_of(uint64_t id, size_t size)
{
        return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & (size - 1);
}

static RecordingCgroup *find(Recording *r, uint64_t id)
{
        if (r->index_size == 0)
                return NULL;
        for (size_t s = slot_of(id, r->index_size);; s = (s + 1) & (r->index_size - 1)) {
                size_t i = r->cgroup_index[s];

                if (i == 0)
                        return NULL;
                if (r->cgroups[i - 1].id == id)
                        return &r->cgroups[i - 1];
        }
}

static void index_put(size_t *index, size_t size, uint64_t id, size_t pos)
{
        size_t s = slot_of(id, size);

        while (index[s] != 0)
                s = (s + 1) & (size - 1);
        index[s] = pos + 1;
}

/* Room for one more entry, in the array and in the index. */
static int reserve(Recording *r)
{
        if (r->n_cgroup_entries == r->n_cgroup_alloc) {
                size_t n = r->n_cgroup_alloc ? r->n_cgroup_alloc * 2 : 16;
                RecordingCgroup *a = realloc(r->cgroups, sizeof(RecordingCgroup) * n);

                if (!a)
                        return -ENOMEM;
                r->cgroups = a;
                r->n_cgroup_alloc = n;
        }
        if ((r->n_cgroup_entries + 1) * 2 > r->index_size) {
                size_t n = r->index_size ? r->index_size * 2 : 64;
                size_t *index = calloc(n, sizeof(size_t));

                if (!index)
                        return -ENOMEM;
                for (size_t i = 0; i < r->n_cgroup_entries; i++)
                        index_put(index, n, r->cgroups[i].id, i);
                free(r->cgroup_index);
                r->cgroup_index = index;
                r->index_size = n;
        }
        return 0;
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
        RecordingCgroup *c = find(r, id);
        bool had_path;

        if (!c) {
                if (reserve(r) < 0)
                        return NULL;
                c = &r->cgroups[r->n_cgroup_entries];
                *c = (RecordingCgroup){ .id = id, .parent = parent };
                index_put(r->cgroup_index, r->index_size, id, r->n_cgroup_entries++);
                r->n_unnamed++;
        }
        had_path = c->path;
        if (parent && !c->parent)
                c->parent = parent;
        if (path && !c->path)
                c->path = strdup(path);
        if (name && !c->name)
                c->name = strdup(name);
        resolve_path(r, c);
        if (!had_path && c->path) {
                r->n_unnamed--;
                /* Children noted before this, their parent's, path was known. */
                for (size_t i = 0; r->n_unnamed > 0 && i < r->n_cgroup_entries; i++)
                        if (r->cgroups[i].parent == id && !r->cgroups[i].path) {
                                resolve_path(r, &r->cgroups[i]);
                                if (r->cgroups[i].path)
                                        r->n_unnamed--;
                        }
        }
        return c;
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
