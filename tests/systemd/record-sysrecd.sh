#!/bin/bash
#
# tests/systemd/record-sysrecd.sh — eat our own dog food: record sysrecd with sysrec.
#
# Runs test-systemd.sh in its dog-food mode (see lib.sh): sysrecd.service, hardened as
# shipped but without its syscall filter, runs under `sysrecctl record --standalone`
# while the test drives it through every path (start, bus activation, recordings of
# every target, polkit refusals and grants, profiles in every format, errors, SIGTERM
# with active recordings, watchdog pings, journal logging). Each run of sysrecd leaves
# a profile; their union is the allow list sysrecd.service ships.
#
# Prints the list. With --update, writes it to systemd/sysrecd.syscalls.<arch>, which
# systemd/meson.build turns into the SystemCallFilter= lines of the installed unit;
# then rebuild and run test-systemd.sh, which runs sysrecd under that filter. A run in
# which a check failed may have missed a path, so it is refused unless --force is given.
# Root only, like test-systemd.sh.
set -euo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
update=
force=
for arg in "$@"; do
        case "$arg" in
        --update) update=1 ;;
        --force) force=1 ;;
        *) echo "usage: $0 [--update] [--force]" >&2; exit 2 ;;
        esac
done

out=/var/lib/sysrec-e2e-dogfood
rm -rf "$out"
mkdir -p "$out"
[[ "${SYSREC_KEEP:-}" == 1 ]] || trap 'rm -rf "$out"' EXIT

rc=0
SYSREC_E2E_DOGFOOD=$out bash "$SRC/tests/systemd/test-systemd.sh" >&2 || rc=$?
shopt -s nullglob
runs=("$out"/run-*.conf)
if ((${#runs[@]} == 0)) || { ((rc != 0)) && [[ -z "$force" ]]; }; then
        echo "record-sysrecd.sh: the dog-food run failed (exit $rc, ${#runs[@]} profiles)" >&2
        exit 1
fi
if ((rc != 0)); then
        echo "record-sysrecd.sh: WARNING: checks failed during the recording (exit $rc); the list may miss paths" >&2
fi
mapfile -t names < <(sed -n 's/^SystemCallFilter=//p' "${runs[@]}" | tr ' ' '\n' | sed '/^$/d' | sort -u)
arch=$(uname -m)
list=$(
        echo "# The system calls sysrecd made on $arch while tests/systemd/test-systemd.sh"
        echo "# drove it, recorded by sysrec (tests/systemd/record-sysrecd.sh --update):"
        echo "# ${#runs[@]} runs of sysrecd, $(uname -sr), $(ldd --version | head -1 | sed 's/^ldd //')."
        printf '%s\n' "${names[@]}"
)
if [[ -n "$update" ]]; then
        printf '%s\n' "$list" >"$SRC/systemd/sysrecd.syscalls.$arch"
        echo "record-sysrecd.sh: ${#names[@]} syscalls written to systemd/sysrecd.syscalls.$arch" >&2
else
        printf '%s\n' "$list"
fi
