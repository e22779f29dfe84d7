/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pager of long outputs; see pager.h. */
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "pager.h"
#include "sysrecctl.h"
#include "terminal.h"

static pid_t pager_pid;
static int saved_stdout = -EBADF;

/* The pager to run, NULL for the default (less, else more), "" for none. */
static const char *pager_command(void)
{
        const char *p = getenv("SYSTEMD_PAGER");

        if (!p)
                p = getenv("PAGER");
        if (p && (p[strspn(p, " \t")] == 0 || strcmp(p, "cat") == 0))
                return "";
        return p;
}

/* Without any pager program, pass the output through unchanged. */
static _noreturn_ void copy_through(void)
{
        char buf[4096];
        ssize_t n;

        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
                if (write(STDOUT_FILENO, buf, (size_t)n) != n)
                        break;
        _exit(EXIT_SUCCESS);
}

static _noreturn_ void pager_exec(int read_fd, const char *pager)
{
        const char *less = getenv("SYSTEMD_LESS");

        if (dup2(read_fd, STDIN_FILENO) < 0)
                _exit(EXIT_FAILURE);
        /* F: quit if one screen, R: pass colours, S: chop long lines, X: leave the
         * screen as it is, M: verbose prompt, K: quit on ^C. */
        (void)setenv("LESS", less ?: "FRSXMK", 1);
        if (!getenv("LESSCHARSET") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
                (void)setenv("LESSCHARSET", "utf-8", 1);
        /* Do not outlive sysrecctl if it is killed. */
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
        signal(SIGPIPE, SIG_DFL);
        if (pager)
                execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
        else {
                execlp("less", "less", (char *)NULL);
                execlp("more", "more", (char *)NULL);
        }
        copy_through();
}

void pager_open(void)
{
        const char *pager;
        int fd[2];
        pid_t pid;

        if (!arg.pager || pager_pid > 0)
                return;
        /* Decide about colours while stdout is still the terminal. */
        (void)colors_enabled();
        if (!on_tty() || terminal_is_dumb())
                return;
        pager = pager_command();
        if (pager && !*pager)
                return;

        fflush(stdout);
        if (pipe2(fd, O_CLOEXEC) < 0) {
                log_warning_errno(negative_errno(), _("Failed to create a pipe for the pager: %m"));
                return;
        }
        pid = fork();
        if (pid < 0) {
                log_warning_errno(negative_errno(), _("Failed to start the pager: %m"));
                close(fd[0]);
                close(fd[1]);
                return;
        }
        if (pid == 0)
                pager_exec(fd[0], pager);

        saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (saved_stdout < 0 || dup2(fd[1], STDOUT_FILENO) < 0) {
                log_warning_errno(negative_errno(), _("Failed to start the pager: %m"));
                if (saved_stdout >= 0)
                        close(saved_stdout);
                saved_stdout = -EBADF;
                close(fd[0]);
                close(fd[1]);
                (void)kill(pid, SIGTERM);
                (void)waitpid(pid, NULL, 0);
                return;
        }
        close(fd[0]);
        close(fd[1]);
        pager_pid = pid;
}

void pager_close(void)
{
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        /* The terminal back on stdout closes the pipe's last write end. */
        (void)dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
        saved_stdout = -EBADF;
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
