/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See bench-util.h. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "sysrec-bpf.h"
#include "bench-util.h"

static uint32_t filter_slot(uint64_t id)
{
        return (uint32_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - SYSREC_FILTER_BITS));
}

static bool uses_cgrp_storage(const struct bpf_program *p)
{
        const char *n = bpf_program__name(p);
        return strcmp(n, "v_storage") == 0 || strcmp(n, "v_btf") == 0;
}

/* Without CGRP_STORAGE (Linux < 6.2), the variants that need it are left out. */
static int load(bool storage, struct bench_variants **ret)
{
        _cleanup_(bench_variants__destroyp) struct bench_variants *skel = NULL;
        struct bpf_program *p;
        int r;

        skel = bench_variants__open();
        if (!skel)
                return negative_errno();
        if (!storage) {
                bpf_map__set_autocreate(skel->maps.cgstore, false);
                bpf_object__for_each_program(p, skel->obj)
                        if (uses_cgrp_storage(p))
                                bpf_program__set_autoload(p, false);
        }
        r = bench_variants__load(skel);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(skel);
        return 0;
}

static int track(struct bench_variants *skel, const char *dir)
{
        struct sysrec_cgroup v = { .recording = 1 };
        struct {
                uint64_t cgid;
                struct sysrec_cgroup cg;
        } slot = { .cg = v };
        _cleanup_close_ int fd = -EBADF;
        uint32_t zero = 0;
        struct stat st;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return negative_errno();
        if (bpf_map_update_elem(bpf_map__fd(skel->maps.cgroups), &st.st_ino, &v, BPF_NOEXIST) < 0)
                return negative_errno();
        if (bpf_map__autocreate(skel->maps.cgstore) &&
            bpf_map_update_elem(bpf_map__fd(skel->maps.cgstore), &fd, &v, BPF_NOEXIST) < 0)
                return negative_errno();
        slot.cgid = st.st_ino;
        if (bpf_map_update_elem(bpf_map__fd(skel->maps.slots), &zero, &slot, BPF_ANY) < 0)
                return negative_errno();
        skel->bss->filter[filter_slot(st.st_ino)]++;
        skel->bss->filter_index[filter_slot(st.st_ino)] = 1;
        /* v_ways: way 0 of the cgroup's bucket (15 bits: variants.bpf.c's V_WAYS_BITS). */
        struct sysrec_ways w = { .cgroup = { st.st_ino }, .slot = { 0 } };
        uint32_t b = (uint32_t)(((uint64_t)st.st_ino * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - 15));
        if (bpf_map_update_elem(bpf_map__fd(skel->maps.ways), &b, &w, BPF_ANY) < 0)
                return negative_errno();
        return 0;
}

int variants_open(const char *dir, struct bench_variants **ret)
{
        _cleanup_(bench_variants__destroyp) struct bench_variants *skel = NULL;
        libbpf_print_fn_t old = libbpf_set_print(NULL);
        int r;

        /* The first attempt fails on kernels without CGRP_STORAGE: keep it quiet. */
        r = load(true, &skel);
        libbpf_set_print(old);
        if (r < 0)
                r = load(false, &skel);
        if (r < 0)
                return r;
        r = track(skel, dir);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(skel);
        return 0;
}

struct bpf_link **variants_link(struct bench_variants *skel, const char *name, struct bpf_program **ret)
{
        struct bpf_object_skeleton *s = skel->skeleton;

        for (int i = 0; i < s->prog_cnt; i++)
                if (strcmp(s->progs[i].name, name) == 0 && bpf_program__fd(*s->progs[i].prog) >= 0) {
                        *ret = *s->progs[i].prog;
                        return s->progs[i].link;
                }
        return NULL;
}

int sys_enter_census(const uint32_t *ours, size_t n_ours, unsigned *ret_ours, unsigned *ret_foreign)
{
        unsigned n_mine = 0, n_foreign = 0;
        __u32 id = 0;
        int r;

        while ((r = bpf_link_get_next_id(id, &id)) == 0) {
                _cleanup_close_ int fd = bpf_link_get_fd_by_id(id);
                struct bpf_link_info info;
                __u32 len = sizeof(info);
                char tp[64] = "";
                bool mine = false;

                if (fd < 0)
                        continue; /* gone meanwhile */
                memset(&info, 0, sizeof(info));
                info.raw_tracepoint.tp_name = (__u64)(uintptr_t)tp;
                info.raw_tracepoint.tp_name_len = sizeof(tp);
                if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
                        continue;
                /* tp_btf and raw_tp programs both attach through raw tracepoint links. */
                if (info.type != BPF_LINK_TYPE_RAW_TRACEPOINT || strcmp(tp, "sys_enter") != 0)
                        continue;
                for (size_t i = 0; i < n_ours; i++)
                        mine |= ours[i] == info.prog_id;
                if (mine)
                        n_mine++;
                else
                        n_foreign++;
        }
        if (r != -ENOENT)
                return r;
        *ret_ours = n_mine;
        *ret_foreign = n_foreign;
        return 0;
}
