#!/bin/bash
# Install what sysrec needs to build, test and run its demo on Debian 12,
# from Debian's own repositories. Idempotent; run as root.
set -euo pipefail

PACKAGES=(
        # build
        meson ninja-build pkg-config gcc clang llvm bpftool
        libbpf-dev libseccomp-dev libsystemd-dev libjson-c-dev libglib2.0-dev libyaml-dev
        # 32-bit test program (i386 syscalls)
        gcc-multilib
        # tests and demo
        dbus runc nginx-light curl jq python3 procps util-linux iproute2
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
