/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See recorder.h. */
#include <assert.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "macro.h"
#include "recorder-pin.h"
#include "recorder.h"
#include "sysrec.skel.h"

/* Which sys_enter program is loaded, best first. */
typedef enum Flavour {
        FLAVOUR_BTF, /* tp_btf: BTF loads, the ways table, atomic operations */
        FLAVOUR_RAW, /* raw_tp, for kernels without tp_btf or atomic operations */
        _FLAVOUR_MAX,
} Flavour;

static const char *const flavour_names[_FLAVOUR_MAX] = {
        [FLAVOUR_BTF] = "tp_btf",
        [FLAVOUR_RAW] = "raw_tp",
};

/* $SYSREC_BPF_PROGRAMS=tp_btf|raw_tp loads that flavour or fails, so that
 * the tests cover the fallback on any kernel. *ret is the flavour + 1, or 0
 * when the variable is unset (the best one that loads). */
static int flavour_from_env(int *ret)
{
        const char *e = getenv("SYSREC_BPF_PROGRAMS");

        *ret = 0;
        if (!e || !*e)
                return 0;
        for (int f = 0; f < _FLAVOUR_MAX; f++)
                if (strcmp(e, flavour_names[f]) == 0) {
                        *ret = f + 1;
                        return 0;
                }
        return log_error_errno(-EINVAL, "Invalid $SYSREC_BPF_PROGRAMS '%s': expected tp_btf or raw_tp.", e);
}

_Static_assert(sizeof(struct sysrec_record) % 8 == 0, "array elements are 8-byte aligned");

struct Recorder {
        struct sysrec_bpf *skel;
        struct ring_buffer *rb;
        struct bpf_link *link_enter, *link_mkdir;
        struct bpf_link *link_fork, *link_attach; /* process counting, never pinned */
        char *pin_dir;  /* <pin root>/v<layout>, NULL when nothing is pinned */
        bool links_pinned;
        RecorderInherited inherited;
        Flavour flavour;
        /* The "records" array, mmap()ed while an operation needs it (see
         * records_get()): collecting reads memory, no syscall per cgroup. */
        struct sysrec_record *records;
        size_t records_len;
        unsigned records_users;
        uint32_t n_slots;
        /* A map of maps and the map it holds, made on the first release: see
         * wait_for_programs(). -1 until then. */
        int wait_outer_fd, wait_inner_fd;
        uint64_t events;
        recorder_event_cb_t cb;
        void *userdata;
};

static uint32_t filter_slot(uint64_t id)
{
        return (uint32_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - SYSREC_FILTER_BITS));
}

static bool map_is_empty(Recorder *r);
static int wait_for_programs(Recorder *r);
static void filter_add(Recorder *r, uint64_t id, int delta);
static int records_get(Recorder *r);
static void records_put(Recorder *r);

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

        for (unsigned i = 0; i <= _SYSREC_ARGSYS_MAX; i++) {
                uint32_t n = i < _SYSREC_ARGSYS_MAX ? skel->rodata->argsys_nr[i] : skel->rodata->clone3_nr;
                if (n < SYSREC_NR_MAX)
                        skel->rodata->argsys_bits[n / 64] |= UINT64_C(1) << (n % 64);
        }
}

/* log2 of the buckets of the ways table: twice as many buckets as cgroups
 * can be tracked, in a power of two. With 16,384 cgroups (the default) that is
 * 32,768 buckets (2 MiB); at 10,000 tracked cgroups a cgroup finds its
 * bucket's four ways taken by others about once in 3,000. */
static unsigned ways_bits(unsigned max_cgroups)
{
        const char *e = getenv("SYSREC_BPF_WAYS_BITS");
        unsigned bits = 1;

        /* For tests: a tiny table, so that buckets overflow. */
        if (e && *e) {
                char *end;
                unsigned long v = strtoul(e, &end, 10);

                if (*end == 0 && v >= 1 && v <= 24)
                        return (unsigned)v;
                log_warning("Ignoring invalid $SYSREC_BPF_WAYS_BITS '%s': expected 1 to 24.", e);
        }
        while (bits < 30 && (1u << bits) < max_cgroups)
                bits++;
        return bits + 1;
}

/* Open and load one flavour of the programs. */
static int load_skeleton(unsigned max_cgroups, const char *pin_dir, Flavour flavour, struct sysrec_bpf **ret)
{
        struct sysrec_bpf *skel;
        bool btf = flavour != FLAVOUR_RAW;
        int r = 0;

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
        struct bpf_map *sized[] = { skel->maps.cgroups, skel->maps.records, skel->maps.free_slots,
                                   skel->maps.gates };
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sized); i++)
                r = bpf_map__set_max_entries(sized[i], max_cgroups);
        /* The raw_tp programs do not use the ways table: keep it small. */
        unsigned wb = btf ? ways_bits(max_cgroups) : 1;
        skel->rodata->ways_shift = 64 - wb;
        if (r >= 0)
                r = bpf_map__set_max_entries(skel->maps.ways, 1u << wb);
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

/* Size the records array's mapping and, the first time these maps are
 * used, put every slot in the free queue. */
static int records_setup(Recorder *r, unsigned max_cgroups)
{
        int fd = bpf_map__fd(r->skel->maps.free_slots);
        long page = sysconf(_SC_PAGESIZE);
        uint32_t slot;

        r->n_slots = max_cgroups;
        r->records_len = ((size_t)max_cgroups * sizeof(struct sysrec_record) + page - 1) / page * page;

        if (r->skel->bss->free_slots_filled)
                return 0;
        /* Nothing was tracked yet; a fill cut short by a crash starts over. */
        while (bpf_map_lookup_and_delete_elem(fd, NULL, &slot) == 0)
                ;
        for (slot = 0; slot < r->n_slots; slot++)
                if (bpf_map_update_elem(fd, NULL, &slot, 0) < 0)
                        return log_error_errno(negative_errno(), "Failed to fill the BPF free slot queue: %m");
        r->skel->bss->free_slots_filled = 1;
        return 0;
}

/* Map the records array for the duration of an operation. A mapping of a BPF
 * array has all its pages in place from mmap() on, so a permanent one would
 * count the whole array (7 MiB for 16,384 slots), which is the kernel's
 * memory, in our RSS; mapping it costs a fraction of a millisecond. */
static int records_get(Recorder *r)
{
        void *p;

        if (r->records_users++ > 0)
                return 0;
        p = mmap(NULL, r->records_len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(r->skel->maps.records), 0);
        if (p == MAP_FAILED) {
                r->records_users--;
                return log_error_errno(negative_errno(), "Failed to map the BPF records array: %m");
        }
        r->records = p;
        return 0;
}

static void records_put(Recorder *r)
{
        assert(r->records_users > 0);
        if (--r->records_users > 0)
                return;
        (void)munmap(r->records, r->records_len);
        r->records = NULL;
}

int recorder_new(unsigned max_cgroups, recorder_event_cb_t cb, void *userdata, Recorder **ret)
{
        return recorder_new_pinned(max_cgroups, NULL, cb, userdata, ret);
}

int recorder_new_pinned(unsigned max_cgroups, const char *pin_root, recorder_event_cb_t cb, void *userdata,
                        Recorder **ret)
{
        Recorder *r;
        int k, forced;

        libbpf_set_print(on_libbpf_print);

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->cb = cb;
        r->userdata = userdata;
        r->wait_outer_fd = r->wait_inner_fd = -1;

        if (pin_root) {
                _cleanup_free_ char *missing = NULL;

                k = pin_dir_prepare(pin_root, &r->pin_dir);
                if (k < 0) {
                        free(r);
                        return k;
                }
                switch (pin_dir_inspect(r->pin_dir, &missing)) {
                case PIN_FOUND_PARTIAL:
                        log_warning("Pinned maps in %s are incomplete ('%s' is missing): removed them, "
                                    "nothing recorded before is taken over.", r->pin_dir, strempty(missing));
                        break;
                case PIN_FOUND_MAPS:
                        r->inherited = RECORDER_INHERITED_MAPS;
                        break;
                case PIN_FOUND_ALL:
                        r->inherited = RECORDER_INHERITED_ALL;
                        break;
                default:
                        break;
                }
        }

        k = flavour_from_env(&forced);
        if (k < 0) {
                free(r->pin_dir);
                free(r);
                return k;
        }
        r->flavour = forced ? forced - 1 : FLAVOUR_BTF;
        for (;;) {
                k = load_skeleton(max_cgroups, r->pin_dir, r->flavour, &r->skel);
                if (k >= 0 || forced || r->flavour == FLAVOUR_RAW)
                        break;
                log_info_errno(k, "Cannot load %s programs (%m), trying %s.", flavour_names[r->flavour],
                               flavour_names[r->flavour + 1]);
                r->flavour++;
        }
        log_debug("Loaded %s programs.", flavour_names[r->flavour]);
        if (k < 0) {
                free(r->pin_dir);
                free(r);
                return log_error_errno(k, "Failed to load BPF programs%s%s: %m",
                                       pin_root ? " with maps pinned in " : "", strempty(pin_root));
        }

        k = records_setup(r, max_cgroups);
        if (k < 0) {
                recorder_free(r);
                return k;
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
        bool btf = r->flavour != FLAVOUR_RAW;
        struct bpf_program *fork = btf ? r->skel->progs.process_fork : r->skel->progs.process_fork_raw;
        struct bpf_program *attach = btf ? r->skel->progs.cgroup_attach : r->skel->progs.cgroup_attach_raw;

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
        struct bpf_program *enter = r->flavour != FLAVOUR_RAW ? r->skel->progs.sys_enter
                                                              : r->skel->progs.sys_enter_raw;
        struct bpf_program *mkdir = r->flavour != FLAVOUR_RAW ? r->skel->progs.cgroup_mkdir
                                                              : r->skel->progs.cgroup_mkdir_raw;

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
        if (r->wait_outer_fd >= 0)
                close(r->wait_outer_fd);
        if (r->wait_inner_fd >= 0)
                close(r->wait_inner_fd);
        free(r->pin_dir);
        free(r);
        return NULL;
}

static void slot_free(Recorder *r, uint32_t slot)
{
        if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.free_slots), NULL, &slot, 0) < 0)
                log_warning_errno(negative_errno(), "Failed to free BPF record slot %u: %m", slot);
}

/* A slot of "records" for a new entry, from the queue the kernel takes
 * slots from too. */
static int slot_alloc(Recorder *r, uint32_t *ret)
{
        uint32_t slot;

        if (bpf_map_lookup_and_delete_elem(bpf_map__fd(r->skel->maps.free_slots), NULL, &slot) < 0)
                return errno == ENOENT ? -ENOSPC : negative_errno();
        if (slot >= r->n_slots)
                return -EIO;
        *ret = slot;
        return 0;
}

/* Write the record of a slot nobody else writes (taken from the free queue,
 * or being released): through the mapping while an operation has the array
 * mapped, else with one syscall, so that tracking a few cgroups does not
 * map the whole array. Through the mapping the record is complete before its
 * cgroup id is set; the syscall writes both at once, before any hash entry
 * leads to the slot. */
static int record_write(Recorder *r, uint32_t slot, uint64_t id, const struct sysrec_cgroup *v)
{
        struct sysrec_record rec = { .cgroup = id, .cg = *v };

        if (r->records) {
                r->records[slot].cg = *v;
                __atomic_store_n(&r->records[slot].cgroup, id, __ATOMIC_RELEASE);
                return 0;
        }
        if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.records), &slot, &rec, BPF_ANY) < 0)
                return log_error_errno(negative_errno(), "Failed to write BPF record slot %u: %m", slot);
        return 0;
}

/* The recording that owns a slot in use. */
static int record_owner(Recorder *r, uint32_t slot, uint32_t *ret)
{
        struct sysrec_record rec;

        if (r->records) {
                *ret = r->records[slot].cg.recording;
                return 0;
        }
        if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.records), &slot, &rec) < 0)
                return log_error_errno(negative_errno(), "Failed to read BPF record slot %u: %m", slot);
        *ret = rec.cg.recording;
        return 0;
}

/* Forget a record, so that its slot can be pushed back. */
static void record_clear(Recorder *r, uint32_t slot)
{
        static const struct sysrec_cgroup empty = {};

        if (r->records) {
                __atomic_store_n(&r->records[slot].cgroup, 0, __ATOMIC_RELEASE);
                memset(&r->records[slot].cg, 0, sizeof(r->records[slot].cg));
        } else
                (void)record_write(r, slot, 0, &empty);
        /* A way of the ways table that names this slot is not trusted from
         * here on: the record no longer holds its cgroup. */
}

/* Track cgroup id with the record v. Returns 1 if added, or -EEXIST with
 * *ret_slot set to its record if the cgroup is tracked already. */
static int record_insert(Recorder *r, uint64_t id, const struct sysrec_cgroup *v, uint32_t *ret_slot)
{
        int fd = bpf_map__fd(r->skel->maps.cgroups), k;
        uint32_t slot;

        if (bpf_map_lookup_elem(fd, &id, &slot) == 0)
                goto exists;
        k = slot_alloc(r, &slot);
        if (k < 0)
                return k;
        /* The record is complete before the hash entry points to it. */
        k = record_write(r, slot, id, v);
        if (k < 0) {
                slot_free(r, slot);
                return k;
        }
        if (bpf_map_update_elem(fd, &id, &slot, BPF_NOEXIST) < 0) {
                k = negative_errno();
                record_clear(r, slot);
                slot_free(r, slot);
                if (k == -EEXIST && bpf_map_lookup_elem(fd, &id, &slot) == 0)
                        goto exists;
                return k == -E2BIG ? -ENOSPC : k;
        }
        filter_add(r, id, 1);
        *ret_slot = slot;
        return 1;

exists:
        if (slot >= r->n_slots)
                return -EIO;
        *ret_slot = slot;
        return -EEXIST;
}

/* An entry of a pinned map of an older layout: add it, or add its bits to
 * the entry carried over before (what the old program recorded since). */
static int on_carried_over(uint64_t id, const struct sysrec_cgroup *v, void *userdata)
{
        Recorder *r = userdata;
        uint32_t slot;
        int k;

        k = record_insert(r, id, v, &slot);
        if (k != -EEXIST)
                return k;
        for (unsigned a = 0; a < _SYSREC_ABI_MAX; a++)
                for (unsigned w = 0; w < SYSREC_NR_WORDS; w++)
                        __atomic_fetch_or(&r->records[slot].cg.bits[a][w], v->bits[a][w], __ATOMIC_RELAXED);
        return 0;
}

static int resume_mapped(Recorder *r)
{
        int k, old;

        if (!r->pin_dir)
                return 0;
        /* Copy what older layouts recorded, attach our programs, detach the old
         * ones, then copy again what they recorded in between: nothing is lost. */
        old = pin_copy_old_layouts(r->pin_dir, on_carried_over, r);
        if (old < 0)
                return log_error_errno(old, "Failed to carry over pinned maps of an older layout: %m");
        if (old > 0 && r->inherited != RECORDER_INHERITED_ALL)
                r->inherited = pin_old_layouts_links_present(r->pin_dir) ? RECORDER_INHERITED_ALL
                                                                         : RECORDER_INHERITED_MAPS;
        if (!map_is_empty(r)) {
                k = recorder_attach(r);
                if (k < 0)
                        return k;
        } else
                /* Nothing recorded: links a previous instance left must go. */
                pin_links_remove(r->pin_dir);
        if (old > 0) {
                pin_remove_old_layouts_links(r->pin_dir);
                (void)pin_copy_old_layouts(r->pin_dir, on_carried_over, r);
                pin_remove_old_layouts(r->pin_dir);
        }
        return 0;
}

RecorderInherited recorder_inherited(Recorder *r)
{
        return r->inherited;
}

int recorder_resume(Recorder *r)
{
        int k = records_get(r);

        if (k < 0)
                return k;
        k = resume_mapped(r);
        records_put(r);
        return k;
}

/* The record in slot, if in use (and by recording, unless that is 0). */
static struct sysrec_record *record_used(Recorder *r, uint32_t slot, uint32_t recording)
{
        struct sysrec_record *rec = &r->records[slot];

        if (__atomic_load_n(&rec->cgroup, __ATOMIC_ACQUIRE) == 0)
                return NULL;
        if (recording != 0 && rec->cg.recording != recording)
                return NULL;
        return rec;
}

static int ids_add(uint32_t **ids, size_t *n, uint32_t id)
{
        uint32_t *ni;

        for (size_t i = 0; i < *n; i++)
                if ((*ids)[i] == id)
                        return 0;
        ni = realloc(*ids, sizeof(uint32_t) * (*n + 1));
        if (!ni)
                return -ENOMEM;
        *ids = ni;
        (*ids)[(*n)++] = id;
        return 0;
}

static int list_mapped(Recorder *r, uint32_t **ret, size_t *ret_n)
{
        int afd = bpf_map__fd(r->skel->maps.armed);
        _cleanup_free_ uint32_t *ids = NULL;
        struct sysrec_armed_key akey, anext, *aprev = NULL;
        size_t n = 0;
        int k = 0;

        for (uint32_t s = 0; s < r->n_slots; s++) {
                struct sysrec_record *rec = record_used(r, s, 0);

                if (rec && (k = ids_add(&ids, &n, rec->cg.recording)) < 0)
                        break;
        }
        if (k < 0)
                return k;
        while (bpf_map_get_next_key(afd, aprev, &anext) == 0) {
                struct sysrec_armed a;

                akey = anext;
                aprev = &akey;
                if (bpf_map_lookup_elem(afd, &akey, &a) == 0 && (k = ids_add(&ids, &n, a.recording)) < 0)
                        return k;
        }
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}

int recorder_list_recordings(Recorder *r, uint32_t **ret, size_t *ret_n)
{
        int k = records_get(r);

        if (k < 0)
                return k;
        k = list_mapped(r, ret, ret_n);
        records_put(r);
        return k;
}

static void filter_add(Recorder *r, uint64_t id, int delta)
{
        __atomic_fetch_add(&r->skel->bss->filter[filter_slot(id)], (uint32_t)delta, __ATOMIC_SEQ_CST);
}

/* Does the hash entry of cgroup KEY lead to that cgroup's record? */
static bool entry_is_live(Recorder *r, uint64_t key, uint32_t slot)
{
        if (slot >= r->n_slots)
                return false;
        return __atomic_load_n(&r->records[slot].cgroup, __ATOMIC_ACQUIRE) == key;
}

/* Nothing tracked and nothing armed. A hash entry whose record does not hold
 * its cgroup is not counted: either a cgroup_mkdir program is between its
 * insert and the store that publishes the record (see on_mkdir()), or the
 * entry is stale (left by an older program, which added an entry while user
 * space released the cgroup's record). After a wait for the programs, an
 * entry that is still not live is stale, and is deleted. */
static bool map_is_empty(Recorder *r)
{
        int fd = bpf_map__fd(r->skel->maps.cgroups);
        _cleanup_free_ uint64_t *stale = NULL;
        struct sysrec_armed_key akey;
        uint64_t key, next;
        bool empty = true, more = true;
        size_t n_stale = 0;
        uint32_t slot;

        if (bpf_map_get_next_key(bpf_map__fd(r->skel->maps.armed), NULL, &akey) == 0)
                return false;
        if (bpf_map_get_next_key(fd, NULL, &key) < 0)
                return true;
        if (records_get(r) < 0)
                return false;
        while (empty && more) {
                more = bpf_map_get_next_key(fd, &key, &next) == 0;
                if (bpf_map_lookup_elem(fd, &key, &slot) < 0)
                        ; /* deleted meanwhile */
                else if (entry_is_live(r, key, slot))
                        empty = false;
                else {
                        /* The hash map holds at most n_slots entries. */
                        if (!stale)
                                stale = malloc(sizeof(uint64_t) * r->n_slots);
                        if (stale && n_stale < r->n_slots)
                                stale[n_stale++] = key;
                        else
                                empty = false; /* not sure: keep the programs */
                }
                key = next;
        }
        if (empty && n_stale > 0 && wait_for_programs(r) < 0)
                empty = false;
        if (empty && n_stale > 0)
                for (size_t i = 0; i < n_stale; i++)
                        if (bpf_map_lookup_elem(fd, &stale[i], &slot) == 0) {
                                if (entry_is_live(r, stale[i], slot))
                                        empty = false;
                                else
                                        (void)bpf_map_delete_elem(fd, &stale[i]);
                        }
        records_put(r);
        return empty;
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
        uint32_t slot, owner = 0;
        int k;

        if (recording == 0)
                return -EINVAL;
        k = recorder_attach(r);
        if (k < 0)
                return k;

        k = record_insert(r, cgroup_id, &v, &slot);
        if (k == -EEXIST) {
                k = record_owner(r, slot, &owner);
                if (k < 0)
                        return k;
                if (ret_owner)
                        *ret_owner = owner;
                return owner == recording ? 0 : -EBUSY;
        }
        if (k < 0 && map_is_empty(r))
                recorder_detach(r);
        return k;
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

        /* No mapping of the records array: one syscall per new record costs
         * less than mapping it all, unless the tree has thousands of cgroups. */
        k = cgroup_walk(cgroup_fd, track_one, &c);
        if (k < 0) {
                if (ret_owner)
                        *ret_owner = c.owner;
                return k;
        }
        return c.n;
}

/* Delete keys from the hash map, in batches where the kernel can. */
static void hash_delete(int fd, const uint64_t *keys, size_t n)
{
        while (n > 0) {
                __u32 done = n;

                if (bpf_map_delete_batch(fd, keys, &done, NULL) == 0)
                        return;
                /* Stopped at a key that is gone, or no batch operations: skip it. */
                if (done >= n)
                        return;
                (void)bpf_map_delete_elem(fd, &keys[done]);
                keys += done + 1;
                n -= done + 1;
        }
}

/* Slots a release took back, pushed to the free queue only after a wait for
 * the programs: a sys_enter program that found a record before the release
 * may still set a bit in it, which must not land in the slot's next owner. */
typedef struct Released {
        uint32_t *slots;
        size_t n;
} Released;

/* Visit every record of a recording: merge its bits into set and, with rel,
 * forget it (its slot is added to rel). A scan of the mmap()ed array: no
 * syscall per cgroup. */
static int for_each_entry_mapped(Recorder *r, uint32_t recording, SyscallSet *set, Released *rel)
{
        _cleanup_free_ uint64_t *keys = NULL;
        size_t n = 0;
        int count = 0;

        if (rel) {
                keys = malloc(sizeof(uint64_t) * r->n_slots);
                if (!keys)
                        return -ENOMEM;
        }
        for (uint32_t s = 0; s < r->n_slots; s++) {
                struct sysrec_record *rec = record_used(r, s, recording);

                if (!rec)
                        continue;
                count++;
                if (rel) {
                        /* A slot is taken back once per release, unless the free
                         * queue had it twice (a bug, or maps pinned by one). */
                        if (rel->n >= r->n_slots) {
                                count = log_error_errno(-EIO, "BPF record slot %u: more taken back than exist.", s);
                                break;
                        }
                        keys[n++] = rec->cgroup;
                        rel->slots[rel->n++] = s;
                        /* From here on the programs neither write this record nor
                         * add children for it. */
                        __atomic_store_n(&rec->cgroup, 0, __ATOMIC_RELEASE);
                }
                if (set) {
                        syscall_set_merge_bits(set, rec->cg.bits);
                        syscall_set_merge_args(set, &rec->cg.args);
                }
        }
        if (rel) {
                hash_delete(bpf_map__fd(r->skel->maps.cgroups), keys, n);
                for (size_t i = 0; i < n; i++)
                        filter_add(r, keys[i], -1);
        }
        return count;
}

static int for_each_entry(Recorder *r, uint32_t recording, SyscallSet *set)
{
        int k = records_get(r);

        if (k < 0)
                return k;
        k = for_each_entry_mapped(r, recording, set, NULL);
        records_put(r);
        return k;
}

static unsigned count_all_mapped(Recorder *r)
{
        unsigned n = 0;

        for (uint32_t s = 0; s < r->n_slots; s++)
                n += record_used(r, s, 0) != NULL;
        return n;
}

static unsigned recorder_count_all(Recorder *r)
{
        unsigned n;

        if (records_get(r) < 0)
                return 0;
        n = count_all_mapped(r);
        records_put(r);
        return n;
}

static int collect_each_mapped(Recorder *r, uint32_t recording, recorder_entry_cb_t cb, void *userdata)
{
        for (uint32_t s = 0; s < r->n_slots; s++) {
                struct sysrec_record *rec = record_used(r, s, recording);
                SyscallSet set = {};

                if (!rec)
                        continue;
                syscall_set_merge_bits(&set, rec->cg.bits);
                syscall_set_merge_args(&set, &rec->cg.args);
                cb(rec->cgroup, rec->cg.parent, &set, userdata);
        }
        return 0;
}

int recorder_collect_each(Recorder *r, uint32_t recording, recorder_entry_cb_t cb, void *userdata)
{
        int k = records_get(r);

        if (k < 0)
                return k;
        k = collect_each_mapped(r, recording, cb, userdata);
        records_put(r);
        return k;
}

int recorder_collect(Recorder *r, uint32_t recording, SyscallSet *ret)
{
        int k = for_each_entry(r, recording, ret);
        return k < 0 ? k : 0;
}

unsigned recorder_count(Recorder *r, uint32_t recording)
{
        int k = for_each_entry(r, recording, NULL);
        return k < 0 ? 0 : (unsigned)k;
}

/* Return once every BPF program running now has returned. Writing to a map
 * of maps from user space waits for an RCU grace period (the kernel's
 * maybe_wait_bpf_programs()), and no non-sleepable program, ours included,
 * runs across one: a program that read a record before the call has written
 * all it was going to by the time the call returns. */
static int wait_for_programs(Recorder *r)
{
        uint32_t zero = 0;

        if (r->wait_inner_fd < 0) {
                r->wait_inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sysrec_wait_in", sizeof(uint32_t),
                                                  sizeof(uint32_t), 1, NULL);
                if (r->wait_inner_fd < 0)
                        return negative_errno();
        }
        if (r->wait_outer_fd < 0) {
                LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = r->wait_inner_fd);

                r->wait_outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "sysrec_wait", sizeof(uint32_t),
                                                  sizeof(uint32_t), 1, &opts);
                if (r->wait_outer_fd < 0)
                        return negative_errno();
        }
        if (bpf_map_update_elem(r->wait_outer_fd, &zero, &r->wait_inner_fd, BPF_ANY) < 0)
                return negative_errno();
        return 0;
}

/* Release every record of a recording. A cgroup_mkdir program that read a
 * record (or an arm) of the recording before a pass took it back may still
 * add a child after that pass, and so may one that read the child: the
 * release is done only when a pass that follows a wait_for_programs(),
 * itself after the last record taken back, finds nothing. The slots taken
 * back go to the free queue after that wait. */
static int release_all(Recorder *r, uint32_t recording, SyscallSet *ret)
{
        _cleanup_free_ uint32_t *slots = malloc(sizeof(uint32_t) * r->n_slots);
        Released rel = { .slots = slots };
        bool waited = false;
        int k;

        if (!slots)
                return -ENOMEM;
        for (;;) {
                /* Each slot is taken back once: none returns to the queue meanwhile. */
                k = for_each_entry_mapped(r, recording, NULL, &rel);
                if (k < 0)
                        break;
                if (k > 0) {
                        waited = false;
                        continue;
                }
                if (waited)
                        break;
                k = wait_for_programs(r);
                if (k < 0) {
                        log_debug_errno(k, "Failed to wait for running BPF programs: %m");
                        break;
                }
                waited = true;
        }
        /* A pass that failed took records back without a wait after it. */
        if (!waited && rel.n > 0)
                (void)wait_for_programs(r);
        /* After a failed wait too: a slot kept out of the queue is lost for good,
         * a stray bit in its next record only makes that profile wider. The
         * bits are read here, after the last wait, not by the passes: a
         * program may set one after a pass took its record back. */
        for (size_t i = 0; i < rel.n; i++) {
                if (ret) {
                        syscall_set_merge_bits(ret, r->records[rel.slots[i]].cg.bits);
                        syscall_set_merge_args(ret, &r->records[rel.slots[i]].cg.args);
                }
                record_clear(r, rel.slots[i]);
                slot_free(r, rel.slots[i]);
        }
        return k < 0 ? k : 0;
}

int recorder_release(Recorder *r, uint32_t recording, SyscallSet *ret)
{
        int k;

        /* Events still in the ring buffer belong to the final profile too. */
        (void)recorder_process(r);
        disarm(r, recording);
        k = records_get(r);
        if (k < 0)
                return k;
        k = release_all(r, recording, ret);
        records_put(r);
        if (k < 0)
                return k;
        if (map_is_empty(r))
                recorder_detach(r);
        return 0;
}

bool recorder_needs_events(Recorder *r)
{
        return r->flavour == FLAVOUR_RAW;
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
                .btf_programs = r->flavour != FLAVOUR_RAW,
        };
}
