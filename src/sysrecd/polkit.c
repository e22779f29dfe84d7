/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See polkit.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "polkit.h"

typedef struct PolkitQuery PolkitQuery;

struct PolkitQuery {
        PolkitRegistry *registry;
        PolkitQuery *next;
        sd_bus_message *request;
        sd_bus_slot *slot;
        char *action;
        bool done;
        bool authorized;
        char *error_name;    /* polkit failed */
        char *error_message;
};

struct PolkitRegistry {
        PolkitQuery *queries;
};

static void query_free(PolkitQuery *q)
{
        if (!q)
                return;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q->error_name);
        free(q->error_message);
        free(q);
}

static void query_unlink(PolkitQuery *q)
{
        for (PolkitQuery **p = &q->registry->queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        return;
                }
}

void polkit_registry_free(PolkitRegistry *r)
{
        if (!r)
                return;
        while (r->queries) {
                PolkitQuery *q = r->queries;
                r->queries = q->next;
                query_free(q);
        }
        free(r);
}

static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        PolkitQuery *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->done = true;
        if (e) {
                q->error_name = strdup(e->name);
                q->error_message = e->message ? strdup(e->message) : NULL;
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        q->error_name = strdup(SD_BUS_ERROR_INVALID_ARGS);
                q->authorized = authorized;
        }
        /* Dispatch the original call again; the handler now finds the verdict. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_error_errno(r, "Failed to re-dispatch authorized call: %m");
                query_unlink(q);
                query_free(q);
        }
        return 0;
}

static int start_check(sd_bus_message *msg, const char *action, PolkitRegistry *reg)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus *bus = sd_bus_message_get_bus(msg);
        PolkitQuery *q;
        int interactive = sd_bus_message_get_allow_interactive_authorization(msg);
        int r;

        r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                          sd_bus_message_get_sender(msg), action, 0,
                                          interactive > 0 ? 1u : 0u, "");
        if (r < 0)
                return r;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->registry = reg;
        q->request = sd_bus_message_ref(msg);
        q->action = strdup(action);
        if (!q->action) {
                query_free(q);
                return -ENOMEM;
        }
        /* polkit may ask the user for a password: allow it time. */
        r = sd_bus_call_async(bus, &q->slot, call, on_check_reply, q, 120 * 1000 * 1000);
        if (r < 0) {
                query_free(q);
                return r;
        }
        q->next = reg->queries;
        reg->queries = q;
        return 0;
}

int polkit_verify_async(sd_bus_message *msg, const char *action, PolkitRegistry **registry,
                        sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r >= 0 && uid == 0)
                return 1;

        if (!*registry) {
                *registry = calloc(1, sizeof(PolkitRegistry));
                if (!*registry)
                        return -ENOMEM;
        }
        for (PolkitQuery *q = (*registry)->queries; q; q = q->next) {
                bool authorized;

                if (q->request != msg)
                        continue;
                if (!q->done)
                        return 0;
                authorized = q->authorized;
                query_unlink(q);
                if (q->error_name) {
                        log_warning("polkit check of %s for %s failed: %s", action,
                                    strempty(sd_bus_message_get_sender(msg)), q->error_message ?: q->error_name);
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Not authorized for action '%s': the polkit check failed (%s).",
                                              action, q->error_message ?: q->error_name);
                        query_free(q);
                        return r;
                }
                query_free(q);
                if (authorized)
                        return 1;
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Not authorized for action '%s'.", action);
        }

        r = start_check(msg, action, *registry);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Not authorized for action '%s': cannot ask polkit (%s).", action,
                                         strerror(-r));
        return 0;
}
