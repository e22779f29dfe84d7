# shellcheck shell=bash
#
# tests/lib/check.sh — PASS/FAIL bookkeeping shared by the shell tests. Each check
# prints one line, `PASS: DESC` or `FAIL: DESC` followed by its details indented; the
# last line of a test is `N passed, N failed` (tests/run-all.sh reads it).
#
#   pass DESC / fail DESC [DETAIL...]      one line per check; counted in PASSED, FAILED
#   expect_eq DESC GOT WANT                GOT equals WANT
#   expect_true DESC CMD... / expect_false DESC CMD...
#   check_summary                          print "N passed, N failed"; fail if any failed
#
# It does not change shell options. Sourcing it again does not reset the counters.

if [[ -n "${_SYSREC_CHECK_SH:-}" ]]; then
    return 0
fi
_SYSREC_CHECK_SH=1

PASSED=0
FAILED=0

pass() {
    PASSED=$((PASSED + 1))
    echo "PASS: $*"
}

# fail DESC [DETAIL...]: details go on indented lines after it.
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1"
    shift
    local l
    for l in "$@"; do printf '      %s\n' "$l"; done
}

expect_eq() {
    local desc=$1 got=$2 want=$3
    if [[ "$got" == "$want" ]]; then pass "$desc"; else fail "$desc" "got:  '$got'" "want: '$want'"; fi
}

# expect_true DESC CMD...: the command succeeds.
expect_true() {
    local desc=$1
    shift
    if "$@"; then pass "$desc"; else fail "$desc" "failed: $*"; fi
}

# expect_false DESC CMD...: the command fails.
expect_false() {
    local desc=$1
    shift
    if "$@"; then fail "$desc" "succeeded: $*"; else pass "$desc"; fi
}

check_summary() {
    echo "$PASSED passed, $FAILED failed"
    ((FAILED == 0))
}
