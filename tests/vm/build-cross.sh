#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Cross-build sysrec for another architecture on this x86_64 Debian host,
# for its kernel-facing tests to run in a VM of that architecture:
#
#   tests/vm/build-cross.sh arm64 BUILDDIR
#
# meson with tests/vm/cross/<triplet>.ini (its first lines name the Debian
# packages it needs), the BPF program compiled against that architecture's
# vmlinux.h (tests/vm/<arch>-vmlinux.sh, cached in $SYSREC_CROSS_CACHE,
# default build-cross-cache/ in the source tree), then ninja. Ends by
# checking that the daemon, the CLI and the privileged test programs were
# built for the target.
set -euo pipefail

die() { echo "build-cross: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 ARCH BUILDDIR (ARCH: arm64)"
arch=$1
builddir=$2
src=$(cd "$(dirname "$0")/../.." && pwd)

case $arch in
arm64)
        triplet=aarch64-linux-gnu
        elf='ARM aarch64'
        compat_elf='32-bit LSB executable, ARM'
        ;;
*)
        die "unknown ARCH '$arch' (arm64)"
        ;;
esac

cross=$src/tests/vm/cross/$triplet.ini
cache=${SYSREC_CROSS_CACHE:-$src/build-cross-cache}/$arch
vmlinux_h=$("$src/tests/vm/$arch-vmlinux.sh" "$cache")

opts=(--cross-file "$cross" -Dvmlinux_h="$vmlinux_h" -Dman=disabled)
if [ -f "$builddir/build.ninja" ]; then
        meson setup --reconfigure "$builddir" "$src" "${opts[@]}"
else
        meson setup "$builddir" "$src" "${opts[@]}"
fi
ninja -C "$builddir"

check() { # FILE WHAT
        [ -f "$builddir/$1" ] || die "$1 was not built"
        file -b "$builddir/$1" | grep -qF "$2" || die "$1 is not '$2': $(file -b "$builddir/$1")"
        echo "build-cross: $1: $2"
}
for p in src/sysrecd/sysrecd src/sysrecctl/sysrecctl tests/privileged/root-probe \
         tests/privileged/test-recorder tests/privileged/test-recorder-gate \
         tests/privileged/test-recorder-args tests/privileged/test-recorder-processes \
         tests/privileged/test-cgroup-live; do
        check "$p" "$elf"
done
check tests/privileged/compat32 "$compat_elf"
file -b "$builddir/tests/privileged/root-probe" | grep -q 'statically linked' || die "root-probe is not static"
