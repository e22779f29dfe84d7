/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sidecar's state on one node. Informers keep caches of this node's pods,
 * of every ProfileRecording and of every SeccompProfile; the connection to
 * sysrecd keeps a list of its recordings. Every change marks work as dirty
 * and one deferred reconcile pass brings the daemon, the API server and the
 * node's profile files in line with them. Each pass is level-based and
 * idempotent: after a restart of the sidecar, of sysrecd or of the API server
 * the same pass finds what is left to do, so nothing is lost or done twice.
 *
 *   sync-record.c   pods + ProfileRecordings -> workloads and recordings in
 *                   sysrecd; ended pods -> SeccompProfiles; activeWorkloads
 *   sync-workloads.c  sysrecd's workload list checked against the pods
 *   sync-merge.c    mergeStrategy Containers: partial profiles -> one per container
 *   sync-install.c  SeccompProfiles -> <kubelet-dir>/seccomp/operator/<name>.json
 *   sync-base.c     baseProfileName: the chain of base profiles unioned in
 *   sync-node-status.c  each node's install state in the profile's status
 *   sync-publish.c  recordings started with "publish" -> SeccompProfiles
 *   sync-api.c      the object writes they share (create-or-update, status, finalizers)
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "informer.h"
#include "kube-client.h"
#include "kubelet-cgroup.h"
#include "sysrec-client.h"

#define SPO_GROUP "security-profiles-operator.x-k8s.io"
#define SPO_API SPO_GROUP "/v1"
#define SPO_PATH "/apis/" SPO_API
#define LABEL_RECORDING_ID "spo.x-k8s.io/recording-id"
#define LABEL_RECORDING_NS "spo.x-k8s.io/recording-namespace"
#define LABEL_CONTAINER_ID "spo.x-k8s.io/container-id"
#define LABEL_PROFILE_ID "spo.x-k8s.io/profile-id"
#define LABEL_PARTIAL "spo.x-k8s.io/partial"
#define FINALIZER_UNMERGED "spo.x-k8s.io/has-unmerged-profiles"

/* Metadata the sidecar keeps with each pod recording in sysrecd, so that the
 * recording alone says what to make of it after any restart. */
#define META_POD_UID "k8s.pod-uid"
#define META_POD_NS "k8s.namespace"
#define META_POD_NAME "k8s.pod"
#define META_POD_GENERATE_NAME "k8s.pod-generate-name"
#define META_RECORDING "k8s.recording"
#define META_MERGE "k8s.merge-strategy"
#define META_DISABLE "k8s.disable-profile-after-recording"
#define META_CONTAINERS "k8s.containers"
#define META_NODE "k8s.node"

typedef struct SyncOptions {
        const char *node_name;
        const char *kubelet_dir;
        const char *state_dir;
        const char *cgroup_root;
        CgroupDriver driver;
        uint64_t max_backoff_usec;
        long watch_timeout_sec;
} SyncOptions;

/* A pod of this node the sidecar has seen. */
typedef struct PodTrack {
        char *uid;
        json_object *pod;    /* the last version seen */
        bool registered;     /* RegisterWorkload done with the current sysrecd */
        bool done;           /* its recordings are collected; nothing more to do */
        char *saved_statuses; /* container statuses last written to the state file */
} PodTrack;

typedef struct Sync {
        SyncOptions opt;
        sd_event *event;
        sd_bus *bus;
        KubeClient *kube;
        Informer *pods, *recordings, *profiles;

        sd_event_source *defer;  /* the reconcile pass */
        sd_event_source *retry;  /* the pass again after a failure */
        sd_event_source *reconnect;
        uint64_t backoff;
        bool dirty_record, dirty_install, dirty_daemon, dirty_workloads, ready_notified;

        bool daemon_up;
        SysrecRecording *daemon;  /* sysrecd's recordings, refreshed when dirty_daemon */
        size_t n_daemon;

        PodTrack **tracks;
        size_t n_tracks;
        json_object *mine;    /* "ns/name" of a recording -> { pod name: recorded here now? } */
        json_object *status_dirty; /* "ns/name" of recordings whose activeWorkloads may be stale */
        json_object *published; /* sources already published -> true (state dir: published.json) */
        bool published_loaded;
        int state_fd;         /* --state-dir */
        int operator_fd;      /* <kubelet-dir>/seccomp/operator */
} Sync;

int sync_new(const SyncOptions *o, KubeConfig *config, Sync **ret);
Sync *sync_free(Sync *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Sync *, sync_free)
int sync_run(Sync *s);

/* Run the reconcile pass soon. */
void sync_schedule(Sync *s);
/* Refresh s->daemon from sysrecd. */
int sync_daemon_refresh(Sync *s);
SysrecRecording *sync_daemon_find(Sync *s, const char *name);

/* sync-record.c */
int record_reconcile(Sync *s);
int record_status_reconcile(Sync *s);
void pod_track_free(PodTrack *t);
PodTrack *pod_track_find(Sync *s, const char *uid);

/* sync-workloads.c: sysrecd's workloads (ListWorkloads) brought in line with
 * this node's pods after the sidecar or sysrecd (re)started. */
int workloads_reconcile(Sync *s);

/* sync-merge.c */
int merge_reconcile(Sync *s);

/* sync-install.c */
int install_reconcile(Sync *s);

/* sync-base.c: the profile's spec with the syscalls of its chain of base
 * profiles (spec.baseProfileName) unioned in. On failure *ret_message says
 * why: -ENOENT a base does not exist (yet), -ELOOP a cycle, -EMLINK too long a
 * chain, -EPROTONOSUPPORT an oci:// base. */
int base_resolve(Sync *s, json_object *profile, json_object **ret_spec, char **ret_message);
/* The same with profiles looked up by name through lookup (NULL: no such profile). */
typedef json_object *(*base_lookup_fn_t)(const char *name, void *userdata);
int base_resolve_full(json_object *profile, base_lookup_fn_t lookup, void *userdata, json_object **ret_spec,
                      char **ret_message);

/* sync-node-status.c: this node's part of a SeccompProfile's status. */
char *node_finalizer_name(const char *node);
bool node_has_finalizer(Sync *s, json_object *profile);
int node_finalizer(Sync *s, json_object *profile, bool add);
/* On a profile being deleted: drop the finalizers of nodes that left the cluster. */
int node_release_departed(Sync *s, json_object *profile);
/* Record this node's state (reason: Installed, Disabled, Terminating,
 * BaseProfileMissing, or an error's) and fold every node's into status. */
int node_status_set(Sync *s, json_object *profile, const char *reason, const char *message);
/* This node's condition on whether profile name holds everything its recordings
 * saw: lost names (space-separated) those whose Complete property is false, NULL
 * if none; replace: the profile was written anew, not unioned (a False condition
 * then gives way). */
int profile_complete_set(Sync *s, const char *name, const char *lost, bool replace);
/* The complete conditions of the profile from (a partial one) into profile name. */
int profile_complete_carry(Sync *s, const char *name, json_object *from);
/* The read-modify-write step of both, on a SeccompProfile object (exposed for tests). */
int complete_condition_apply(json_object *obj, const char *type, const char *lost, bool replace, bool *changed);

/* sync-publish.c */
int publish_reconcile(Sync *s);

/* sync-api.c */
typedef int (*api_update_fn_t)(json_object *obj, void *userdata, bool *changed);
/* GET path, let fn change the object, PUT it back with its resourceVersion;
 * on 409 Conflict start over (a few times). */
int api_update(Sync *s, const char *path, api_update_fn_t fn, void *userdata);
/* Create, or update an existing object's spec and labels (conflicts retried). */
int api_create_or_update_profile(Sync *s, const char *name, json_object *labels, json_object *annotations,
                                 json_object *spec);
/* Create, or union spec into an existing profile (conflicts retried). */
int api_union_into_profile(Sync *s, const char *name, json_object *labels, json_object *spec);
/* JSON merge patch of a profile's status subresource. */
int api_patch_profile_status(Sync *s, const char *name, json_object *status);
int api_delete(Sync *s, const char *path);
/* Add (add=true) or remove a finalizer of the object at path (conflicts retried). */
int api_object_finalizer(Sync *s, const char *path, const char *finalizer, bool add);
/* The same for a ProfileRecording. */
int api_recording_finalizer(Sync *s, const char *ns, const char *name, const char *finalizer, bool add);
/* A DNS-1123 label value derived from s (lower case, [a-z0-9.-], at most max). */
char *name_sanitize(const char *s, size_t max);
