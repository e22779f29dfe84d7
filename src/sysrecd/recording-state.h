/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recordings survive sysrecd: each one's metadata is kept in
 * <state-dir>/recordings/<name>.json (written atomically on every change)
 * and read back at start-up, when the pinned kernel maps still hold what
 * was recorded, including while the daemon was down.
 */
#pragma once

#include "manager.h"

int recording_save(Recording *r);
void recording_forget_saved(Recording *r);
/* Load every saved recording; recordings that were active resume. */
int manager_load_recordings(Manager *m);

/* Exposed for tests and fuzzing: parse one saved recording. */
int recording_parse_saved(Manager *m, const char *text, Recording **ret);
