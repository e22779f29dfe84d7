/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz recording_parse_saved() (src/sysrecd/recording-state.c): the parser
 * of <state-dir>/recordings/<name>.json, read at every start of sysrecd (a
 * file may be truncated by a crash, or written by an older version). The
 * file is compiled in, so that its static writer is reachable too: whatever
 * the parser accepts, written back and parsed again must give the same text
 * (the state survives any number of restarts unchanged). The manager is a
 * zeroed one: parsing only stores the pointer. Functions of the daemon the
 * parser never calls are stubs that abort.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recording-state.c"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        abort();                                                                   \
        } while (0)

/* ---- not reached from the parser ----
 * Weak, so that a real definition wins when it is linked in; run-fuzzers.sh
 * also tolerates other unresolved symbols of the daemon for this harness (the
 * parser never calls them; if it did, the call would crash and show where). */
#define NOT_REACHED __attribute__((weak))
NOT_REACHED Recording *manager_find_recording(Manager *m, const char *name) { abort(); }
NOT_REACHED Recording *manager_find_recording_by_id(Manager *m, uint32_t id) { abort(); }
NOT_REACHED int manager_reattach_recording(Manager *m, Recording *r) { abort(); }
NOT_REACHED int recorder_list_recordings(Recorder *r, uint32_t **ret, size_t *ret_n) { abort(); }
NOT_REACHED RecorderInherited recorder_inherited(Recorder *r) { abort(); }
NOT_REACHED int recorder_release(Recorder *r, uint32_t recording, SyscallSet *ret) { abort(); }
NOT_REACHED int recorder_collect(Recorder *r, uint32_t recording, SyscallSet *ret) { abort(); }
NOT_REACHED bool recorder_needs_events(Recorder *r) { abort(); }
NOT_REACHED int recorder_collect_each(Recorder *r, uint32_t recording, recorder_entry_cb_t cb, void *userdata) { abort(); }
NOT_REACHED int recorder_track_tree(Recorder *r, int cgroup_fd, uint32_t recording, uint32_t flags, uint32_t *ret_owner) { abort(); }

static char *to_text(Recording *r)
{
        json_object *o = recording_to_json(r);
        char *t;

        CHECK(o);
        t = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        CHECK(t);
        json_object_put(o);
        return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static Manager manager;
        Recording *r = NULL, *r2 = NULL;
        char *text, *t1, *t2;
        int k;

        if (size > SAVED_MAX)
                return 0;
        text = malloc(size + 1);
        CHECK(text);
        memcpy(text, data, size);
        text[size] = 0; /* read_full_file_at() terminates what it read */

        k = recording_parse_saved(&manager, text, &r);
        if (k >= 0) {
                CHECK(r && r->manager == &manager && r->id != 0);
                CHECK(recording_name_is_valid(r->name));
                t1 = to_text(r);
                k = recording_parse_saved(&manager, t1, &r2);
                if (k < 0) {
                        fprintf(stderr, "HARNESS: written back, the recording does not parse (%d):\n%s\n", k, t1);
                        abort();
                }
                t2 = to_text(r2);
                if (strcmp(t1, t2) != 0) {
                        fprintf(stderr, "HARNESS: round trip changed the recording:\n%s\n%s\n", t1, t2);
                        abort();
                }
                free(t1);
                free(t2);
                recording_free(r2);
                recording_free(r);
        } else
                CHECK(k == -EBADMSG || k == -ENOMEM);
        free(text);
        return 0;
}
