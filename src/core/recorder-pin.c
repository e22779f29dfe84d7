/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See recorder-pin.h. */
#include <bpf/bpf.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpffs.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "recorder-pin.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static const char *const link_names[] = { "link_mkdir", "link_enter" };
/* In the order of the maps in pin_set_map_paths(). */
static const char *const map_names[] = { "cgroups", "records", "free_slots", "armed", "events", "bss" };

int pin_dir_prepare(const char *root, char **ret_dir)
{
        char *dir;
        int r;

        r = mkdir(root, 0700) < 0 && errno != EEXIST ? negative_errno() : 0;
        if (r == -ENOENT)
                r = mkdir_p_at(AT_FDCWD, root, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create BPF pin directory '%s': %m", root);
        r = bpffs_check(root);
        if (r < 0)
                return log_error_errno(r, "Failed to check '%s': %m", root);
        if (r == 0)
                return log_error_errno(-ENOTSUP, "'%s' is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf).",
                                       root);
        if (asprintf(&dir, "%s/v%d", root, SYSREC_MAP_LAYOUT) < 0)
                return log_oom();
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                r = negative_errno();
                free(dir);
                return log_error_errno(r, "Failed to create '%s': %m", root);
        }
        *ret_dir = dir;
        return 0;
}

int pin_set_map_paths(struct sysrec_bpf *skel, const char *dir)
{
        struct bpf_map *maps[] = {
                skel->maps.cgroups, skel->maps.records, skel->maps.free_slots,
                skel->maps.armed,   skel->maps.events,  skel->maps.bss,
        };

        _Static_assert(ELEMENTSOF(maps) == ELEMENTSOF(map_names), "every pinned map has a name");
        for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
                char path[4096];
                int r;

                snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
                r = bpf_map__set_pin_path(maps[i], path);
                if (r < 0)
                        return r;
        }
        return 0;
}

int pin_links_replace(const char *dir, struct bpf_link *mkdir_link, struct bpf_link *enter_link)
{
        struct bpf_link *links[] = { mkdir_link, enter_link };

        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                char path[4096];
                int r;

                char tmp[4096];

                /* Pin under a temporary name and rename it over the old pin:
                 * there is no moment without a program attached. */
                snprintf(path, sizeof(path), "%s/%s", dir, link_names[i]);
                /* bpffs refuses names with a dot. */
                snprintf(tmp, sizeof(tmp), "%s/%s_new", dir, link_names[i]);
                (void)unlink(tmp);
                r = bpf_link__pin(links[i], tmp);
                if (r < 0)
                        return r;
                if (renameat(AT_FDCWD, tmp, AT_FDCWD, path) < 0) {
                        r = negative_errno();
                        (void)bpf_link__unpin(links[i]);
                        return r;
                }
        }
        return 0;
}

static void unlink_all(const char *dir, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char path[4096];

                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                (void)unlink(path);
        }
}

/* How many of names are pinned in dir. */
static size_t count_present(const char *dir, const char *const *names, size_t n)
{
        size_t found = 0;

        for (size_t i = 0; i < n; i++) {
                char path[4096];

                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                found += access(path, F_OK) == 0;
        }
        return found;
}

void pin_links_remove(const char *dir)
{
        unlink_all(dir, link_names, ELEMENTSOF(link_names));
}

bool pin_links_present(const char *dir)
{
        return count_present(dir, link_names, ELEMENTSOF(link_names)) == ELEMENTSOF(link_names);
}

PinFound pin_dir_inspect(const char *dir, char **ret_missing)
{
        size_t maps = count_present(dir, map_names, ELEMENTSOF(map_names));

        *ret_missing = NULL;
        if (maps == 0) {
                /* Links alone hold maps nobody can reach any more. */
                pin_links_remove(dir);
                return PIN_FOUND_NOTHING;
        }
        if (maps < ELEMENTSOF(map_names)) {
                /* libbpf would take the pinned maps over and make new ones for
                 * the others: the cgroups of one instance would point into the
                 * slots of another. Start afresh. */
                for (size_t i = 0; i < ELEMENTSOF(map_names); i++)
                        if (count_present(dir, &map_names[i], 1) == 0) {
                                *ret_missing = strdup(map_names[i]);
                                break;
                        }
                unlink_all(dir, map_names, ELEMENTSOF(map_names));
                pin_links_remove(dir);
                return PIN_FOUND_PARTIAL;
        }
        return pin_links_present(dir) ? PIN_FOUND_ALL : PIN_FOUND_MAPS;
}

/* root/v<n> for every n below ours. */
static char *old_dir(const char *dir, int version)
{
        const char *slash = strrchr(dir, '/');
        char *p;

        if (!slash || asprintf(&p, "%.*s/v%d", (int)(slash - dir), dir, version) < 0)
                return NULL;
        return p;
}

static int copy_entries(int old_fd, uint32_t old_size, pin_carry_cb_t carry, void *userdata)
{
        _cleanup_free_ uint8_t *old = malloc(old_size);
        uint64_t key, next, *prev = NULL;
        int n = 0;

        if (!old)
                return -ENOMEM;
        while (bpf_map_get_next_key(old_fd, prev, &next) == 0) {
                struct sysrec_cgroup v = {};
                int k;

                key = next;
                prev = &key;
                if (bpf_map_lookup_elem(old_fd, &key, old) < 0)
                        continue;
                memcpy(&v, old, MIN(old_size, (uint32_t)sizeof(v)));
                k = carry(key, &v, userdata);
                if (k < 0)
                        log_warning_errno(k, "Failed to carry over recorded cgroup %" PRIu64 ": %m", key);
                else if (k > 0)
                        n++;
        }
        return n;
}

/* Layouts v1 and v2 hashed cgroup ids to struct sysrec_cgroup (or a prefix
 * of it). A layout after v3 will have to read v3's records array instead. */
int pin_copy_old_layouts(const char *dir, pin_carry_cb_t carry, void *userdata)
{
        int found = 0;

        for (int v = 1; v < SYSREC_MAP_LAYOUT; v++) {
                _cleanup_free_ char *od = old_dir(dir, v), *path = NULL;
                struct bpf_map_info info = {};
                uint32_t len = sizeof(info);
                _cleanup_close_ int fd = -EBADF;
                int n;

                if (!od || asprintf(&path, "%s/cgroups", od) < 0)
                        return -ENOMEM;
                fd = bpf_obj_get(path);
                if (fd < 0)
                        continue;
                if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.key_size != sizeof(uint64_t) ||
                    info.value_size < offsetof(struct sysrec_cgroup, args)) {
                        log_warning("Ignoring pinned map %s of an unknown layout (key %u, value %u bytes).", path,
                                    info.key_size, info.value_size);
                        continue;
                }
                n = copy_entries(fd, info.value_size, carry, userdata);
                if (n < 0)
                        return n;
                log_info("Carried %d recorded cgroups over from map layout v%d (%s).", n, v, od);
                found++;
        }
        return found;
}

bool pin_old_layouts_links_present(const char *dir)
{
        for (int v = 1; v < SYSREC_MAP_LAYOUT; v++) {
                _cleanup_free_ char *od = old_dir(dir, v);

                if (od && pin_links_present(od))
                        return true;
        }
        return false;
}

void pin_remove_old_layouts_links(const char *dir)
{
        for (int v = 1; v < SYSREC_MAP_LAYOUT; v++) {
                _cleanup_free_ char *od = old_dir(dir, v);

                if (od)
                        pin_links_remove(od);
        }
}

void pin_remove_old_layouts(const char *dir)
{
        for (int v = 1; v < SYSREC_MAP_LAYOUT; v++) {
                _cleanup_free_ char *od = old_dir(dir, v);

                if (!od)
                        return;
                pin_links_remove(od);
                unlink_all(od, map_names, ELEMENTSOF(map_names));
                (void)rmdir(od);
        }
}
