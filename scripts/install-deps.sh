#!/bin/bash
# Install what sysrec needs to build, test and run its demo on Debian 12,
# from Debian's own repositories. Idempotent; run as root.
#   install-deps.sh --arm64   what the arm64 VM (tests/vm, vm-arm64-6.1) needs instead:
#                             qemu-system-aarch64, the cross toolchain and the :arm64
#                             libraries through multiarch (dpkg --add-architecture arm64)
set -euo pipefail

PACKAGES=(
        # build
        meson ninja-build pkg-config gcc clang llvm bpftool
        libbpf-dev libseccomp-dev libsystemd-dev libjson-c-dev libglib2.0-dev libyaml-dev
        # translations: msgfmt/xgettext (po/); polkitd also ships the ITS rules
        # (/usr/share/gettext/its/polkit.its) that merge the polkit policy's texts
        gettext
        # manual pages (man/*.scd) and the man-pages test: the build needs them
        scdoc man-db bsdextrautils
        # 32-bit test program (i386 syscalls)
        gcc-multilib
        # tests and demo
        dbus runc nginx-light curl jq python3 procps util-linux iproute2
        # sysrecctl at a pseudo-terminal (script) and its default pager
        bsdutils less
        # live progress under a pseudo-terminal (tmux); systemd-analyze for the
        # syscall groups of `sysrecctl show` (scripts/gen-syscall-groups.py)
        tmux systemd
        # profile formats: their consumers (crun, podman, bubblewrap) and the SPO schema check
        crun podman bubblewrap python3-yaml
        # systemd end-to-end suite: polkitd in the namespaced systemd, dbus-1.pc for
        # where the bus files install, gdbus to read D-Bus error names
        polkitd libdbus-1-dev libglib2.0-bin
        # benchmark (tests/bench): strace -f is its reference column
        strace
        # reliability suite (tests/reliability): gdbus/dbus-send show D-Bus error names;
        # fuzzing (tests/fuzz): clang's libFuzzer runtime; sysrecd under valgrind
        libglib2.0-bin dbus-bin libclang-rt-14-dev valgrind
        # sysrec-k8s-sync (HTTPS, kubeconfig) and its tests (test CA, the API server double)
        libcurl4-openssl-dev openssl python3-yaml
        # real-world workloads (tests/realworld): the programs and their own test drivers
        sqlite3 git nodejs redis-server redis-tools postgresql libpython3.11-testsuite
        # virtual machines (tests/vm): qemu, and depmod/modprobe and cpio for their initramfs
        qemu-system-x86 kmod cpio
)

# The arm64 VM: sysrec cross-built (tests/vm/build-cross.sh, with clang: every cross gcc
# conflicts with gcc-multilib) and run inside with the host's arm64 multiarch libraries.
ARM64_PACKAGES=(
        qemu-system-arm
        binutils-aarch64-linux-gnu libgcc-12-dev-arm64-cross libc6-dev-arm64-cross
        # the AArch32 compat test program
        binutils-arm-linux-gnueabihf libgcc-12-dev-armhf-cross libc6-dev-armhf-cross
        # the cross build's unit tests (meson's exe_wrapper)
        qemu-user-static
        libbpf-dev:arm64 libseccomp-dev:arm64 libsystemd-dev:arm64 libjson-c-dev:arm64
        libglib2.0-dev:arm64 libyaml-dev:arm64 libcurl4-openssl-dev:arm64
)
case "${1:-}" in
"") ;;
--arm64)
        PACKAGES=("${ARM64_PACKAGES[@]}")
        if ! dpkg --print-foreign-architectures | grep -qx arm64; then
                [ "$(id -u)" -eq 0 ] || { echo "install-deps: dpkg --add-architecture arm64 needs root." >&2; exit 1; }
                dpkg --add-architecture arm64
        fi
        ;;
*)
        echo "install-deps: unknown option '$1' (expected none or --arm64)" >&2
        exit 1
        ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
        echo "install-deps: all ${#PACKAGES[@]} packages present."
        exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages (${missing[*]}); run as root." >&2
        exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
