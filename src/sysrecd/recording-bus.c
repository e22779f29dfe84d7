/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.sysrec1.Recording objects, one per recording under /org/sysrec1/recording. */
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cgroup.h"
#include "log.h"
#include "manager-bus.h"
#include "polkit.h"
#include "recording-cgroups.h"
#include "sysrec-names.h"

#define CHANGED_RATELIMIT_USEC (100 * 1000)

int recording_bus_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **ret, sd_bus_error *error)
{
        _cleanup_free_ char *name = NULL;
        Recording *r;
        int k;

        k = sd_bus_path_decode(path, "/org/sysrec1/recording", &name);
        if (k <= 0)
                return 0;
        r = manager_find_recording(userdata, name);
        if (!r)
                return 0;
        *ret = r;
        return 1;
}

int recording_bus_enumerate(sd_bus *bus, const char *path, void *userdata, char ***ret,
                            sd_bus_error *error)
{
        Manager *m = userdata;
        char **l = calloc(m->n_recordings + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_recordings; i++) {
                l[i] = strdup(m->recordings[i]->object_path);
                if (!l[i]) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

int recording_bus_reply_profile(sd_bus_message *msg, Recording *r, const char *format,
                                sd_bus_error *error)
{
        _cleanup_free_ char *text = NULL;
        ProfileFormat f = profile_format_from_string(format);
        int k;

        if (f < 0)
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Unknown profile format '%.64s': expected %s.", format,
                                         profile_format_list());
        k = recording_get_profile(r, f, &text);
        if (k < 0)
                return sd_bus_error_set_errnof(error, k, "Failed to build profile of '%s': %m", r->name);
        return sd_bus_reply_method_return(msg, "s", text);
}

int recording_bus_stop(sd_bus_message *msg, Recording *r, sd_bus_error *error)
{
        int k;

        if (r->state != RECORDING_RECORDING && r->profile_path && !r->unreleased)
                return sd_bus_error_setf(error, SYSREC_ERROR_NOT_RECORDING,
                                         "Recording '%s' is already stopped.", r->name);
        k = manager_stop_recording(r->manager, r);
        if (k < 0 && r->state != RECORDING_RECORDING)
                return sd_bus_error_setf(error, SYSREC_ERROR_WRITE_FAILED,
                                         "Recording '%s' stopped, but its profile could not be written to %s/profiles/%s.json: %s. "
                                         "The syscalls are kept; call StopRecording again to retry.",
                                         r->name, r->manager->state_dir, r->name, strerror(-k));
        if (k < 0)
                return sd_bus_error_set_errnof(error, k, "Failed to stop recording '%s': %m", r->name);
        return 0;
}

static int method_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        Recording *r = userdata;
        int k;

        k = polkit_verify_async(msg, SYSREC_POLKIT_ACTION_RECORD, &r->manager->polkit_registry, error);
        if (k <= 0)
                return k < 0 ? k : 1;
        k = recording_bus_stop(msg, r, error);
        if (k < 0)
                return k;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_get_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *format;
        int k;

        k = sd_bus_message_read(msg, "s", &format);
        if (k < 0)
                return k;
        return recording_bus_reply_profile(msg, userdata, format, error);
}

static int method_list_cgroups(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Recording *r = userdata;
        int k;

        if (r->state == RECORDING_RECORDING)
                (void)recording_snapshot_cgroups(r);
        k = sd_bus_message_new_method_return(msg, &reply);
        if (k >= 0)
                k = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "(ts)");
        for (size_t i = 0; k >= 0 && i < r->n_cgroup_entries; i++) {
                char fallback[64];

                snprintf(fallback, sizeof(fallback), "?/%s", strempty(r->cgroups[i].name));
                k = sd_bus_message_append(reply, "(ts)", r->cgroups[i].id,
                                          r->cgroups[i].path ?: fallback);
        }
        if (k >= 0)
                k = sd_bus_message_close_container(reply);
        if (k < 0)
                return k;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_cgroup_profile(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_free_ char *text = NULL, *norm = NULL;
        Recording *r = userdata;
        const char *path, *format;
        ProfileFormat f;
        int k;

        k = sd_bus_message_read(msg, "ss", &path, &format);
        if (k < 0)
                return k;
        if (cgroup_path_normalize(path, &norm) < 0)
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Invalid cgroup path '%.256s'.", path);
        f = profile_format_from_string(format);
        if (f < 0)
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Unknown profile format '%.64s': expected %s.", format,
                                         profile_format_list());
        k = recording_cgroup_profile(r, norm, f, &text);
        if (k == -ENOENT)
                return sd_bus_error_setf(error, SYSREC_ERROR_NO_SUCH_CGROUP,
                                         "Recording '%s' has no cgroup at or below '%s'.", r->name, norm);
        if (k < 0)
                return sd_bus_error_set_errnof(error, k, "Failed to build profile of '%s': %m", norm);
        return sd_bus_reply_method_return(msg, "s", text);
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        _cleanup_free_ char *target = NULL;
        Recording *r = userdata;

        if (strcmp(property, "Name") == 0)
                return sd_bus_message_append(reply, "s", r->name);
        if (strcmp(property, "State") == 0)
                return sd_bus_message_append(reply, "s", recording_state_to_string(r->state));
        if (strcmp(property, "ProfilePath") == 0)
                return sd_bus_message_append(reply, "s", strempty(r->profile_path));
        target = recording_describe_target(r);
        return sd_bus_message_append(reply, "s", strempty(target));
}

static int property_get_syscalls(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Recording *r = userdata;
        SyscallSet s;
        int k;

        if (r->emitting)
                s = *r->emitting;
        else {
                k = recording_get_syscalls(r, &s);
                if (k < 0)
                        return k;
        }
        if (strcmp(property, "SyscallCount") == 0)
                return sd_bus_message_append(reply, "u", syscall_set_count(&s));

        k = sd_bus_message_open_container(reply, SD_BUS_TYPE_ARRAY, "{sas}");
        if (k < 0)
                return k;
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                _cleanup_strv_free_ char **names = NULL;

                if (!abi_to_string(abi) || syscall_set_count_abi(&s, abi) == 0)
                        continue;
                k = syscall_set_names(&s, abi, &names);
                if (k >= 0)
                        k = sd_bus_message_open_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sas");
                if (k >= 0)
                        k = sd_bus_message_append(reply, "s", abi_to_string(abi));
                if (k >= 0)
                        k = sd_bus_message_append_strv(reply, names);
                if (k >= 0)
                        k = sd_bus_message_close_container(reply);
                if (k < 0)
                        return k;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_time(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply, void *userdata,
                             sd_bus_error *error)
{
        Recording *r = userdata;
        return sd_bus_message_append(reply, "t",
                                     strcmp(property, "StartedUSec") == 0 ? r->started_usec : r->stopped_usec);
}

static int property_get_cgroups(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        Recording *r = userdata;
        unsigned n = r->state == RECORDING_RECORDING ? recorder_count(r->manager->recorder, r->id)
                                                     : r->n_cgroups;
        return sd_bus_message_append(reply, "u", n);
}

static int property_get_counter(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        Recording *r = userdata;
        return sd_bus_message_append(reply, "u", strcmp(property, "Processes") == 0 ? r->n_processes : r->n_lost);
}

static int property_get_complete(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Recording *r = userdata;
        return sd_bus_message_append(reply, "b", r->complete);
}

static int property_get_metadata(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        Recording *r = userdata;
        return bus_append_pairs(reply, r->options.metadata);
}

static int property_get_base_profile(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error)
{
        Recording *r = userdata;
        return sd_bus_message_append(reply, "s", strempty(r->options.base_profile));
}

static int property_get_options(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error)
{
        Recording *r = userdata;
        if (strcmp(property, "Descendants") == 0)
                return sd_bus_message_append(reply, "b", r->options.descendants);
        if (strcmp(property, "SkipRuntimeSetup") == 0)
                return sd_bus_message_append(reply, "b", r->options.skip_runtime_setup);
        if (strcmp(property, "Arguments") == 0)
                return sd_bus_message_append(reply, "b", r->options.arguments);
        return sd_bus_message_append(reply, "b", r->options.publish);
}

const sd_bus_vtable recording_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Target", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Syscalls", "a{sas}", property_get_syscalls, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SyscallCount", "u", property_get_syscalls, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Cgroups", "u", property_get_cgroups, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LostCgroups", "u", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Processes", "u", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY(SYSREC_RECORDING_PROPERTY_COMPLETE, "b", property_get_complete, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ProfilePath", "s", property_get_string, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StartedUSec", "t", property_get_time, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StoppedUSec", "t", property_get_time, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Descendants", "b", property_get_options, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SkipRuntimeSetup", "b", property_get_options, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Arguments", "b", property_get_options, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Publish", "b", property_get_options, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Metadata", "a{ss}", property_get_metadata, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("BaseProfile", "s", property_get_base_profile, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_stop,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProfile", SD_BUS_ARGS("s", format), SD_BUS_RESULT("s", profile),
                                method_get_profile, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListCgroups", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ts)", cgroups),
                                method_list_cgroups, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetCgroupProfile", SD_BUS_ARGS("s", cgroup, "s", format),
                                SD_BUS_RESULT("s", profile), method_get_cgroup_profile,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int on_changed_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Recording *r = userdata;
        bool cgroups = r->cgroups_changed;
        SyscallSet set;

        r->changed_source = sd_event_source_disable_unref(r->changed_source);
        r->cgroups_changed = false;
        if (!r->manager->bus || r->state != RECORDING_RECORDING || recording_get_syscalls(r, &set) < 0)
                return 0;
        /* Syscalls and SyscallCount from one walk of the kernel map. */
        r->emitting = &set;
        (void)sd_bus_emit_properties_changed(r->manager->bus, r->object_path, "org.sysrec1.Recording",
                                             "SyscallCount", "Syscalls", "LostCgroups", "Processes",
                                             cgroups ? "Cgroups" : NULL, NULL);
        r->emitting = NULL;
        return 0;
}

void recording_bus_syscalls_changed(Recording *r)
{
        int k;

        if (r->changed_source || !r->manager->event)
                return;
        k = sd_event_add_time_relative(r->manager->event, &r->changed_source, CLOCK_MONOTONIC,
                                       CHANGED_RATELIMIT_USEC, 10 * 1000, on_changed_timer, r);
        if (k < 0)
                log_debug_errno(k, "Failed to arm PropertiesChanged timer: %m");
        else
                (void)sd_event_source_set_description(r->changed_source, "recording-changed");
}

void recording_bus_complete_changed(Recording *r)
{
        if (!r->complete_changed || !r->manager->bus)
                return;
        r->complete_changed = false;
        (void)sd_bus_emit_properties_changed(r->manager->bus, r->object_path, SYSREC_RECORDING_INTERFACE,
                                             SYSREC_RECORDING_PROPERTY_COMPLETE, NULL);
}
