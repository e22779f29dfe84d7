/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workload of the format tests, linked statically so that a container
 * needs nothing but this file. "net" opens an AF_INET socket, binds it to
 * 127.0.0.1, listens, and calls uname(): bind(2) is the call the tests take
 * out of a profile. It also forks a child (clone(2) without namespace flags,
 * which the clone argument rule lets through). Then each "--probe KIND" tries one call an argument rule
 * decides: "packet" socket(AF_PACKET), "unix" socket(AF_UNIX), "newuser"
 * clone(CLONE_NEWUSER), "unshare-user" unshare(CLONE_NEWUSER).
 * Prints one line per step; exits 0 if all worked, 1 if "net" failed, 3 if a
 * probe failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int net(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        struct utsname u;
        int fd, one = 1;
        pid_t child;

        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
                return perror("socket"), 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return perror("setsockopt"), 1;
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
                return perror("bind"), 1;
        if (listen(fd, 1) < 0)
                return perror("listen"), 1;
        if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
                return perror("getsockname"), 1;
        if (uname(&u) < 0)
                return perror("uname"), 1;
        child = fork();
        if (child < 0)
                return perror("fork"), 1;
        if (child == 0)
                _exit(0);
        if (waitpid(child, NULL, 0) != child)
                return perror("waitpid"), 1;
        printf("net: listening on 127.0.0.1:%u, kernel %s\n", ntohs(a.sin_port), u.sysname);
        close(fd);
        return 0;
}

static int probe(const char *kind)
{
        int r;

        if (strcmp(kind, "packet") == 0) {
                r = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
                if (r >= 0)
                        close(r);
        } else if (strcmp(kind, "unix") == 0) {
                r = socket(AF_UNIX, SOCK_STREAM, 0);
                if (r >= 0)
                        close(r);
        } else if (strcmp(kind, "newuser") == 0) {
                r = (int)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
                if (r == 0)
                        _exit(0);
                if (r > 0)
                        (void)waitpid(r, NULL, 0);
        } else if (strcmp(kind, "unshare-user") == 0)
                r = unshare(CLONE_NEWUSER);
        else {
                fprintf(stderr, "unknown probe '%s'\n", kind);
                return 2;
        }
        printf("probe %s: %s\n", kind, r >= 0 ? "ok" : strerror(errno));
        return r >= 0 ? 0 : 3;
}

int main(int argc, char *argv[])
{
        int ret = 0;

        if (argc < 2 || strcmp(argv[1], "net") != 0) {
                fprintf(stderr, "usage: %s net [--probe packet|unix|newuser|unshare-user]...\n", argv[0]);
                return 2;
        }
        if (net() != 0)
                return 1;
        for (int i = 2; i + 1 < argc; i += 2)
                if (strcmp(argv[i], "--probe") == 0 && probe(argv[i + 1]) != 0)
                        ret = 3;
        fflush(stdout);
        return ret;
}
