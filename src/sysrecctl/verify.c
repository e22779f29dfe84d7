/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrecctl verify --profile=P -- CMD: run CMD under P in a mode that denies
 * nothing, and list every call P would have denied.
 *
 * The BPF recorder cannot help here: sys_enter does not see calls that a
 * seccomp filter rejected. So the child installs, before exec, P's own rules
 * (allow and errno rules as P has them) with SCMP_ACT_NOTIFY instead of P's
 * default action, and architectures P does not list all notify too. It hands
 * the listener fd to us over a socketpair (SCM_RIGHTS); we note each
 * notification's architecture, number and (for clone, unshare, socket,
 * personality) first argument, and answer SECCOMP_USER_NOTIF_FLAG_CONTINUE,
 * so the kernel runs the call as if no filter were there.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gettext.h"
#include "log.h"
#include "macro.h"
#include "profile-import.h"
#include "profile-rules.h"
#include "sysrecctl.h"

#define X32_SYSCALL_BIT 0x40000000u
/* After the command exits, how long to serve calls of what it left behind. */
#define LINGER_MSEC 500

typedef struct Verify {
        SyscallSet denied; /* args: arguments of denied argument-rule calls */
        uint64_t n_notifications;
} Verify;

/* Filter of the profile with every non-allowed call notified. */
static int build_filter(const SyscallSet *profile, scmp_filter_ctx *ret)
{
        _cleanup_(profile_rules_done) ProfileRules rules = {};
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL, other = NULL;
        bool any_other = false;
        int r;

        r = profile_rules_build(profile, true, &rules);
        if (r < 0)
                return r;
        r = profile_rules_to_filter(&rules, SCMP_ACT_NOTIFY, &ctx);
        if (r < 0)
                return r;
        /* Architectures the profile lacks: runc would refuse every call of them. */
        other = seccomp_init(SCMP_ACT_NOTIFY);
        if (!other)
                return -ENOMEM;
        r = seccomp_arch_remove(other, SCMP_ARCH_NATIVE);
        for (unsigned abi = 0; r >= 0 && abi < _SYSREC_ABI_MAX; abi++)
                if (abi_to_string(abi) && !(rules.abis & (1u << abi))) {
                        r = seccomp_arch_add(other, abi_to_scmp_arch(abi));
                        any_other = true;
                }
        if (r >= 0 && any_other) {
                r = seccomp_merge(ctx, other);
                if (r >= 0)
                        other = NULL; /* merged into ctx */
        }
        if (r < 0)
                return r;
        /* Root may keep setuid programs working; others need no_new_privs. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, geteuid() == 0 ? 0 : 1);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}

/* In the child: load the filter, send its listener fd, exec. Never returns. */
static _noreturn_ void child(scmp_filter_ctx ctx, int sock, char **cmd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {}, byte = 'L';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                              .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        int r, fd;

        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        /* Between the load and the exec only this one sendmsg() runs; let exactly it
         * through (this socket, this msghdr), else it would wait for an answer that
         * needs the fd it is sending. */
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 2, SCMP_A0(SCMP_CMP_EQ, (uint64_t)sock),
                             SCMP_A1(SCMP_CMP_EQ, (uint64_t)(uintptr_t)&msg));
        if (r < 0 && r != -EEXIST) {
                fprintf(stderr, _("sysrecctl: failed to add the hand-over rule: %s\n"), strerror(-r));
                _exit(127);
        }
        r = seccomp_load(ctx);
        if (r < 0) {
                fprintf(stderr, _("sysrecctl: failed to load the verification filter: %s\n"), strerror(-r));
                _exit(127);
        }
        fd = seccomp_notify_fd(ctx);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        if (fd < 0 || sendmsg(sock, &msg, MSG_NOSIGNAL) != 1)
                _exit(127);
        execvp(cmd[0], cmd);
        fprintf(stderr, _("sysrecctl: failed to execute '%s': %s\n"), cmd[0], strerror(errno));
        _exit(127);
}

static int receive_fd(int sock)
{
        char cbuf[CMSG_SPACE(sizeof(int))], byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                              .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm;
        ssize_t n;
        int fd;

        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        cm = CMSG_FIRSTHDR(&msg);
        if (n != 1 || !cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
            cm->cmsg_len != CMSG_LEN(sizeof(int)))
                return -EBADMSG; /* the child failed before sending */
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd;
}

static int abi_of_arch(uint32_t arch)
{
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                if (abi_to_string(abi) && abi_to_scmp_arch(abi) == arch)
                        return (int)abi;
        return -1;
}

/* Note a denied call, with the argument that decides an argument rule. */
static void note(Verify *v, const struct seccomp_notif *req)
{
        int abi = abi_of_arch(req->data.arch);
        unsigned nr = (unsigned)req->data.nr;
        struct sysrec_args a = {};
        char *name;
        int which;

        v->n_notifications++;
        if (abi < 0)
                return;
        if (abi == SYSREC_ABI_X32)
                nr &= ~X32_SYSCALL_BIT;
        syscall_set_add(&v->denied, (unsigned)abi, nr);
        if (abi != SYSREC_ABI_NATIVE)
                return;
        name = abi_syscall_name(SYSREC_ABI_NATIVE, nr);
        which = name ? argsys_from_name(name) : -1;
        free(name);
        switch (which) {
        case SYSREC_ARGSYS_CLONE:
                a.clone_flags = req->data.args[0] & SYSREC_CLONE_NS_FLAGS;
                break;
        case SYSREC_ARGSYS_UNSHARE:
                a.unshare_flags = req->data.args[0] & SYSREC_CLONE_NS_FLAGS;
                break;
        case SYSREC_ARGSYS_SOCKET:
                if (req->data.args[0] < 64)
                        a.socket_families = UINT64_C(1) << req->data.args[0];
                else
                        a.socket_other = 1;
                break;
        case SYSREC_ARGSYS_PERSONALITY:
                if (req->data.args[0] < UINT64_MAX)
                        a.personality[0] = req->data.args[0] + 1;
                else
                        a.personality_overflow = 1;
                break;
        default:
                return;
        }
        syscall_set_merge_args(&v->denied, &a);
}

/* Serve one notification: note it, let the call run. The ioctls are called
 * directly: libseccomp turns each of their errors into -ECANCELED, and a
 * caller that died meanwhile (ENOENT) is no error. */
static int serve(Verify *v, int fd, struct seccomp_notif *req, size_t req_size, struct seccomp_notif_resp *resp,
                 size_t resp_size)
{
        memset(req, 0, req_size); /* the kernel insists */
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
                if (errno == ENOENT || errno == EINTR)
                        return 0;
                return log_error_errno(negative_errno(), _("Failed to receive a seccomp notification: %m"));
        }
        note(v, req);
        memset(resp, 0, resp_size);
        resp->id = req->id;
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
                return log_error_errno(negative_errno(), _("Failed to answer a seccomp notification: %m"));
        return 0;
}

/* Serve notifications until every task under the filter is gone, or the
 * command has exited and nothing it left behind called for LINGER_MSEC. */
static int serve_until_done(Verify *v, int fd, pid_t pid, int *ret_status)
{
        struct seccomp_notif_sizes sizes = {};
        _cleanup_free_ struct seccomp_notif *req = NULL;
        _cleanup_free_ struct seccomp_notif_resp *resp = NULL;
        int pidfd, r = 0, status = -1;
        bool hup = false;

        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                return log_error_errno(negative_errno(), _("Failed to query seccomp notification sizes: %m"));
        sizes.seccomp_notif = MAX(sizes.seccomp_notif, (uint16_t)sizeof(*req));
        sizes.seccomp_notif_resp = MAX(sizes.seccomp_notif_resp, (uint16_t)sizeof(*resp));
        req = calloc(1, sizes.seccomp_notif);
        resp = calloc(1, sizes.seccomp_notif_resp);
        if (!req || !resp)
                return log_oom();
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return log_error_errno(negative_errno(), _("Failed to open a pidfd of the command: %m"));
        for (;;) {
                struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
                struct pollfd *set = hup ? p + 1 : p;
                int n;

                if (hup && status >= 0)
                        break; /* no task under the filter any more */
                n = poll(set, hup || status >= 0 ? 1 : 2, status < 0 ? -1 : LINGER_MSEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = log_error_errno(negative_errno(), _("Failed to poll: %m"));
                        break;
                }
                if (n == 0)
                        break; /* the command exited, and what it left behind is quiet */
                if (!hup && (p[0].revents & POLLIN)) {
                        r = serve(v, fd, req, sizes.seccomp_notif, resp, sizes.seccomp_notif_resp);
                        if (r < 0)
                                break;
                } else if (!hup && (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
                        hup = true;
                if (status < 0 && (p[1].revents & POLLIN)) {
                        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                                ;
                        status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
        }
        close(pidfd);
        *ret_status = status;
        return r;
}

static int print_report(const Verify *v, const char *profile)
{
        unsigned n = 0;
        int r;

        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                _cleanup_strv_free_ char **names = NULL;

                if (!abi_to_string(abi))
                        continue;
                r = syscall_set_names(&v->denied, abi, &names);
                if (r < 0)
                        return log_oom();
                for (char **i = names; *i; i++, n++) {
                        _cleanup_free_ char *d = NULL;
                        int which = abi == SYSREC_ABI_NATIVE ? argsys_from_name(*i) : -1;
                        ArgAllow allow;

                        if (n == 0)
                                printf(_("Under '%s' these calls would have been denied:\n"), profile);
                        if (which >= 0) {
                                syscall_set_arg_allow(&v->denied, (unsigned)which, &allow);
                                if (allow.any || arg_allow_describe((unsigned)which, &allow, &d) < 0)
                                        d = NULL;
                        }
                        printf("  %-7s %s%s%s%s\n", abi_to_string(abi), *i, d ? "(" : "", strempty(d), d ? ")" : "");
                }
        }
        if (n == 0)
                printf(_("Under '%s' nothing would have been denied.\n"), profile);
        else
                printf(ngettext("%u syscall would have been denied.\n", "%u syscalls would have been denied.\n", n), n);
        fflush(stdout);
        return (int)n;
}

int verb_verify(int argc, char *argv[])
{
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *err = NULL;
        _cleanup_close_ int notify_fd = -EBADF;
        SyscallSet profile = {};
        Verify v = {};
        int sv[2], r, status;
        pid_t pid;

        if (argc < 2 || !arg.profile) {
                log_error(_("Usage: sysrecctl verify --profile=FILE -- CMD ARGS..."));
                return EXIT_USAGE;
        }
        r = profile_import_file(arg.profile, &profile, NULL, &err);
        if (r < 0) {
                log_error(_("Failed to read profile '%s': %s"), arg.profile, err ?: strerror(-r));
                return EXIT_USAGE;
        }
        r = build_filter(&profile, &ctx);
        if (r < 0)
                return log_error_errno(r, _("Failed to build the filter of '%s': %m"), arg.profile), EXIT_FAIL;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return log_error_errno(negative_errno(), _("Failed to create a socket pair: %m")), EXIT_FAIL;

        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                close(sv[0]);
                close(sv[1]);
                return log_error_errno(negative_errno(), _("Failed to fork: %m")), EXIT_FAIL;
        }
        if (pid == 0) {
                close(sv[0]);
                child(ctx, sv[1], argv + 1);
        }
        close(sv[1]);
        notify_fd = receive_fd(sv[0]);
        close(sv[0]);
        if (notify_fd < 0) {
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
                log_error(_("The command did not start under the verification filter."));
                return EXIT_FAIL;
        }
        r = serve_until_done(&v, notify_fd, pid, &status);
        if (r < 0) {
                kill(pid, SIGKILL);
                (void)waitpid(pid, NULL, 0);
                return EXIT_FAIL;
        }
        r = print_report(&v, arg.profile);
        if (r < 0)
                return EXIT_FAIL;
        return r > 0 ? EXIT_FAIL : status;
}
