/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An informer, as client-go has them: list a collection, keep the objects in
 * a cache, and watch from the list's resourceVersion. Watches resume from the
 * last version seen (bookmarks included); "410 Gone" (an ERROR event or an
 * HTTP 410) means the version is too old: list again and turn the difference
 * to the cache into ADDED/MODIFIED/DELETED events, so that nothing is lost or
 * reported twice. While the API server is away, retries back off
 * exponentially up to a maximum.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "kube-client.h"

typedef struct Informer Informer;

typedef enum InformerEvent {
        INFORMER_ADDED,
        INFORMER_MODIFIED,
        INFORMER_DELETED,
        INFORMER_SYNCED, /* a (re)list completed: the cache is complete */
} InformerEvent;

/* obj: the new object (the last known one for DELETED); old: the previous
 * one for MODIFIED. Both NULL for SYNCED. Borrowed references. */
typedef void (*informer_handler_t)(Informer *i, InformerEvent e, json_object *obj, json_object *old,
                                   void *userdata);

typedef struct InformerOptions {
        const char *name;            /* for logs: "pods" */
        const char *path;            /* collection: "/api/v1/pods" */
        const char *field_selector;  /* may be NULL */
        const char *label_selector;  /* may be NULL */
        uint64_t max_backoff_usec;
        long watch_timeout_sec;      /* timeoutSeconds of each watch request */
} InformerOptions;

int informer_new(KubeClient *client, sd_event *event, const InformerOptions *o, informer_handler_t handler,
                 void *userdata, Informer **ret);
Informer *informer_free(Informer *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(Informer *, informer_free)

int informer_start(Informer *i);
bool informer_synced(Informer *i);
/* The cache: "namespace/name" (or "name") -> object. Borrowed. */
json_object *informer_cache(Informer *i);
json_object *informer_get(Informer *i, const char *namespace, const char *name);
const char *informer_resource_version(Informer *i);

/* Counters for tests and logs. */
typedef struct InformerStats {
        unsigned lists, watches, gone, bookmarks, errors;
} InformerStats;
void informer_get_stats(Informer *i, InformerStats *ret);

/* "namespace/name" or "name" of an object. */
int object_key(json_object *obj, char **ret);
