/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Install every SeccompProfile on this node, as the operator's daemon does:
 * <kubelet-dir>/seccomp/operator/<name>.json, the OCI seccomp JSON a pod
 * names with securityContext.seccompProfile {type: Localhost,
 * localhostProfile: operator/<name>.json}. Files are replaced atomically (a
 * container starting meanwhile reads the old or the new profile, never half
 * of one) and only when their content changes; a deleted, partial or
 * disabled profile has no file. A profile with a baseProfileName is written
 * with its bases' syscalls (sync-base.c), and only once they all exist. This
 * node's state goes into the profile's status (sync-node-status.c).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *base_error_reason(int r)
{
        switch (r) {
        case -ENOENT:
                return "BaseProfileMissing";
        case -ELOOP:
                return "BaseProfileCycle";
        case -EMLINK:
                return "BaseProfileChainTooLong";
        case -EPROTONOSUPPORT:
                return "BaseProfileNotSupported";
        default:
                return NULL;
        }
}

static int remove_file(Sync *s, const char *file)
{
        if (unlinkat(s->operator_fd, file, 0) < 0) {
                if (errno == ENOENT)
                        return 0;
                return log_warning_errno(negative_errno(), "Failed to remove %s/seccomp/operator/%s: %m",
                                         s->opt.kubelet_dir, file);
        }
        log_info("Removed %s/seccomp/operator/%s.", s->opt.kubelet_dir, file);
        return 0;
}

/* The profile goes (deleted) or stays without a file (disabled): this node lets go of it. */
static int uninstall_one(Sync *s, json_object *p, const char *file, const char *reason)
{
        int r;

        if (!node_has_finalizer(s, p))
                /* never installed here: nothing to report on a profile that goes */
                return strcmp(reason, "Terminating") == 0 ? 0 : node_status_set(s, p, reason, "");
        r = remove_file(s, file);
        if (r >= 0)
                r = node_status_set(s, p, reason, "");
        if (r >= 0)
                r = node_finalizer(s, p, false);
        return r;
}

static int install_one(Sync *s, json_object *p)
{
        _cleanup_free_ char *file = NULL, *text = NULL, *path = NULL, *message = NULL;
        _cleanup_json_ json_object *spec = NULL;
        const char *name = json_get_str(p, "metadata.name"), *reason;
        int r;

        if (!name || asprintf(&file, "%s.json", name) < 0 ||
            asprintf(&path, "%s/seccomp/operator/%s", s->opt.kubelet_dir, file) < 0)
                return -ENOMEM;
        if (json_get_label(p, LABEL_PARTIAL))
                return 0; /* merged later; never used by pods as it is */
        if (json_get_str(p, "metadata.deletionTimestamp")) {
                r = uninstall_one(s, p, file, "Terminating");
                if (r >= 0)
                        r = node_release_departed(s, p);
                return r;
        }
        if (strcmp(strempty(json_get_str(p, "spec.state")), "Disabled") == 0)
                return uninstall_one(s, p, file, "Disabled");

        r = base_resolve(s, p, &spec, &message);
        reason = base_error_reason(r);
        if (reason) {
                /* Nothing (or the last complete profile) stays installed until the chain resolves. */
                log_debug("SeccompProfile %s is not installed: %s.", name, message);
                return node_status_set(s, p, reason, message);
        }
        if (r >= 0)
                r = seccomp_spec_to_oci_text(spec, &text);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_warning_errno(r, "SeccompProfile %s has no usable spec: %m", name);
                return node_status_set(s, p, "InvalidProfile",
                                       r == -EINVAL ? "spec is missing" : "spec.defaultAction is missing");
        }
        /* The finalizer first: a file is never left behind by a deleted profile. */
        r = node_finalizer(s, p, true);
        if (r < 0)
                return r;
        if (!file_has(s, file, text)) {
                r = write_file_atomic_at(s->operator_fd, file, text, strlen(text), 0644);
                if (r < 0) {
                        log_error_errno(r, "Failed to write %s: %m", path);
                        (void)node_status_set(s, p, "CannotSaveProfile", strerror(-r));
                        return r;
                }
                log_info("Installed SeccompProfile %s as %s (%zu syscalls).", name, path, seccomp_spec_count(spec));
        }
        return node_status_set(s, p, "Installed", path);
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
        for (char **i = stale; i && *i; i++)
                (void)remove_file(s, *i);
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
