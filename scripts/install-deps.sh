#!/bin/bash
# Install what sysrec needs to build, test and run its demo on Debian 12,
# from Debian's own repositories. Idempotent; run as root.
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
