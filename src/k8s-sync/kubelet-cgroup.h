/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the kubelet puts a pod's cgroup, and which container a container
 * runtime's leaf cgroup belongs to. The kubelet names pod cgroups after the
 * QoS class and the pod UID below its --cgroup-root:
 *
 *   cgroupfs: <root>/kubepods[/burstable|/besteffort]/pod<uid>
 *   systemd:  <root>/kubepods.slice[/kubepods-burstable.slice]/kubepods-burstable-pod<uid_>.slice
 *             (each component is a slice nested in its prefix, '-' escaped as '_')
 *
 * and the runtimes name a container's cgroup below it
 *
 *   containerd: cri-containerd-<id>.scope (systemd) or <id> (cgroupfs)
 *   CRI-O:      crio-<id>.scope / crio-<id>; conmon: crio-conmon-<id>.scope (not the container)
 *   cri-dockerd: docker-<id>.scope
 */
#pragma once

typedef enum CgroupDriver {
        CGROUP_DRIVER_SYSTEMD,
        CGROUP_DRIVER_CGROUPFS,
        _CGROUP_DRIVER_MAX,
        _CGROUP_DRIVER_INVALID = -22,
} CgroupDriver;

CgroupDriver cgroup_driver_from_string(const char *s);
const char *cgroup_driver_to_string(CgroupDriver d);

/* qos: Guaranteed, Burstable or BestEffort (as in status.qosClass); root:
 * the kubelet's --cgroup-root ("/" by default). The result is relative to
 * the cgroup2 mount, starting with '/'. -EINVAL for a bad QoS class or UID. */
int kubelet_pod_cgroup(CgroupDriver d, const char *root, const char *qos, const char *uid, char **ret);

/* The container id in a leaf cgroup name, or -ENOENT if the leaf is not a
 * container (a conmon scope, the pod cgroup itself, anything else). */
int container_id_from_cgroup_leaf(const char *leaf, char **ret);

/* "containerd://<id>" -> "<id>"; NULL if s has no "<runtime>://" prefix. */
const char *container_id_strip_runtime(const char *s);
