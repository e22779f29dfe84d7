/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SeccompProfile specs (security-profiles-operator.x-k8s.io/v1) and the OCI
 * seccomp JSON that sysrecd writes and runtimes read: conversion both ways
 * and the union of two specs (merging replicas and partial profiles). Results
 * are deterministic: architectures and names sorted, rules in a stable order.
 */
#pragma once

#include <json-c/json.h>

/* OCI seccomp JSON (sysrecd's "oci" format) -> SeccompProfile spec. */
int seccomp_spec_from_oci(json_object *oci, json_object **ret);
int seccomp_spec_from_oci_text(const char *text, json_object **ret);

/* The union of two specs: every syscall either allows, for every architecture
 * either names. a's defaultAction wins if they differ. NULL a or b: a copy of
 * the other. */
int seccomp_spec_union(json_object *a, json_object *b, json_object **ret);

/* The file the kubelet hands the runtime for localhostProfile: the OCI
 * seccomp JSON of a spec, pretty-printed, ending in a newline. */
int seccomp_spec_to_oci_text(json_object *spec, char **ret);

/* The number of syscall names a spec allows (for logs and tests). */
size_t seccomp_spec_count(json_object *spec);
