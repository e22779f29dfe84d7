/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes to the API server that several parts share. Updates are
 * read-modify-write with the object's resourceVersion; a 409 Conflict means
 * somebody else (another node's sidecar, an admin) wrote in between, so the
 * object is read again and the change applied again, a few times.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "log.h"
#include "seccomp-spec.h"
#include "sync.h"

#define CONFLICT_RETRIES 8

static int profile_path(const char *name, bool status, char **ret)
{
        return asprintf(ret, SPO_PATH "/seccompprofiles%s%s%s", name ? "/" : "", strempty(name),
                        status ? "/status" : "") < 0 ? -ENOMEM : 0;
}

static int new_profile(const char *name, json_object *labels, json_object *annotations, json_object *spec,
                       json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *md;
        int r;

        if (!o)
                return -ENOMEM;
        r = json_set_str(o, "apiVersion", SPO_API);
        if (r >= 0)
                r = json_set_str(o, "kind", "SeccompProfile");
        md = json_ensure_object(o, "metadata");
        if (r < 0 || !md)
                return -ENOMEM;
        r = json_set_str(md, "name", name);
        if (r >= 0 && labels)
                r = json_set(md, "labels", json_object_get(labels));
        if (r >= 0 && annotations)
                r = json_set(md, "annotations", json_object_get(annotations));
        if (r >= 0)
                r = json_set(o, "spec", json_object_get(spec));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* Merge src's pairs into the object dst[key]; true if anything changed. */
static int merge_map(json_object *dst, const char *key, json_object *src, bool *changed)
{
        json_object *m;

        if (!src)
                return 0;
        m = json_ensure_object(dst, key);
        if (!m)
                return -ENOMEM;
        json_object_object_foreach(src, k, v) {
                json_object *cur;

                if (json_object_object_get_ex(m, k, &cur) && json_equal(cur, v))
                        continue;
                if (json_set(m, k, json_object_get(v)) < 0)
                        return -ENOMEM;
                *changed = true;
        }
        return 0;
}

int api_update(Sync *s, const char *path, api_update_fn_t fn, void *userdata)
{
        for (unsigned attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
                _cleanup_json_ json_object *obj = NULL, *reply = NULL;
                bool changed = false;
                int r;

                r = kube_request(s->kube, "GET", path, NULL, NULL, &obj);
                if (r < 0)
                        return r;
                r = fn(obj, userdata, &changed);
                if (r < 0)
                        return r;
                if (!changed)
                        return 0;
                r = kube_request(s->kube, "PUT", path, obj, NULL, &reply);
                if (r != -ESTALE)
                        return r < 0 ? log_warning_errno(r, "Failed to update %s: %s", path,
                                                         kube_status_message(reply))
                                     : 0;
                log_debug("Conflict updating %s; reading it again.", path);
        }
        return log_warning_errno(-ESTALE, "Giving up updating %s after %d conflicts for now.", path,
                                 CONFLICT_RETRIES);
}

typedef struct ProfileUpdate {
        json_object *labels, *annotations, *spec;
        bool do_union;
} ProfileUpdate;

static int apply_profile_update(json_object *obj, void *userdata, bool *changed)
{
        ProfileUpdate *u = userdata;
        json_object *md = json_ensure_object(obj, "metadata"), *cur = json_get(obj, "spec");
        _cleanup_json_ json_object *spec = NULL;
        int r;

        if (!md)
                return -ENOMEM;
        r = merge_map(md, "labels", u->labels, changed);
        if (r >= 0)
                r = merge_map(md, "annotations", u->annotations, changed);
        if (r < 0)
                return r;
        if (u->do_union) {
                r = seccomp_spec_union(cur, u->spec, &spec);
                if (r < 0)
                        return r;
                /* the state (Disabled) of what is there wins */
                if (json_get_str(cur, "state") && json_set_str(spec, "state", json_get_str(cur, "state")) < 0)
                        return -ENOMEM;
        } else
                spec = json_object_get(u->spec);
        if (cur && json_equal(cur, spec))
                return 0;
        *changed = true;
        return json_set(obj, "spec", TAKE_PTR(spec));
}

static int create_or_update(Sync *s, const char *name, ProfileUpdate *u)
{
        _cleanup_json_ json_object *obj = NULL, *reply = NULL;
        _cleanup_free_ char *coll = NULL, *path = NULL;
        int r;

        r = new_profile(name, u->labels, u->annotations, u->spec, &obj);
        if (r >= 0)
                r = profile_path(NULL, false, &coll);
        if (r >= 0)
                r = profile_path(name, false, &path);
        if (r < 0)
                return r;
        r = kube_request(s->kube, "POST", coll, obj, NULL, &reply);
        if (r >= 0) {
                log_info("Created SeccompProfile %s (%zu syscalls).", name, seccomp_spec_count(u->spec));
                return 1;
        }
        if (r != -EEXIST)
                return log_warning_errno(r, "Failed to create SeccompProfile %s: %s", name,
                                         r == -EINVAL || r == -EPERM ? kube_status_message(reply)
                                                                     : kube_last_error(s->kube));
        r = api_update(s, path, apply_profile_update, u);
        if (r >= 0)
                log_info("Updated SeccompProfile %s.", name);
        return r;
}

int api_create_or_update_profile(Sync *s, const char *name, json_object *labels, json_object *annotations,
                                 json_object *spec)
{
        ProfileUpdate u = { .labels = labels, .annotations = annotations, .spec = spec };

        return create_or_update(s, name, &u);
}

int api_union_into_profile(Sync *s, const char *name, json_object *labels, json_object *spec)
{
        ProfileUpdate u = { .labels = labels, .spec = spec, .do_union = true };

        return create_or_update(s, name, &u);
}

int api_patch_profile_status(Sync *s, const char *name, json_object *status)
{
        _cleanup_json_ json_object *patch = json_object_new_object(), *reply = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        if (!patch || json_set(patch, "status", json_object_get(status)) < 0)
                return -ENOMEM;
        r = profile_path(name, true, &path);
        if (r < 0)
                return r;
        r = kube_request(s->kube, "PATCH", path, patch, "application/merge-patch+json", &reply);
        if (r < 0 && r != -ENOENT)
                return log_warning_errno(r, "Failed to set the status of SeccompProfile %s: %s", name,
                                         kube_last_error(s->kube));
        return 0;
}

int api_delete(Sync *s, const char *path)
{
        int r = kube_request(s->kube, "DELETE", path, NULL, NULL, NULL);

        if (r < 0 && r != -ENOENT)
                return log_warning_errno(r, "Failed to delete %s: %s", path, kube_last_error(s->kube));
        return 0;
}

typedef struct FinalizerChange {
        const char *finalizer;
        bool add;
} FinalizerChange;

static int apply_finalizer(json_object *obj, void *userdata, bool *changed)
{
        FinalizerChange *f = userdata;
        json_object *md = json_ensure_object(obj, "metadata"), *list, *out;
        bool present = false;

        if (!md)
                return -ENOMEM;
        list = json_get(md, "finalizers");
        out = json_object_new_array();
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++) {
                json_object *e = json_object_array_get_idx(list, i);
                bool match = strcmp(json_object_get_string(e), f->finalizer) == 0;

                present = present || match;
                if (match && !f->add)
                        continue;
                json_object_array_add(out, json_object_get(e));
        }
        if (present == f->add) {
                json_object_put(out);
                return 0;
        }
        /* An object being deleted takes no new finalizers. */
        if (f->add && json_get_str(md, "deletionTimestamp")) {
                json_object_put(out);
                return 0;
        }
        if (f->add)
                json_object_array_add(out, json_object_new_string(f->finalizer));
        *changed = true;
        return json_set(md, "finalizers", out);
}

int api_object_finalizer(Sync *s, const char *path, const char *finalizer, bool add)
{
        FinalizerChange f = { .finalizer = finalizer, .add = add };
        int r;

        r = api_update(s, path, apply_finalizer, &f);
        return r == -ENOENT && !add ? 0 : r;
}

int api_recording_finalizer(Sync *s, const char *ns, const char *name, const char *finalizer, bool add)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, SPO_PATH "/namespaces/%s/profilerecordings/%s", ns, name) < 0)
                return -ENOMEM;
        return api_object_finalizer(s, path, finalizer, add);
}

char *name_sanitize(const char *s, size_t max)
{
        char *out = malloc(max + 1);
        size_t n = 0;

        if (!out)
                return NULL;
        for (const char *p = s; *p && n < max; p++) {
                char c = (char)tolower((unsigned char)*p);

                if (isalnum((unsigned char)c) || ((c == '.' || c == '-') && n > 0))
                        out[n++] = c;
                else if (n > 0 && out[n - 1] != '-')
                        out[n++] = '-';
        }
        while (n > 0 && !isalnum((unsigned char)out[n - 1]))
                n--;
        out[n] = 0;
        if (n == 0 || !isalnum((unsigned char)out[0])) {
                free(out);
                return NULL;
        }
        return out;
}
