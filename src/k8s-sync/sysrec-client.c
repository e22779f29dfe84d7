/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See sysrec-client.h. */
#include <stdlib.h>
#include <string.h>

#include "bus-pairs.h"
#include "sysrec-client.h"
#include "sysrec-names.h"

#define MANAGER_PATH "/org/sysrec1"
#define MANAGER_IFACE "org.sysrec1.Manager"
#define RECORDING_IFACE "org.sysrec1.Recording"

static void recording_done(SysrecRecording *r)
{
        free(r->name);
        free(r->state);
        free(r->path);
        strv_free(r->metadata);
        *r = (SysrecRecording){};
}

void sysrec_recordings_free(SysrecRecording *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                recording_done(&l[i]);
        free(l);
}

void sysrec_cgroups_free(SysrecCgroup *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(l[i].path);
        free(l);
}

const char *sysrec_metadata_get(const SysrecRecording *r, const char *key)
{
        return sysrec_pairs_get(r->metadata, key);
}

static int read_pairs(sd_bus_message *m, char ***ret)
{
        char **l = NULL;
        size_t n = 0;
        const char *k, *v;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
                char **a = realloc(l, sizeof(char *) * (n + 3));

                if (!a) {
                        strv_free(l);
                        return -ENOMEM;
                }
                l = a;
                l[n] = strdup(k);
                l[n + 1] = strdup(v);
                l[n + 2] = NULL;
                if (!l[n] || !l[n + 1]) {
                        strv_free(l);
                        return -ENOMEM;
                }
                n += 2;
        }
        if (r < 0) {
                strv_free(l);
                return r;
        }
        *ret = l;
        return sd_bus_message_exit_container(m);
}

int sysrec_register_workload(sd_bus *bus, const char *id, const char *cgroup, char **labels, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "RegisterWorkload");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", id, cgroup);
        if (r >= 0)
                r = bus_append_pairs(m, labels);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, error, NULL);
}

int sysrec_unregister_workload(sd_bus *bus, const char *id, sd_bus_error *error)
{
        return sd_bus_call_method(bus, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "UnregisterWorkload", error,
                                  NULL, "s", id);
}

void sysrec_workloads_free(SysrecWorkload *l, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(l[i].id);
                free(l[i].cgroup);
                strv_free(l[i].labels);
        }
        free(l);
}

const char *sysrec_pairs_get(char **pairs, const char *key)
{
        for (char **i = pairs; i && i[0] && i[1]; i += 2)
                if (strcmp(i[0], key) == 0)
                        return i[1];
        return NULL;
}

int sysrec_list_workloads(sd_bus *bus, SysrecWorkload **ret, size_t *ret_n, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SysrecWorkload *l = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_call_method(bus, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "ListWorkloads", error, &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssa{ss})");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ssa{ss}")) > 0) {
                SysrecWorkload *a = realloc(l, sizeof(*l) * (n + 1));
                const char *id, *cgroup;

                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                l = a;
                l[n] = (SysrecWorkload){};
                r = sd_bus_message_read(reply, "ss", &id, &cgroup);
                if (r < 0)
                        break;
                n++;
                l[n - 1].id = strdup(id);
                l[n - 1].cgroup = strdup(cgroup);
                if (!l[n - 1].id || !l[n - 1].cgroup) {
                        r = -ENOMEM;
                        break;
                }
                r = read_pairs(reply, &l[n - 1].labels);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0) {
                sysrec_workloads_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int sysrec_start_label_recording(sd_bus *bus, const char *name, char **selector, char **metadata,
                                 sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "StartRecording");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        /* target: {labels: a{ss}} */
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = bus_append_pairs_entry(m, "labels", selector);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        /* options: {descendants: true, metadata: a{ss}} */
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "descendants", "b", 1);
        if (r >= 0)
                r = bus_append_pairs_entry(m, "metadata", metadata);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, 0, error, NULL);
}

int sysrec_stop_recording(sd_bus *bus, const char *name, sd_bus_error *error)
{
        return sd_bus_call_method(bus, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "StopRecording", error, NULL,
                                  "s", name);
}

int sysrec_remove_recording(sd_bus *bus, const char *name, sd_bus_error *error)
{
        return sd_bus_call_method(bus, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "RemoveRecording", error, NULL,
                                  "s", name);
}

int sysrec_get_profile(sd_bus *bus, const char *name, const char *format, char **ret, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *s;
        int r;

        r = sd_bus_call_method(bus, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "GetProfile", error, &reply,
                               "ss", name, format);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &s);
        if (r < 0)
                return r;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int read_recording_props(sd_bus *bus, SysrecRecording *rec, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, SYSREC_BUS_NAME, rec->path, "org.freedesktop.DBus.Properties", "GetAll", error,
                               &reply, "s", RECORDING_IFACE);
        if (r < 0)
                return r;
        /* A sysrecd older than the property cannot tell. */
        rec->complete = true;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *s;
                int b;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "Publish") == 0) {
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        rec->publish = b;
                } else if (strcmp(key, "State") == 0) {
                        r = sd_bus_message_read(reply, "v", "s", &s);
                        if (r >= 0) {
                                free(rec->state);
                                rec->state = strdup(s);
                                r = rec->state ? r : -ENOMEM;
                        }
                } else if (strcmp(key, SYSREC_RECORDING_PROPERTY_COMPLETE) == 0) {
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        rec->complete = b;
                } else if (strcmp(key, "StoppedUSec") == 0)
                        r = sd_bus_message_read(reply, "v", "t", &rec->stopped_usec);
                else if (strcmp(key, "Metadata") == 0) {
                        r = sd_bus_message_enter_container(reply, 'v', "a{ss}");
                        if (r >= 0)
                                r = read_pairs(reply, &rec->metadata);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        return r;
}

int sysrec_list_recordings(sd_bus *bus, SysrecRecording **ret, size_t *ret_n, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SysrecRecording *l = NULL;
        size_t n = 0;
        const char *name, *state, *path;
        int r;

        r = sd_bus_call_method(bus, SYSREC_BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "ListRecordings", error, &reply, "");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sso)", &name, &state, &path)) > 0) {
                SysrecRecording *a = realloc(l, sizeof(*l) * (n + 1));

                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                l = a;
                l[n] = (SysrecRecording){ .name = strdup(name), .state = strdup(state), .path = strdup(path) };
                n++;
                if (!l[n - 1].name || !l[n - 1].state || !l[n - 1].path) {
                        r = -ENOMEM;
                        break;
                }
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = read_recording_props(bus, &l[i], error);
                /* removed between the two calls: drop it */
                if (r < 0 && sd_bus_error_has_name(error, "org.freedesktop.DBus.Error.UnknownObject")) {
                        sd_bus_error_free(error);
                        recording_done(&l[i]);
                        memmove(l + i, l + i + 1, sizeof(*l) * (n - i - 1));
                        n--;
                        i--;
                        r = 0;
                }
        }
        if (r < 0) {
                sysrec_recordings_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int sysrec_get_recording(sd_bus *bus, const char *name, SysrecRecording *ret, sd_bus_error *error)
{
        SysrecRecording rec = {};
        int r;

        r = sd_bus_path_encode("/org/sysrec1/recording", name, &rec.path);
        if (r < 0)
                return r;
        rec.name = strdup(name);
        if (!rec.name) {
                recording_done(&rec);
                return -ENOMEM;
        }
        r = read_recording_props(bus, &rec, error);
        if (r < 0) {
                recording_done(&rec);
                return r;
        }
        *ret = rec;
        return 0;
}

static bool unknown_method(const sd_bus_error *e)
{
        return sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.UnknownMethod");
}

int sysrec_list_cgroups(sd_bus *bus, const char *object_path, SysrecCgroup **ret, size_t *ret_n,
                        sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        SysrecCgroup *l = NULL;
        size_t n = 0;
        const char *path;
        uint64_t id;
        int r;

        r = sd_bus_call_method(bus, SYSREC_BUS_NAME, object_path, RECORDING_IFACE, "ListCgroups", error, &reply, "");
        if (r < 0)
                return unknown_method(error) ? -EOPNOTSUPP : r;
        r = sd_bus_message_enter_container(reply, 'a', "(ts)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ts)", &id, &path)) > 0) {
                SysrecCgroup *a = realloc(l, sizeof(*l) * (n + 1));

                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                l = a;
                l[n].id = id;
                l[n].path = strdup(path);
                if (!l[n++].path) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r < 0) {
                sysrec_cgroups_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int sysrec_get_cgroup_profile(sd_bus *bus, const char *object_path, const char *cgroup, const char *format,
                              char **ret, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *s;
        int r;

        r = sd_bus_call_method(bus, SYSREC_BUS_NAME, object_path, RECORDING_IFACE, "GetCgroupProfile", error, &reply,
                               "ss", cgroup, format);
        if (r < 0)
                return unknown_method(error) ? -EOPNOTSUPP : r;
        r = sd_bus_message_read(reply, "s", &s);
        if (r < 0)
                return r;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}
