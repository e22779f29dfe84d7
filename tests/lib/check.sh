# shellcheck shell=bash
#
# tests/lib/check.sh — PASS/FAIL bookkeeping shared by the shell tests. Each check
# prints one line, `PASS: DESC` or `FAIL: DESC` followed by its details indented; the
# last line of a test is `N passed, N failed` (tests/run-all.sh reads it).
#
#   pass DESC / fail DESC [DETAIL...]      one line per check; counted in PASSED, FAILED
#   expect_eq DESC GOT WANT                GOT equals WANT
#   expect_true DESC CMD... / expect_false DESC CMD...
#   skip_kernel DESC REASON                a check this kernel cannot run (REASON says what it
#                                          lacks): `SKIP (kernel): DESC`, counted in SKIPPED
#   check_summary                          print "N passed, N failed[, N skipped]"; fail if any failed
#
# It does not change shell options. Sourcing it again does not reset the counters.

if [[ -n "${_SYSREC_CHECK_SH:-}" ]]; then
    return 0
fi
_SYSREC_CHECK_SH=1

PASSED=0
FAILED=0
SKIPPED=0

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

# skip_kernel DESC REASON: only for what the running kernel cannot do (a feature
# switched off or not built in), found out by trying it; never for missing
# privileges or tools. tests/run-all.sh lists these skips; they do not fail CI.
skip_kernel() {
    SKIPPED=$((SKIPPED + 1))
    echo "SKIP (kernel): $1 — $2"
}

# kernel_runs_i386 PROG: does the running kernel run the static i386 program PROG
# (exit 0)? When its exec fails with ENOEXEC (32-bit emulation switched off), returns 1
# with the reason in I386_UNAVAILABLE, for skip_kernel. A missing PROG, or one that runs
# and fails, is a failed check.
I386_UNAVAILABLE=
kernel_runs_i386() {
    local err
    if [[ ! -x "$1" ]]; then
        fail "$1 is built (gcc -m32 -static)"
        return 1
    fi
    err=$("$1" 2>&1 >/dev/null) && return 0
    if [[ "$err" == *"Exec format error"* ]]; then
        I386_UNAVAILABLE="this kernel runs no i386 programs (exec: Exec format error; 32-bit emulation off, ia32_emulation=on would enable it)"
        return 1
    fi
    fail "$1 runs" "$err"
    return 1
}

check_summary() {
    echo "$PASSED passed, $FAILED failed$( ((SKIPPED == 0)) || echo ", $SKIPPED skipped (kernel)")"
    ((FAILED == 0))
}
