/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers the benchmark's BPF loaders share: the design variants of
 * variants.bpf.c, loaded and tracking one cgroup, and a census of the
 * programs on the sys_enter tracepoint.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "variants.skel.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct bench_variants *, bench_variants__destroy)

/* Load every variant (those needing CGRP_STORAGE only where the kernel has
 * it) and track the cgroup at dir in each variant's maps, as sysrecd would. */
int variants_open(const char *dir, struct bench_variants **ret);

/* The link slot and program of a loaded variant by name; NULL if none. */
struct bpf_link **variants_link(struct bench_variants *skel, const char *name, struct bpf_program **ret);

/* Count the programs on sys_enter: those whose id is in ours[] and the others. */
int sys_enter_census(const uint32_t *ours, size_t n_ours, unsigned *ret_ours, unsigned *ret_foreign);
