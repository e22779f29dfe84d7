/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "spo" format: a SeccompProfile resource of the Security Profiles
 * Operator (security-profiles-operator.x-k8s.io/v1, cluster-scoped), written
 * with libyaml's emitter. Fields as the CRD's openAPIV3Schema has them; no
 * defaultErrnoRet (the CRD has none: SCMP_ACT_ERRNO defaults to EPERM).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "macro.h"
#include "profile-rules.h"
#include "profile.h"

#define SPO_API_VERSION "security-profiles-operator.x-k8s.io/v1"

typedef struct Emitter {
        yaml_emitter_t e;
        FILE *f;
        bool failed;
} Emitter;

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
        Emitter *em = data;
        return fwrite(buffer, 1, size, em->f) == size;
}

/* The one place libyaml's emitter is called: its 0/1 becomes -errno. */
static int emit(Emitter *em, yaml_event_t *ev, int init_ok)
{
        if (!init_ok) {
                em->failed = true;
                return -ENOMEM;
        }
        if (!yaml_emitter_emit(&em->e, ev)) {
                em->failed = true;
                return em->e.error == YAML_MEMORY_ERROR ? -ENOMEM : -EIO;
        }
        return 0;
}

/* Words a YAML 1.1 reader would not take as a string when plain. */
static bool needs_quotes(const char *s)
{
        static const char *const words[] = { "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~" };
        bool digits = *s != 0;

        for (const char *c = s; *c; c++)
                digits = digits && (isdigit((unsigned char)*c) || *c == '.' || *c == '-' || *c == '+');
        if (digits || *s == 0)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strcasecmp(s, words[i]) == 0)
                        return true;
        return false;
}

static int emit_string(Emitter *em, const char *s)
{
        yaml_event_t ev;
        yaml_scalar_style_t style = needs_quotes(s) ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE;

        return emit(em, &ev,
                    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style));
}

static int emit_uint(Emitter *em, uint64_t v)
{
        char buf[32];
        yaml_event_t ev;

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return emit(em, &ev,
                    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)buf, (int)strlen(buf), 1, 0,
                                                 YAML_PLAIN_SCALAR_STYLE));
}

static int emit_pair(Emitter *em, const char *key, const char *value)
{
        int r = emit_string(em, key);
        return r < 0 ? r : emit_string(em, value);
}

static int emit_pair_uint(Emitter *em, const char *key, uint64_t value)
{
        int r = emit_string(em, key);
        return r < 0 ? r : emit_uint(em, value);
}

static int begin(Emitter *em, bool mapping)
{
        yaml_event_t ev;

        if (mapping)
                return emit(em, &ev,
                            yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
        return emit(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
}

static int end(Emitter *em, bool mapping)
{
        yaml_event_t ev;

        if (mapping)
                return emit(em, &ev, yaml_mapping_end_event_initialize(&ev));
        return emit(em, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* A Kubernetes object name (DNS subdomain) from a recording name: lower
 * case, '_' as '-', starting and ending with an alphanumeric. */
static char *object_name(const char *name)
{
        char *s, *o;

        if (!name || !*name)
                return strdup("sysrec-profile");
        s = o = malloc(strlen(name) + 1);
        if (!s)
                return NULL;
        for (const char *c = name; *c; c++)
                *o++ = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
        *o = 0;
        while (o > s && !isalnum((unsigned char)o[-1]))
                *--o = 0;
        return s;
}

static int emit_rule(Emitter *em, const ProfileRule *rule)
{
        int r = begin(em, true);

        if (r >= 0)
                r = emit_pair(em, "action", rule->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW");
        if (r >= 0 && rule->errno_ret)
                r = emit_pair_uint(em, "errnoRet", (uint64_t)rule->errno_ret);
        if (r >= 0)
                r = emit_string(em, "names");
        if (r >= 0)
                r = begin(em, false);
        for (char **n = rule->names; r >= 0 && *n; n++)
                r = emit_string(em, *n);
        if (r >= 0)
                r = end(em, false);
        if (r >= 0 && rule->has_arg) {
                r = emit_string(em, "args");
                if (r >= 0)
                        r = begin(em, false);
                if (r >= 0)
                        r = begin(em, true);
                if (r >= 0)
                        r = emit_pair_uint(em, "index", rule->arg.index);
                if (r >= 0)
                        r = emit_pair_uint(em, "value", rule->arg.value);
                if (r >= 0)
                        r = emit_pair_uint(em, "valueTwo", rule->arg.value_two);
                if (r >= 0)
                        r = emit_pair(em, "op", scmp_compare_to_string(rule->arg.op));
                if (r >= 0)
                        r = end(em, true);
                if (r >= 0)
                        r = end(em, false);
        }
        if (r >= 0)
                r = end(em, true);
        return r;
}

static int emit_spec(Emitter *em, const ProfileRules *rules)
{
        int r = emit_string(em, "spec");

        if (r >= 0)
                r = begin(em, true);
        if (r >= 0)
                r = emit_pair(em, "defaultAction", "SCMP_ACT_ERRNO");
        if (r >= 0)
                r = emit_string(em, "architectures");
        if (r >= 0)
                r = begin(em, false);
        for (unsigned abi = 0; r >= 0 && abi < _SYSREC_ABI_MAX; abi++)
                if (rules->abis & (1u << abi))
                        r = emit_string(em, abi_to_oci(abi));
        if (r >= 0)
                r = end(em, false);
        if (r >= 0 && rules->n_rules > 0) {
                r = emit_string(em, "syscalls");
                if (r >= 0)
                        r = begin(em, false);
                for (size_t i = 0; r >= 0 && i < rules->n_rules; i++)
                        r = emit_rule(em, &rules->rules[i]);
                if (r >= 0)
                        r = end(em, false);
        }
        if (r >= 0)
                r = end(em, true);
        return r;
}

static int emit_document(Emitter *em, const char *name, const ProfileRules *rules)
{
        yaml_event_t ev;
        int r;

        r = emit(em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
        if (r >= 0)
                r = emit(em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0));
        if (r >= 0)
                r = begin(em, true);
        if (r >= 0)
                r = emit_pair(em, "apiVersion", SPO_API_VERSION);
        if (r >= 0)
                r = emit_pair(em, "kind", "SeccompProfile");
        if (r >= 0)
                r = emit_string(em, "metadata");
        if (r >= 0)
                r = begin(em, true);
        if (r >= 0)
                r = emit_pair(em, "name", name);
        if (r >= 0)
                r = end(em, true);
        if (r >= 0)
                r = emit_spec(em, rules);
        if (r >= 0)
                r = end(em, true);
        if (r >= 0)
                r = emit(em, &ev, yaml_document_end_event_initialize(&ev, 1));
        if (r >= 0)
                r = emit(em, &ev, yaml_stream_end_event_initialize(&ev));
        return r;
}

int profile_format_spo(const SyscallSet *s, const ProfileOptions *o, char **ret)
{
        _cleanup_(profile_rules_done) ProfileRules rules = {};
        _cleanup_free_ char *buf = NULL, *name = NULL;
        size_t size = 0;
        Emitter em = {};
        int r;

        r = profile_rules_build(s, o->arguments, &rules);
        if (r < 0)
                return r;
        name = object_name(o->name);
        if (!name)
                return -ENOMEM;
        em.f = open_memstream(&buf, &size);
        if (!em.f)
                return -ENOMEM;
        if (!yaml_emitter_initialize(&em.e)) {
                fclose(em.f);
                return -ENOMEM;
        }
        yaml_emitter_set_output(&em.e, write_handler, &em);
        yaml_emitter_set_unicode(&em.e, 1);
        yaml_emitter_set_width(&em.e, 100);
        r = emit_document(&em, name, &rules);
        if (r >= 0 && !yaml_emitter_flush(&em.e))
                r = -EIO;
        yaml_emitter_delete(&em.e);
        if (fclose(em.f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        /* libyaml leaves the last line unterminated after an implicit document end. */
        if (size > 0 && buf[size - 1] != '\n') {
                char *t;
                if (asprintf(&t, "%s\n", buf) < 0)
                        return -ENOMEM;
                free(buf);
                buf = t;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}
