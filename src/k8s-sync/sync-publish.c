/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recordings that somebody started on this node over D-Bus with the option
 * publish=true become SeccompProfiles once they stop: named after the
 * recording (or its metadata "name"), labelled with the node and the
 * recording. The annotation sysrec.io/source (<node>/<recording>/<stop time>)
 * tells a published stop from a new one, so that restarts publish nothing
 * twice and a recording stopped again (merge) is published again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "seccomp-spec.h"
#include "sync.h"

#define ANNOTATION_SOURCE "sysrec.io/source"
#define PUBLISHED_FILE "published.json"
#define LABEL_NODE "sysrec.io/node"
#define LABEL_RECORDING "sysrec.io/recording"

static int publish_one(Sync *s, SysrecRecording *rec, const char *source)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *spec = NULL, *labels = json_object_new_object(),
                                   *annotations = json_object_new_object();
        _cleanup_free_ char *name = NULL, *text = NULL, *node = NULL, *recl = NULL;
        json_object *existing;
        const char *want = sysrec_metadata_get(rec, "name") ?: rec->name;
        int r;

        if (!labels || !annotations)
                return -ENOMEM;
        name = name_sanitize(want, 253);
        if (!name) {
                log_warning("Recording %s cannot be published: '%s' makes no resource name.", rec->name, want);
                return 0;
        }
        existing = informer_get(s->profiles, NULL, name);
        if (existing && existing != NULL) {
                json_object *a = json_get(existing, "metadata.annotations"), *v;

                if (a && json_object_object_get_ex(a, ANNOTATION_SOURCE, &v) &&
                    strcmp(json_object_get_string(v), source) == 0)
                        return 0;
        }
        r = sysrec_get_profile(s->bus, rec->name, "oci", &text, &e);
        if (r < 0)
                return log_warning_errno(r, "Failed to get the profile of %s: %s", rec->name, e.message ?: strerror(-r));
        r = seccomp_spec_from_oci_text(text, &spec);
        if (r < 0)
                return log_warning_errno(r, "Recording %s: sysrecd's profile is not OCI seccomp JSON.", rec->name);
        node = name_sanitize(s->opt.node_name, 63);
        recl = name_sanitize(rec->name, 63);
        if ((node && json_set_str(labels, LABEL_NODE, node) < 0) ||
            (recl && json_set_str(labels, LABEL_RECORDING, recl) < 0) ||
            json_set_str(annotations, ANNOTATION_SOURCE, source) < 0)
                return -ENOMEM;
        r = api_create_or_update_profile(s, name, labels, annotations, spec);
        if (r < 0)
                return r;
        log_info("Published recording %s of node %s as SeccompProfile %s.", rec->name, s->opt.node_name, name);
        return profile_complete_set(s, name, rec->complete ? NULL : rec->name, true);
}

/* What was published is remembered in the state directory: a profile that
 * an admin deleted is not published again by a restarted sidecar. */
static void published_load(Sync *s)
{
        _cleanup_free_ char *text = NULL;
        json_object *o = NULL;
        size_t size;

        if (read_full_file_at(s->state_fd, PUBLISHED_FILE, 16u << 20, &text, &size) < 0 ||
            json_parse(text, size, &o) < 0 || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return;
        }
        json_object_object_foreach(o, k, v)
                (void)json_set(s->published, k, json_object_get(v));
        json_object_put(o);
}

static int published_save(Sync *s)
{
        const char *text = json_text(s->published);
        int r = write_file_atomic_at(s->state_fd, PUBLISHED_FILE, text, strlen(text), 0600);

        if (r < 0)
                log_warning_errno(r, "Failed to save %s/" PUBLISHED_FILE ": %m", s->opt.state_dir);
        return r;
}

int publish_reconcile(Sync *s)
{
        int r = 0;

        if (!informer_synced(s->profiles))
                return 0;
        if (!s->published_loaded) {
                published_load(s);
                s->published_loaded = true;
        }
        for (size_t i = 0; i < s->n_daemon; i++) {
                SysrecRecording *rec = &s->daemon[i];
                _cleanup_free_ char *source = NULL;
                int k;

                if (!rec->publish || strcmp(rec->state, "stopped") != 0 || sysrec_metadata_get(rec, META_POD_UID))
                        continue;
                if (asprintf(&source, "%s/%s/%" PRIu64, s->opt.node_name, rec->name, rec->stopped_usec) < 0)
                        return -ENOMEM;
                if (json_object_object_get_ex(s->published, source, NULL))
                        continue;
                k = publish_one(s, rec, source);
                if (k < 0) {
                        r = k;
                        continue;
                }
                (void)json_set(s->published, source, json_object_new_boolean(1));
                (void)published_save(s);
        }
        return r;
}
