# shellcheck shell=bash
#
# tests/cli/lib.sh — what the sysrecctl tests share: root check, a work directory, sysrecd
# on a private bus with one test cgroup, PASS/FAIL counting (tests/lib/check.sh).
# Everything is removed on every exit path.

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"

# Print the summary and exit 1 if any check failed.
cli_done() {
        check_summary
        exit
}

# cli_setup NAME WHY TOOL...: root and the tools are required (exit 2 otherwise); TMP is
# a fresh work directory.
cli_setup() {
        local name=$1 why=$2 tool
        shift 2
        if ((EUID != 0)); then
                echo "$name: must run as root ($why)" >&2
                exit 2
        fi
        for tool in "$@"; do
                command -v "$tool" >/dev/null || { echo "$name: $tool is missing" >&2; exit 2; }
        done
        TMP=$(mktemp -d "/tmp/sysrec-$name.XXXXXX")
        CG=
        trap cli_cleanup EXIT
}

cli_cleanup() {
        sysrecd_stop
        [ -n "${CG:-}" ] && rmdir "$CG" 2>/dev/null
        rm -rf "$TMP"
}

# cli_sysrecd: sysrecd on a private bus, and the empty cgroup CG (CG_PATH below the
# cgroup2 root) to record.
cli_sysrecd() {
        sysrecd_start "$TMP/d" || { fail "sysrecd starts"; cli_done; }
        CG_PATH=/sysrec-cli-$$
        CG=$(cgroup2_mount)$CG_PATH
        mkdir "$CG"
}
