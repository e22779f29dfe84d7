/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mergeStrategy: Containers. Each node turns the replicas it recorded into
 * partial profiles (label spo.x-k8s.io/partial) and puts the finalizer
 * spo.x-k8s.io/has-unmerged-profiles on the ProfileRecording. When the
 * recording is deleted, its partial profiles are merged into one profile per
 * container, <recording>-<container>, the partial ones deleted and the
 * finalizer removed.
 *
 * Every node's sidecar may do this at the same time: the merged profile only
 * ever grows (a union, written with optimistic concurrency), deleting a
 * partial profile twice is harmless and the finalizer goes once. So whoever
 * comes first merges, and a late one adds nothing that is not there.
 */
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "log.h"
#include "seccomp-spec.h"
#include "sync.h"

typedef struct MergeWrite {
        json_object *labels, *spec;
} MergeWrite;

static int apply_merged(json_object *obj, void *userdata, bool *changed)
{
        MergeWrite *m = userdata;
        _cleanup_json_ json_object *spec = NULL;
        json_object *labels, *cur = json_get(obj, "spec");
        int r;

        r = seccomp_spec_union(cur, m->spec, &spec);
        if (r < 0)
                return r;
        if (json_get_str(m->spec, "state") && json_set_str(spec, "state", json_get_str(m->spec, "state")) < 0)
                return -ENOMEM;
        if (!cur || !json_equal(cur, spec)) {
                *changed = true;
                r = json_set(obj, "spec", TAKE_PTR(spec));
                if (r < 0)
                        return r;
        }
        labels = json_ensure_object(json_ensure_object(obj, "metadata"), "labels");
        if (!labels)
                return -ENOMEM;
        if (json_object_object_get_ex(labels, LABEL_PARTIAL, NULL)) {
                json_object_object_del(labels, LABEL_PARTIAL);
                *changed = true;
        }
        json_object_object_foreach(m->labels, k, v) {
                json_object *have;

                if (json_object_object_get_ex(labels, k, &have) && json_equal(have, v))
                        continue;
                if (json_set(labels, k, json_object_get(v)) < 0)
                        return -ENOMEM;
                *changed = true;
        }
        return 0;
}

static int merge_write(Sync *s, const char *name, json_object *labels, json_object *spec)
{
        _cleanup_free_ char *path = NULL;
        MergeWrite m = { .labels = labels, .spec = spec };
        int r;

        if (asprintf(&path, SPO_PATH "/seccompprofiles/%s", name) < 0)
                return -ENOMEM;
        r = api_update(s, path, apply_merged, &m);
        if (r == -ENOENT)
                r = api_union_into_profile(s, name, labels, spec);
        return r;
}

static int list_partials(Sync *s, const char *ns, const char *name, json_object **ret)
{
        _cleanup_free_ char *sel = NULL, *esc = NULL, *path = NULL;
        int r;

        if (asprintf(&sel, "%s=%s,%s=%s,%s=true", LABEL_RECORDING_ID, name, LABEL_RECORDING_NS, ns, LABEL_PARTIAL) < 0)
                return -ENOMEM;
        esc = kube_escape(s->kube, sel);
        if (!esc || asprintf(&path, SPO_PATH "/seccompprofiles?labelSelector=%s", esc) < 0)
                return -ENOMEM;
        r = kube_request(s->kube, "GET", path, NULL, NULL, ret);
        if (r < 0)
                return log_warning_errno(r, "Failed to list the partial profiles of %s/%s: %s", ns, name,
                                         kube_last_error(s->kube));
        return 0;
}

static int merge_recording(Sync *s, const char *ns, const char *name)
{
        _cleanup_json_ json_object *list = NULL, *merged = json_object_new_object();
        json_object *items;
        int r;

        if (!merged)
                return -ENOMEM;
        r = list_partials(s, ns, name, &list);
        if (r < 0)
                return r;
        items = json_get(list, "items");
        for (size_t i = 0; items && i < json_object_array_length(items); i++) {
                json_object *p = json_object_array_get_idx(items, i), *slot;
                const char *ctr = json_get_label(p, LABEL_CONTAINER_ID);
                _cleanup_json_ json_object *u = NULL;

                if (!ctr)
                        continue;
                slot = json_ensure_object(merged, ctr);
                if (!slot)
                        return -ENOMEM;
                r = seccomp_spec_union(json_get(slot, "spec"), json_get(p, "spec"), &u);
                if (r < 0)
                        return r;
                if (strcmp(strempty(json_get_str(p, "spec.state")), "Disabled") == 0 &&
                    json_set_str(u, "state", "Disabled") < 0)
                        return -ENOMEM;
                if (json_get_str(json_get(slot, "spec"), "state") &&
                    json_set_str(u, "state", json_get_str(json_get(slot, "spec"), "state")) < 0)
                        return -ENOMEM;
                r = json_set(slot, "spec", TAKE_PTR(u));
                if (r < 0)
                        return r;
        }

        json_object_object_foreach(merged, ctr, slot) {
                _cleanup_json_ json_object *labels = json_object_new_object();
                _cleanup_free_ char *mname = NULL, *pid = NULL;

                if (!labels || asprintf(&mname, "%s-%s", name, ctr) < 0 || asprintf(&pid, "SeccompProfile-%s", mname) < 0)
                        return -ENOMEM;
                if (json_set_str(labels, LABEL_RECORDING_ID, name) < 0 ||
                    json_set_str(labels, LABEL_RECORDING_NS, ns) < 0 ||
                    json_set_str(labels, LABEL_CONTAINER_ID, ctr) < 0 ||
                    (strlen(pid) <= 63 && json_set_str(labels, LABEL_PROFILE_ID, pid) < 0))
                        return -ENOMEM;
                r = merge_write(s, mname, labels, json_get(slot, "spec"));
                for (size_t i = 0; r >= 0 && items && i < json_object_array_length(items); i++) {
                        json_object *p = json_object_array_get_idx(items, i);

                        if (strcmp(strempty(json_get_label(p, LABEL_CONTAINER_ID)), ctr) == 0)
                                r = profile_complete_carry(s, mname, p);
                }
                if (r < 0)
                        return r;
                log_info("Merged the partial profiles of container %s of %s/%s into %s (%zu syscalls).", ctr, ns,
                         name, mname, seccomp_spec_count(json_get(slot, "spec")));
        }
        for (size_t i = 0; items && i < json_object_array_length(items); i++) {
                json_object *p = json_object_array_get_idx(items, i), *labels = json_get(p, "metadata.labels"), *c;
                const char *pname = json_get_str(p, "metadata.name");
                _cleanup_free_ char *mname = NULL, *path = NULL;

                if (!pname || !labels || !json_object_object_get_ex(labels, LABEL_CONTAINER_ID, &c))
                        continue;
                if (asprintf(&mname, "%s-%s", name, json_object_get_string(c)) < 0 ||
                    asprintf(&path, SPO_PATH "/seccompprofiles/%s", pname) < 0)
                        return -ENOMEM;
                if (strcmp(mname, pname) == 0)
                        continue; /* the merged profile itself */
                r = api_delete(s, path);
                if (r < 0)
                        return r;
        }
        r = api_recording_finalizer(s, ns, name, FINALIZER_UNMERGED, false);
        if (r < 0)
                return r;
        log_info("ProfileRecording %s/%s: %d partial profile(s) merged into %d.", ns, name,
                 items ? (int)json_object_array_length(items) : 0, json_object_object_length(merged));
        return 0;
}

static bool has_finalizer(json_object *o, const char *f)
{
        json_object *l = json_get(o, "metadata.finalizers");

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++)
                if (strcmp(strempty(json_object_get_string(json_object_array_get_idx(l, i))), f) == 0)
                        return true;
        return false;
}

/* This node still records pods for it: those must become partial profiles first. */
static bool recording_busy_here(Sync *s, const char *ns, const char *name)
{
        for (size_t i = 0; i < s->n_daemon; i++) {
                SysrecRecording *r = &s->daemon[i];

                if (strcmp(strempty(sysrec_metadata_get(r, META_POD_NS)), ns) == 0 &&
                    strcmp(strempty(sysrec_metadata_get(r, META_RECORDING)), name) == 0 &&
                    strcmp(strempty(sysrec_metadata_get(r, META_NODE)), s->opt.node_name) == 0)
                        return true;
        }
        return false;
}

int merge_reconcile(Sync *s)
{
        int r = 0, k;

        json_object_object_foreach(informer_cache(s->recordings), key, rec) {
                const char *ns = json_get_str(rec, "metadata.namespace"), *name = json_get_str(rec, "metadata.name");

                if (!ns || !name || !json_get_str(rec, "metadata.deletionTimestamp") ||
                    !has_finalizer(rec, FINALIZER_UNMERGED))
                        continue;
                if (recording_busy_here(s, ns, name)) {
                        log_debug("ProfileRecording %s is being deleted; collecting this node's pods first.", key);
                        r = -EAGAIN;
                        continue;
                }
                k = merge_recording(s, ns, name);
                if (k < 0)
                        r = k;
        }
        return r;
}
