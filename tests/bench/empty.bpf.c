// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * The floor of the benchmark: the cheapest program that can sit on the
 * tracepoint sysrec uses. Whatever it adds to a syscall, every sys_enter
 * recorder pays; sysrec's own cost is reported as a multiple of it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
        return 0;
}
