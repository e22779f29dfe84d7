/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecd's registered workloads against this node's pods, after the sidecar
 * starts and whenever sysrecd (re)appears on the bus. Either may have missed
 * the other's changes: pods that ended while the sidecar was away stay
 * registered, and a sysrecd that kept its workloads may hold some for pods
 * it never heard the end of. So the sidecar asks for the list
 * (ListWorkloads) and
 *
 *   - unregisters the workloads it registered (their labels carry
 *     io.kubernetes.pod.uid equal to the id) whose pod is no longer bound to
 *     this node, or whose cgroup is not the one the kubelet uses for it;
 *   - marks the pods whose workload is missing as not registered, so that the
 *     record pass registers them again (an existing one is never registered a
 *     second time: RegisterWorkload refuses a known id).
 *
 * Workloads someone else registered are left alone.
 */
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "log.h"
#include "sync.h"

#define LABEL_POD_UID "io.kubernetes.pod.uid"

static json_object *pod_by_uid(Sync *s, const char *uid)
{
        json_object_object_foreach(informer_cache(s->pods), key, pod) {
                (void)key;
                if (strcmp(strempty(json_get_str(pod, "metadata.uid")), uid) == 0)
                        return pod;
        }
        return NULL;
}

static bool cgroup_equal(const char *a, const char *b)
{
        size_t la, lb;

        a += strspn(a, "/");
        b += strspn(b, "/");
        la = strlen(a);
        lb = strlen(b);
        while (la > 0 && a[la - 1] == '/')
                la--;
        while (lb > 0 && b[lb - 1] == '/')
                lb--;
        return la == lb && strncmp(a, b, la) == 0;
}

/* Is w the workload this node's pod should have? */
static bool workload_wanted(Sync *s, const SysrecWorkload *w)
{
        _cleanup_free_ char *cgroup = NULL;
        json_object *pod = pod_by_uid(s, w->id);
        const char *qos = json_get_str(pod, "status.qosClass");

        if (!pod || !qos)
                return false;
        if (kubelet_pod_cgroup(s->opt.driver, s->opt.cgroup_root, qos, w->id, &cgroup) < 0)
                return false;
        return cgroup_equal(cgroup, w->cgroup);
}

int workloads_reconcile(Sync *s)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        SysrecWorkload *l = NULL;
        size_t n = 0;
        unsigned dropped = 0, missing = 0;
        int r;

        if (!s->dirty_workloads)
                return 0;
        r = sysrec_list_workloads(s->bus, &l, &n, &e);
        if (r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                log_notice("sysrecd cannot list its workloads; pods that ended meanwhile stay registered.");
                s->dirty_workloads = false;
                return 0;
        }
        if (r < 0)
                return log_warning_errno(r, "Failed to list sysrecd's workloads: %s", e.message ?: strerror(-r));

        for (size_t i = 0; i < s->n_tracks; i++)
                s->tracks[i]->registered = false;
        for (size_t i = 0; i < n; i++) {
                const char *uid = sysrec_pairs_get(l[i].labels, LABEL_POD_UID);
                PodTrack *t;

                if (!uid || strcmp(uid, l[i].id) != 0)
                        continue; /* not registered by a sidecar */
                t = pod_track_find(s, l[i].id);
                if (workload_wanted(s, &l[i])) {
                        if (t && !t->done)
                                t->registered = true;
                        continue;
                }
                sd_bus_error_free(&e);
                r = sysrec_unregister_workload(s->bus, l[i].id, &e);
                if (r < 0 && !sd_bus_error_has_name(&e, SYSREC_ERR("NoSuchWorkload"))) {
                        log_warning_errno(r, "Failed to unregister workload %s: %s", l[i].id,
                                          e.message ?: strerror(-r));
                        sysrec_workloads_free(l, n);
                        return r;
                }
                log_info("Unregistered workload %s (cgroup %s): no pod of node %s has it.", l[i].id, l[i].cgroup,
                         s->opt.node_name);
                dropped++;
        }
        for (size_t i = 0; i < s->n_tracks; i++)
                if (!s->tracks[i]->registered && !s->tracks[i]->done)
                        missing++;
        if (dropped > 0)
                log_info("Workloads in sysrecd: %zu, %u unregistered, %u pod(s) to register.", n, dropped, missing);
        else
                log_debug("Workloads in sysrecd: %zu, %u pod(s) to register.", n, missing);
        sysrec_workloads_free(l, n);
        s->dirty_workloads = false;
        s->dirty_record = true;
        return 0;
}
