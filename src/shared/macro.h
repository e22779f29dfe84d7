/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small language helpers used everywhere: cleanup attributes, ownership
 * transfer, array sizes. Nothing here logs or allocates.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
/* Not instrumented by -fsanitize=address,undefined: code whose system calls a test
 * records or filters, where the sanitizers' runtime must not add its own
 * (sigaltstack() before a call that does not return, mmap() for a report). */
#define _no_sanitize_ __attribute__((no_sanitize_address, no_sanitize_undefined))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Return the pointer and forget it in the caller's cleanup variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p_ = (p);                                                           \
                (p) = NULL;                                                                        \
                _p_;                                                                               \
        })

#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd_ = (fd);                                                                   \
                (fd) = -EBADF;                                                                     \
                _fd_;                                                                              \
        })

/* Defines func##p(type **) that calls func(*p) when *p is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
        static inline void func##p(type *p)                                                        \
        {                                                                                          \
                if (*p)                                                                            \
                        func(*p);                                                                  \
        }

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                (void)close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Turn a libc -1/errno result into -errno. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

#define RET_NERRNO(expr)                                                                           \
        ({                                                                                         \
                int _r_ = (expr);                                                                  \
                _r_ < 0 ? negative_errno() : _r_;                                                  \
        })

static inline void strv_free(char **l)
{
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

static inline const char *strempty(const char *s)
{
        return s ?: "";
}

static inline const char *yes_no(int b)
{
        return b ? "yes" : "no";
}
