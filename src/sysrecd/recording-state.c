/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See recording-state.h. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base-profile.h"
#include "fileio.h"
#include "log.h"
#include "cgroup.h"
#include "names.h"
#include "recording-cgroups.h"
#include "recording-state.h"

#define SAVED_MAX (1 << 20)

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

static int add(json_object *o, const char *k, json_object *v)
{
        if (!v || json_object_object_add(o, k, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static json_object *pairs_to_json(char **l)
{
        json_object *o = json_object_new_object();

        for (char **i = l; o && i && i[0] && i[1]; i += 2)
                if (add(o, i[0], json_object_new_string(i[1])) < 0) {
                        json_object_put(o);
                        return NULL;
                }
        return o;
}

static json_object *set_to_json(const SyscallSet *s)
{
        json_object *o = json_object_new_object(), *bits = json_object_new_object(), *args;
        int r = bits ? 0 : -ENOMEM;

        for (unsigned abi = 0; r >= 0 && abi < _SYSREC_ABI_MAX; abi++) {
                char hex[SYSREC_NR_WORDS * 16 + 1], *p = hex;

                if (!abi_to_string(abi))
                        continue;
                for (unsigned w = 0; w < SYSREC_NR_WORDS; w++)
                        p += sprintf(p, "%016" PRIx64, (uint64_t)s->bits[abi][w]);
                r = add(bits, abi_to_string(abi), json_object_new_string(hex));
        }
        if (!o || r < 0 || add(o, "bits", bits) < 0) {
                json_object_put(o);
                return NULL;
        }
        args = json_object_new_array();
        for (unsigned i = 0; args && i < sizeof(s->args) / sizeof(uint32_t); i++)
                json_object_array_add(args, json_object_new_int64(((const uint32_t *)&s->args)[i]));
        if (add(o, "args", args) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

/* The recording's cgroups by id and path, with their own sets once stopped,
 * so that per-cgroup profiles survive a restart. */
static json_object *cgroups_to_json(Recording *r)
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < r->n_cgroup_entries; i++) {
                RecordingCgroup *c = &r->cgroups[i];
                json_object *e = json_object_new_object();
                int k = e ? 0 : -ENOMEM;

                if (k >= 0)
                        k = add(e, "id", json_object_new_uint64(c->id));
                if (k >= 0)
                        k = add(e, "parent", json_object_new_uint64(c->parent));
                if (k >= 0 && c->path)
                        k = add(e, "path", json_object_new_string(c->path));
                if (k >= 0 && c->name)
                        k = add(e, "name", json_object_new_string(c->name));
                /* Most cgroups of a large tree record little or nothing. */
                if (k >= 0 && r->state != RECORDING_RECORDING && syscall_set_count(&c->set) > 0)
                        k = add(e, "set", set_to_json(&c->set));
                if (k < 0 || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static json_object *recording_to_json(Recording *r)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *t = json_object_new_object(),
                                   *opt = json_object_new_object();
        int k;

        if (!o || !t || !opt)
                return NULL;
        k = add(t, "type", json_object_new_string(target_type_to_string(r->target.type)));
        if (k >= 0 && r->target.cgroup)
                k = add(t, "cgroup", json_object_new_string(r->target.cgroup));
        if (k >= 0 && r->target.unit)
                k = add(t, "unit", json_object_new_string(r->target.unit));
        if (k >= 0 && r->target.pid)
                k = add(t, "pid", json_object_new_int64(r->target.pid));
        if (k >= 0 && r->target.labels)
                k = add(t, "labels", pairs_to_json(r->target.labels));
        if (k >= 0)
                k = add(opt, "descendants", json_object_new_boolean(r->options.descendants));
        if (k >= 0)
                k = add(opt, "skip-runtime-setup", json_object_new_boolean(r->options.skip_runtime_setup));
        if (k >= 0)
                k = add(opt, "arguments", json_object_new_boolean(r->options.arguments));
        if (k >= 0)
                k = add(opt, "publish", json_object_new_boolean(r->options.publish));
        if (k >= 0)
                k = add(opt, "merge", json_object_new_boolean(r->options.merge));
        if (k >= 0)
                k = add(opt, "metadata", pairs_to_json(r->options.metadata));
        if (k >= 0 && r->options.base_profile)
                k = add(opt, "base-profile", json_object_new_string(r->options.base_profile));
        if (k >= 0)
                k = add(o, "name", json_object_new_string(r->name));
        if (k >= 0)
                k = add(o, "id", json_object_new_int64(r->id));
        if (k >= 0)
                k = add(o, "state", json_object_new_string(recording_state_to_string(r->state)));
        if (k >= 0)
                k = add(o, "target", TAKE_PTR(t));
        if (k >= 0)
                k = add(o, "options", TAKE_PTR(opt));
        if (k >= 0)
                k = add(o, "started_usec", json_object_new_uint64(r->started_usec));
        if (k >= 0)
                k = add(o, "stopped_usec", json_object_new_uint64(r->stopped_usec));
        if (k >= 0)
                k = add(o, "cgroups", json_object_new_int64(r->n_cgroups));
        if (k >= 0)
                k = add(o, "merged", json_object_new_int64(r->n_merged));
        if (k >= 0)
                k = add(o, "lost", json_object_new_int64(r->n_lost));
        if (k >= 0)
                k = add(o, "processes", json_object_new_int64(r->n_processes));
        if (k >= 0)
                k = add(o, "complete", json_object_new_boolean(r->complete));
        if (k >= 0 && r->profile_path)
                k = add(o, "profile_path", json_object_new_string(r->profile_path));
        if (k >= 0)
                k = add(o, "base", set_to_json(&r->base));
        if (k >= 0)
                k = add(o, "cgroup_paths", cgroups_to_json(r));
        if (k < 0)
                return NULL;
        return TAKE_PTR(o);
}

static int recordings_dir(Manager *m)
{
        if (mkdirat(m->state_fd, "recordings", 0700) < 0 && errno != EEXIST)
                return negative_errno();
        return openat(m->state_fd, "recordings", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) < 0
                       ? negative_errno()
                       : 0;
}

static int open_recordings_dir(Manager *m)
{
        int k = recordings_dir(m);
        if (k < 0)
                return k;
        k = openat(m->state_fd, "recordings", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return k < 0 ? negative_errno() : k;
}

int recording_save(Recording *r)
{
        _cleanup_json_ json_object *o = recording_to_json(r);
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *file = NULL;
        const char *text;
        int k;

        if (!o)
                return log_oom();
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        dfd = open_recordings_dir(r->manager);
        if (dfd < 0)
                return log_error_errno(dfd, "Failed to open %s/recordings: %m", r->manager->state_dir);
        if (asprintf(&file, "%s.json", r->name) < 0)
                return log_oom();
        k = write_file_atomic_at(dfd, file, text, strlen(text), 0600);
        if (k < 0)
                return log_error_errno(k, "Failed to save recording '%s' in %s/recordings: %m", r->name,
                                       r->manager->state_dir);
        return 0;
}

void recording_forget_saved(Recording *r)
{
        _cleanup_close_ int dfd = open_recordings_dir(r->manager);
        _cleanup_free_ char *file = NULL;

        if (dfd < 0 || asprintf(&file, "%s.json", r->name) < 0)
                return;
        if (unlinkat(dfd, file, 0) < 0 && errno != ENOENT)
                log_warning_errno(negative_errno(), "Failed to remove saved recording '%s': %m", r->name);
}

/* ---- reading back: every field is checked, a bad file is skipped ---- */

static const char *get_string(json_object *o, const char *k)
{
        json_object *v;

        if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static bool get_bool(json_object *o, const char *k, bool def)
{
        json_object *v;

        if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_boolean))
                return def;
        return json_object_get_boolean(v);
}

/* A boolean that must be one if present (def if absent). */
static int get_bool_checked(json_object *o, const char *k, bool def, bool *ret)
{
        json_object *v;

        if (!json_object_object_get_ex(o, k, &v)) {
                *ret = def;
                return 0;
        }
        if (!json_object_is_type(v, json_type_boolean))
                return -EINVAL;
        *ret = json_object_get_boolean(v);
        return 0;
}

static int get_u64(json_object *o, const char *k, uint64_t max, uint64_t *ret)
{
        json_object *v;
        int64_t x;

        if (!json_object_object_get_ex(o, k, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return -EINVAL;
        x = json_object_get_int64(v);
        if (x < 0 || (uint64_t)x > max)
                return -ERANGE;
        *ret = (uint64_t)x;
        return 0;
}

static int pairs_from_json(json_object *o, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;

        if (!o) {
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) > 4096)
                return -EINVAL;
        l = calloc((size_t)json_object_object_length(o) * 2 + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_object_object_foreach(o, key, val)
        {
                if (!json_object_is_type(val, json_type_string) || !label_key_is_valid(key) ||
                    !label_value_is_valid(json_object_get_string(val)))
                        return -EINVAL;
                l[n++] = strdup(key);
                l[n++] = strdup(json_object_get_string(val));
                if (!l[n - 1] || !l[n - 2])
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int set_from_json(json_object *o, SyscallSet *s)
{
        json_object *bits, *args;

        if (!o)
                return 0;
        if (!json_object_object_get_ex(o, "bits", &bits) || !json_object_is_type(bits, json_type_object))
                return -EINVAL;
        json_object_object_foreach(bits, abi_name, hex_obj)
        {
                int abi = abi_from_string(abi_name);
                const char *hex = json_object_get_string(hex_obj);

                if (abi < 0 || !json_object_is_type(hex_obj, json_type_string) ||
                    strlen(hex) != SYSREC_NR_WORDS * 16 || strspn(hex, "0123456789abcdef") != strlen(hex))
                        return -EINVAL;
                for (unsigned w = 0; w < SYSREC_NR_WORDS; w++) {
                        char word[17];

                        memcpy(word, hex + w * 16, 16);
                        word[16] = 0;
                        s->bits[abi][w] = strtoull(word, NULL, 16);
                }
        }
        if (json_object_object_get_ex(o, "args", &args)) {
                size_t n = sizeof(s->args) / sizeof(uint32_t);

                if (!json_object_is_type(args, json_type_array) || json_object_array_length(args) != n)
                        return -EINVAL;
                for (size_t i = 0; i < n; i++)
                        ((uint32_t *)&s->args)[i] = (uint32_t)json_object_get_int64(json_object_array_get_idx(args, i));
        }
        return 0;
}

static int cgroup_path_ok(const char *p)
{
        _cleanup_free_ char *n = NULL;
        return cgroup_path_normalize(p, &n);
}

/* The base profile is read again from its file: the saved state holds its name. */
static int base_profile_from_json(json_object *opt, Recording *r)
{
        _cleanup_free_ char *err = NULL;
        const char *name = get_string(opt, "base-profile");
        int k;

        if (!name)
                return 0;
        if (!base_profile_name_is_valid(name))
                return -EBADMSG;
        r->options.base_profile = strdup(name);
        if (!r->options.base_profile)
                return -ENOMEM;
        k = base_profile_load(name, &r->options.base_profile_set, NULL, &err);
        if (k < 0)
                log_warning("Recording '%s': cannot read its base profile '%s' again (%s); its profiles lack it.",
                            r->name, name, err ?: strerror(-k));
        return 0;
}

static int target_from_json(json_object *t, RecordingTarget *target)
{
        json_object *labels = NULL;
        const char *type, *cg, *unit;
        uint64_t pid = 0;

        if (!t || !json_object_is_type(t, json_type_object) || !(type = get_string(t, "type")))
                return -EINVAL;
        for (target->type = 0; target->type < _TARGET_TYPE_MAX; target->type++)
                if (strcmp(type, target_type_to_string(target->type)) == 0)
                        break;
        if (target->type == _TARGET_TYPE_MAX)
                return -EINVAL;
        cg = get_string(t, "cgroup");
        unit = get_string(t, "unit");
        if (get_u64(t, "pid", 0x7fffffff, &pid) < 0)
                return -EINVAL;
        target->pid = (uint32_t)pid;
        if ((cg && cgroup_path_ok(cg) < 0) || (cg && !(target->cgroup = strdup(cg))) ||
            (unit && !(target->unit = strdup(unit))))
                return -EINVAL;
        (void)json_object_object_get_ex(t, "labels", &labels);
        if (pairs_from_json(labels, &target->labels) < 0)
                return -EINVAL;
        if ((target->type == TARGET_CGROUP && !cg) || (target->type == TARGET_UNIT && !unit) ||
            (target->type == TARGET_LABELS && labels_count(target->labels) == 0))
                return -EINVAL;
        return 0;
}

static int cgroups_from_json(Recording *r, json_object *a)
{
        if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) > (1u << 20))
                return -EINVAL;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i), *set = NULL;
                const char *path, *name;
                uint64_t id = 0, parent = 0;
                RecordingCgroup *c;
                _cleanup_free_ char *norm = NULL;

                if (!json_object_is_type(e, json_type_object) || get_u64(e, "id", UINT64_MAX >> 1, &id) < 0 ||
                    get_u64(e, "parent", UINT64_MAX >> 1, &parent) < 0 || id == 0)
                        return -EINVAL;
                path = get_string(e, "path");
                name = get_string(e, "name");
                if ((path && cgroup_path_normalize(path, &norm) < 0) ||
                    (name && (strchr(name, '/') || strlen(name) >= SYSREC_CGROUP_NAME_MAX)))
                        return -EINVAL;
                c = recording_cgroup_add(r, id, parent, norm, name);
                if (!c)
                        return -ENOMEM;
                if (json_object_object_get_ex(e, "set", &set) && set_from_json(set, &c->set) < 0)
                        return -EINVAL;
        }
        return 0;
}

int recording_parse_saved(Manager *m, const char *text, Recording **ret)
{
        _cleanup_json_ json_object *o = json_tokener_parse(text);
        _cleanup_(recording_freep) Recording *r = NULL;
        json_object *t = NULL, *opt = NULL, *meta = NULL, *base = NULL, *cgs = NULL;
        const char *name, *state, *path;
        uint64_t id = 0, v;
        int k;

        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        name = get_string(o, "name");
        state = get_string(o, "state");
        if (!name || !recording_name_is_valid(name) || !state)
                return -EBADMSG;
        if (get_u64(o, "id", UINT32_MAX, &id) < 0 || id == 0)
                return -EBADMSG;
        k = recording_new(m, name, (uint32_t)id, &r);
        if (k < 0)
                return k;
        if (strcmp(state, "recording") == 0)
                r->state = RECORDING_RECORDING;
        else if (strcmp(state, "stopped") == 0)
                r->state = RECORDING_STOPPED;
        else if (strcmp(state, "failed") == 0)
                r->state = RECORDING_FAILED;
        else
                return -EBADMSG;

        (void)json_object_object_get_ex(o, "target", &t);
        if (target_from_json(t, &r->target) < 0)
                return -EBADMSG;
        if (json_object_object_get_ex(o, "options", &opt) && json_object_is_type(opt, json_type_object)) {
                r->options.descendants = get_bool(opt, "descendants", true);
                r->options.skip_runtime_setup = get_bool(opt, "skip-runtime-setup", false);
                r->options.arguments = get_bool(opt, "arguments", true);
                r->options.publish = get_bool(opt, "publish", false);
                r->options.merge = get_bool(opt, "merge", false);
                (void)json_object_object_get_ex(opt, "metadata", &meta);
                if (pairs_from_json(meta, &r->options.metadata) < 0)
                        return -EBADMSG;
                if (base_profile_from_json(opt, r) < 0)
                        return -EBADMSG;
        } else {
                r->options.descendants = true;
                r->options.arguments = true;
        }
        if (get_u64(o, "started_usec", UINT64_MAX >> 1, &r->started_usec) < 0 ||
            get_u64(o, "stopped_usec", UINT64_MAX >> 1, &r->stopped_usec) < 0)
                return -EBADMSG;
        v = 0;
        if (get_u64(o, "cgroups", UINT32_MAX, &v) < 0)
                return -EBADMSG;
        r->n_cgroups = (unsigned)v;
        v = 0;
        if (get_u64(o, "merged", UINT32_MAX, &v) < 0)
                return -EBADMSG;
        r->n_merged = (unsigned)v;
        v = 0;
        if (get_u64(o, "lost", UINT32_MAX, &v) < 0)
                return -EBADMSG;
        r->n_lost = (unsigned)v;
        v = 0;
        if (get_u64(o, "processes", UINT32_MAX, &v) < 0)
                return -EBADMSG;
        r->n_processes = (unsigned)v;
        /* Saved before the field existed: nothing was known to be lost. */
        if (get_bool_checked(o, "complete", true, &r->complete) < 0)
                return -EBADMSG;
        path = get_string(o, "profile_path");
        if (path && !(r->profile_path = strdup(path)))
                return -ENOMEM;
        (void)json_object_object_get_ex(o, "base", &base);
        if (set_from_json(base, &r->base) < 0)
                return -EBADMSG;
        if (json_object_object_get_ex(o, "cgroup_paths", &cgs) && cgroups_from_json(r, cgs) < 0)
                return -EBADMSG;
        *ret = TAKE_PTR(r);
        return 0;
}

static int load_one(Manager *m, int dfd, const char *file)
{
        _cleanup_(recording_freep) Recording *r = NULL;
        _cleanup_free_ char *text = NULL, *expected = NULL;
        Recording **a;
        int k;

        k = read_full_file_at(dfd, file, SAVED_MAX, &text, NULL);
        if (k < 0)
                return log_warning_errno(k, "Failed to read saved recording %s: %m", file);
        k = recording_parse_saved(m, text, &r);
        if (k < 0)
                return log_warning_errno(k, "Ignoring malformed saved recording %s/recordings/%s.", m->state_dir, file);
        if (asprintf(&expected, "%s.json", r->name) < 0)
                return log_oom();
        if (strcmp(expected, file) != 0 || manager_find_recording(m, r->name) ||
            manager_find_recording_by_id(m, r->id))
                return log_warning_errno(-EEXIST, "Ignoring saved recording %s: name or id clash.", file);
        if (m->n_recordings >= m->limits.max_recordings)
                return log_warning_errno(-E2BIG, "Ignoring saved recording %s: too many recordings.", file);
        a = realloc(m->recordings, sizeof(Recording *) * (m->n_recordings + 1));
        if (!a)
                return log_oom();
        m->recordings = a;
        m->recordings[m->n_recordings++] = TAKE_PTR(r);
        return 0;
}

/* Why a recording active when the previous sysrecd ended lost part of its
 * kernel state (in_map: the maps taken over still hold its cgroups), or NULL. */
static const char *kernel_state_loss(Manager *m, bool in_map)
{
        switch (recorder_inherited(m->recorder)) {
        case RECORDER_INHERITED_ALL:
                return NULL;
        case RECORDER_INHERITED_MAPS:
                return in_map ? "its BPF programs were not pinned, so nothing was recorded while sysrecd was down"
                              : NULL;
        default:
                return m->pin_dir ? "its kernel maps were gone from the pin directory (reboot, or pins removed)"
                                  : "sysrecd runs with --no-pin, so its kernel maps ended with the previous sysrecd";
        }
}

static void resume_one(Manager *m, Recording *r, bool in_map)
{
        const char *loss = kernel_state_loss(m, in_map);
        int k = 0;

        if (loss) {
                r->complete_changed = r->complete;
                r->complete = false;
                log_warning("Recording '%s' is incomplete: %s. It goes on recording, but its profile may "
                            "lack syscalls (Complete=false).", r->name, loss);
        }
        if (in_map) {
                if (!loss)
                        log_info("Recording '%s' resumed; what was recorded while sysrecd was down is kept.%s",
                                 r->name, r->complete ? "" : " (It was incomplete before.)");
        } else {
                k = manager_reattach_recording(m, r);
                if (k < 0) {
                        log_warning_errno(k, "Recording '%s' cannot resume (%m); marking it failed.", r->name);
                        r->state = RECORDING_FAILED;
                } else if (!loss)
                        log_info("Recording '%s' had no cgroups in the kernel; its target is tracked again.",
                                 r->name);
        }
        if (loss || k < 0 || !in_map)
                (void)recording_save(r);
}

int manager_load_recordings(Manager *m)
{
        _cleanup_free_ uint32_t *ids = NULL;
        size_t n_ids = 0;
        struct dirent *de;
        DIR *d;
        int dfd, k;

        dfd = open_recordings_dir(m);
        if (dfd < 0)
                return log_error_errno(dfd, "Failed to open %s/recordings: %m", m->state_dir);
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return log_error_errno(negative_errno(), "Failed to read %s/recordings: %m", m->state_dir);
        }
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);

                if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                (void)load_one(m, dirfd(d), de->d_name);
        }
        closedir(d);

        k = recorder_list_recordings(m->recorder, &ids, &n_ids);
        if (k < 0)
                return log_error_errno(k, "Failed to read the kernel map: %m");

        for (size_t i = 0; i < m->n_recordings; i++) {
                Recording *r = m->recordings[i];
                bool in_map = false;

                if (r->id >= m->next_id)
                        m->next_id = r->id + 1;
                for (size_t j = 0; j < n_ids; j++)
                        in_map = in_map || ids[j] == r->id;
                if (r->state != RECORDING_RECORDING) {
                        /* Stopped and saved, but killed before releasing. */
                        if (in_map)
                                (void)recorder_release(m->recorder, r->id, NULL);
                        continue;
                }
                resume_one(m, r, in_map);
        }

        /* Map entries nobody knows of (metadata lost) cannot be reported. */
        for (size_t j = 0; j < n_ids; j++)
                if (!manager_find_recording_by_id(m, ids[j])) {
                        log_warning("Dropping recorded cgroups of unknown recording id %u.", ids[j]);
                        (void)recorder_release(m->recorder, ids[j], NULL);
                }
        return 0;
}
