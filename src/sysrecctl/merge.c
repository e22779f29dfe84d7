/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl merge / merge --check / diff: profiles read back (oci or spo)
 * into syscall sets, compared per ABI and by their argument rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base-profile.h"
#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "names.h"
#include "profile-import.h"
#include "profile-rules.h"
#include "sysrecctl.h"

/* Exit code of diff and merge --check when something went wrong (as diff(1)). */
#define EXIT_TROUBLE 2

static int load(const char *path, SyscallSet *ret)
{
        _cleanup_free_ char *err = NULL;
        int r;

        r = profile_import_file(path, ret, NULL, &err);
        if (r < 0)
                log_error(_("Failed to read profile '%s': %s"), path, err ?: strerror(-r));
        return r;
}

int merge_base_profile(SyscallSet *s)
{
        _cleanup_free_ char *err = NULL;
        SyscallSet base = {};
        int r;

        if (!arg.base_profile)
                return 0;
        r = base_profile_load(arg.base_profile, &base, NULL, &err);
        if (r == -ENOENT)
                log_error(_("No base profile '%s' (%s.json in %s)."), arg.base_profile, arg.base_profile,
                          base_profile_path());
        else if (r < 0)
                log_error(_("Invalid base profile '%s': %s"), arg.base_profile, err ?: strerror(-r));
        if (r < 0)
                return r;
        syscall_set_merge(s, &base);
        return 0;
}

/* The SPO object name of a merged profile: --name, else OUT's file name
 * without its extension if that is a valid name. */
static char *merged_name(void)
{
        const char *base;
        char *s, *dot;

        if (arg.name)
                return strdup(arg.name);
        base = arg.output && strcmp(arg.output, "-") != 0 ? strrchr(arg.output, '/') : NULL;
        base = base ? base + 1 : arg.output && strcmp(arg.output, "-") != 0 ? arg.output : "merged";
        s = strdup(base);
        if (!s)
                return NULL;
        dot = strrchr(s, '.');
        if (dot && dot != s)
                *dot = 0;
        if (!recording_name_is_valid(s)) {
                free(s);
                return strdup("merged");
        }
        return s;
}

/* Names of nr-bits set in a but not in b, for one ABI, space-separated. */
static int abi_minus(const SyscallSet *a, const SyscallSet *b, unsigned abi, char ***ret)
{
        SyscallSet only = {};

        for (unsigned w = 0; w < SYSREC_NR_WORDS; w++)
                only.bits[abi][w] = a->bits[abi][w] & ~b->bits[abi][w];
        return syscall_set_names(&only, abi, ret);
}

static bool native_has(const SyscallSet *s, unsigned which)
{
        int nr = abi_syscall_number(SYSREC_ABI_NATIVE, argsys_to_name(which));
        return nr >= 0 && syscall_set_contains(s, SYSREC_ABI_NATIVE, (unsigned)nr);
}

/* Print what b allows and a does not; returns how many items. */
static int print_missing(const SyscallSet *a, const SyscallSet *b, const char *prefix)
{
        int n = 0, r;

        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                _cleanup_strv_free_ char **l = NULL;

                if (!abi_to_string(abi))
                        continue;
                r = abi_minus(b, a, abi, &l);
                if (r < 0)
                        return log_oom();
                for (char **i = l; *i; i++, n++)
                        printf("%s%-7s %s\n", prefix, abi_to_string(abi), *i);
        }
        for (unsigned which = 0; which < _SYSREC_ARGSYS_MAX; which++) {
                _cleanup_free_ char *d = NULL;
                ArgAllow aa, ab;

                if (!native_has(a, which) || !native_has(b, which))
                        continue;
                syscall_set_arg_allow(a, which, &aa);
                syscall_set_arg_allow(b, which, &ab);
                if (arg_allow_contains(&aa, &ab))
                        continue;
                r = arg_allow_describe_minus(which, &ab, &aa, &d);
                if (r < 0)
                        return log_oom();
                printf("%s%-7s %s(%s)\n", prefix, abi_to_string(SYSREC_ABI_NATIVE), argsys_to_name(which), d);
                n++;
        }
        return n;
}

static int merge_check(int argc, char *argv[])
{
        SyscallSet a = {}, others = {};
        int n;

        if (argc < 3) {
                log_error(_("Usage: sysrecctl merge --check A B..."));
                return EXIT_USAGE;
        }
        if (load(argv[1], &a) < 0)
                return EXIT_TROUBLE;
        /* --base-profile: does A with the base allow everything the others do? */
        if (merge_base_profile(&a) < 0)
                return EXIT_TROUBLE;
        for (int i = 2; i < argc; i++) {
                SyscallSet s = {};
                if (load(argv[i], &s) < 0)
                        return EXIT_TROUBLE;
                syscall_set_merge(&others, &s);
        }
        n = print_missing(&a, &others, "missing: ");
        if (n < 0)
                return EXIT_TROUBLE;
        if (n > 0) {
                if (!arg.quiet && argc == 3)
                        printf(ngettext("'%s' lacks %d syscall or argument that %s allows.\n",
                                        "'%s' lacks %d syscalls or arguments that %s allows.\n", (unsigned long)n),
                               argv[1], n, argv[2]);
                else if (!arg.quiet)
                        printf(ngettext("'%s' lacks %d syscall or argument that the others allow.\n",
                                        "'%s' lacks %d syscalls or arguments that the others allow.\n",
                                        (unsigned long)n),
                               argv[1], n);
                return EXIT_FAIL;
        }
        if (!arg.quiet && argc == 3)
                printf(_("'%s' allows everything %s allows.\n"), argv[1], argv[2]);
        else if (!arg.quiet)
                printf(_("'%s' allows everything the others allow.\n"), argv[1]);
        return EXIT_OK;
}

int verb_merge(int argc, char *argv[])
{
        _cleanup_free_ char *text = NULL, *name = NULL;
        SyscallSet all = {};
        int r;

        if (arg.check)
                return merge_check(argc, argv);
        if (argc < 2 && !arg.base_profile) {
                log_error(_("Usage: sysrecctl merge FILE... [--base-profile=NAME] [--output=OUT] [--format=FORMAT]"));
                return EXIT_USAGE;
        }
        for (int i = 1; i < argc; i++) {
                SyscallSet s = {};
                if (load(argv[i], &s) < 0)
                        return EXIT_FAIL;
                syscall_set_merge(&all, &s);
        }
        if (merge_base_profile(&all) < 0)
                return EXIT_FAIL;
        name = merged_name();
        if (!name)
                return log_oom(), EXIT_FAIL;
        r = profile_format_full(&all, arg.format, &(ProfileOptions){ .name = name, .arguments = arg.arguments },
                                &text);
        if (r < 0)
                return log_error_errno(r, _("Failed to build the merged profile: %m")), EXIT_FAIL;
        if (output_profile(text, arg.format) < 0)
                return EXIT_FAIL;
        if (!arg.quiet && arg.output && strcmp(arg.output, "-") != 0)
                fprintf(stderr,
                        ngettext("Merged %d profile (%u syscalls over every ABI) into %s (%s).\n",
                                 "Merged %d profiles (%u syscalls over every ABI) into %s (%s).\n",
                                 (unsigned long)(argc - 1)),
                        argc - 1, syscall_set_count(&all), arg.output, profile_format_to_string(arg.format));
        return EXIT_OK;
}

static int print_abi_diff(const SyscallSet *a, const SyscallSet *b, unsigned abi)
{
        _cleanup_strv_free_ char **added = NULL, **removed = NULL;
        int n = 0;

        if (abi_minus(b, a, abi, &added) < 0 || abi_minus(a, b, abi, &removed) < 0)
                return log_oom();
        if (!added[0] && !removed[0])
                return 0;
        printf("%s:\n", abi_to_string(abi));
        for (char **i = added; *i; i++, n++)
                printf("  + %s\n", *i);
        for (char **i = removed; *i; i++, n++)
                printf("  - %s\n", *i);
        return n;
}

static int print_args_diff(const SyscallSet *a, const SyscallSet *b)
{
        int n = 0, r;

        for (unsigned which = 0; which < _SYSREC_ARGSYS_MAX; which++) {
                _cleanup_free_ char *plus = NULL, *minus = NULL;
                ArgAllow aa, ab;

                if (!native_has(a, which) || !native_has(b, which))
                        continue;
                syscall_set_arg_allow(a, which, &aa);
                syscall_set_arg_allow(b, which, &ab);
                if (arg_allow_equal(&aa, &ab))
                        continue;
                r = arg_allow_describe_minus(which, &ab, &aa, &plus);
                if (r >= 0)
                        r = arg_allow_describe_minus(which, &aa, &ab, &minus);
                if (r < 0)
                        return log_oom();
                if (n++ == 0)
                        /* TRANSLATORS: heading of the argument rules of an ABI (e.g. x86_64) in "sysrecctl diff". */
                        printf(_("%s arguments:\n"), abi_to_string(SYSREC_ABI_NATIVE));
                printf("  ~ %s:%s%s%s%s\n", argsys_to_name(which), *plus ? " +" : "", plus, *minus ? " -" : "",
                       minus);
        }
        return n;
}

int verb_diff(int argc, char *argv[])
{
        SyscallSet a = {}, b = {};
        int n = 0, k;

        if (argc != 3) {
                log_error(_("Usage: sysrecctl diff A B"));
                return EXIT_USAGE;
        }
        if (load(argv[1], &a) < 0 || load(argv[2], &b) < 0)
                return EXIT_TROUBLE;
        if (!arg.quiet)
                printf("--- %s\n+++ %s\n", argv[1], argv[2]);
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                if (!abi_to_string(abi))
                        continue;
                k = print_abi_diff(&a, &b, abi);
                if (k < 0)
                        return EXIT_TROUBLE;
                n += k;
        }
        k = print_args_diff(&a, &b);
        if (k < 0)
                return EXIT_TROUBLE;
        n += k;
        if (!arg.quiet && n)
                printf(ngettext("%d difference.\n", "%d differences.\n", (unsigned long)n), n);
        else if (!arg.quiet)
                printf(_("The profiles allow the same syscalls.\n"));
        return n ? EXIT_FAIL : EXIT_OK;
}
