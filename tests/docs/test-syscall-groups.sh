#!/bin/bash
# The syscall groups of `sysrecctl show` (src/sysrecctl/syscall-groups.h) are generated
# from systemd-analyze by scripts/gen-syscall-groups.py: regenerate them and compare
# with the checked-in file, and check that nested groups were expanded. Skips (77)
# without systemd-analyze, except under CI=true, where that is a failure.
set -uo pipefail
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
HEADER=$SRC/src/sysrecctl/syscall-groups.h
passed=0 failed=0
check() { if [ "$2" = 0 ]; then echo "PASS: $1"; passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi; }

if ! command -v systemd-analyze >/dev/null; then
        if [ "${CI:-}" = true ]; then
                echo "FAIL: systemd-analyze is missing (install the systemd package: scripts/install-deps.sh)"
                echo "0 passed, 1 failed"
                exit 1
        fi
        echo "SKIP: systemd-analyze is missing (install the systemd package)"
        exit 77
fi
TMP=$(mktemp -d /tmp/sysrec-groups.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

python3 "$SRC/scripts/gen-syscall-groups.py" "$TMP/syscall-groups.h"
check "gen-syscall-groups.py runs against $(systemd-analyze --version | head -n 1)" $?
diff -u "$HEADER" "$TMP/syscall-groups.h" >"$TMP/diff"
rc=$?
check "the checked-in syscall-groups.h equals what systemd-analyze says now" $rc
[ $rc = 0 ] || head -n 40 "$TMP/diff" | sed 's/^/      /'

# @system-service lists @file-system; openat is in @file-system only by name.
members() {  # GROUP -> its syscalls from the generated header, one a line
        awk -v g="\"$1\"," '$0 ~ "{ " g { on = 1 } on { print } on && /NULL }/ { exit }' "$TMP/syscall-groups.h" |
                grep -o '"[a-z0-9_]*"' | tr -d '"'
}
members @system-service | grep -qx openat
check "@system-service holds openat through its nested @file-system" $?
members @file-system | grep -qx openat
check "@file-system holds openat" $?
! members @system-service | grep -qx ptrace
check "@system-service does not hold ptrace (@debug)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
