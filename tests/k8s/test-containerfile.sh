#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# deploy/Containerfile cannot be built here (no registry to pull debian:12 from), so
# this runs its build stage's compile command on the host, with only the files its
# COPY lines bring into the image's /src: a source file the sidecar gained but the
# Containerfile does not compile or copy fails here. Prints TAP.
set -euo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
CF=$SRC/deploy/Containerfile
TMP=$(mktemp -d /tmp/sysrec-containerfile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

echo "1..3"
n=0
ok() {
    n=$((n + 1))
    if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi
}
fail=0

copy_sources() {
    local src dst
    # COPY lines of the build stage (not COPY --from)
    while read -r _ src dst; do
        mkdir -p "$TMP/src/$(dirname "$dst")"
        if [[ "$src" == */ ]]; then
            mkdir -p "$TMP/src/$dst"
            cp -r "$SRC/$src". "$TMP/src/$dst"
        else
            # several sources and one destination directory
            read -ra parts <<<"$src $dst"
            dst=${parts[-1]}
            mkdir -p "$TMP/src/$dst"
            for f in "${parts[@]:0:${#parts[@]}-1}"; do
                cp "$SRC/$f" "$TMP/src/$dst"
            done
        fi
    done < <(grep -E '^COPY [^-]' "$CF")
}

compile() {
    local cmd
    cmd=$(sed -n '/^RUN gcc/,/-o \/sysrec-k8s-sync/p' "$CF" | sed 's/^RUN //; s/\\$//' | tr '\n' ' ')
    [[ -n "$cmd" ]] || return 1
    cmd=${cmd//-o \/sysrec-k8s-sync/-o $TMP/sysrec-k8s-sync}
    cmd=${cmd//\$\{VERSION\}/test}
    (cd "$TMP/src" && eval "$cmd")
}

ok "the build stage's COPY lines" copy_sources
ok "its compile command builds the sidecar from them" compile
ok "the binary runs" bash -c "'$TMP/sysrec-k8s-sync' --version | grep -q test"
exit "$fail"
