#!/bin/bash
# Boot one machine of tests/vm/machines under qemu (software emulation) and run
# sysrec's kernel-facing tests inside it (tests/vm/plan.sh).
#
#   test-vm.sh NAME
#
# The kernel is Debian's package of the machine's line, downloaded once with
# apt-get with busybox-static of the same architecture into
# $SYSREC_BUILD/vm/cache/ARCH, and unpacked with an initramfs built from them
# (tests/vm/init) into $SYSREC_BUILD/vm/NAME. The guest has
# no network; it sees the host's root file system read-only over 9p, under a
# tmpfs overlay, and writes its results into $SYSREC_BUILD/vm/NAME/out over a
# second 9p share. Each test's output is printed here; a failing test's output
# and the end of the guest's console are printed again at the end.
# Ends with "N passed, N failed" over the checks run inside the VM.
#   $VM_TIMEOUT   seconds for the whole VM (default: the machine's line)
#   $VM_TESTS     comma-separated names of plan.sh's tests to run (default: all)
set -euo pipefail

name=${1:?usage: test-vm.sh NAME (a machine of tests/vm/machines)}
here=$(cd "$(dirname "$0")" && pwd)
SYSREC_SRC=${SYSREC_SRC:-$(cd "$here/../.." && pwd)}
SYSREC_BUILD=${SYSREC_BUILD:?set SYSREC_BUILD to the build directory (meson test does)}

read -r arch kernel timeout < <(awk -v n="$name" '!/^#/ && $1 == n { print $2, $3, $5 }' "$here/machines") ||
        { echo "test-vm.sh: no machine '$name' in $here/machines" >&2; exit 2; }
timeout=${VM_TIMEOUT:-$timeout}

if [ "$(id -u)" -ne 0 ]; then
        # The guest reads every file of the host's root as root.
        echo "test-vm.sh: needs root"
        [ -n "${CI:-}" ] && exit 1
        exit 77
fi

# What differs between architectures: one place.
case "$arch" in
amd64)
        qemu=(qemu-system-x86_64 -machine pc)
        console=ttyS0
        guest_build=$SYSREC_BUILD
        ;;
arm64)
        # -cpu max runs AArch32 code at EL0; its pointer authentication is the
        # cheap one under emulation.
        qemu=(qemu-system-aarch64 -machine virt -cpu max,pauth-impdef=on)
        console=ttyAMA0
        # sysrec cross-built, run inside with the host's arm64 multiarch libraries.
        "$SYSREC_SRC/scripts/install-deps.sh" --arm64
        guest_build=$SYSREC_BUILD/vm/build-arm64
        # Its vmlinux.h comes from the same kernel package as the VM's kernel:
        # one download cache per architecture ($debs below).
        SYSREC_CROSS_CACHE=$SYSREC_BUILD/vm/cache "$here/build-cross.sh" arm64 "$guest_build"
        ;;
*)
        echo "test-vm.sh: architecture '$arch' of machine '$name' is not supported" >&2
        exit 2
        ;;
esac
command -v "${qemu[0]}" >/dev/null || { echo "test-vm.sh: ${qemu[0]} is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

dir=$SYSREC_BUILD/vm/$name
# The .debs of an architecture, shared by its machines and the cross build.
debs=$SYSREC_BUILD/vm/cache/$arch
mkdir -p "$dir" "$debs"

# apt-get download PACKAGE:ARCH into $debs, once. Prints the .deb's path.
fetch() {
        local pkg=$1 deb
        deb=$(find "$debs" -name "${pkg%%:*}_*_${pkg##*:}.deb" | head -n1)
        if [ -z "$deb" ]; then
                (cd "$debs" && apt-get download -q "$pkg" 1>&2) ||
                        { echo "test-vm.sh: apt-get download $pkg failed (apt-get update first?)" >&2; return 1; }
                deb=$(find "$debs" -name "${pkg%%:*}_*_${pkg##*:}.deb" | head -n1)
        fi
        [ -n "$deb" ] || { echo "test-vm.sh: apt-get download $pkg gave no .deb" >&2; return 1; }
        echo "$deb"
}

if [ ! -f "$dir/initrd.img" ]; then
        # A metapackage (linux-image-amd64) is followed to the image it depends on.
        image=$(apt-cache depends "$kernel:$arch" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
        image=${image:-$kernel}
        rm -rf "$dir/kernel" "$dir/busybox" "$dir/initramfs"
        dpkg-deb -x "$(fetch "${image%%:*}:$arch")" "$dir/kernel"
        dpkg-deb -x "$(fetch "busybox-static:$arch")" "$dir/busybox"

        moddir=$(find "$dir/kernel" -maxdepth 4 -type d -path '*/lib/modules/*' | head -n1)
        version=$(basename "$moddir")
        root=${moddir%/lib/modules/*}
        cp "$dir/kernel/boot/vmlinuz-$version" "$dir/vmlinuz"
        depmod -b "$root" "$version"

        mkdir -p "$dir/initramfs/bin" "$dir/initramfs/lib/modules"
        install -m 0755 "$dir/busybox/bin/busybox" "$dir/initramfs/bin/busybox"
        install -m 0755 "$here/init" "$dir/initramfs/init"
        # The modules for virtio-pci, 9p and overlayfs, in load order.
        : >"$dir/initramfs/modules"
        modprobe -d "$root" -S "$version" --show-depends -a virtio_pci 9pnet_virtio 9p overlay |
                awk '$1 == "insmod" { print $2 }' | while read -r ko; do
                m=$(basename "$ko")
                case "$m" in
                *.xz) xz -dc "$ko" >"$dir/initramfs/lib/modules/${m%.xz}"; m=${m%.xz} ;;
                *.zst) zstd -qdc "$ko" >"$dir/initramfs/lib/modules/${m%.zst}"; m=${m%.zst} ;;
                *) cp "$ko" "$dir/initramfs/lib/modules/$m" ;;
                esac
                grep -qx "$m" "$dir/initramfs/modules" || echo "$m" >>"$dir/initramfs/modules"
        done
        (cd "$dir/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initrd.img.tmp"
        mv "$dir/initrd.img.tmp" "$dir/initrd.img"
fi

out=$dir/out
rm -rf "$out"
mkdir -p "$out"
: >"$out/results.log"
start=$SECONDS
set +e
timeout --kill-after=10 "$timeout" "${qemu[@]}" \
        -accel tcg,thread=single -smp 2 -m 3072 \
        -nodefaults -display none -no-reboot -nic none \
        -serial "file:$out/console.log" \
        -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
        -append "console=$console panic=-1 loglevel=4 SYSREC_VM_PLAN=$here/plan.sh SYSREC_BUILD=$guest_build SYSREC_SRC=$SYSREC_SRC VM_TESTS=${VM_TESTS:-}" \
        -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
        -virtfs "local,path=$out,mount_tag=vmout,security_model=none,multidevs=remap" \
        </dev/null
qemu_rc=$?
set -e
elapsed=$((SECONDS - start))

# The results: per test, its checks (a shell suite's own "N passed, N failed",
# or TAP lines), and its exit status.
SYSREC_VM_NAME=$name SYSREC_VM_ELAPSED=$elapsed SYSREC_VM_QEMU_RC=$qemu_rc \
        exec python3 - "$out/results.log" "$out/console.log" <<'PY'
import os, re, sys

name = os.environ["SYSREC_VM_NAME"]
results = open(sys.argv[1], errors="replace").read().splitlines()
try:
    console = open(sys.argv[2], errors="replace").read().splitlines()
except OSError:
    console = []
# A test may be planned more than once (VM_TESTS=recorder,recorder): blocks in order.
planned, done, blocks, current = [], False, [], None
for line in results:
    if line.startswith("@@vm plan "):
        planned = line.split()[2:]
    elif line.startswith("@@vm begin "):
        current = {"name": line.split()[2], "lines": [], "status": None}
        blocks.append(current)
    elif line.startswith("@@vm end ") and current:
        current["status"] = int(line.split()[3])
        current = None
    elif line == "@@vm done":
        done = True
    elif current:
        current["lines"].append(line)
    else:
        print(line.replace("@@vm ", f"vm {name}: ", 1))

passed = failed = 0
failures = []
for b in blocks:
    t = b["name"]
    out = "\n".join(b["lines"])
    print(f"--- vm {name}: {t}")
    print(out)
    m = re.findall(r"^(\d+) passed, (\d+) failed", out, re.M)
    if m:
        p, f = int(m[-1][0]), int(m[-1][1])
    else:
        ok = re.findall(r"^ok \d+ .*$", out, re.M)
        skips = [l for l in ok if "# SKIP" in l]
        bad_skips = [l for l in skips if "# SKIP kernel:" not in l]
        p = len(ok) - len(skips)
        f = len(re.findall(r"^not ok \d+", out, re.M)) + len(bad_skips)
    if b["status"] is None:
        f, why = f + 1, "did not finish (the VM stopped or timed out)"
    elif b["status"] != 0:
        f, why = max(f, 1), f"exited with status {b['status']}"
    else:
        why = "failed" if f else ""
    if p == 0 and f == 0:
        f, why = 1, "ran no check"
    print(f"  {t}: {p} passed, {f} failed" + (f" ({why})" if why else ""))
    passed += p
    failed += f
    if f:
        failures.append((t, why, out))
for t in planned[len(blocks):]:
    failed += 1
    failures.append((t, "never started", ""))
if not done:
    failed += 1
    failures.append(("plan", "the VM did not finish its plan (qemu exit status %s)" % os.environ["SYSREC_VM_QEMU_RC"], ""))

for t, why, out in failures:
    print(f"=== vm {name}: FAILED: {t}: {why}")
    if out:
        print(out)
if failures:
    print(f"=== vm {name}: the end of the guest's console")
    print("\n".join(console[-60:]))
print(f"vm {name}: boot to result {os.environ['SYSREC_VM_ELAPSED']} s")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
