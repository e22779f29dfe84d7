/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Target "unit": resolve a systemd unit to its control group through
 * org.freedesktop.systemd1, asynchronously (the event loop never blocks on
 * another service), then start the recording on that cgroup.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "log.h"
#include "manager-bus.h"
#include "unit.h"

typedef struct UnitStart {
        Manager *manager;
        sd_bus_message *request;
        char *name;
        char *unit_path;
        RecordingTarget target;
        RecordingOptions options;
} UnitStart;

static void unit_start_free(void *p)
{
        UnitStart *u = p;

        if (!u)
                return;
        sd_bus_message_unref(u->request);
        recording_target_done(&u->target);
        recording_options_done(&u->options);
        free(u->unit_path);
        free(u->name);
        free(u);
}

static const char *unit_interface(const char *unit)
{
        static const struct {
                const char *suffix, *iface;
        } types[] = {
                { ".service", "org.freedesktop.systemd1.Service" },
                { ".scope", "org.freedesktop.systemd1.Scope" },
                { ".slice", "org.freedesktop.systemd1.Slice" },
                { ".socket", "org.freedesktop.systemd1.Socket" },
                { ".mount", "org.freedesktop.systemd1.Mount" },
                { ".swap", "org.freedesktop.systemd1.Swap" },
        };
        const char *dot = strrchr(unit, '.');

        for (size_t i = 0; dot && i < ELEMENTSOF(types); i++)
                if (strcmp(dot, types[i].suffix) == 0)
                        return types[i].iface;
        return NULL;
}

/* Reply with an error naming the unit; the request is finished. */
_printf_(3, 4) static int reply_error(UnitStart *u, const char *name, const char *fmt, ...)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;

        va_start(ap, fmt);
        sd_bus_error_setfv(&e, name, fmt, ap);
        va_end(ap);
        (void)sd_bus_reply_method_error(u->request, &e);
        return 0;
}

/* Each step returns 1 when it handed u to the next asynchronous call, and
 * anything else when the request is finished and u can go. */
static int step_done(UnitStart *u, int r)
{
        if (r != 1)
                unit_start_free(u);
        return 0;
}

/* The cgroup path systemd gives a slice: "a-b.slice" is /a.slice/a-b.slice,
 * "-.slice" is the root. */
static char *slice_to_path(const char *slice)
{
        size_t l = strlen(slice);
        char *out, *o;

        if (l < 6 || strcmp(slice + l - 6, ".slice") != 0)
                return NULL;
        if (strcmp(slice, "-.slice") == 0)
                return strdup("");
        out = malloc(l * (l / 2 + 2) + 1);
        if (!out)
                return NULL;
        o = out;
        for (size_t i = 0; i < l - 6; i++)
                if (slice[i] == '-')
                        o += sprintf(o, "/%.*s.slice", (int)i, slice);
        sprintf(o, "/%s", slice);
        return out;
}

static int control_group_step(sd_bus_message *reply, UnitStart *u)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(manager_failure_done) ManagerFailure f = {};
        _cleanup_free_ char *slice_path = NULL;
        const sd_bus_error *err = sd_bus_message_get_error(reply);
        const char *cg = NULL, *slice = NULL;
        Recording *rec = NULL;
        int r;

        if (err)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Cannot read the properties of unit '%s': %s",
                                   u->target.unit, err->message ?: err->name);
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(reply, "s", &key);
                if (r >= 0 && strcmp(key, "ControlGroup") == 0)
                        r = sd_bus_message_read(reply, "v", "s", &cg);
                else if (r >= 0 && strcmp(key, "Slice") == 0)
                        r = sd_bus_message_read(reply, "v", "s", &slice);
                else if (r >= 0)
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Unexpected reply from systemd for unit '%s': %s",
                                   u->target.unit, strerror(-r));

        if (cg && cg[0])
                u->target.cgroup = strdup(cg);
        else if (slice && (slice_path = slice_to_path(slice)))
                (void)asprintf(&u->target.cgroup, "%s/%s", slice_path, u->target.unit);
        else
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT,
                                   "Cannot tell where unit '%s' will run: no control group and no slice (%s).",
                                   u->target.unit, strempty(slice));
        if (!u->target.cgroup)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Unit '%s': %s", u->target.unit, strerror(ENOMEM));

        r = manager_start_recording(u->manager, u->name, &u->target, &u->options, &f, &rec);
        if (r < 0) {
                manager_bus_start_error(u->manager, r, u->name, &u->target, &f, &e);
                (void)sd_bus_reply_method_error(u->request, &e);
                return 0;
        }
        (void)sd_bus_reply_method_return(u->request, "o", rec->object_path);
        return 0;
}

static int on_control_group(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        return step_done(userdata, control_group_step(reply, userdata));
}

static int load_state_step(sd_bus_message *reply, UnitStart *u)
{
        const sd_bus_error *err = sd_bus_message_get_error(reply);
        const char *state;
        int r;

        if (err)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Cannot load unit '%s': %s", u->target.unit,
                                   err->message ?: err->name);
        r = sd_bus_message_read(reply, "v", "s", &state);
        if (r < 0)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Unexpected reply from systemd for unit '%s': %s", u->target.unit,
                                   strerror(-r));
        if (strcmp(state, "loaded") != 0)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Unit '%s' is not loaded (LoadState=%s).", u->target.unit, state);

        r = sd_bus_call_method_async(u->manager->bus, NULL, "org.freedesktop.systemd1", u->unit_path,
                                     "org.freedesktop.DBus.Properties", "GetAll", on_control_group, u,
                                     "s", unit_interface(u->target.unit));
        if (r < 0)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Cannot query unit '%s': %s", u->target.unit, strerror(-r));
        return 1;
}

static int on_load_state(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        return step_done(userdata, load_state_step(reply, userdata));
}

static int unit_loaded_step(sd_bus_message *reply, UnitStart *u)
{
        const sd_bus_error *err = sd_bus_message_get_error(reply);
        const char *path;
        int r;

        if (err)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Cannot resolve unit '%s' through org.freedesktop.systemd1: %s", u->target.unit,
                                   err->message ?: err->name);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Unexpected reply from systemd for unit '%s': %s", u->target.unit,
                                   strerror(-r));
        u->unit_path = strdup(path);
        if (!u->unit_path)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Unit '%s': %s", u->target.unit, strerror(ENOMEM));
        r = sd_bus_call_method_async(u->manager->bus, NULL, "org.freedesktop.systemd1", path,
                                     "org.freedesktop.DBus.Properties", "Get", on_load_state, u,
                                     "ss", "org.freedesktop.systemd1.Unit", "LoadState");
        if (r < 0)
                return reply_error(u, SYSREC_ERROR_NO_SUCH_UNIT, "Cannot query unit '%s': %s", u->target.unit, strerror(-r));
        return 1;
}

static int on_unit_loaded(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        return step_done(userdata, unit_loaded_step(reply, userdata));
}

int manager_bus_start_unit_recording(Manager *m, sd_bus_message *msg, const char *name,
                                     RecordingTarget *t, RecordingOptions *o, sd_bus_error *error)
{
        UnitStart *u;
        int r;

        if (!unit_interface(t->unit))
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "Unit '%s' has no control group of its own: a service, scope, slice, socket, mount or swap unit expected.",
                                         t->unit);
        if (!o->merge && manager_find_recording(m, name))
                return sd_bus_error_setf(error, SYSREC_ERROR_RECORDING_EXISTS,
                                         "Recording '%s' already exists.", name);

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->manager = m;
        u->request = sd_bus_message_ref(msg);
        u->name = strdup(name);
        u->target = *t;
        u->options = *o;
        *t = (RecordingTarget){};
        *o = (RecordingOptions){};
        if (!u->name) {
                unit_start_free(u);
                return -ENOMEM;
        }
        r = sd_bus_call_method_async(m->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "LoadUnit", on_unit_loaded, u,
                                     "s", u->target.unit);
        if (r < 0) {
                unit_start_free(u);
                return sd_bus_error_set_errnof(error, r, "Failed to ask systemd for unit: %m");
        }
        return 1;
}
