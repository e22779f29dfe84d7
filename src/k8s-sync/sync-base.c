/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.baseProfileName, as the operator resolves it: the named SeccompProfile's
 * syscalls are unioned into the profile's own when it is installed, and so on
 * down the chain of bases. Everything else (defaultAction, architectures,
 * flags) is the profile's own. The chain is at most BASE_LEVELS_MAX long (the
 * operator's limit), a profile may not be its own base through any number of
 * steps, and "oci://" bases, which the operator pulls from a registry, are
 * refused: the sidecar talks to no registry.
 *
 * A missing base is not an error of the profile: it is installed once the
 * base appears (the profiles informer reports it and the install pass runs
 * again); until then nothing is installed, so no pod ever runs under a
 * profile lacking its base's syscalls.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "seccomp-spec.h"
#include "sync.h"

/* The operator resolves at most 15 levels: the profile and 14 bases. */
#define BASE_LEVELS_MAX 15
#define OCI_PREFIX "oci://"

/* Union the base's syscalls, and only those, into *acc. */
static int union_syscalls(json_object **acc, json_object *base_spec)
{
        _cleanup_json_ json_object *only = json_object_new_object(), *u = NULL;
        json_object *l = json_get(base_spec, "syscalls");
        int r;

        if (!only)
                return -ENOMEM;
        if (l && json_set(only, "syscalls", json_object_get(l)) < 0)
                return -ENOMEM;
        r = seccomp_spec_union(*acc, only, &u);
        if (r < 0)
                return r;
        json_object_put(*acc);
        *acc = TAKE_PTR(u);
        return 0;
}

static int chain_text(char **chain, const char *last, char **ret)
{
        size_t n = strlen(last) + 1;
        char *t;

        for (char **i = chain; i && *i; i++)
                n += strlen(*i) + 4;
        t = malloc(n);
        if (!t)
                return -ENOMEM;
        *t = 0;
        for (char **i = chain; i && *i; i++) {
                strcat(t, *i);
                strcat(t, " -> ");
        }
        strcat(t, last);
        *ret = t;
        return 0;
}

static json_object *lookup_informer(const char *name, void *userdata)
{
        Sync *s = userdata;

        return informer_get(s->profiles, NULL, name);
}

int base_resolve(Sync *s, json_object *profile, json_object **ret_spec, char **ret_message)
{
        return base_resolve_full(profile, lookup_informer, s, ret_spec, ret_message);
}

int base_resolve_full(json_object *profile, base_lookup_fn_t lookup, void *userdata, json_object **ret_spec,
                      char **ret_message)
{
        _cleanup_json_ json_object *acc = NULL;
        _cleanup_strv_free_ char **chain = NULL;
        json_object *cur = profile;
        const char *name = json_get_str(profile, "metadata.name");
        int r;

        assert(ret_spec);
        assert(ret_message);

        if (!name || !json_get(profile, "spec"))
                return -EINVAL;
        acc = json_object_get(json_get(profile, "spec"));
        if (strv_add_unique(&chain, name) < 0)
                return -ENOMEM;
        for (unsigned depth = 0;; depth++) {
                const char *base = json_get_str(cur, "spec.baseProfileName");
                json_object *b;

                if (!base || !*base)
                        break;
                if (strncmp(base, OCI_PREFIX, strlen(OCI_PREFIX)) == 0)
                        return asprintf(ret_message,
                                        "base profile \"%s\" is an OCI artifact; sysrec-k8s-sync pulls nothing "
                                        "from registries: make it a SeccompProfile and name that instead",
                                        base) < 0 ? -ENOMEM : -EPROTONOSUPPORT;
                if (strv_contains(chain, base)) {
                        _cleanup_free_ char *t = NULL;

                        if (chain_text(chain, base, &t) < 0)
                                return -ENOMEM;
                        return asprintf(ret_message, "base profiles form a cycle: %s", t) < 0 ? -ENOMEM : -ELOOP;
                }
                if (depth + 1 >= BASE_LEVELS_MAX)
                        return asprintf(ret_message, "more than %d base profiles in a chain (at \"%s\")",
                                        BASE_LEVELS_MAX - 1, base) < 0 ? -ENOMEM : -EMLINK;
                b = lookup(base, userdata);
                if (!b)
                        return asprintf(ret_message, "base profile \"%s\" does not exist (yet)", base) < 0 ? -ENOMEM
                                                                                                          : -ENOENT;
                r = union_syscalls(&acc, json_get(b, "spec"));
                if (r < 0)
                        return r;
                if (strv_add_unique(&chain, base) < 0)
                        return -ENOMEM;
                cur = b;
        }
        *ret_spec = TAKE_PTR(acc);
        return 0;
}
