/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pinning of the recorder's maps and links in bpffs, so that recordings go
 * on while sysrecd is down (crash, restart, upgrade) and the next instance
 * takes them over. Internal to recorder.c.
 */
#pragma once

#include <bpf/libbpf.h>

#include "sysrec-bpf.h"
#include "sysrec.skel.h"

/* Check that root is on a bpf filesystem; make root/v<layout>. */
int pin_dir_prepare(const char *root, char **ret_dir);
int pin_set_map_paths(struct sysrec_bpf *skel, const char *dir);
/* Pin our links in dir, replacing (and thereby detaching) older ones. */
int pin_links_replace(const char *dir, struct bpf_link *mkdir, struct bpf_link *enter);
void pin_links_remove(const char *dir);

/* Older layouts next to dir (root/v1 ...): their cgroup entries are copied
 * into our map (the common prefix of the value; bits OR-ed into entries we
 * have), calling added() for each new key. Returns the number of old
 * directories found. */
typedef void (*pin_added_cb_t)(uint64_t cgroup_id, void *userdata);
int pin_copy_old_layouts(struct sysrec_bpf *skel, const char *dir, pin_added_cb_t added, void *userdata);
/* Detach the old layouts' programs (remove their link pins). */
void pin_remove_old_layouts_links(const char *dir);
/* Remove everything the old layouts pinned. */
void pin_remove_old_layouts(const char *dir);
