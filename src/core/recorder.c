/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See recorder.h. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "log.h"
#include "macro.h"
#include "recorder-pin.h"
#include "recorder.h"
#include "sysrec.skel.h"

struct Recorder {
        struct sysrec_bpf *skel;
        struct ring_buffer *rb;
        struct bpf_link *link_enter, *link_mkdir;
        struct bpf_link *link_fork, *link_attach; /* process counting, never pinned */
        char *pin_dir;  /* <pin root>/v<layout>, NULL when nothing is pinned */
        bool links_pinned;
        bool btf;
        uint64_t events;
        recorder_event_cb_t cb;
        void *userdata;
};

static uint32_t filter_slot(uint64_t id)
{
        return (uint32_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - SYSREC_FILTER_BITS));
}

static bool map_is_empty(Recorder *r);
static void filter_add(Recorder *r, uint64_t id, int delta);

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        char buf[1024];
        size_t n;

        if (level == LIBBPF_DEBUG && log_get_max_level() < LOG_DEBUG)
                return 0;
        vsnprintf(buf, sizeof(buf), fmt, ap);
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = 0;
        log_full(level == LIBBPF_WARN ? LOG_WARNING : LOG_DEBUG, "%s", buf);
        return 0;
}

static int on_ring_event(void *ctx, void *data, size_t size)
{
        Recorder *r = ctx;

        if (size < sizeof(struct sysrec_event))
                return 0;
        r->events++;
        if (r->cb)
                r->cb(data, r->userdata);
        return 0;
}

/* The syscalls that open a skip-runtime-setup gate, numbered per ABI. */
static void set_gate_numbers(struct sysrec_bpf *skel)
{
        static const char *const names[_SYSREC_GATE_MAX] = {
                [SYSREC_GATE_EXECVE] = "execve",
                [SYSREC_GATE_EXECVEAT] = "execveat",
                [SYSREC_GATE_SECCOMP] = "seccomp",
                [SYSREC_GATE_PRCTL] = "prctl",
        };

        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                for (unsigned g = 0; g < _SYSREC_GATE_MAX; g++) {
                        int nr = abi_to_string(abi) ? abi_syscall_number(abi, names[g]) : -ENOENT;
                        /* SYSREC_NR_MAX never matches a syscall id index. */
                        skel->rodata->gate_nr[abi][g] = nr >= 0 ? (uint32_t)nr : SYSREC_NR_MAX;
                }
}

/* Native numbers of the syscalls whose arguments are recorded. */
static void set_argsys_numbers(struct sysrec_bpf *skel)
{
        static const char *const names[_SYSREC_ARGSYS_MAX] = {
                [SYSREC_ARGSYS_CLONE] = "clone",
                [SYSREC_ARGSYS_UNSHARE] = "unshare",
                [SYSREC_ARGSYS_SOCKET] = "socket",
                [SYSREC_ARGSYS_PERSONALITY] = "personality",
        };

        for (unsigned i = 0; i < _SYSREC_ARGSYS_MAX; i++) {
                int nr = abi_syscall_number(SYSREC_ABI_NATIVE, names[i]);
                skel->rodata->argsys_nr[i] = nr >= 0 ? (uint32_t)nr : SYSREC_NR_MAX;
        }
        int nr = abi_syscall_number(SYSREC_ABI_NATIVE, "clone3");
        skel->rodata->clone3_nr = nr >= 0 ? (uint32_t)nr : SYSREC_NR_MAX;
}

/* Open and load either the tp_btf or the raw_tp flavour of the programs. */
static int load_skeleton(unsigned max_cgroups, const char *pin_dir, bool btf, struct sysrec_bpf **ret)
{
        struct sysrec_bpf *skel;
        int r;

        skel = sysrec_bpf__open();
        if (!skel)
                return log_debug_errno(negative_errno(), "Failed to open BPF object: %m");

        bpf_program__set_autoload(skel->progs.sys_enter, btf);
        bpf_program__set_autoload(skel->progs.cgroup_mkdir, btf);
        bpf_program__set_autoload(skel->progs.sys_enter_raw, !btf);
        bpf_program__set_autoload(skel->progs.cgroup_mkdir_raw, !btf);
        bpf_program__set_autoload(skel->progs.process_fork, btf);
        bpf_program__set_autoload(skel->progs.process_fork_raw, !btf);
        bpf_program__set_autoload(skel->progs.cgroup_attach, btf);
        bpf_program__set_autoload(skel->progs.cgroup_attach_raw, !btf);
        set_gate_numbers(skel);
        set_argsys_numbers(skel);
        r = bpf_map__set_max_entries(skel->maps.cgroups, max_cgroups);
        if (r >= 0 && pin_dir)
                r = pin_set_map_paths(skel, pin_dir);
        if (r >= 0)
                r = sysrec_bpf__load(skel);
        if (r < 0) {
                sysrec_bpf__destroy(skel);
                return r;
        }
        *ret = skel;
        return 0;
}

int recorder_new(unsigned max_cgroups, recorder_event_cb_t cb, void *userdata, Recorder **ret)
{
        return recorder_new_pinned(max_cgroups, NULL, cb, userdata, ret);
}

int recorder_new_pinned(unsigned max_cgroups, const char *pin_root, recorder_event_cb_t cb, void *userdata,
                        Recorder **ret)
{
        Recorder *r;
        int k;

        libbpf_set_print(on_libbpf_print);

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->cb = cb;
        r->userdata = userdata;

        if (pin_root) {
                k = pin_dir_prepare(pin_root, &r->pin_dir);
                if (k < 0) {
                        free(r);
                        return k;
                }
        }

        r->btf = true;
        k = load_skeleton(max_cgroups, r->pin_dir, true, &r->skel);
        if (k < 0) {
                log_info_errno(k, "Cannot load tp_btf programs (%m), trying raw_tp.");
                r->btf = false;
                k = load_skeleton(max_cgroups, r->pin_dir, false, &r->skel);
        }
        if (k < 0) {
                free(r->pin_dir);
                free(r);
                return log_error_errno(k, "Failed to load BPF programs%s%s: %m",
                                       pin_root ? " with maps pinned in " : "", strempty(pin_root));
        }

        r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.events), on_ring_event, r, NULL);
        if (!r->rb) {
                k = negative_errno();
                recorder_free(r);
                return log_error_errno(k, "Failed to set up BPF ring buffer: %m");
        }
        *ret = r;
        return 0;
}

static void detach_process_links(Recorder *r)
{
        bpf_link__destroy(r->link_fork);
        bpf_link__destroy(r->link_attach);
        r->link_fork = r->link_attach = NULL;
}

static void recorder_detach(Recorder *r)
{
        if (r->pin_dir)
                pin_links_remove(r->pin_dir);
        bpf_link__destroy(r->link_enter);
        bpf_link__destroy(r->link_mkdir);
        r->link_enter = r->link_mkdir = NULL;
        detach_process_links(r);
}

/* Process counting feeds live progress only: a failure is not fatal. */
static void attach_process_links(Recorder *r)
{
        struct bpf_program *fork = r->btf ? r->skel->progs.process_fork : r->skel->progs.process_fork_raw;
        struct bpf_program *attach = r->btf ? r->skel->progs.cgroup_attach : r->skel->progs.cgroup_attach_raw;

        if (!r->link_fork)
                r->link_fork = bpf_program__attach(fork);
        if (!r->link_attach)
                r->link_attach = bpf_program__attach(attach);
        if (!r->link_fork || !r->link_attach)
                log_warning_errno(negative_errno(), "Failed to attach process counting programs (%m): "
                                  "the process count of recordings is incomplete.");
}

static int recorder_attach(Recorder *r)
{
        struct bpf_program *enter = r->btf ? r->skel->progs.sys_enter : r->skel->progs.sys_enter_raw;
        struct bpf_program *mkdir = r->btf ? r->skel->progs.cgroup_mkdir : r->skel->progs.cgroup_mkdir_raw;

        if (r->link_enter)
                return 0;
        /* mkdir first: once a cgroup is in the map, its children must be caught. */
        r->link_mkdir = bpf_program__attach(mkdir);
        if (!r->link_mkdir)
                return log_error_errno(negative_errno(), "Failed to attach cgroup_mkdir program: %m");
        r->link_enter = bpf_program__attach(enter);
        if (!r->link_enter) {
                int k = negative_errno();
                recorder_detach(r);
                return log_error_errno(k, "Failed to attach sys_enter program: %m");
        }
        attach_process_links(r);
        /* Pinned links keep recording while the daemon is down; pinning ours
         * replaces (and so detaches) those of a previous instance. */
        if (r->pin_dir) {
                int k = pin_links_replace(r->pin_dir, r->link_mkdir, r->link_enter);
                /* Some kernels' security policies refuse an unprivileged user to pin
                 * links: the maps stay pinned, so recordings still survive a restart,
                 * but nothing is recorded while no sysrecd runs. */
                r->links_pinned = k >= 0;
                if (k < 0)
                        log_warning_errno(k, "BPF links not pinned in %s (%m): recordings survive restarts, "
                                          "but syscalls made while sysrecd is down are not recorded.",
                                          r->pin_dir);
        }
        log_debug("BPF programs attached.");
        return 0;
}

Recorder *recorder_free(Recorder *r)
{
        if (!r)
                return NULL;
        if (r->pin_dir && r->links_pinned && r->link_enter) {
                /* Keep recording through the pins after we are gone. */
                bpf_link__disconnect(r->link_enter);
                bpf_link__disconnect(r->link_mkdir);
                bpf_link__destroy(r->link_enter);
                bpf_link__destroy(r->link_mkdir);
                r->link_enter = r->link_mkdir = NULL;
                detach_process_links(r);
        } else
                recorder_detach(r);
        ring_buffer__free(r->rb);
        sysrec_bpf__destroy(r->skel);
        free(r->pin_dir);
        free(r);
        return NULL;
}

static void on_carried_over(uint64_t id, void *userdata)
{
        filter_add(userdata, id, 1);
}

int recorder_resume(Recorder *r)
{
        int k, old;

        if (!r->pin_dir)
                return 0;
        /* Copy what older layouts recorded, attach our programs, detach the old
         * ones, then copy again what they recorded in between: nothing is lost. */
        old = pin_copy_old_layouts(r->skel, r->pin_dir, on_carried_over, r);
        if (old < 0)
                return log_error_errno(old, "Failed to carry over pinned maps of an older layout: %m");
        if (!map_is_empty(r)) {
                k = recorder_attach(r);
                if (k < 0)
                        return k;
        } else
                /* Nothing recorded: links a previous instance left must go. */
                pin_links_remove(r->pin_dir);
        if (old > 0) {
                pin_remove_old_layouts_links(r->pin_dir);
                (void)pin_copy_old_layouts(r->skel, r->pin_dir, on_carried_over, r);
                pin_remove_old_layouts(r->pin_dir);
        }
        return 0;
}

int recorder_list_recordings(Recorder *r, uint32_t **ret, size_t *ret_n)
{
        int fd = bpf_map__fd(r->skel->maps.cgroups), afd = bpf_map__fd(r->skel->maps.armed);
        _cleanup_free_ uint32_t *ids = NULL;
        struct sysrec_armed_key akey, anext, *aprev = NULL;
        uint64_t key, next, *prev = NULL;
        size_t n = 0;

        for (;;) {
                uint32_t id;
                struct sysrec_cgroup v;
                struct sysrec_armed a;
                size_t i;

                if (bpf_map_get_next_key(fd, prev, &next) == 0) {
                        key = next;
                        prev = &key;
                        if (bpf_map_lookup_elem(fd, &key, &v) < 0)
                                continue;
                        id = v.recording;
                } else if (bpf_map_get_next_key(afd, aprev, &anext) == 0) {
                        akey = anext;
                        aprev = &akey;
                        if (bpf_map_lookup_elem(afd, &akey, &a) < 0)
                                continue;
                        id = a.recording;
                } else
                        break;
                for (i = 0; i < n && ids[i] != id; i++)
                        ;
                if (i < n)
                        continue;
                uint32_t *ni = realloc(ids, sizeof(uint32_t) * (n + 1));
                if (!ni)
                        return -ENOMEM;
                ids = ni;
                ids[n++] = id;
        }
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}

static void filter_add(Recorder *r, uint64_t id, int delta)
{
        __atomic_fetch_add(&r->skel->bss->filter[filter_slot(id)], (uint32_t)delta, __ATOMIC_SEQ_CST);
}

static bool map_is_empty(Recorder *r)
{
        struct sysrec_armed_key akey;
        uint64_t key;

        return bpf_map_get_next_key(bpf_map__fd(r->skel->maps.cgroups), NULL, &key) < 0 &&
               bpf_map_get_next_key(bpf_map__fd(r->skel->maps.armed), NULL, &akey) < 0;
}

int recorder_arm(Recorder *r, uint64_t parent_id, const char *name, uint32_t recording, uint32_t flags)
{
        struct sysrec_armed_key key = { .parent = parent_id };
        struct sysrec_armed v = { .recording = recording, .flags = flags };
        size_t l = strlen(name);
        int k;

        if (recording == 0 || l == 0 || l >= sizeof(key.name) || strchr(name, '/'))
                return -EINVAL;
        memcpy(key.name, name, l);
        k = recorder_attach(r);
        if (k < 0)
                return k;
        if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.armed), &key, &v, BPF_NOEXIST) < 0) {
                k = negative_errno();
                if (k == -EEXIST && bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.armed), &key, &v) >= 0 &&
                    v.recording == recording)
                        return 0;
                if (map_is_empty(r))
                        recorder_detach(r);
                return k == -EEXIST ? -EBUSY : k == -E2BIG ? -ENOSPC : k;
        }
        return 0;
}

/* Drop the arms of a recording. */
static void disarm(Recorder *r, uint32_t recording)
{
        int fd = bpf_map__fd(r->skel->maps.armed);
        struct sysrec_armed_key key, next, *prev = NULL;
        struct sysrec_armed v;

        /* Deleting the current key restarts get_next_key, which is fine for
         * the small number of arms a recording has. */
        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
                if (bpf_map_lookup_elem(fd, &next, &v) == 0 && v.recording == recording &&
                    bpf_map_delete_elem(fd, &next) == 0) {
                        prev = NULL;
                        continue;
                }
                key = next;
                prev = &key;
        }
}

int recorder_track(Recorder *r, uint64_t cgroup_id, uint32_t recording, uint32_t flags,
                   uint32_t *ret_owner)
{
        struct sysrec_cgroup v = { .recording = recording, .flags = flags };
        int fd = bpf_map__fd(r->skel->maps.cgroups), k;

        if (recording == 0)
                return -EINVAL;
        k = recorder_attach(r);
        if (k < 0)
                return k;

        if (bpf_map_update_elem(fd, &cgroup_id, &v, BPF_NOEXIST) < 0) {
                k = negative_errno();
                if (k == -EEXIST && bpf_map_lookup_elem(fd, &cgroup_id, &v) >= 0) {
                        if (ret_owner)
                                *ret_owner = v.recording;
                        return v.recording == recording ? 0 : -EBUSY;
                }
                if (map_is_empty(r))
                        recorder_detach(r);
                return k == -E2BIG ? -ENOSPC : k;
        }
        filter_add(r, cgroup_id, 1);
        return 1;
}

struct track_ctx {
        Recorder *r;
        uint32_t recording, flags, owner;
        bool root;
        int n;
};

static int track_one(int fd, uint64_t id, void *userdata)
{
        struct track_ctx *c = userdata;
        uint32_t owner = 0;
        int k;

        (void)fd;
        k = recorder_track(c->r, id, c->recording, c->flags, &owner);
        if (k == -EBUSY && !c->root)
                return 1; /* a subtree another recording owns stays with it */
        if (k < 0) {
                c->owner = owner;
                return k;
        }
        c->root = false;
        c->n += k;
        return (c->flags & SYSREC_CG_DESCENDANTS) ? 0 : 1;
}

int recorder_track_tree(Recorder *r, int cgroup_fd, uint32_t recording, uint32_t flags,
                        uint32_t *ret_owner)
{
        struct track_ctx c = { .r = r, .recording = recording, .flags = flags, .root = true };
        int k;

        k = cgroup_walk(cgroup_fd, track_one, &c);
        if (k < 0) {
                if (ret_owner)
                        *ret_owner = c.owner;
                return k;
        }
        return c.n;
}

/* Visit every map entry of a recording. Keys are collected first: deleting
 * while iterating with get_next_key could restart the walk. */
static int for_each_entry(Recorder *r, uint32_t recording, SyscallSet *set, bool release)
{
        int fd = bpf_map__fd(r->skel->maps.cgroups);
        _cleanup_free_ uint64_t *keys = NULL;
        size_t n = 0, alloc = 0;
        uint64_t key, next;
        uint64_t *prev = NULL;
        int count = 0;

        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
                if (n == alloc) {
                        uint64_t *nk = realloc(keys, sizeof(uint64_t) * (alloc = alloc ? alloc * 2 : 64));
                        if (!nk)
                                return -ENOMEM;
                        keys = nk;
                }
                keys[n++] = next;
                key = next;
                prev = &key;
        }

        for (size_t i = 0; i < n; i++) {
                struct sysrec_cgroup v;

                if (bpf_map_lookup_elem(fd, &keys[i], &v) < 0 || v.recording != recording)
                        continue;
                if (set) {
                        syscall_set_merge_bits(set, v.bits);
                        syscall_set_merge_args(set, &v.args);
                }
                count++;
                if (release && bpf_map_delete_elem(fd, &keys[i]) == 0)
                        filter_add(r, keys[i], -1);
        }
        return count;
}

static unsigned recorder_count_all(Recorder *r)
{
        int fd = bpf_map__fd(r->skel->maps.cgroups);
        uint64_t key, next, *prev = NULL;
        unsigned n = 0;

        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
                n++;
                key = next;
                prev = &key;
        }
        return n;
}

int recorder_collect_each(Recorder *r, uint32_t recording, recorder_entry_cb_t cb, void *userdata)
{
        int fd = bpf_map__fd(r->skel->maps.cgroups);
        uint64_t key, next, *prev = NULL;

        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
                struct sysrec_cgroup v;
                SyscallSet set = {};

                key = next;
                prev = &key;
                if (bpf_map_lookup_elem(fd, &key, &v) < 0 || v.recording != recording)
                        continue;
                syscall_set_merge_bits(&set, v.bits);
                syscall_set_merge_args(&set, &v.args);
                cb(key, v.parent, &set, userdata);
        }
        return 0;
}

int recorder_collect(Recorder *r, uint32_t recording, SyscallSet *ret)
{
        int k = for_each_entry(r, recording, ret, false);
        return k < 0 ? k : 0;
}

unsigned recorder_count(Recorder *r, uint32_t recording)
{
        int k = for_each_entry(r, recording, NULL, false);
        return k < 0 ? 0 : (unsigned)k;
}

int recorder_release(Recorder *r, uint32_t recording, SyscallSet *ret)
{
        int k;

        /* Events still in the ring buffer belong to the final profile too. */
        (void)recorder_process(r);
        disarm(r, recording);
        /* The kernel may add children of an entry until that entry itself is
         * gone: repeat until a pass finds nothing. */
        do {
                k = for_each_entry(r, recording, ret, true);
                if (k < 0)
                        return k;
        } while (k > 0);
        if (map_is_empty(r))
                recorder_detach(r);
        return 0;
}

bool recorder_needs_events(Recorder *r)
{
        return !r->btf;
}

int recorder_get_fd(Recorder *r)
{
        return ring_buffer__epoll_fd(r->rb);
}

int recorder_process(Recorder *r)
{
        int k = ring_buffer__consume(r->rb);
        return k < 0 ? k : 0;
}

bool recorder_is_attached(Recorder *r)
{
        return r->link_enter != NULL;
}

void recorder_get_stats(Recorder *r, RecorderStats *ret)
{
        *ret = (RecorderStats){
                .tracked_cgroups = recorder_count_all(r),
                .events = r->events,
                .dropped_events = r->skel->bss->dropped_events,
                .attached = r->link_enter != NULL,
                .btf_programs = r->btf,
        };
}
