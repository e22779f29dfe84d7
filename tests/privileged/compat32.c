/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A static 32-bit program run by the privileged tests: its syscalls enter
 * the kernel through the compat ABI, where the numbers mean other calls than
 * the native ABI's same numbers.
 *
 * i386 (on x86-64): 64 is getppid while x86-64's 64 is semget. getppid goes
 * through "int $0x80" explicitly and uname through glibc's syscall(), which
 * uses the vDSO's fast entry (sysenter/syscall) when there is one, so both
 * compat entry paths are exercised.
 *
 * AArch32 (on aarch64, EABI): 64 is getppid while aarch64's 64 is write, and
 * 122 is uname while aarch64's 122 is sched_setaffinity. getppid goes through
 * "svc #0" explicitly (number in r7), uname through glibc's syscall().
 *
 * Exits 0 when both calls succeeded.
 */
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

_Static_assert(SYS_getppid == 64, "compat getppid is 64");
_Static_assert(SYS_uname == 122, "compat uname is 122");

#if defined(__i386__)
static long raw_syscall0(long nr)
{
        long ret;

        __asm__ volatile("int $0x80" : "=a"(ret) : "0"(nr) : "memory");
        return ret;
}
#elif defined(__arm__)
static long raw_syscall0(long nr)
{
        register long r7 __asm__("r7") = nr;
        register long r0 __asm__("r0");

        __asm__ volatile("svc #0" : "=r"(r0) : "r"(r7) : "memory");
        return r0;
}
#else
#error "compat32.c is built for i386 or AArch32"
#endif

int main(void)
{
        struct utsname u;

        if (raw_syscall0(SYS_getppid) <= 0)
                return 1;
        if (syscall(SYS_uname, &u) != 0)
                return 2;
        return 0;
}
