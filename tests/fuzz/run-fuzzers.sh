#!/bin/bash
#
# tests/fuzz/run-fuzzers.sh — build the libFuzzer harnesses of tests/fuzz with clang
# (-fsanitize=fuzzer,address,undefined) straight from the sources and pkg-config, run
# each over its checked-in corpus (tests/fuzz/corpus/<harness>/: seeds and the inputs of
# every crash found so far, kept as regression tests), then fuzz it for a fixed time.
#
#   run-fuzzers.sh [-t SECONDS] [-o DIR] [HARNESS...]
#     -t  fuzzing time per harness (default 20; 0 runs the corpus only)
#     -o  build and work directory (default: a temporary one, removed afterwards)
#   HARNESS: fuzz-cgroup-path, fuzz-mountinfo, fuzz-labels, fuzz-bus-labels,
#            fuzz-saved-recording, fuzz-profile-import (default: all that can be built)
#
# New inputs the fuzzer finds go to the work directory, never into the checked-in
# corpus. A crash leaves its input in <work>/crashes/<harness>/ and is printed; copy it
# into corpus/<harness>/ once fixed. Prints one line per harness and
# `N passed, N failed`; exits 1 if a harness crashed or failed to build.
# Environment: CLANG (default clang), FUZZ_CFLAGS (extra flags).

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SRC=$(cd "$HERE/../.." && pwd -P)
CLANG=${CLANG:-clang}
TIME=20
OUT=

while getopts "t:o:h" opt; do
    case $opt in
    t) TIME=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *)
        sed -n '3,18p' "$0"
        exit 2
        ;;
    esac
done
shift $((OPTIND - 1))

if ! command -v "$CLANG" >/dev/null; then
    echo "run-fuzzers.sh: $CLANG not found" >&2
    exit 2
fi
if [[ -z "$OUT" ]]; then
    OUT=$(mktemp -d /tmp/sysrec-fuzz.XXXXXX)
    trap 'rm -rf "$OUT"' EXIT
fi
mkdir -p "$OUT"

SHARED=(src/shared/fileio.c src/shared/log.c)
declare -A SOURCES=(
    [fuzz-cgroup-path]="src/core/cgroup.c ${SHARED[*]}"
    [fuzz-mountinfo]="src/core/cgroup.c ${SHARED[*]}"
    [fuzz-labels]="src/core/names.c"
    [fuzz-bus-labels]="src/sysrecd/bus-util.c src/core/names.c"
    [fuzz-saved-recording]="src/sysrecd/recording.c src/sysrecd/recording-cgroups.c src/core/base-profile.c src/core/profile-import.c src/core/profile-import-yaml.c src/core/names.c src/core/cgroup.c src/core/syscall-set.c src/core/profile.c src/core/profile-rules.c src/core/profile-spo.c src/core/profile-bpf.c src/core/base64.c ${SHARED[*]}"
    [fuzz-profile-import]="src/core/profile-import.c src/core/profile-import-yaml.c src/core/profile.c src/core/profile-rules.c src/core/profile-spo.c src/core/profile-bpf.c src/core/base64.c src/core/names.c src/core/syscall-set.c ${SHARED[*]}"
)
declare -A PKGS=(
    [fuzz-cgroup-path]="libsystemd"
    [fuzz-mountinfo]="libsystemd"
    [fuzz-labels]=""
    [fuzz-bus-labels]="libsystemd"
    [fuzz-saved-recording]="libsystemd json-c libseccomp yaml-0.1"
    [fuzz-profile-import]="libsystemd json-c libseccomp yaml-0.1"
)
# recording.c belongs to the daemon and calls into the rest of it (recorder, manager);
# the parser never gets there, so those symbols may stay unresolved in this harness.
declare -A LDFLAGS_EXTRA=(
    [fuzz-saved-recording]="-Wl,--unresolved-symbols=ignore-in-object-files"
)
ALL=(fuzz-cgroup-path fuzz-mountinfo fuzz-labels fuzz-bus-labels fuzz-saved-recording fuzz-profile-import)
HARNESSES=("$@")
((${#HARNESSES[@]})) || HARNESSES=("${ALL[@]}")

PASSED=0
FAILED=0
SKIPPED=0

build() {
    local h=$1 f srcs=()
    for f in ${SOURCES[$h]}; do
        if [[ ! -e "$SRC/$f" ]]; then
            echo "SKIP: $h: $f is not in the tree"
            return 2
        fi
        srcs+=("$SRC/$f")
    done
    # shellcheck disable=SC2046,SC2086
    "$CLANG" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -std=gnu11 -D_GNU_SOURCE -DSYSREC_VERSION='"fuzz"' \
        -Wno-unused-parameter -Wno-unused-function \
        -I"$SRC/src/shared" -I"$SRC/src/core" -I"$SRC/src/sysrecd" -I"$SRC/bpf" \
        $( ((${#PKGS[$h]})) && pkg-config --cflags ${PKGS[$h]}) ${FUZZ_CFLAGS:-} \
        -o "$OUT/$h" "$HERE/$h.c" "${srcs[@]}" \
        $( ((${#PKGS[$h]})) && pkg-config --libs ${PKGS[$h]}) ${LDFLAGS_EXTRA[$h]:-} >"$OUT/$h.build.log" 2>&1
}

for h in "${HARNESSES[@]}"; do
    if [[ -z "${SOURCES[$h]+x}" ]]; then
        echo "FAIL: $h: unknown harness"
        FAILED=$((FAILED + 1))
        continue
    fi
    build "$h"
    rc=$?
    if ((rc == 2)); then
        SKIPPED=$((SKIPPED + 1))
        continue
    elif ((rc != 0)); then
        echo "FAIL: $h: does not build"
        sed 's/^/      /' "$OUT/$h.build.log" | head -n 20
        FAILED=$((FAILED + 1))
        continue
    fi
    seeds=$HERE/corpus/$h
    work=$OUT/corpus/$h
    crashes=$OUT/crashes/$h
    mkdir -p "$work" "$crashes" "$seeds"
    nseeds=$(find "$seeds" -type f | wc -l)

    # 1. Every checked-in input, once: seeds and past crashes (regressions).
    if ! (cd "$OUT" && find "$seeds" -type f -print0 | sort -z | xargs -0 -r "./$h" -rss_limit_mb=2048) \
        >"$OUT/$h.regress.log" 2>&1; then
        echo "FAIL: $h: corpus input $(grep '^Running:' "$OUT/$h.regress.log" | tail -n1 | sed 's|^Running: .*/||') crashes it"
        grep -E '^HARNESS: |ERROR: |runtime error|SUMMARY' "$OUT/$h.regress.log" | head -n 3 | sed 's/^/      /'
        grep -E '^ +#[0-9]+ .* in [A-Za-z_]+ /' "$OUT/$h.regress.log" | grep -vE 'fuzzer::|libc|abort|raise|pthread_kill' |
            head -n 6 | sed 's/^ */      /'
        FAILED=$((FAILED + 1))
        continue
    fi
    if [[ "$TIME" == 0 ]]; then
        echo "PASS: $h: $nseeds corpus inputs, no crash"
        PASSED=$((PASSED + 1))
        continue
    fi

    # 2. Fuzz for $TIME seconds, starting from the corpus.
    (cd "$OUT" && "./$h" -max_total_time="$TIME" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "$seeds") >"$OUT/$h.fuzz.log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$OUT/$h.fuzz.log" | tail -n1)
    [[ -n "$runs" ]] || runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$OUT/$h.fuzz.log" | tail -n1)
    cov=$(grep -o 'cov: [0-9]*' "$OUT/$h.fuzz.log" | tail -n1 | cut -d' ' -f2)
    ncorpus=$(find "$work" -type f | wc -l)
    ncrash=$(find "$crashes" -type f | wc -l)
    if ((rc == 0 && ncrash == 0)); then
        echo "PASS: $h: ${runs:-?} executions in ${TIME} s ($(( ${runs:-0} / TIME )) exec/s), coverage ${cov:-?}, $nseeds seeds + $ncorpus new inputs, no crash"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL: $h: crashed after ${runs:-?} executions; input(s) in $crashes:"
        find "$crashes" -type f | head -n 5 | sed 's/^/      /'
        grep -E '^HARNESS: |ERROR: |runtime error|SUMMARY' "$OUT/$h.fuzz.log" | head -n 6 | sed 's/^/      /'
        grep -E '^ +#[0-9]+ .* in [A-Za-z_]+ /' "$OUT/$h.fuzz.log" | grep -vE 'fuzzer::|libc|abort|raise|pthread_kill' |
            head -n 6 | sed 's/^ */      /'
        FAILED=$((FAILED + 1))
        [[ -n "${KEEP_OUT_ON_CRASH:-}" ]] && trap - EXIT && echo "      work directory kept: $OUT"
    fi
done

((SKIPPED)) && echo "($SKIPPED harness(es) skipped: sources not in the tree)"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
