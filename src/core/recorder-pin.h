/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pinning of the recorder's maps and links in bpffs, so that recordings go
 * on while sysrecd is down (crash, restart, upgrade) and the next instance
 * takes them over. Internal to recorder.c.
 */
#pragma once

#include <bpf/libbpf.h>
#include <stdbool.h>

#include "sysrec-bpf.h"
#include "sysrec.skel.h"

/* Check that root is on a bpf filesystem; make root/v<layout>. */
int pin_dir_prepare(const char *root, char **ret_dir);
int pin_set_map_paths(struct sysrec_bpf *skel, const char *dir);
/* Pin our links in dir, replacing (and thereby detaching) older ones. */
int pin_links_replace(const char *dir, struct bpf_link *mkdir, struct bpf_link *enter);
void pin_links_remove(const char *dir);
bool pin_links_present(const char *dir);

/* What a previous instance left pinned in dir, before our maps are loaded. */
typedef enum PinFound {
        PIN_FOUND_NOTHING, /* no maps (first start, reboot, pins removed) */
        PIN_FOUND_PARTIAL, /* some maps only: removed, so nothing is taken over; *ret_missing names one */
        PIN_FOUND_MAPS,    /* every map, no links: the programs were detached while no instance ran */
        PIN_FOUND_ALL,     /* maps and links: the kernel went on recording */
} PinFound;
PinFound pin_dir_inspect(const char *dir, char **ret_missing);

/* Older layouts next to dir (root/v1 ...): carry() is called for each of
 * their cgroup entries (the common prefix of the value, zero-extended) and
 * adds it to our maps, or its bits to the entry we have; it returns > 0 when
 * it added one. Returns the number of old directories found. */
typedef int (*pin_carry_cb_t)(uint64_t cgroup_id, const struct sysrec_cgroup *v, void *userdata);
int pin_copy_old_layouts(const char *dir, pin_carry_cb_t carry, void *userdata);
/* Whether an older layout's links are pinned (it went on recording). */
bool pin_old_layouts_links_present(const char *dir);
/* Detach the old layouts' programs (remove their link pins). */
void pin_remove_old_layouts_links(const char *dir);
/* Remove everything the old layouts pinned. */
void pin_remove_old_layouts(const char *dir);
