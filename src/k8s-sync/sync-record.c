/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From pods and ProfileRecordings to sysrecd, and from finished recordings to
 * SeccompProfiles.
 *
 * Every pod of this node is registered with sysrecd as a workload (its pod
 * cgroup, its labels plus io.kubernetes.pod.{namespace,name,uid}) as soon as
 * the sidecar sees it. A pod that a ProfileRecording selects gets a label
 * recording of its own, "k8s-<uid>", selecting that uid, started before the
 * workload is registered: the pod cgroup and every container cgroup the
 * runtime creates below it are recorded in the kernel from their first
 * syscall. The recording's metadata says everything the profile needs (which
 * ProfileRecording, merge strategy, pod name), so that it survives restarts.
 *
 * When the pod has ended (Succeeded, Failed, or deleted), its recordings are
 * stopped and split per container by the leaf names of the cgroups the
 * recording tracked, which the runtimes name after the container ids that
 * the pod status lists. Each container becomes a SeccompProfile
 * <recording>-<container>[-<replica suffix>], and only then is the recording
 * removed from sysrecd: a crash in between redoes the same writes.
 *
 * If sysrecd restarts without keeping recordings in the kernel, a pod's
 * recording comes back stopped; the pod gets a next one, "k8s-<uid>-2", and
 * its profiles are the union of all of them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "seccomp-spec.h"
#include "selector.h"
#include "sync.h"

#define POD_STATE_MAX (4u << 20)

/* ---- tracks ---- */

PodTrack *pod_track_find(Sync *s, const char *uid)
{
        for (size_t i = 0; i < s->n_tracks; i++)
                if (strcmp(s->tracks[i]->uid, uid) == 0)
                        return s->tracks[i];
        return NULL;
}

static PodTrack *track_add(Sync *s, const char *uid)
{
        PodTrack *t, **a;

        a = realloc(s->tracks, sizeof(PodTrack *) * (s->n_tracks + 1));
        if (!a)
                return NULL;
        s->tracks = a;
        t = calloc(1, sizeof(*t));
        if (!t || !(t->uid = strdup(uid))) {
                free(t);
                return NULL;
        }
        s->tracks[s->n_tracks++] = t;
        return t;
}

static void track_remove(Sync *s, PodTrack *t)
{
        for (size_t i = 0; i < s->n_tracks; i++)
                if (s->tracks[i] == t) {
                        memmove(s->tracks + i, s->tracks + i + 1, sizeof(PodTrack *) * (s->n_tracks - i - 1));
                        s->n_tracks--;
                        break;
                }
        pod_track_free(t);
}

/* ---- pods ---- */

static bool pod_terminal(json_object *pod)
{
        const char *phase = json_get_str(pod, "status.phase");

        return phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

static bool is_deleting(json_object *o)
{
        return json_get_str(o, "metadata.deletionTimestamp") != NULL;
}

/* The ProfileRecording recording pod, or NULL: same namespace, kind
 * SeccompProfile, recorder Bpf, not being deleted, its podSelector matches.
 * If several do, the oldest (then the first by name) wins: sysrecd records
 * a cgroup for one recording only. */
static json_object *pod_find_recording(Sync *s, json_object *pod)
{
        const char *ns = json_get_str(pod, "metadata.namespace");
        json_object *labels = json_get(pod, "metadata.labels"), *best = NULL;

        json_object_object_foreach(informer_cache(s->recordings), key, rec) {
                const char *kind = json_get_str(rec, "spec.kind"), *recorder = json_get_str(rec, "spec.recorder");
                int m;

                if (!ns || strcmp(strempty(json_get_str(rec, "metadata.namespace")), ns) != 0 || is_deleting(rec))
                        continue;
                if (!kind || strcmp(kind, "SeccompProfile") != 0 || !recorder || strcasecmp(recorder, "Bpf") != 0)
                        continue;
                m = label_selector_matches(json_get(rec, "spec.podSelector"), labels);
                if (m < 0)
                        log_warning("ProfileRecording %s has an invalid podSelector; it selects nothing.", key);
                if (m <= 0)
                        continue;
                if (!best) {
                        best = rec;
                        continue;
                }
                int c = strcmp(strempty(json_get_str(rec, "metadata.creationTimestamp")),
                               strempty(json_get_str(best, "metadata.creationTimestamp")));
                if (c < 0 || (c == 0 && strcmp(json_get_str(rec, "metadata.name"),
                                               json_get_str(best, "metadata.name")) < 0))
                        best = rec;
        }
        return best;
}

static int pairs_add(char ***l, size_t *n, const char *k, const char *v)
{
        char **a = realloc(*l, sizeof(char *) * (*n + 3));

        if (!a)
                return -ENOMEM;
        *l = a;
        a[*n] = strdup(k);
        a[*n + 1] = strdup(v);
        a[*n + 2] = NULL;
        *n += 2;
        return a[*n - 2] && a[*n - 1] ? 0 : -ENOMEM;
}

static const char *pod_qos(json_object *pod)
{
        /* The API server sets it on creation; without it the pod is not admitted yet. */
        return json_get_str(pod, "status.qosClass");
}

static int pod_register(Sync *s, PodTrack *t)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **labels = NULL;
        _cleanup_free_ char *cgroup = NULL;
        json_object *pod = t->pod, *l = json_get(pod, "metadata.labels");
        size_t n = 0;
        int r;

        if (!pod_qos(pod))
                return 0;
        r = kubelet_pod_cgroup(s->opt.driver, s->opt.cgroup_root, pod_qos(pod), t->uid, &cgroup);
        if (r < 0)
                return log_warning_errno(r, "Pod %s has a QoS class or UID the kubelet would not take: %m", t->uid);
        if (l && json_object_is_type(l, json_type_object)) {
                json_object_object_foreach(l, k, v)
                        if (json_object_is_type(v, json_type_string) &&
                            pairs_add(&labels, &n, k, json_object_get_string(v)) < 0)
                                return -ENOMEM;
        }
        if (pairs_add(&labels, &n, "io.kubernetes.pod.namespace", json_get_str(pod, "metadata.namespace")) < 0 ||
            pairs_add(&labels, &n, "io.kubernetes.pod.name", json_get_str(pod, "metadata.name")) < 0 ||
            pairs_add(&labels, &n, "io.kubernetes.pod.uid", t->uid) < 0)
                return -ENOMEM;

        r = sysrec_register_workload(s->bus, t->uid, cgroup, labels, &e);
        if (r >= 0 || sd_bus_error_has_name(&e, SYSREC_ERR("WorkloadExists"))) {
                t->registered = true;
                log_debug("Registered pod %s/%s (%s) as cgroup %s.", json_get_str(pod, "metadata.namespace"),
                          json_get_str(pod, "metadata.name"), t->uid, cgroup);
                return 0;
        }
        if (sd_bus_error_has_name(&e, SYSREC_ERR("NoSuchCgroup"))) {
                /* sysrecd cannot arm a cgroup whose parent is missing: the
                 * kubelet has not got that far; try again shortly. */
                log_debug("Pod %s: cgroup %s not there yet (%s).", t->uid, cgroup, e.message);
                return -EAGAIN;
        }
        return log_warning_errno(r, "Failed to register pod %s (cgroup %s) with sysrecd: %s", t->uid, cgroup,
                                 e.message ?: strerror(-r));
}

static void pod_unregister(Sync *s, PodTrack *t)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (!s->bus || !s->daemon_up)
                return;
        r = sysrec_unregister_workload(s->bus, t->uid, &e);
        if (r < 0 && !sd_bus_error_has_name(&e, SYSREC_ERR("NoSuchWorkload")))
                log_debug("Failed to unregister pod %s: %s", t->uid, e.message ?: strerror(-r));
        t->registered = false;
}

/* ---- the pod's recordings in sysrecd ---- */

static bool daemon_is_pod_recording(Sync *s, SysrecRecording *r, const char *uid)
{
        const char *u = sysrec_metadata_get(r, META_POD_UID), *node = sysrec_metadata_get(r, META_NODE);

        return u && (!uid || strcmp(u, uid) == 0) && node && strcmp(node, s->opt.node_name) == 0;
}

static SysrecRecording *daemon_active_recording(Sync *s, const char *uid)
{
        for (size_t i = 0; i < s->n_daemon; i++)
                if (daemon_is_pod_recording(s, &s->daemon[i], uid) && strcmp(s->daemon[i].state, "recording") == 0)
                        return &s->daemon[i];
        return NULL;
}

static int daemon_add_local(Sync *s, const char *name, char **metadata)
{
        SysrecRecording *a = realloc(s->daemon, sizeof(*a) * (s->n_daemon + 1)), *r;
        size_t n = strv_length(metadata);

        if (!a)
                return -ENOMEM;
        s->daemon = a;
        r = &s->daemon[s->n_daemon];
        *r = (SysrecRecording){ .name = strdup(name), .state = strdup("recording") };
        r->metadata = calloc(n + 1, sizeof(char *));
        if (!r->name || !r->state || !r->metadata || sd_bus_path_encode("/org/sysrec1/recording", name, &r->path) < 0)
                goto oom;
        for (size_t i = 0; i < n; i++)
                if (!(r->metadata[i] = strdup(metadata[i])))
                        goto oom;
        s->n_daemon++;
        return 0;
oom:
        free(r->name);
        free(r->state);
        free(r->path);
        strv_free(r->metadata);
        return -ENOMEM;
}

static void daemon_forget_local(Sync *s, const char *name)
{
        for (size_t i = 0; i < s->n_daemon; i++)
                if (strcmp(s->daemon[i].name, name) == 0) {
                        SysrecRecording gone = s->daemon[i];

                        memmove(s->daemon + i, s->daemon + i + 1, sizeof(*s->daemon) * (s->n_daemon - i - 1));
                        s->n_daemon--;
                        free(gone.name);
                        free(gone.state);
                        free(gone.path);
                        strv_free(gone.metadata);
                        return;
                }
}

static int recording_metadata(Sync *s, json_object *pod, json_object *rec, char ***ret)
{
        _cleanup_strv_free_ char **m = NULL;
        _cleanup_free_ char *containers = NULL;
        json_object *l = json_get(rec, "spec.containers");
        size_t n = 0;
        int r;

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                const char *c = json_object_get_string(json_object_array_get_idx(l, i));
                char *j;

                if (asprintf(&j, "%s%s%s", strempty(containers), containers ? "," : "", c) < 0)
                        return -ENOMEM;
                free(containers);
                containers = j;
        }
        r = pairs_add(&m, &n, META_POD_UID, json_get_str(pod, "metadata.uid"));
        if (r >= 0)
                r = pairs_add(&m, &n, META_POD_NS, json_get_str(pod, "metadata.namespace"));
        if (r >= 0)
                r = pairs_add(&m, &n, META_POD_NAME, json_get_str(pod, "metadata.name"));
        if (r >= 0 && json_get_str(pod, "metadata.generateName"))
                r = pairs_add(&m, &n, META_POD_GENERATE_NAME, json_get_str(pod, "metadata.generateName"));
        if (r >= 0)
                r = pairs_add(&m, &n, META_RECORDING, json_get_str(rec, "metadata.name"));
        if (r >= 0)
                r = pairs_add(&m, &n, META_MERGE, json_get_str(rec, "spec.mergeStrategy") ?: "None");
        if (r >= 0)
                r = pairs_add(&m, &n, META_DISABLE,
                              json_get_bool(rec, "spec.disableProfileAfterRecording", false) ? "true" : "false");
        if (r >= 0 && containers)
                r = pairs_add(&m, &n, META_CONTAINERS, containers);
        if (r >= 0)
                r = pairs_add(&m, &n, META_NODE, s->opt.node_name);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static int pod_start_recording(Sync *s, PodTrack *t, json_object *rec)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **meta = NULL;
        _cleanup_free_ char *name = NULL;
        char *selector[] = { (char *)"io.kubernetes.pod.uid", t->uid, NULL };
        unsigned gen = 1;
        int r;

        for (;;) {
                free(name);
                if ((gen == 1 ? asprintf(&name, "k8s-%s", t->uid) : asprintf(&name, "k8s-%s-%u", t->uid, gen)) < 0)
                        return -ENOMEM;
                if (!sync_daemon_find(s, name))
                        break;
                gen++;
        }
        r = recording_metadata(s, t->pod, rec, &meta);
        if (r < 0)
                return r;
        r = sysrec_start_label_recording(s->bus, name, selector, meta, &e);
        if (r < 0) {
                if (sd_bus_error_has_name(&e, SYSREC_ERR("RecordingExists")))
                        s->dirty_daemon = true;
                return log_warning_errno(r, "Failed to start recording %s of pod %s/%s: %s", name,
                                         json_get_str(t->pod, "metadata.namespace"),
                                         json_get_str(t->pod, "metadata.name"), e.message ?: strerror(-r));
        }
        log_info("Recording pod %s/%s for ProfileRecording %s as %s.", json_get_str(t->pod, "metadata.namespace"),
                 json_get_str(t->pod, "metadata.name"), json_get_str(rec, "metadata.name"), name);
        return daemon_add_local(s, name, meta);
}

/* ---- activeWorkloads ---- */

static void mine_set(Sync *s, const char *ns, const char *recording, const char *pod, bool active)
{
        _cleanup_free_ char *key = NULL;
        json_object *m, *cur;

        if (!ns || !recording || !pod || asprintf(&key, "%s/%s", ns, recording) < 0)
                return;
        m = json_ensure_object(s->mine, key);
        if (!m)
                return;
        if (json_object_object_get_ex(m, pod, &cur) && json_object_get_boolean(cur) == active)
                return;
        (void)json_set(m, pod, json_object_new_boolean(active));
        (void)json_set(s->status_dirty, key, json_object_new_boolean(1));
}

typedef struct StatusUpdate {
        json_object *mine;
} StatusUpdate;

static bool strv_equal(char **a, char **b)
{
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

static int apply_active_workloads(json_object *obj, void *userdata, bool *changed)
{
        StatusUpdate *u = userdata;
        _cleanup_strv_free_ char **have = NULL, **want = NULL;
        _cleanup_json_ json_object *arr = json_object_new_array();
        json_object *st;
        int r;

        if (!arr)
                return -ENOMEM;
        r = json_string_set(json_get(obj, "status.activeWorkloads"), &have);
        if (r < 0)
                return r;
        /* Keep what other nodes record; ours as we know it. */
        for (char **i = have; i && *i; i++)
                if (!json_object_object_get_ex(u->mine, *i, NULL))
                        json_object_array_add(arr, json_object_new_string(*i));
        json_object_object_foreach(u->mine, pod, active)
                if (json_object_get_boolean(active))
                        json_object_array_add(arr, json_object_new_string(pod));
        r = json_string_set(arr, &want);
        if (r < 0)
                return r;
        if (strv_equal(have, want))
                return 0;
        st = json_ensure_object(obj, "status");
        if (!st)
                return -ENOMEM;
        *changed = true;
        if (strv_length(want) == 0) {
                json_object_object_del(st, "activeWorkloads");
                return 0;
        }
        json_object_put(arr);
        arr = json_object_new_array();
        for (char **i = want; arr && i && *i; i++)
                json_object_array_add(arr, json_object_new_string(*i));
        return arr ? json_set(st, "activeWorkloads", TAKE_PTR(arr)) : -ENOMEM;
}

int record_status_reconcile(Sync *s)
{
        int r = 0;

        json_object_object_foreach(s->status_dirty, key, unused) {
                _cleanup_free_ char *path = NULL;
                StatusUpdate u = { .mine = json_get(s->mine, key) };
                const char *slash = strchr(key, '/');
                int k;

                (void)unused;
                if (!slash || !u.mine)
                        continue;
                if (asprintf(&path, SPO_PATH "/namespaces/%.*s/profilerecordings/%s/status", (int)(slash - key), key,
                             slash + 1) < 0)
                        return -ENOMEM;
                k = api_update(s, path, apply_active_workloads, &u);
                if (k == -ENOENT) {
                        json_object_object_del(s->mine, key);
                        k = 0;
                }
                if (k < 0) {
                        r = k;
                        continue;
                }
                /* Pods no longer recorded here are out of the status now. */
                if (json_object_object_get_ex(s->mine, key, &u.mine)) {
                        _cleanup_strv_free_ char **drop = NULL;
                        json_object_object_foreach(u.mine, pod, active)
                                if (!json_object_get_boolean(active))
                                        (void)strv_add_unique(&drop, pod);
                        for (char **i = drop; i && *i; i++)
                                json_object_object_del(u.mine, *i);
                }
                json_object_object_del(s->status_dirty, key);
        }
        return r;
}

/* ---- the pod state file: container ids outlive the pod object ---- */

static int pod_statuses_text(json_object *pod, char **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        static const char *const keys[] = { "containerStatuses", "initContainerStatuses",
                                            "ephemeralContainerStatuses" };

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_object *v = json_get(json_get(pod, "status"), keys[i]);
                if (v && json_set(o, keys[i], json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        *ret = strdup(json_text(o));
        return *ret ? 0 : -ENOMEM;
}

static void pod_save(Sync *s, PodTrack *t)
{
        _cleanup_free_ char *statuses = NULL, *file = NULL;
        const char *text;
        int r;

        if (pod_statuses_text(t->pod, &statuses) < 0 || (t->saved_statuses && strcmp(statuses, t->saved_statuses) == 0))
                return;
        if (asprintf(&file, "pod-%s.json", t->uid) < 0)
                return;
        text = json_text(t->pod);
        r = write_file_atomic_at(s->state_fd, file, text, strlen(text), 0600);
        if (r < 0) {
                log_warning_errno(r, "Failed to save pod %s in %s: %m", t->uid, s->opt.state_dir);
                return;
        }
        free(t->saved_statuses);
        t->saved_statuses = TAKE_PTR(statuses);
}

static int pod_load(Sync *s, const char *uid, json_object **ret)
{
        _cleanup_free_ char *file = NULL, *text = NULL;
        size_t size;
        int r;

        if (asprintf(&file, "pod-%s.json", uid) < 0)
                return -ENOMEM;
        r = read_full_file_at(s->state_fd, file, POD_STATE_MAX, &text, &size);
        if (r < 0)
                return r;
        return json_parse(text, size, ret);
}

static void pod_forget(Sync *s, const char *uid)
{
        _cleanup_free_ char *file = NULL;

        if (asprintf(&file, "pod-%s.json", uid) >= 0)
                (void)unlinkat(s->state_fd, file, 0);
}

/* ---- collecting: recordings -> profiles ---- */

/* container id -> container name, from every status list of the pod */
static int pod_container_ids(json_object *pod, json_object **ret)
{
        _cleanup_json_ json_object *m = json_object_new_object();
        static const char *const lists[] = { "status.containerStatuses", "status.initContainerStatuses",
                                             "status.ephemeralContainerStatuses" };
        static const char *const ids[] = { "containerID", "state.terminated.containerID",
                                           "lastState.terminated.containerID" };

        if (!m)
                return -ENOMEM;
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                json_object *a = json_get(pod, lists[l]);

                for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
                        json_object *c = json_object_array_get_idx(a, i);
                        const char *name = json_get_str(c, "name");

                        for (size_t k = 0; name && k < ELEMENTSOF(ids); k++) {
                                const char *id = container_id_strip_runtime(json_get_str(c, ids[k]));
                                if (id && json_set_str(m, id, name) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        *ret = TAKE_PTR(m);
        return 0;
}

/* The names of the pod's containers that the recording wants. */
static int pod_container_names(json_object *pod, const char *filter, char ***ret)
{
        static const char *const lists[] = { "spec.initContainers", "spec.containers" };
        _cleanup_strv_free_ char **names = NULL, **want = NULL;

        if (filter && *filter) {
                _cleanup_free_ char *copy = strdup(filter);
                char *save = NULL;

                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                        if (strv_add_unique(&want, t) < 0)
                                return -ENOMEM;
        }
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                json_object *a = json_get(pod, lists[l]);

                for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
                        const char *n = json_get_str(json_object_array_get_idx(a, i), "name");
                        if (n && (!want || strv_contains(want, n)) && strv_add_unique(&names, n) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(names);
        return 0;
}

static int specs_add(json_object *specs, const char *container, json_object *spec)
{
        json_object *cur = json_get(specs, container);
        _cleanup_json_ json_object *u = NULL;
        int r;

        r = seccomp_spec_union(cur, spec, &u);
        if (r < 0)
                return r;
        return json_set(specs, container, TAKE_PTR(u));
}

static int oci_to_spec(const char *text, json_object **ret)
{
        int r = seccomp_spec_from_oci_text(text, ret);

        if (r < 0)
                log_warning_errno(r, "sysrecd returned a profile that is not OCI seccomp JSON: %m");
        return r;
}

/* Split one recording of a pod into per-container specs (container -> spec). */
static int recording_container_specs(Sync *s, SysrecRecording *rec, json_object *pod, json_object *specs)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *ids = NULL;
        _cleanup_strv_free_ char **names = NULL;
        SysrecCgroup *cgs = NULL;
        size_t n = 0, attributed = 0;
        int r;

        r = pod_container_names(pod, sysrec_metadata_get(rec, META_CONTAINERS), &names);
        if (r >= 0)
                r = pod_container_ids(pod, &ids);
        if (r < 0)
                return r;
        r = sysrec_list_cgroups(s->bus, rec->path, &cgs, &n, &e);
        if (r == -EOPNOTSUPP) {
                /* An older sysrecd cannot split a recording by cgroup: every
                 * container gets the whole pod's profile. */
                _cleanup_free_ char *text = NULL;
                _cleanup_json_ json_object *spec = NULL;

                log_notice("sysrecd has no ListCgroups(); profiles of pod %s are per pod, not per container.",
                           sysrec_metadata_get(rec, META_POD_NAME));
                sd_bus_error_free(&e);
                r = sysrec_get_profile(s->bus, rec->name, "oci", &text, &e);
                if (r >= 0)
                        r = oci_to_spec(text, &spec);
                for (char **i = names; r >= 0 && i && *i; i++)
                        r = specs_add(specs, *i, spec);
                return r < 0 ? log_warning_errno(r, "Failed to get the profile of %s: %s", rec->name,
                                                 e.message ?: strerror(-r))
                             : 0;
        }
        if (r < 0)
                return log_warning_errno(r, "Failed to list the cgroups of %s: %s", rec->name,
                                         e.message ?: strerror(-r));
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *id = NULL, *text = NULL;
                _cleanup_json_ json_object *spec = NULL;
                const char *leaf = strrchr(cgs[i].path, '/'), *name;

                if (container_id_from_cgroup_leaf(leaf ? leaf + 1 : cgs[i].path, &id) < 0)
                        continue;
                name = json_get_str(ids, id);
                /* A container that died before the kubelet reported it: with
                 * one container there is no doubt whose it was. */
                if (!name && strv_length(names) == 1)
                        name = names[0];
                if (!name) {
                        log_notice("Recording %s: cgroup %s is no container the pod reports; skipped.", rec->name,
                                   cgs[i].path);
                        continue;
                }
                attributed++;
                if (!strv_contains(names, name))
                        continue;
                r = sysrec_get_cgroup_profile(s->bus, rec->path, cgs[i].path, "oci", &text, &e);
                if (r < 0) {
                        log_warning_errno(r, "Failed to get the profile of cgroup %s of %s: %s", cgs[i].path,
                                          rec->name, e.message ?: strerror(-r));
                        break;
                }
                r = oci_to_spec(text, &spec);
                if (r >= 0)
                        r = specs_add(specs, name, spec);
        }
        if (r >= 0 && attributed == 0) {
                /* sysrecd knows the recording but not its cgroups (it was
                 * restarted, or the containers never ran): the whole pod's
                 * syscalls, for each container we cannot tell apart. */
                _cleanup_free_ char *text = NULL;
                _cleanup_json_ json_object *spec = NULL;

                sd_bus_error_free(&e);
                r = sysrec_get_profile(s->bus, rec->name, "oci", &text, &e);
                if (r >= 0)
                        r = oci_to_spec(text, &spec);
                if (r >= 0 && seccomp_spec_count(spec) > 0) {
                        if (strv_length(names) > 1)
                                log_notice("Recording %s has no per-container cgroups; each container of pod %s gets the whole pod's syscalls.",
                                           rec->name, sysrec_metadata_get(rec, META_POD_NAME));
                        for (char **c = names; r >= 0 && c && *c; c++)
                                r = specs_add(specs, *c, spec);
                }
                if (r < 0)
                        log_warning_errno(r, "Failed to get the profile of %s: %s", rec->name, e.message ?: strerror(-r));
        }
        sysrec_cgroups_free(cgs, n);
        return r;
}

static bool label_value_ok(const char *v)
{
        size_t n = strlen(v);

        if (n > 63)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(v[i] >= 'a' && v[i] <= 'z') && !(v[i] >= 'A' && v[i] <= 'Z') && !(v[i] >= '0' && v[i] <= '9') &&
                    !((v[i] == '-' || v[i] == '_' || v[i] == '.') && i > 0 && i < n - 1))
                        return false;
        return true;
}

static int profile_labels(const char *recording, const char *ns, const char *container, const char *name,
                          bool partial, json_object **ret)
{
        _cleanup_json_ json_object *l = json_object_new_object();
        _cleanup_free_ char *profile_id = NULL;
        int r;

        if (!l || asprintf(&profile_id, "SeccompProfile-%s", name) < 0)
                return -ENOMEM;
        r = json_set_str(l, LABEL_RECORDING_ID, recording);
        if (r >= 0)
                r = json_set_str(l, LABEL_RECORDING_NS, ns);
        if (r >= 0 && label_value_ok(container))
                r = json_set_str(l, LABEL_CONTAINER_ID, container);
        if (r >= 0 && label_value_ok(profile_id))
                r = json_set_str(l, LABEL_PROFILE_ID, profile_id);
        if (r >= 0 && partial)
                r = json_set_str(l, LABEL_PARTIAL, "true");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* <recording>-<container>[-<replica suffix>]: the suffix is what the pod's
 * name adds to its generateName (a ReplicaSet's pods), as SPO names them. */
static int profile_name(SysrecRecording *rec, const char *container, char **ret)
{
        const char *recording = sysrec_metadata_get(rec, META_RECORDING), *pod = sysrec_metadata_get(rec, META_POD_NAME),
                   *gen = sysrec_metadata_get(rec, META_POD_GENERATE_NAME), *suffix = NULL;

        if (gen && pod && strlen(pod) > strlen(gen) && strncmp(pod, gen, strlen(gen)) == 0)
                suffix = pod + strlen(gen);
        if (asprintf(ret, "%s-%s%s%s", recording, container, suffix ? "-" : "", strempty(suffix)) < 0)
                return -ENOMEM;
        return 0;
}

/* lost: the recordings of spec that lost kernel state (see profile_complete_set()). */
static int write_profile(Sync *s, SysrecRecording *rec, const char *container, json_object *spec, const char *lost)
{
        const char *recording = sysrec_metadata_get(rec, META_RECORDING), *ns = sysrec_metadata_get(rec, META_POD_NS);
        bool merge = strcmp(strempty(sysrec_metadata_get(rec, META_MERGE)), "Containers") == 0;
        bool disable = strcmp(strempty(sysrec_metadata_get(rec, META_DISABLE)), "true") == 0;
        _cleanup_json_ json_object *labels = NULL, *st = NULL;
        _cleanup_free_ char *name = NULL, *merged = NULL;
        json_object *prec;
        int r;

        if (!recording || !ns)
                return 0;
        r = profile_name(rec, container, &name);
        if (r < 0)
                return r;
        if (disable && json_set_str(spec, "state", "Disabled") < 0)
                return -ENOMEM;
        if (!merge) {
                r = profile_labels(recording, ns, container, name, false, &labels);
                if (r >= 0)
                        r = api_create_or_update_profile(s, name, labels, NULL, spec);
                return r < 0 ? r : profile_complete_set(s, name, lost, true);
        }

        prec = informer_get(s->recordings, ns, recording);
        if (!prec) {
                /* The recording is gone and its partial profiles merged:
                 * what this pod adds goes straight into the merged profile. */
                if (asprintf(&merged, "%s-%s", recording, container) < 0)
                        return -ENOMEM;
                r = profile_labels(recording, ns, container, merged, false, &labels);
                if (r >= 0)
                        r = api_union_into_profile(s, merged, labels, spec);
                if (r >= 0)
                        r = profile_complete_set(s, merged, lost, false);
                if (r >= 0)
                        log_info("ProfileRecording %s/%s is gone; merged pod %s into %s.", ns, recording,
                                 sysrec_metadata_get(rec, META_POD_NAME), merged);
                return r;
        }
        /* The finalizer keeps the recording until its partial profiles are merged. */
        r = api_recording_finalizer(s, ns, recording, FINALIZER_UNMERGED, true);
        if (r < 0)
                return r;
        r = profile_labels(recording, ns, container, name, true, &labels);
        if (r >= 0)
                r = api_create_or_update_profile(s, name, labels, NULL, spec);
        if (r >= 0)
                r = profile_complete_set(s, name, lost, true);
        if (r < 0)
                return r;
        st = json_object_new_object();
        if (!st || json_set_str(st, "status", "Partial") < 0)
                return -ENOMEM;
        return api_patch_profile_status(s, name, st);
}

/* Without the pod's containers, the whole pod's profile, named after the pod. */
static int recording_whole_spec(Sync *s, SysrecRecording *rec, json_object *specs)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ json_object *spec = NULL;
        int r;

        r = sysrec_get_profile(s->bus, rec->name, "oci", &text, &e);
        if (r < 0)
                return log_warning_errno(r, "Failed to get the profile of %s: %s", rec->name, e.message ?: strerror(-r));
        r = oci_to_spec(text, &spec);
        if (r < 0)
                return r;
        return specs_add(specs, "pod", spec);
}

/* Name a recording that lost kernel state in slot's "lost" list. */
static int lost_add(json_object *slot, const char *recording)
{
        const char *have = json_get_str(slot, "lost");
        _cleanup_free_ char *l = NULL;

        if (asprintf(&l, "%s%s%s", strempty(have), have ? " " : "", recording) < 0)
                return -ENOMEM;
        return json_set_str(slot, "lost", l);
}

/* Stop, split and publish every recording of pod uid, then remove them. pod:
 * the last version of the pod (NULL: from the state file). */
static int pod_collect(Sync *s, const char *uid, json_object *pod)
{
        _cleanup_json_ json_object *saved = NULL, *out = json_object_new_object();
        _cleanup_strv_free_ char **names = NULL;
        bool any = false;
        int r;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_daemon; i++)
                any = any || daemon_is_pod_recording(s, &s->daemon[i], uid);
        if (!any)
                return 0;
        if (!pod) {
                r = pod_load(s, uid, &saved);
                if (r < 0)
                        log_warning_errno(r, "Pod %s is gone and its state file with it (%m); its containers cannot be told apart.",
                                          uid);
                pod = saved;
        }

        /* container -> { recording index that names it, spec } */
        for (size_t i = 0; i < s->n_daemon; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                _cleanup_json_ json_object *specs = json_object_new_object();
                SysrecRecording *rec = &s->daemon[i];

                if (!daemon_is_pod_recording(s, rec, uid))
                        continue;
                if (!specs)
                        return -ENOMEM;
                if (strcmp(rec->state, "recording") == 0) {
                        r = sysrec_stop_recording(s->bus, rec->name, &e);
                        if (r < 0 && !sd_bus_error_has_name(&e, SYSREC_ERR("RecordingActive")))
                                return log_warning_errno(r, "Failed to stop recording %s: %s", rec->name,
                                                         e.message ?: strerror(-r));
                        free(rec->state);
                        rec->state = strdup("stopped");
                        if (!rec->state)
                                return -ENOMEM;
                }
                if (pod)
                        r = recording_container_specs(s, rec, pod, specs);
                else
                        r = recording_whole_spec(s, rec, specs);
                if (r < 0)
                        return r;
                json_object_object_foreach(specs, ctr, spec) {
                        _cleanup_free_ char *pname = NULL;
                        json_object *slot;

                        r = profile_name(rec, ctr, &pname);
                        if (r < 0)
                                return r;
                        slot = json_ensure_object(out, pname);
                        if (!slot || json_set(slot, "rec", json_object_new_int64((int64_t)i)) < 0 ||
                            json_set_str(slot, "container", ctr) < 0 || specs_add(slot, "spec", spec) < 0 ||
                            (!rec->complete && lost_add(slot, rec->name) < 0))
                                return -ENOMEM;
                }
        }
        json_object_object_foreach(out, pname, slot) {
                SysrecRecording *rec = &s->daemon[json_object_get_int64(json_get(slot, "rec"))];

                r = write_profile(s, rec, json_get_str(slot, "container"), json_get(slot, "spec"),
                                  json_get_str(slot, "lost"));
                if (r < 0)
                        return r;
                log_debug("Profile %s written.", pname);
        }
        /* Everything is in the API server: now the recordings may go. */
        for (size_t i = 0; i < s->n_daemon; i++)
                if (daemon_is_pod_recording(s, &s->daemon[i], uid) && strv_add_unique(&names, s->daemon[i].name) < 0)
                        return -ENOMEM;
        for (char **n = names; n && *n; n++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                r = sysrec_remove_recording(s->bus, *n, &e);
                if (r < 0 && !sd_bus_error_has_name(&e, SYSREC_ERR("NoSuchRecording")))
                        return log_warning_errno(r, "Failed to remove recording %s: %s", *n, e.message ?: strerror(-r));
                daemon_forget_local(s, *n);
        }
        pod_forget(s, uid);
        log_info("Collected pod %s: %d profile(s).", uid, json_object_object_length(out));
        return 0;
}

/* ---- the pass ---- */

static int pod_finish(Sync *s, PodTrack *t)
{
        int r = pod_collect(s, t->uid, t->pod);

        if (r < 0)
                return r;
        pod_unregister(s, t);
        t->done = true;
        return 0;
}

static int reconcile_pod(Sync *s, json_object *pod)
{
        const char *uid = json_get_str(pod, "metadata.uid"), *ns = json_get_str(pod, "metadata.namespace"),
                   *pname = json_get_str(pod, "metadata.name");
        SysrecRecording *active;
        PodTrack *t;
        json_object *rec;
        int r;

        if (!uid || !ns || !pname)
                return 0;
        t = pod_track_find(s, uid) ?: track_add(s, uid);
        if (!t)
                return -ENOMEM;
        json_object_put(t->pod);
        t->pod = json_object_get(pod);
        if (t->done)
                return 0;

        active = daemon_active_recording(s, uid);
        if (pod_terminal(pod)) {
                if (active)
                        mine_set(s, ns, sysrec_metadata_get(active, META_RECORDING), pname, false);
                return pod_finish(s, t);
        }
        if (active) {
                const char *recname = sysrec_metadata_get(active, META_RECORDING);
                json_object *prec = informer_get(s->recordings, ns, strempty(recname));

                /* Its ProfileRecording is being deleted: collect what there is now. */
                if (!prec || is_deleting(prec)) {
                        mine_set(s, ns, recname, pname, false);
                        return pod_finish(s, t);
                }
                mine_set(s, ns, recname, pname, true);
                pod_save(s, t);
        } else if (!is_deleting(pod) && (rec = pod_find_recording(s, pod))) {
                r = pod_start_recording(s, t, rec);
                if (r < 0)
                        return r;
                mine_set(s, ns, json_get_str(rec, "metadata.name"), pname, true);
                pod_save(s, t);
        }
        if (!t->registered)
                return pod_register(s, t);
        return 0;
}

static bool track_pod_exists(Sync *s, PodTrack *t)
{
        json_object *cur = informer_get(s->pods, json_get_str(t->pod, "metadata.namespace"),
                                        strempty(json_get_str(t->pod, "metadata.name")));

        return cur && strcmp(strempty(json_get_str(cur, "metadata.uid")), t->uid) == 0;
}

int record_reconcile(Sync *s)
{
        _cleanup_strv_free_ char **orphans = NULL;
        int r = 0, k;

        if (!s->dirty_record)
                return 0;
        s->dirty_record = false;

        json_object_object_foreach(informer_cache(s->pods), key, pod) {
                k = reconcile_pod(s, pod);
                if (k < 0) {
                        log_debug_errno(k, "Pod %s: will retry (%m).", key);
                        r = k;
                }
        }
        /* Pods that are gone: their last version says which containers ran. */
        for (size_t i = s->n_tracks; i > 0; i--) {
                PodTrack *t = s->tracks[i - 1];

                if (track_pod_exists(s, t))
                        continue;
                if (!t->done) {
                        const char *ns = json_get_str(t->pod, "metadata.namespace"),
                                   *pname = json_get_str(t->pod, "metadata.name");
                        SysrecRecording *active = daemon_active_recording(s, t->uid);

                        if (active)
                                mine_set(s, ns, sysrec_metadata_get(active, META_RECORDING), pname, false);
                        k = pod_finish(s, t);
                        if (k < 0) {
                                r = k;
                                continue;
                        }
                }
                pod_forget(s, t->uid);
                track_remove(s, t);
        }
        /* Recordings of pods that ended while the sidecar was away. */
        for (size_t i = 0; i < s->n_daemon; i++) {
                const char *uid = sysrec_metadata_get(&s->daemon[i], META_POD_UID);

                if (daemon_is_pod_recording(s, &s->daemon[i], NULL) && !pod_track_find(s, uid) &&
                    strv_add_unique(&orphans, uid) < 0)
                        return -ENOMEM;
        }
        for (char **u = orphans; u && *u; u++) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                log_info("Pod %s ended while nobody watched; collecting its recordings.", *u);
                k = pod_collect(s, *u, NULL);
                if (k < 0) {
                        r = k;
                        continue;
                }
                /* sysrecd still has it registered if it outlived the sidecar */
                (void)sysrec_unregister_workload(s->bus, *u, &e);
        }
        if (r < 0)
                s->dirty_record = true;
        return r;
}
