#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An arm64 vmlinux.h for cross builds (meson -Dvmlinux_h=...), made without
# booting an arm64 kernel: the BTF that Debian's arm64 kernel (the one
# linux-image-arm64 depends on) carries is cut out of its Image and dumped
# with bpftool. The Image is a raw binary (an EFI executable, gzip'd in some
# releases), not an ELF file, so the BTF blob is found by its header.
#
# Usage: tests/vm/arm64-vmlinux.sh OUTDIR
# Prints the path of OUTDIR/vmlinux.h. Cached: a second run downloads and
# extracts nothing.
set -euo pipefail

die() { echo "arm64-vmlinux: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)

if [ -s "$out/vmlinux.h" ]; then
        echo "$out/vmlinux.h"
        exit 0
fi

# The kernel package that linux-image-arm64 names (needs arm64 in
# dpkg --print-foreign-architectures and an apt-get update).
pkg=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\).*/\1/p' | head -n1)
[ -n "$pkg" ] || die "linux-image-arm64:arm64 names no kernel package (dpkg --add-architecture arm64; apt-get update)"

shopt -s nullglob
debs=("$out/${pkg}_"*_arm64.deb)
if [ ${#debs[@]} -eq 0 ]; then
        (cd "$out" && apt-get -o APT::Sandbox::User=root download "$pkg:arm64" >&2) || die "apt-get download $pkg:arm64 failed"
        debs=("$out/${pkg}_"*_arm64.deb)
fi
[ ${#debs[@]} -gt 0 ] || die "apt-get download $pkg:arm64 left no .deb in $out"
deb=${debs[0]}

if [ ! -s "$out/vmlinux.btf" ]; then
        tmp=$(mktemp -d "$out/.extract.XXXXXX")
        trap 'rm -rf "$tmp"' EXIT
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
        images=("$tmp"/boot/vmlinuz-*)
        [ ${#images[@]} -gt 0 ] || die "$deb has no /boot/vmlinuz-*"
        vmlinuz=${images[0]}
        if [ "$(head -c2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
                zcat "$vmlinuz" >"$tmp/Image"
        else
                cp "$vmlinuz" "$tmp/Image"
        fi
        # The arm64 boot header's magic, "ARM\x64" at offset 56.
        [ "$(tail -c +57 "$tmp/Image" | head -c4)" = $'ARM\x64' ] || die "$vmlinuz is no arm64 Image"

        # The BTF header: u16 magic 0xeB9F, u8 version 1, u8 flags 0,
        # u32 hdr_len 24, then type_off, type_len, str_off, str_len. The
        # kernel's blob has its types first and its strings right after them;
        # the largest header that says so is taken.
        python3 - "$tmp/Image" "$tmp/vmlinux.btf" <<'PY'
import struct, sys

data = open(sys.argv[1], "rb").read()
magic = struct.pack("<HBBI", 0xEB9F, 1, 0, 24)
best = None
pos = data.find(magic)
while pos >= 0:
    type_off, type_len, str_off, str_len = struct.unpack_from("<4I", data, pos + 8)
    size = 24 + str_off + str_len
    if (type_off == 0 and str_off == type_len and type_len > 0 and str_len > 0
            and pos + size <= len(data) and data[pos + size - 1] == 0
            and data[pos + 24 + str_off] == 0 and (best is None or size > best[1])):
        best = (pos, size)
    pos = data.find(magic, pos + 1)
if best is None:
    sys.exit("arm64-vmlinux: no BTF header (9f eb 01 00 18 00 00 00) with a consistent layout in the Image")
open(sys.argv[2], "wb").write(data[best[0]:best[0] + best[1]])
print("arm64-vmlinux: BTF at offset %#x, %d bytes" % best, file=sys.stderr)
PY
        mv "$tmp/vmlinux.btf" "$out/vmlinux.btf"
fi

# What the BPF program needs of the arm64 kernel's types; bpftool parsing
# the whole blob checks the rest.
"$bpftool" btf dump file "$out/vmlinux.btf" format c >"$out/vmlinux.h.tmp" || die "bpftool cannot parse $out/vmlinux.btf"
for want in 'struct user_pt_regs {' 'struct pt_regs {' 'struct task_struct {' \
            'struct trace_event_raw_sys_enter {' 'struct thread_info {' 'struct cgroup {'; do
        grep -qF "$want" "$out/vmlinux.h.tmp" || die "the arm64 BTF lacks '$want'"
done
grep -qE '^[[:space:]]+__u64 regs\[31\];' "$out/vmlinux.h.tmp" || die "the arm64 BTF's user_pt_regs lacks regs[31]"
grep -qE '^[[:space:]]+u64 orig_x0;' "$out/vmlinux.h.tmp" || die "the arm64 BTF's pt_regs lacks orig_x0"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
echo "$out/vmlinux.h"
