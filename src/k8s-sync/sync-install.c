/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Install every SeccompProfile on this node, as the operator's daemon does:
 * <kubelet-dir>/seccomp/operator/<name>.json, the OCI seccomp JSON a pod
 * names with securityContext.seccompProfile {type: Localhost,
 * localhostProfile: operator/<name>.json}. Files are replaced atomically (a
 * container starting meanwhile reads the old or the new profile, never half
 * of one) and only when their content changes; a deleted, partial or
 * disabled profile has no file. The status says where the profile is:
 * Installed, path, localhostProfile, a Ready condition.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "seccomp-spec.h"
#include "sync.h"

#define PROFILE_FILE_MAX (4u << 20)

static bool file_has(Sync *s, const char *file, const char *text)
{
        _cleanup_free_ char *cur = NULL;

        return read_full_file_at(s->operator_fd, file, PROFILE_FILE_MAX, &cur, NULL) >= 0 && strcmp(cur, text) == 0;
}

static void now_rfc3339(char buf[static 32])
{
        time_t t = time(NULL);
        struct tm tm;

        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static int set_status(Sync *s, json_object *p, const char *status, const char *file)
{
        _cleanup_json_ json_object *st = json_object_new_object();
        _cleanup_free_ char *path = NULL, *local = NULL;
        const char *name = json_get_str(p, "metadata.name");
        char ts[32];

        if (!st)
                return -ENOMEM;
        if (file) {
                if (strcmp(strempty(json_get_str(p, "status.status")), status) == 0 &&
                    json_get_str(p, "status.localhostProfile") &&
                    strcmp(json_get_str(p, "status.localhostProfile"), file + strlen("seccomp/")) == 0)
                        return 0;
                if (asprintf(&path, "%s/%s", s->opt.kubelet_dir, file) < 0 ||
                    !(local = strdup(file + strlen("seccomp/"))))
                        return -ENOMEM;
        } else if (strcmp(strempty(json_get_str(p, "status.status")), status) == 0)
                return 0;

        now_rfc3339(ts);
        {
                _cleanup_json_ json_object *cond = json_object_new_object(), *conds = json_object_new_array();
                bool ready = strcmp(status, "Installed") == 0;

                if (!cond || !conds || json_set_str(cond, "type", "Ready") < 0 ||
                    json_set_str(cond, "status", ready ? "True" : "False") < 0 ||
                    json_set_str(cond, "reason", ready ? "Available" : "Unavailable") < 0 ||
                    json_set_str(cond, "message", "") < 0 || json_set_str(cond, "lastTransitionTime", ts) < 0 ||
                    json_object_array_add(conds, TAKE_PTR(cond)) < 0 ||
                    json_set(st, "conditions", TAKE_PTR(conds)) < 0)
                        return -ENOMEM;
        }
        if (json_set_str(st, "status", status) < 0 ||
            (path && json_set_str(st, "path", path) < 0) ||
            (local && json_set_str(st, "localhostProfile", local) < 0))
                return -ENOMEM;
        return api_patch_profile_status(s, name, st);
}

static int install_one(Sync *s, json_object *p)
{
        _cleanup_free_ char *file = NULL, *text = NULL, *rel = NULL;
        const char *name = json_get_str(p, "metadata.name");
        int r;

        if (!name || asprintf(&file, "%s.json", name) < 0 || asprintf(&rel, "seccomp/operator/%s", file) < 0)
                return -ENOMEM;
        if (json_get_label(p, LABEL_PARTIAL))
                return 0; /* merged later; never used by pods as it is */
        if (json_get_str(p, "metadata.deletionTimestamp"))
                return 0;
        if (strcmp(strempty(json_get_str(p, "spec.state")), "Disabled") == 0)
                return set_status(s, p, "Disabled", NULL);

        r = seccomp_spec_to_oci_text(json_get(p, "spec"), &text);
        if (r < 0) {
                log_warning_errno(r, "SeccompProfile %s has no usable spec: %m", name);
                return set_status(s, p, "Error", NULL);
        }
        if (!file_has(s, file, text)) {
                r = write_file_atomic_at(s->operator_fd, file, text, strlen(text), 0644);
                if (r < 0)
                        return log_error_errno(r, "Failed to write %s/%s: %m", s->opt.kubelet_dir, rel);
                log_info("Installed SeccompProfile %s as %s/%s.", name, s->opt.kubelet_dir, rel);
        }
        return set_status(s, p, "Installed", rel);
}

static bool wanted(json_object *p)
{
        return p && !json_get_label(p, LABEL_PARTIAL) && !json_get_str(p, "metadata.deletionTimestamp") &&
               strcmp(strempty(json_get_str(p, "spec.state")), "Disabled") != 0;
}

/* Remove the files of profiles that are gone, partial or disabled. */
static int remove_stale(Sync *s)
{
        _cleanup_strv_free_ char **stale = NULL;
        int fd = dup(s->operator_fd);
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return negative_errno();
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                _cleanup_free_ char *name = NULL;

                if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
                        continue;
                name = strndup(de->d_name, n - 5);
                if (!name)
                        break;
                if (!wanted(informer_get(s->profiles, NULL, name)))
                        (void)strv_add_unique(&stale, de->d_name);
        }
        closedir(d);
        for (char **i = stale; i && *i; i++) {
                if (unlinkat(s->operator_fd, *i, 0) < 0 && errno != ENOENT)
                        log_warning_errno(negative_errno(), "Failed to remove %s/seccomp/operator/%s: %m",
                                          s->opt.kubelet_dir, *i);
                else
                        log_info("Removed %s/seccomp/operator/%s.", s->opt.kubelet_dir, *i);
        }
        return 0;
}

int install_reconcile(Sync *s)
{
        int r = 0, k;

        k = remove_stale(s);
        if (k < 0)
                r = log_warning_errno(k, "Failed to clean up %s/seccomp/operator: %m", s->opt.kubelet_dir);
        json_object_object_foreach(informer_cache(s->profiles), key, p) {
                (void)key;
                k = install_one(s, p);
                if (k < 0)
                        r = k;
        }
        return r;
}
