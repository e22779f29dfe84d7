#!/bin/bash
#
# tests/lib/sanitizers.sh — run one test of a sanitized build (meson setup
# -Db_sanitize=address,undefined): `meson test` puts it in front of every test
# command (tests/meson.build, add_test_setup).
#
# Every process the test starts inherits ASAN_OPTIONS and UBSAN_OPTIONS that stop
# at the first error (the build adds -fno-sanitize-recover=undefined; ASan always
# stops), check for leaks at exit and exit with status 99 after a report. ASan and
# LeakSanitizer write each report to a file of its own in a private directory, where
# it survives a test that discards or parses a command's output: a daemon the test
# stops, a client whose failure the test expected, a child whose exit status nobody
# reads. UBSan (GCC's runtime) ignores log_path and writes to stderr: the test's
# stderr is scanned too (tests/lib/sysrecd.sh copies a daemon's reports there).
# Any report fails the test, and is printed.
#
# ASAN_OPTIONS and UBSAN_OPTIONS set by the caller are appended (they win).
set -uo pipefail

dir=$(mktemp -d /tmp/sysrec-sanitizers.XXXXXX) || exit 2
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Tests run some commands as other users (polkit checks): let them report too.
chmod 1777 "$dir"

export ASAN_OPTIONS="detect_leaks=1:exitcode=99:log_path=$dir/asan:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

exec {err}> >(tee "$dir/.stderr" >&2)
tee_pid=$!
"$@" 2>&"$err"
rc=$?
exec {err}>&-
wait "$tee_pid"

shopt -s nullglob
reports=("$dir"/*)
for f in "${reports[@]}"; do
        echo "==== sanitizer report ${f##*/} ====" >&2
        cat "$f" >&2
done
pat='runtime error: |ERROR: (Address|Leak|Undefined)Sanitizer|Sanitizer: CHECK failed|ERROR: Can.t open file: /tmp/sysrec-sanitizers'
n=$(grep -cE "$pat" "$dir/.stderr")
if ((n > 0)); then
        echo "==== sanitizer messages on stderr ====" >&2
        grep -E "$pat" "$dir/.stderr" >&2
fi
if ((${#reports[@]} + n > 0)); then
        echo "sanitizers: ${#reports[@]} report file(s), $n report line(s) on stderr; the test fails" >&2
        ((rc != 0)) || rc=1
fi
exit "$rc"
