/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sidecar's side of org.sysrec1: thin, synchronous wrappers around the
 * calls it makes. Each returns 0 or -errno and leaves the D-Bus error in
 * *error so that callers can tell WorkloadExists from NoSuchCgroup.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

#define SYSREC_BUS_NAME "org.sysrec1"
#define SYSREC_ERR(x) "org.sysrec1.Error." x

typedef struct SysrecRecording {
        char *name;
        char *state; /* recording, stopped, failed */
        char *path;
        bool publish;
        char **metadata; /* alternating keys and values */
        uint64_t stopped_usec;
        bool complete; /* false: part of its kernel state was lost, its profile may lack syscalls */
} SysrecRecording;

typedef struct SysrecCgroup {
        uint64_t id;
        char *path;
} SysrecCgroup;

typedef struct SysrecWorkload {
        char *id;
        char *cgroup;
        char **labels; /* alternating keys and values */
} SysrecWorkload;

void sysrec_recordings_free(SysrecRecording *l, size_t n);
void sysrec_workloads_free(SysrecWorkload *l, size_t n);
/* The value of key in alternating keys and values, or NULL. */
const char *sysrec_pairs_get(char **pairs, const char *key);
void sysrec_cgroups_free(SysrecCgroup *l, size_t n);
const char *sysrec_metadata_get(const SysrecRecording *r, const char *key);

int sysrec_register_workload(sd_bus *bus, const char *id, const char *cgroup, char **labels, sd_bus_error *error);
int sysrec_unregister_workload(sd_bus *bus, const char *id, sd_bus_error *error);
/* ListWorkloads: every registered workload, whoever registered it. */
int sysrec_list_workloads(sd_bus *bus, SysrecWorkload **ret, size_t *ret_n, sd_bus_error *error);
/* A recording of every registered workload carrying all pairs of selector. */
int sysrec_start_label_recording(sd_bus *bus, const char *name, char **selector, char **metadata,
                                 sd_bus_error *error);
int sysrec_stop_recording(sd_bus *bus, const char *name, sd_bus_error *error);
int sysrec_remove_recording(sd_bus *bus, const char *name, sd_bus_error *error);
int sysrec_get_profile(sd_bus *bus, const char *name, const char *format, char **ret, sd_bus_error *error);
/* Every recording with its State, Publish, Metadata, StoppedUSec and Complete. */
int sysrec_list_recordings(sd_bus *bus, SysrecRecording **ret, size_t *ret_n, sd_bus_error *error);
int sysrec_get_recording(sd_bus *bus, const char *name, SysrecRecording *ret, sd_bus_error *error);
/* org.sysrec1.Recording.ListCgroups / GetCgroupProfile (-EOPNOTSUPP if the daemon lacks them). */
int sysrec_list_cgroups(sd_bus *bus, const char *object_path, SysrecCgroup **ret, size_t *ret_n,
                        sd_bus_error *error);
int sysrec_get_cgroup_profile(sd_bus *bus, const char *object_path, const char *cgroup, const char *format,
                              char **ret, sd_bus_error *error);
