/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.sysrec1.Manager: vtable and method handlers. Each handler reads and
 * validates its arguments, calls a manager_* function and turns its -errno
 * into a named error that says which value was wrong.
 */
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "base-profile.h"
#include "bus-util.h"
#include "log.h"
#include "manager-bus.h"
#include "names.h"
#include "polkit.h"
#include "unit.h"

#define OPTIONS_MAX 16

static int reply_recording_not_found(sd_bus_error *error, const char *name)
{
        return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_RECORDING, "No recording '%s'.", name);
}

static int check_name(const char *name, sd_bus_error *error)
{
        if (recording_name_is_valid(name))
                return 0;
        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                 "Invalid recording name '%.64s%s': expected [A-Za-z0-9][A-Za-z0-9._-]{0,249}.",
                                 name, strlen(name) > 64 ? "..." : "");
}

static int read_target_entry(sd_bus_message *msg, Manager *m, const char *key, RecordingTarget *t,
                             sd_bus_error *error)
{
        const char *s;
        int r;

        if (strcmp(key, "cgroup") == 0 || strcmp(key, "unit") == 0) {
                r = bus_read_basic_variant(msg, key, "s", &s, error);
                if (r < 0)
                        return r;
                t->type = key[0] == 'c' ? TARGET_CGROUP : TARGET_UNIT;
                if (t->type == TARGET_UNIT && (strlen(s) == 0 || strlen(s) > 255 || strchr(s, '/')))
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Invalid unit name '%.64s'.", s);
                if (t->type == TARGET_CGROUP && strlen(s) >= 4096)
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "cgroup path '%.64s...' is too long.", s);
                if (t->type == TARGET_CGROUP)
                        t->cgroup = strdup(s);
                else
                        t->unit = strdup(s);
                if (!t->cgroup && !t->unit)
                        return -ENOMEM;
        } else if (strcmp(key, "pid") == 0) {
                r = bus_read_basic_variant(msg, key, "u", &t->pid, error);
                if (r < 0)
                        return r;
                t->type = TARGET_PID;
                if (t->pid == 0 || t->pid > 0x7fffffffu)
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Invalid PID %u.", t->pid);
        } else if (strcmp(key, "labels") == 0) {
                r = bus_enter_variant(msg, key, "a{ss}", error);
                if (r < 0)
                        return r;
                r = bus_read_labels(msg, "target 'labels'", m->limits.max_labels, &t->labels, error);
                if (r < 0)
                        return r;
                t->type = TARGET_LABELS;
                if (labels_count(t->labels) == 0)
                        return sd_bus_error_set(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                "Target 'labels' needs at least one label.");
        } else
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Unknown target '%.64s': expected one of cgroup, unit, pid, labels.", key);
        return sd_bus_message_exit_container(msg);
}

static int read_target(sd_bus_message *msg, Manager *m, RecordingTarget *t, sd_bus_error *error)
{
        unsigned n = 0;
        int r;

        r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (++n > 1)
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Target must hold exactly one of cgroup, unit, pid, labels; got a second one, '%.64s'.", key);
                r = read_target_entry(msg, m, key, t, error);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (n == 0)
                return sd_bus_error_set(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                        "Target is empty: give one of cgroup, unit, pid, labels.");
        return sd_bus_message_exit_container(msg);
}

static int read_bool_option(sd_bus_message *msg, const char *key, bool *ret, sd_bus_error *error)
{
        int b, r;

        r = bus_read_basic_variant(msg, key, "b", &b, error);
        if (r < 0)
                return r;
        *ret = b;
        return sd_bus_message_exit_container(msg);
}

/* A base profile is named, never a path: a client cannot make sysrecd read a file of its choice. */
static int read_base_profile_option(sd_bus_message *msg, const char *key, RecordingOptions *o,
                                    sd_bus_error *error)
{
        _cleanup_free_ char *err = NULL;
        const char *s;
        int r;

        r = bus_read_basic_variant(msg, key, "s", &s, error);
        if (r < 0)
                return r;
        r = base_profile_load(s, &o->base_profile_set, NULL, &err);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Invalid base profile name '%.64s%s': expected [A-Za-z0-9][A-Za-z0-9._-]{0,249}, not a path.",
                                         s, strlen(s) > 64 ? "..." : "");
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_BASE_PROFILE,
                                         "No base profile '%s' (%s.json in %s).", s, s, base_profile_path());
        if (r < 0)
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT, "Invalid base profile '%s': %s", s,
                                         err ?: "cannot be read");
        free(o->base_profile);
        o->base_profile = strdup(s);
        if (!o->base_profile)
                return -ENOMEM;
        return sd_bus_message_exit_container(msg);
}

static int read_options(sd_bus_message *msg, Manager *m, RecordingOptions *o, sd_bus_error *error)
{
        unsigned n = 0;
        int r;

        o->descendants = true;
        o->arguments = true;
        r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                if (++n > OPTIONS_MAX)
                        return sd_bus_error_setf(error, SYSREC_ERROR_LIMIT_EXCEEDED,
                                                 "Too many options (limit %d).", OPTIONS_MAX);
                if (strcmp(key, "descendants") == 0)
                        r = read_bool_option(msg, key, &o->descendants, error);
                else if (strcmp(key, "publish") == 0)
                        r = read_bool_option(msg, key, &o->publish, error);
                else if (strcmp(key, "merge") == 0)
                        r = read_bool_option(msg, key, &o->merge, error);
                else if (strcmp(key, "skip-runtime-setup") == 0)
                        r = read_bool_option(msg, key, &o->skip_runtime_setup, error);
                else if (strcmp(key, "metadata") == 0) {
                        strv_free(o->metadata);
                        o->metadata = NULL;
                        r = bus_enter_variant(msg, key, "a{ss}", error);
                        if (r >= 0)
                                r = bus_read_labels(msg, "option 'metadata'", m->limits.max_labels,
                                                    &o->metadata, error);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(msg);
                } else if (strcmp(key, "arguments") == 0)
                        r = read_bool_option(msg, key, &o->arguments, error);
                else if (strcmp(key, "base-profile") == 0)
                        r = read_base_profile_option(msg, key, o, error);
                else
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Unknown option '%.64s': expected descendants, skip-runtime-setup, arguments, base-profile, merge, publish, metadata.",
                                                 key);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int manager_bus_start_error(Manager *m, int k, const char *name, const RecordingTarget *t,
                       const ManagerFailure *f, sd_bus_error *error)
{
        const char *what = f->what ?: "";

        switch (k) {
        case -EEXIST:
                return sd_bus_error_setf(error, SYSREC_ERROR_RECORDING_EXISTS,
                                         "Recording '%s' already exists.", name);
        case -EIO:
                return sd_bus_error_setf(error, SYSREC_ERROR_WRITE_FAILED,
                                         "Cannot save recording '%s' as %s; it was not started.", name, what);
        case -EMEDIUMTYPE:
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Cannot merge into recording '%s': merge works with cgroup, pid and unit targets, not labels.",
                                         name);
        case -E2BIG:
                return sd_bus_error_setf(error, SYSREC_ERROR_LIMIT_EXCEEDED,
                                         "Too many recordings (limit %u); remove stopped ones.",
                                         m->limits.max_recordings);
        case -ENOSPC:
                return sd_bus_error_setf(error, SYSREC_ERROR_LIMIT_EXCEEDED,
                                         "Too many recorded cgroups (limit %u).", m->limits.max_cgroups);
        case -ESRCH:
                return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_PROCESS, "No process with PID %u.",
                                         t->pid);
        case -EBUSY:
                return sd_bus_error_setf(error, SYSREC_ERROR_CGROUP_BUSY,
                                         "cgroup '%s' is already recorded by '%s'.", strempty(t->cgroup), what);
        case -ENOENT:
        case -ENOTDIR:
                if (t->type == TARGET_UNIT)
                        return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_UNIT,
                                                 "The slice of unit '%s' has no cgroup yet (%s): is the slice active?",
                                                 t->unit, what);
                return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_CGROUP, "No cgroup '%s' in %s.",
                                         what, m->cgroup_root);
        case -ELOOP:
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "cgroup path '%s' goes through a symbolic link.", what);
        case -EXDEV:
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "cgroup path '%s' leaves the cgroup2 mount %s.", what, m->cgroup_root);
        case -EINVAL:
        case -ENAMETOOLONG:
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Invalid cgroup path '%.256s': an absolute path below %s without '.' or '..' expected.",
                                         what, m->cgroup_root);
        default:
                return sd_bus_error_set_errnof(error, k, "Failed to start recording '%s': %m", name);
        }
}

static int method_start_recording(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(recording_target_done) RecordingTarget t = {};
        _cleanup_(recording_options_done) RecordingOptions o = {};
        _cleanup_(manager_failure_done) ManagerFailure f = {};
        Manager *m = userdata;
        Recording *rec = NULL;
        const char *name;
        int r;

        r = polkit_verify_async(msg, SYSREC_POLKIT_ACTION_RECORD, &m->polkit_registry, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = check_name(name, error);
        if (r < 0)
                return r;
        r = read_target(msg, m, &t, error);
        if (r < 0)
                return r;
        r = read_options(msg, m, &o, error);
        if (r < 0)
                return r;

        if (t.type == TARGET_UNIT)
                return manager_bus_start_unit_recording(m, msg, name, &t, &o, error);

        r = manager_start_recording(m, name, &t, &o, &f, &rec);
        if (r < 0)
                return manager_bus_start_error(m, r, name, &t, &f, error);
        return sd_bus_reply_method_return(msg, "o", rec->object_path);
}

static Recording *find_recording_arg(sd_bus_message *msg, Manager *m, sd_bus_error *error, int *ret)
{
        const char *name;
        Recording *rec;

        *ret = sd_bus_message_read(msg, "s", &name);
        if (*ret < 0)
                return NULL;
        *ret = check_name(name, error);
        if (*ret < 0)
                return NULL;
        rec = manager_find_recording(m, name);
        if (!rec)
                *ret = reply_recording_not_found(error, name);
        return rec;
}

static int method_stop_recording(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        Recording *rec;
        int r;

        r = polkit_verify_async(msg, SYSREC_POLKIT_ACTION_RECORD, &m->polkit_registry, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        rec = find_recording_arg(msg, userdata, error, &r);
        if (!rec)
                return r;
        r = recording_bus_stop(msg, rec, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_get_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Recording *rec;
        const char *format;
        int r;

        rec = find_recording_arg(msg, userdata, error, &r);
        if (!rec)
                return r;
        r = sd_bus_message_read(msg, "s", &format);
        if (r < 0)
                return r;
        return recording_bus_reply_profile(msg, rec, format, error);
}

static int method_remove_recording(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        Recording *rec;
        int r;

        r = polkit_verify_async(msg, SYSREC_POLKIT_ACTION_RECORD, &m->polkit_registry, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        rec = find_recording_arg(msg, userdata, error, &r);
        if (!rec)
                return r;
        if (rec->state == RECORDING_RECORDING)
                return sd_bus_error_setf(error, SYSREC_ERROR_RECORDING_ACTIVE,
                                         "Recording '%s' is still recording; stop it first.", rec->name);
        r = manager_remove_recording(userdata, rec);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_list_recordings(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(sso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_recordings; i++) {
                Recording *rec = m->recordings[i];
                r = sd_bus_message_append(reply, "(sso)", rec->name,
                                          recording_state_to_string(rec->state), rec->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_register_workload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(manager_failure_done) ManagerFailure f = {};
        _cleanup_strv_free_ char **labels = NULL;
        Manager *m = userdata;
        const char *id, *cgroup;
        int r;

        r = polkit_verify_async(msg, SYSREC_POLKIT_ACTION_RECORD, &m->polkit_registry, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = sd_bus_message_read(msg, "ss", &id, &cgroup);
        if (r < 0)
                return r;
        if (!workload_id_is_valid(id))
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Invalid workload id '%.64s%s': expected [A-Za-z0-9][A-Za-z0-9._-]{0,252}.",
                                         id, strlen(id) > 64 ? "..." : "");
        r = bus_read_labels(msg, "workload labels", m->limits.max_labels, &labels, error);
        if (r < 0)
                return r;
        if (manager_find_workload(m, id))
                return sd_bus_error_setf(error, SYSREC_ERROR_WORKLOAD_EXISTS,
                                         "Workload '%s' is already registered.", id);
        if (m->n_workloads >= m->limits.max_workloads)
                return sd_bus_error_setf(error, SYSREC_ERROR_LIMIT_EXCEEDED,
                                         "Too many workloads (limit %u).", m->limits.max_workloads);

        r = manager_register_workload(m, id, cgroup, labels, &f);
        if (r < 0) {
                RecordingTarget t = { .type = TARGET_CGROUP, .cgroup = (char *)cgroup };
                return manager_bus_start_error(m, r, id, &t, &f, error);
        }
        TAKE_PTR(labels);
        (void)sd_bus_emit_properties_changed(m->bus, "/org/sysrec1", "org.sysrec1.Manager",
                                             "RegisteredWorkloads", "TrackedCgroups", NULL);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_unregister_workload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *id;
        Workload *w;
        int r;

        r = polkit_verify_async(msg, SYSREC_POLKIT_ACTION_RECORD, &m->polkit_registry, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = sd_bus_message_read(msg, "s", &id);
        if (r < 0)
                return r;
        w = manager_find_workload(m, id);
        if (!w)
                return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_WORKLOAD, "No workload '%.253s'.", id);
        r = manager_unregister_workload(m, w);
        if (r < 0)
                return r;
        (void)sd_bus_emit_properties_changed(m->bus, "/org/sysrec1", "org.sysrec1.Manager",
                                             "RegisteredWorkloads", NULL);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_list_workloads(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ssa{ss})");
        for (size_t i = 0; r >= 0 && i < m->n_workloads; i++) {
                Workload *w = m->workloads[i];

                r = sd_bus_message_open_container(reply, SD_BUS_TYPE_STRUCT, "ssa{ss}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ss", w->id, w->cgroup);
                if (r >= 0)
                        r = bus_append_pairs(reply, w->labels);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", SYSREC_VERSION);
}

static int property_get_active(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        return sd_bus_message_append(reply, "u", manager_active_recordings(userdata));
}

static int property_get_workloads(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error)
{
        Manager *m = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t)m->n_workloads);
}

static int property_get_attached(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Manager *m = userdata;
        RecorderStats st;

        /* Emitted on every start and stop: must not walk the map. */
        if (strcmp(property, "ProgramsAttached") == 0)
                return sd_bus_message_append(reply, "b", recorder_is_attached(m->recorder));
        recorder_get_stats(m->recorder, &st);
        if (strcmp(property, "TrackedCgroups") == 0)
                return sd_bus_message_append(reply, "u", st.tracked_cgroups);
        if (strcmp(property, "DroppedEvents") == 0)
                return sd_bus_message_append(reply, "t", st.dropped_events);
        return sd_bus_message_append(reply, "s", st.btf_programs ? "tp_btf" : "raw_tp");
}

const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ActiveRecordings", "u", property_get_active, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RegisteredWorkloads", "u", property_get_workloads, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ProgramType", "s", property_get_attached, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ProgramsAttached", "b", property_get_attached, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TrackedCgroups", "u", property_get_attached, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("DroppedEvents", "t", property_get_attached, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_METHOD_WITH_ARGS("StartRecording",
                                SD_BUS_ARGS("s", name, "a{sv}", target, "a{sv}", options),
                                SD_BUS_RESULT("o", path), method_start_recording,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopRecording", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_stop_recording, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProfile", SD_BUS_ARGS("s", name, "s", format),
                                SD_BUS_RESULT("s", profile), method_get_profile,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListRecordings", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sso)", recordings), method_list_recordings,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveRecording", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_remove_recording, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RegisterWorkload",
                                SD_BUS_ARGS("s", id, "s", cgroup, "a{ss}", labels), SD_BUS_NO_RESULT,
                                method_register_workload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnregisterWorkload", SD_BUS_ARGS("s", id), SD_BUS_NO_RESULT,
                                method_unregister_workload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListWorkloads", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ssa{ss})", workloads), method_list_workloads,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("RecordingStarted", SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("RecordingStopped",
                                SD_BUS_ARGS("s", name, "o", path, "s", profile_path), 0),
        SD_BUS_VTABLE_END,
};

static void emit_manager_changed(Manager *m)
{
        unsigned active = manager_active_recordings(m);

        (void)sd_notifyf(false, "STATUS=%u active recording%s, %zu in all, %zu workloads.", active,
                         active == 1 ? "" : "s", m->n_recordings, m->n_workloads);
        (void)sd_bus_emit_properties_changed(m->bus, "/org/sysrec1", "org.sysrec1.Manager",
                                             "ActiveRecordings", "ProgramsAttached", "TrackedCgroups",
                                             "DroppedEvents", NULL);
}

void manager_bus_recording_started(Manager *m, Recording *r)
{
        if (!m->bus)
                return;
        if (r->n_merged == 0 && r->stopped_usec == 0)
                (void)sd_bus_emit_object_added(m->bus, r->object_path);
        (void)sd_bus_emit_signal(m->bus, "/org/sysrec1", "org.sysrec1.Manager", "RecordingStarted",
                                 "so", r->name, r->object_path);
        emit_manager_changed(m);
}

void manager_bus_recording_stopped(Manager *m, Recording *r)
{
        if (!m->bus)
                return;
        (void)sd_bus_emit_properties_changed(m->bus, r->object_path, "org.sysrec1.Recording", "State",
                                             "StoppedUSec", "ProfilePath", "SyscallCount", "Syscalls",
                                             "Cgroups", NULL);
        (void)sd_bus_emit_signal(m->bus, "/org/sysrec1", "org.sysrec1.Manager", "RecordingStopped",
                                 "sos", r->name, r->object_path, strempty(r->profile_path));
        emit_manager_changed(m);
}

void manager_bus_recording_removed(Manager *m, Recording *r)
{
        if (!m->bus)
                return;
        /* Still listed, so that the removal signal can name its interfaces. */
        (void)sd_bus_emit_object_removed(m->bus, r->object_path);
        emit_manager_changed(m);
}

static int on_name_acquired(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        Manager *m = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(msg);

        if (e) {
                log_error("Failed to acquire bus name org.sysrec1: %s", e->message ?: e->name);
                return sd_event_exit(m->event, -EADDRINUSE);
        }
        log_info("sysrecd %s ready on the bus as org.sysrec1.", SYSREC_VERSION);
        /* Watchers of a recording learn that it lost part of its kernel state. */
        for (size_t i = 0; i < m->n_recordings; i++)
                recording_bus_complete_changed(m->recordings[i]);
        (void)sd_notify(false, "READY=1\nSTATUS=Ready, no active recordings.");
        return 0;
}

int manager_bus_setup(Manager *m)
{
        int r;

        r = sd_bus_default_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_add_object_vtable(m->bus, NULL, "/org/sysrec1", "org.sysrec1.Manager",
                                     manager_vtable, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(m->bus, NULL, "/org/sysrec1/recording",
                                               "org.sysrec1.Recording", recording_vtable,
                                               recording_bus_find, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(m->bus, NULL, "/org/sysrec1/recording",
                                               recording_bus_enumerate, m);
        if (r >= 0)
                r = sd_bus_add_object_manager(m->bus, NULL, "/org/sysrec1");
        if (r < 0)
                return log_error_errno(r, "Failed to register D-Bus objects: %m");

        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach bus to event loop: %m");
        r = sd_bus_request_name_async(m->bus, NULL, "org.sysrec1", 0, on_name_acquired, m);
        if (r < 0)
                return log_error_errno(r, "Failed to request bus name org.sysrec1: %m");
        return 0;
}
