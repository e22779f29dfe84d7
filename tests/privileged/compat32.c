/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A static 32-bit (i386) program run by test-recorder: its syscalls enter the
 * kernel through the compat ABI, where number 64 is getppid while x86-64's 64
 * is semget. getppid goes through "int $0x80" explicitly and uname through
 * glibc's syscall(), which uses the vDSO's fast entry (sysenter/syscall) when
 * there is one, so both compat entry paths are exercised.
 * Exits 0 when both calls succeeded.
 */
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

        if (int80_syscall0(SYS_getppid) <= 0)
                return 1;
        if (syscall(SYS_uname, &u) != 0)
                return 2;
        return 0;
}
