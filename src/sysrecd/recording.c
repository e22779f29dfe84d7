/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See recording.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "manager.h"
#include "recorder.h"
#include "recording.h"

static const char *const state_names[_RECORDING_STATE_MAX] = {
        [RECORDING_RECORDING] = "recording",
        [RECORDING_STOPPED] = "stopped",
        [RECORDING_FAILED] = "failed",
};

static const char *const target_names[_TARGET_TYPE_MAX] = {
        [TARGET_CGROUP] = "cgroup",
        [TARGET_UNIT] = "unit",
        [TARGET_PID] = "pid",
        [TARGET_LABELS] = "labels",
};

const char *recording_state_to_string(RecordingState s)
{
        return s < _RECORDING_STATE_MAX ? state_names[s] : NULL;
}

const char *target_type_to_string(TargetType t)
{
        return t < _TARGET_TYPE_MAX ? target_names[t] : NULL;
}

void recording_target_done(RecordingTarget *t)
{
        free(t->cgroup);
        free(t->unit);
        strv_free(t->labels);
        *t = (RecordingTarget){};
}

void recording_options_done(RecordingOptions *o)
{
        strv_free(o->metadata);
        free(o->base_profile);
        *o = (RecordingOptions){};
}

int recording_new(Manager *m, const char *name, uint32_t id, Recording **ret)
{
        _cleanup_(recording_freep) Recording *r = NULL;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->manager = m;
        r->id = id;
        r->complete = true;
        r->name = strdup(name);
        if (!r->name)
                return -ENOMEM;
        k = sd_bus_path_encode("/org/sysrec1/recording", name, &r->object_path);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

Recording *recording_free(Recording *r)
{
        if (!r)
                return NULL;
        sd_event_source_disable_unref(r->changed_source);
        for (size_t i = 0; i < r->n_cgroup_entries; i++) {
                free(r->cgroups[i].path);
                free(r->cgroups[i].name);
        }
        free(r->cgroups);
        free(r->cgroup_index);
        free(r->gate_events);
        recording_target_done(&r->target);
        recording_options_done(&r->options);
        free(r->profile_path);
        free(r->object_path);
        free(r->name);
        free(r);
        return NULL;
}

void recording_add_event(Recording *r, uint64_t cgroup, uint64_t epoch, unsigned abi, unsigned nr)
{
        RecordingGateEvents *g = NULL;

        if (!r->options.skip_runtime_setup) {
                syscall_set_add(&r->events, abi, nr);
                return;
        }
        for (size_t i = 0; i < r->n_gate_events && !g; i++)
                if (r->gate_events[i].cgroup == cgroup)
                        g = &r->gate_events[i];
        if (!g) {
                if (r->n_gate_events == r->n_gate_alloc) {
                        size_t n = r->n_gate_alloc ? r->n_gate_alloc * 2 : 4;
                        RecordingGateEvents *p = reallocarray(r->gate_events, n, sizeof(*p));

                        if (!p) {
                                /* Keep the call rather than lose it: at worst a set-up call
                                 * stays in the profile. */
                                syscall_set_add(&r->events, abi, nr);
                                return;
                        }
                        r->gate_events = p;
                        r->n_gate_alloc = n;
                }
                g = &r->gate_events[r->n_gate_events++];
                *g = (RecordingGateEvents){ .cgroup = cgroup, .epoch = epoch };
        }
        if (epoch < g->epoch)
                return; /* recorded before the gate re-opened, then dropped */
        if (epoch > g->epoch)
                *g = (RecordingGateEvents){ .cgroup = cgroup, .epoch = epoch };
        syscall_set_add(&g->set, abi, nr);
}

static void merge_events(const Recording *r, SyscallSet *s)
{
        syscall_set_merge(s, &r->events);
        for (size_t i = 0; i < r->n_gate_events; i++)
                syscall_set_merge(s, &r->gate_events[i].set);
}

void recording_take_events(Recording *r, SyscallSet *s)
{
        if (s)
                merge_events(r, s);
        r->events = (SyscallSet){};
        free(r->gate_events);
        r->gate_events = NULL;
        r->n_gate_events = r->n_gate_alloc = 0;
}

int recording_get_syscalls(Recording *r, SyscallSet *ret)
{
        SyscallSet s = r->base;
        int k;

        if (r->state == RECORDING_RECORDING) {
                k = recorder_collect(r->manager->recorder, r->id, &s);
                if (k < 0)
                        return k;
                /* Events cover syscalls a skip-runtime-setup gate later drops;
                 * the map alone is exact unless the kernel lacks atomic fetch. */
                if (recorder_needs_events(r->manager->recorder))
                        merge_events(r, &s);
        }
        *ret = s;
        return 0;
}

int recording_get_profile(Recording *r, ProfileFormat f, char **ret)
{
        SyscallSet s;
        int k;

        k = recording_get_syscalls(r, &s);
        if (k < 0)
                return k;
        return recording_format(r, &s, f, ret);
}

int recording_format(Recording *r, const SyscallSet *s, ProfileFormat f, char **ret)
{
        ProfileOptions o = { .name = r->name, .arguments = r->options.arguments };
        SyscallSet all;

        if (!r->options.base_profile)
                return profile_format_full(s, f, &o, ret);
        /* The runtime's own calls after its filter install, in every format. */
        all = *s;
        syscall_set_merge(&all, &r->options.base_profile_set);
        return profile_format_full(&all, f, &o, ret);
}

char *recording_describe_target(Recording *r)
{
        const RecordingTarget *t = &r->target;
        char *s = NULL;

        switch (t->type) {
        case TARGET_CGROUP:
                if (r->n_merged > 0)
                        (void)asprintf(&s, "cgroup %s (+%u merged)", t->cgroup, r->n_merged);
                else
                        (void)asprintf(&s, "cgroup %s", t->cgroup);
                break;
        case TARGET_UNIT:
                (void)asprintf(&s, "unit %s (%s)", t->unit, t->cgroup ?: "not running");
                break;
        case TARGET_PID:
                (void)asprintf(&s, "pid %u (%s)", t->pid, t->cgroup);
                break;
        case TARGET_LABELS: {
                size_t n = 0;
                FILE *f = open_memstream(&s, &n);
                if (!f)
                        return NULL;
                fputs("labels", f);
                for (char **i = t->labels; i && i[0] && i[1]; i += 2)
                        fprintf(f, " %s=%s", i[0], i[1]);
                if (fclose(f) != 0)
                        return NULL;
                break;
        }
        default:
                break;
        }
        return s;
}
