/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Syscalls property of a recording (a{sas}: ABI -> sorted names) as
 * show and watch hold it: one NULL-terminated list per ABI.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sysrecctl.h"

static bool strv_contains(char **l, const char *s)
{
        for (; l && *l; l++)
                if (strcmp(*l, s) == 0)
                        return true;
        return false;
}

/* The list held for abi, added (empty) if there is none yet; NULL on ENOMEM. */
static char ***syscall_lists_slot(SyscallLists *l, const char *abi)
{
        char **abis;
        char ***names;

        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->abis[i], abi) == 0)
                        return &l->names[i];
        abis = realloc(l->abis, sizeof(char *) * (l->n + 1));
        if (!abis)
                return NULL;
        l->abis = abis;
        names = realloc(l->names, sizeof(char **) * (l->n + 1));
        if (!names)
                return NULL;
        l->names = names;
        l->abis[l->n] = strdup(abi);
        if (!l->abis[l->n])
                return NULL;
        l->names[l->n] = NULL;
        return &l->names[l->n++];
}

int syscall_lists_read(SyscallLists *l, sd_bus_message *m, syscall_new_cb_t on_new, void *userdata)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sas}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sas")) > 0) {
                _cleanup_strv_free_ char **names = NULL;
                const char *abi;
                char ***held;

                r = sd_bus_message_read(m, "s", &abi);
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, &names);
                if (r < 0)
                        return r;
                held = syscall_lists_slot(l, abi);
                if (!held)
                        return -ENOMEM;
                for (char **n = names; on_new && n && *n; n++)
                        if (!strv_contains(*held, *n))
                                on_new(abi, *n, userdata);
                strv_free(*held);
                *held = TAKE_PTR(names);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

void syscall_lists_done(SyscallLists *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->abis[i]);
                strv_free(l->names[i]);
        }
        free(l->abis);
        free(l->names);
        *l = (SyscallLists) {};
}
