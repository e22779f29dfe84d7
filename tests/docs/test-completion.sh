#!/bin/bash
# Bash completion of sysrecctl: verbs, options, and a recording's name taken
# from a running sysrecd (on a private bus).
set -euo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$SRC/tests/lib/sysrecd.sh"
source "$SRC/tests/lib/runc.sh"
TMP=$(mktemp -d /tmp/sysrec-compl.XXXXXX)
CG=
cleanup() { sysrecd_stop; [ -n "$CG" ] && rmdir "$CG" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
passed=0 failed=0
check() { if [ "$2" = 0 ]; then echo "PASS: $1"; passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi; }

complete_line() {  # words... -> COMPREPLY, one per line
        bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _sysrecctl; printf "%s\n" "${COMPREPLY[@]}"' \
                _ "$SRC/shell-completion/bash/sysrecctl" "$@"
}

out=$(complete_line sysrecctl "")
for v in start stop list show watch profile remove record apply merge diff verify; do
        grep -qx "$v" <<<"$out"; check "completes verb '$v'" $?
done
out=$(complete_line sysrecctl --for)
grep -qx -- "--format=" <<<"$out"; check "completes option --format=" $?
out=$(complete_line sysrecctl list --no-p)
grep -qx -- "--no-pager" <<<"$out"; check "completes option --no-pager" $?
out=$(complete_line sysrecctl list --json=p)
grep -qx "pretty" <<<"$out"; check "completes --json values" $?
out=$(complete_line sysrecctl show --format=s)
grep -qx "systemd" <<<"$out"; check "completes format values" $?
out=$(SYSREC_BASE_PROFILE_PATH=$SRC/data/base-profiles complete_line sysrecctl start --base-profile=r)
[ "$out" = runc ]; check "completes base profile names from the search path" $?

sysrecd_start "$TMP/d"
CG=$(cgroup2_mount)/sysrec-compl-$$
mkdir "$CG"
sysrec_call StartRecording 'sa{sv}a{sv}' webcompl 1 cgroup s "/sysrec-compl-$$" 0 >/dev/null
out=$(PATH="$SYSREC_BUILD/src/sysrecctl:$PATH" complete_line sysrecctl stop web)
grep -qx "webcompl" <<<"$out"; check "completes the recording name from sysrecd" $?
out=$(PATH="$SYSREC_BUILD/src/sysrecctl:$PATH" complete_line sysrecctl watch web)
grep -qx "webcompl" <<<"$out"; check "completes the recording name after watch" $?
sysrec_call StopRecording s webcompl >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
