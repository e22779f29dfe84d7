/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workload of the tests/k8s tests: a tiny program whose syscalls are known, so
 * that a test can tell which part of a run a recorded profile covers.
 *
 *   probe ACTION...   quick     getpriority, times, then sleep 10 ms
 *                     sysinfo   sysinfo
 *                     itimer    getitimer
 *                     wait F    poll every 20 ms until the file F exists
 *
 * sysinfo and getitimer failing (a seccomp profile denying them) end the probe
 * with exit status 3, so that a test sees a denial.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

int main(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "quick") == 0) {
                        struct tms t;
                        struct timespec ts = { 0, 10 * 1000 * 1000 };

                        (void)getpriority(PRIO_PROCESS, 0);
                        (void)times(&t);
                        nanosleep(&ts, NULL);
                } else if (strcmp(argv[i], "sysinfo") == 0) {
                        struct sysinfo si;

                        if (sysinfo(&si) < 0) {
                                fprintf(stderr, "sysinfo: %s\n", strerror(errno));
                                return 3;
                        }
                } else if (strcmp(argv[i], "itimer") == 0) {
                        struct itimerval it;

                        if (getitimer(ITIMER_REAL, &it) < 0) {
                                fprintf(stderr, "getitimer: %s\n", strerror(errno));
                                return 3;
                        }
                } else if (strcmp(argv[i], "wait") == 0 && i + 1 < argc) {
                        struct timespec ts = { 0, 20 * 1000 * 1000 };
                        struct stat st;

                        i++;
                        while (stat(argv[i], &st) < 0)
                                nanosleep(&ts, NULL);
                }
        }
        return 0;
}
