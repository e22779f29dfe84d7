/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A static program that test-recorder-gate executes inside a changed root
 * (chroot into the directory it was built in), as a container runtime
 * executes the workload after pivot_root: static, so that the root needs
 * nothing else. Its one call of note is sysinfo.
 */
#include <sys/sysinfo.h>

int main(void)
{
        struct sysinfo si;

        return sysinfo(&si) < 0;
}
