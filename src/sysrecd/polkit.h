/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authorization of mutating method calls. Root is always allowed; anybody
 * else is checked with polkit's CheckAuthorization, asynchronously: the
 * first call of a handler starts the check and returns 0, and when polkit
 * answers, the same message is dispatched again and the check returns the
 * cached verdict.
 */
#pragma once

#include <systemd/sd-bus.h>

#define SYSREC_POLKIT_ACTION_RECORD "org.sysrec1.record"

typedef struct PolkitRegistry PolkitRegistry;

void polkit_registry_free(PolkitRegistry *r);

/* 1: authorized, go on. 0: a check is under way, return 1 from the handler
 * without replying. <0: error set (AccessDenied naming the action). */
int polkit_verify_async(sd_bus_message *msg, const char *action, PolkitRegistry **registry,
                        sd_bus_error *error);
