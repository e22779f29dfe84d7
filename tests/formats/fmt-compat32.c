/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A static i386 program for the mixed-ABI format tests: its calls enter the
 * kernel through the compat ABI, where 64 is getppid (x86-64's 64 is
 * semget) and 122 is uname. getppid goes through "int $0x80", uname through
 * glibc's syscall(). Prints "compat32: ok" and exits 0 when both worked.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

_Static_assert(SYS_getppid == 64, "i386 getppid is 64");
_Static_assert(SYS_uname == 122, "i386 uname is 122");

static long int80_syscall0(long nr)
{
        long ret;

        __asm__ volatile("int $0x80" : "=a"(ret) : "0"(nr) : "memory");
        return ret;
}

int main(void)
{
        struct utsname u;

        if (int80_syscall0(SYS_getppid) <= 0) {
                puts("compat32: getppid failed");
                return 1;
        }
        if (syscall(SYS_uname, &u) != 0) {
                perror("compat32: uname");
                return 2;
        }
        puts("compat32: ok");
        return 0;
}
