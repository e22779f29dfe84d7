/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See informer.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "informer.h"
#include "json-util.h"
#include "log.h"

#define LIST_PAGE 500
#define BACKOFF_MIN_USEC (100 * 1000ULL)
#define WATCH_MIN_HEALTHY_USEC (1000 * 1000ULL)

typedef enum InformerStep {
        STEP_LIST,
        STEP_WATCH,
} InformerStep;

struct Informer {
        KubeClient *client;
        sd_event *event;
        char *name, *path, *field_selector, *label_selector;
        uint64_t max_backoff, backoff;
        long watch_timeout;
        informer_handler_t handler;
        void *userdata;

        json_object *cache;
        char *rv;
        bool synced;
        KubeStream *stream;
        uint64_t watch_started;
        bool watch_gone, watch_progress;
        sd_event_source *retry;
        InformerStep next;
        InformerStats stats;
};

int object_key(json_object *obj, char **ret)
{
        const char *ns = json_get_str(obj, "metadata.namespace"), *name = json_get_str(obj, "metadata.name");

        if (!name)
                return -EINVAL;
        if (ns && *ns)
                return asprintf(ret, "%s/%s", ns, name) < 0 ? -ENOMEM : 0;
        *ret = strdup(name);
        return *ret ? 0 : -ENOMEM;
}

Informer *informer_free(Informer *i)
{
        if (!i)
                return NULL;
        kube_stream_cancel(i->stream);
        sd_event_source_disable_unref(i->retry);
        sd_event_unref(i->event);
        json_object_put(i->cache);
        free(i->rv);
        free(i->name);
        free(i->path);
        free(i->field_selector);
        free(i->label_selector);
        free(i);
        return NULL;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

int informer_new(KubeClient *client, sd_event *event, const InformerOptions *o, informer_handler_t handler,
                 void *userdata, Informer **ret)
{
        _cleanup_(informer_freep) Informer *i = NULL;
        int r;

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->client = client;
        i->event = sd_event_ref(event);
        i->handler = handler;
        i->userdata = userdata;
        i->max_backoff = o->max_backoff_usec ?: 30 * 1000 * 1000ULL;
        i->backoff = BACKOFF_MIN_USEC;
        i->watch_timeout = o->watch_timeout_sec ?: 300;
        i->name = strdup(o->name);
        i->path = strdup(o->path);
        i->field_selector = o->field_selector ? strdup(o->field_selector) : NULL;
        i->label_selector = o->label_selector ? strdup(o->label_selector) : NULL;
        i->cache = json_object_new_object();
        if (!i->name || !i->path || !i->cache || (o->field_selector && !i->field_selector) ||
            (o->label_selector && !i->label_selector))
                return -ENOMEM;
        r = sd_event_add_time(event, &i->retry, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_retry, i);
        if (r < 0)
                return r;
        (void)sd_event_source_set_enabled(i->retry, SD_EVENT_OFF);
        (void)sd_event_source_set_description(i->retry, "informer-retry");
        *ret = TAKE_PTR(i);
        return 0;
}

bool informer_synced(Informer *i)
{
        return i->synced;
}

json_object *informer_cache(Informer *i)
{
        return i->cache;
}

json_object *informer_get(Informer *i, const char *namespace, const char *name)
{
        _cleanup_free_ char *key = NULL;
        json_object *o;

        if (namespace && *namespace) {
                if (asprintf(&key, "%s/%s", namespace, name) < 0)
                        return NULL;
        } else if (!(key = strdup(name)))
                return NULL;
        return json_object_object_get_ex(i->cache, key, &o) ? o : NULL;
}

const char *informer_resource_version(Informer *i)
{
        return i->rv;
}

void informer_get_stats(Informer *i, InformerStats *ret)
{
        *ret = i->stats;
}

static void schedule(Informer *i, InformerStep step, uint64_t delay)
{
        i->next = step;
        (void)sd_event_source_set_time_relative(i->retry, delay);
        (void)sd_event_source_set_enabled(i->retry, SD_EVENT_ONESHOT);
}

static void schedule_backoff(Informer *i, InformerStep step)
{
        schedule(i, step, i->backoff);
        log_debug("Informer %s: retrying in %llu ms.", i->name, (unsigned long long)(i->backoff / 1000));
        i->backoff = i->backoff * 2 > i->max_backoff ? i->max_backoff : i->backoff * 2;
}

static int set_rv(Informer *i, const char *rv)
{
        char *copy;

        if (!rv)
                return 0;
        copy = strdup(rv);
        if (!copy)
                return -ENOMEM;
        free(i->rv);
        i->rv = copy;
        return 0;
}

static int build_path(Informer *i, bool watch, const char *cont, char **ret)
{
        _cleanup_free_ char *fs = NULL, *ls = NULL, *c = NULL, *rv = NULL;
        int n;

        if (i->field_selector && !(fs = kube_escape(i->client, i->field_selector)))
                return -ENOMEM;
        if (i->label_selector && !(ls = kube_escape(i->client, i->label_selector)))
                return -ENOMEM;
        if (cont && !(c = kube_escape(i->client, cont)))
                return -ENOMEM;
        if (watch && i->rv && !(rv = kube_escape(i->client, i->rv)))
                return -ENOMEM;
        if (watch)
                n = asprintf(ret, "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%ld%s%s%s%s%s%s",
                             i->path, i->watch_timeout, rv ? "&resourceVersion=" : "", strempty(rv),
                             fs ? "&fieldSelector=" : "", strempty(fs), ls ? "&labelSelector=" : "", strempty(ls));
        else
                n = asprintf(ret, "%s?limit=%d%s%s%s%s%s%s", i->path, LIST_PAGE, c ? "&continue=" : "",
                             strempty(c), fs ? "&fieldSelector=" : "", strempty(fs),
                             ls ? "&labelSelector=" : "", strempty(ls));
        return n < 0 ? -ENOMEM : 0;
}

/* Replace the cache with a fresh list, reporting the difference. */
static void replace_cache(Informer *i, json_object *fresh)
{
        json_object_object_foreach(fresh, key, obj) {
                json_object *old = NULL;

                if (!json_object_object_get_ex(i->cache, key, &old))
                        i->handler(i, INFORMER_ADDED, obj, NULL, i->userdata);
                else if (!json_equal(old, obj))
                        i->handler(i, INFORMER_MODIFIED, obj, old, i->userdata);
        }
        json_object_object_foreach(i->cache, okey, oobj) {
                if (!json_object_object_get_ex(fresh, okey, NULL))
                        i->handler(i, INFORMER_DELETED, oobj, NULL, i->userdata);
        }
        json_object_put(i->cache);
        i->cache = json_object_get(fresh);
}

static int do_list(Informer *i)
{
        _cleanup_json_ json_object *fresh = json_object_new_object();
        _cleanup_free_ char *cont = NULL, *rv = NULL;
        int r;

        if (!fresh)
                return -ENOMEM;
        i->stats.lists++;
        do {
                _cleanup_json_ json_object *page = NULL;
                _cleanup_free_ char *path = NULL;
                json_object *items;
                const char *next;

                r = build_path(i, false, cont, &path);
                if (r < 0)
                        return r;
                r = kube_request(i->client, "GET", path, NULL, NULL, &page);
                if (r == -ETIME && cont) {
                        /* The continue token expired: start the list over. */
                        free(cont);
                        cont = NULL;
                        json_object_put(fresh);
                        fresh = json_object_new_object();
                        if (!fresh)
                                return -ENOMEM;
                        continue;
                }
                if (r < 0)
                        return log_warning_errno(r, "Failed to list %s: %s", i->name, kube_last_error(i->client));
                if (!cont) {
                        free(rv);
                        rv = json_get_str(page, "metadata.resourceVersion") ?
                                     strdup(json_get_str(page, "metadata.resourceVersion")) : NULL;
                }
                items = json_get(page, "items");
                for (size_t k = 0; items && k < json_object_array_length(items); k++) {
                        json_object *obj = json_object_array_get_idx(items, k);
                        _cleanup_free_ char *key = NULL;

                        if (object_key(obj, &key) < 0)
                                continue;
                        r = json_set(fresh, key, json_object_get(obj));
                        if (r < 0)
                                return r;
                }
                next = json_get_str(page, "metadata.continue");
                free(cont);
                cont = next && *next ? strdup(next) : NULL;
        } while (cont);

        r = set_rv(i, rv);
        if (r < 0)
                return r;
        replace_cache(i, fresh);
        log_debug("Informer %s: listed %d objects at resourceVersion %s.", i->name,
                  json_object_object_length(i->cache), strempty(i->rv));
        i->synced = true;
        i->handler(i, INFORMER_SYNCED, NULL, NULL, i->userdata);
        return 0;
}

static void handle_watch_event(Informer *i, const char *type, json_object *obj)
{
        _cleanup_free_ char *key = NULL;
        json_object *old = NULL;

        if (strcmp(type, "BOOKMARK") == 0) {
                i->stats.bookmarks++;
                log_debug("Informer %s: bookmark %s.", i->name, strempty(json_get_str(obj, "metadata.resourceVersion")));
                (void)set_rv(i, json_get_str(obj, "metadata.resourceVersion"));
                return;
        }
        if (object_key(obj, &key) < 0)
                return;
        log_debug("Informer %s: %s %s at %s.", i->name, type, key, strempty(json_get_str(obj, "metadata.resourceVersion")));
        (void)set_rv(i, json_get_str(obj, "metadata.resourceVersion"));
        if (json_object_object_get_ex(i->cache, key, &old))
                json_object_get(old);
        if (strcmp(type, "DELETED") == 0) {
                json_object_object_del(i->cache, key);
                i->handler(i, INFORMER_DELETED, obj, NULL, i->userdata);
        } else {
                if (json_set(i->cache, key, json_object_get(obj)) < 0) {
                        json_object_put(old);
                        return;
                }
                i->handler(i, old ? INFORMER_MODIFIED : INFORMER_ADDED, obj, old, i->userdata);
        }
        json_object_put(old);
}

static void on_watch_object(KubeStream *s, json_object *ev, void *userdata)
{
        Informer *i = userdata;
        const char *type = json_get_str(ev, "type");
        json_object *obj = json_get(ev, "object");

        if (!type || !obj)
                return;
        i->watch_progress = true;
        i->backoff = BACKOFF_MIN_USEC;
        if (strcmp(type, "ERROR") == 0) {
                int64_t code = json_object_get_int64(json_get(obj, "code"));

                if (code == 410) {
                        i->watch_gone = true;
                        log_info("Informer %s: resourceVersion %s is gone (%s); listing again.", i->name,
                                 strempty(i->rv), kube_status_message(obj));
                } else
                        log_warning("Informer %s: watch error %lld: %s", i->name, (long long)code,
                                    kube_status_message(obj));
                kube_stream_abort(s);
                return;
        }
        handle_watch_event(i, type, obj);
}

static void on_watch_done(KubeStream *s, int error, long status, json_object *body, void *userdata)
{
        Informer *i = userdata;
        uint64_t now;

        i->stream = NULL;
        (void)sd_event_now(i->event, CLOCK_MONOTONIC, &now);
        if (i->watch_gone || status == 410) {
                i->stats.gone++;
                if (status == 410)
                        log_info("Informer %s: resourceVersion %s is gone (HTTP 410); listing again.", i->name,
                                 strempty(i->rv));
                schedule(i, STEP_LIST, 0);
                return;
        }
        if (status != 200 && status != 0) {
                i->stats.errors++;
                log_warning("Informer %s: watch refused with HTTP %ld: %s", i->name, status,
                            kube_status_message(body));
                schedule_backoff(i, STEP_WATCH);
                return;
        }
        if (error < 0 && error != -ECANCELED) {
                i->stats.errors++;
                log_info_errno(error, "Informer %s: watch connection lost (%m); resuming from %s.", i->name,
                               strempty(i->rv));
                schedule_backoff(i, STEP_WATCH);
                return;
        }
        /* A clean end (timeoutSeconds): resume right away, unless watches keep
         * ending at once, which would spin. */
        if (i->watch_progress || now - i->watch_started >= WATCH_MIN_HEALTHY_USEC)
                schedule(i, STEP_WATCH, 0);
        else
                schedule_backoff(i, STEP_WATCH);
}

static int do_watch(Informer *i)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = build_path(i, true, NULL, &path);
        if (r < 0)
                return r;
        i->watch_gone = i->watch_progress = false;
        (void)sd_event_now(i->event, CLOCK_MONOTONIC, &i->watch_started);
        r = kube_stream_start(i->client, path, i->watch_timeout, on_watch_object, on_watch_done, i, &i->stream);
        if (r < 0)
                return r;
        i->stats.watches++;
        log_debug("Informer %s: watching from resourceVersion %s.", i->name, strempty(i->rv));
        return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        Informer *i = userdata;
        int r;

        if (i->next == STEP_LIST) {
                r = do_list(i);
                if (r < 0) {
                        i->stats.errors++;
                        schedule_backoff(i, STEP_LIST);
                        return 0;
                }
                i->backoff = BACKOFF_MIN_USEC;
        }
        r = do_watch(i);
        if (r < 0) {
                log_warning_errno(r, "Informer %s: cannot start a watch: %m", i->name);
                schedule_backoff(i, STEP_WATCH);
        }
        return 0;
}

int informer_start(Informer *i)
{
        schedule(i, STEP_LIST, 0);
        return 0;
}
