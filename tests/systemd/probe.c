/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The workload of the systemd end-to-end test: `probe getcpu` (the unit's
 * ExecStartPre=) and `probe sysinfo` (its ExecStart=, which then waits) each
 * make one system call that nothing else in the unit makes, so that a profile
 * shows which of the unit's commands it covers, and a filter without one of
 * them makes that command fail with the errno the filter returns.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
        const char *what = argc > 1 ? argv[1] : "";
        struct sysinfo si;
        unsigned cpu;
        long r;

        if (strcmp(what, "getcpu") == 0)
                /* Not sched_getcpu(): glibc answers that from the vDSO. */
                r = syscall(SYS_getcpu, &cpu, NULL, NULL);
        else if (strcmp(what, "sysinfo") == 0)
                r = sysinfo(&si);
        else {
                fprintf(stderr, "usage: %s getcpu|sysinfo\n", argv[0]);
                return 2;
        }
        if (r < 0) {
                printf("probe: %s failed: %s\n", what, strerror(errno));
                return 1;
        }
        printf("probe: %s ok\n", what);
        fflush(stdout);
        if (strcmp(what, "sysinfo") == 0)
                pause();
        return 0;
}
