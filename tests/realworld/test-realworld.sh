#!/bin/bash
# tests/realworld/test-realworld.sh [--loaded] WORKLOAD... — real programs of Debian, run by their
# own test drivers (workloads/*.sh), recorded and then run under their profile:
#   1. `sysrecctl record --standalone --runs=N` records the workload (N from the table
#      below: how many runs the workload needs before its profile holds), and the oci
#      profile is compiled to a raw filter by `sysrecctl merge --format=bpf`;
#   2. the same workload runs REPLAYS times (default 5) under bubblewrap --seccomp with
#      that filter: every replay must succeed;
#   3. the same workload runs once more under `strace -f`, and that run is recorded too:
#      a syscall name strace saw in it that its recording lacks is a miss, and a miss
#      fails. Both watch the same run, so an application that takes another path from
#      one run to the next (a poll that sleeps only when its child is slow) cannot
#      fake a miss. The recording also holds strace's own calls (ptrace, wait4,
#      process_vm_readv, write, ...), which could hide a miss of the same name only.
#      Names that run made and the profile of step 1 lacks are printed, not failed:
#      the replays are what proves that profile;
#   4. the enforcer really enforces: the profile without one syscall the workload needs
#      (DENY in the table) compiled and used the same way, the workload must fail.
# Prints a table (workload, syscalls, strace-only names, replays passed), PASS/FAIL
# lines and `N passed, N failed`. A workload whose program is not installed fails.
# --loaded: everything under a CPU hog on every core, as on a busy node.
# Root only (the recorder loads a BPF program). Environment: SYSREC_BUILD, REPLAYS, RUN_TIMEOUT (seconds a run
# may take, 300), SYSREC_KEEP=1 keeps the logs.
set -uo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"
CTL=$SYSREC_BUILD/src/sysrecctl/sysrecctl
WORKLOADS=$SRC/tests/realworld/workloads
REPLAYS=${REPLAYS:-5}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}

# The workloads: name, runs recorded into the profile, a syscall it cannot do without,
# the programs it needs. One line a workload. python3 needs 8 runs: CPython's
# test_tempfile (test_process_awareness) polls its forked child with waitpid(WNOHANG)
# and sleeps only when the child has not exited yet, so clock_nanosleep is in 5 to 7
# of 8 runs (`sysrecctl record --runs=8` reports it); one run without it in the
# profile fails every replay that sleeps. At those rates 8 runs all miss it with odds
# below 1 in 2000, even under load.
declare -A RUNS DENY NEEDS
while read -r name runs deny needs; do
        RUNS[$name]=$runs DENY[$name]=$deny NEEDS[$name]=$needs
done <<'EOF'
sqlite3     1 pwrite64 sqlite3
git         1 rename   git,tar
node        1 listen   node
python3     8 mkdir    /usr/bin/python3.11,/usr/lib/python3.11/test/regrtest.py
redis       1 listen   redis-server,redis-benchmark,redis-cli
postgresql  1 listen   setpriv,/usr/lib/postgresql
EOF

LOADED=
if [[ "${1:-}" == --loaded ]]; then
        LOADED=1
        shift
fi
if [[ $# -eq 0 ]]; then
        echo "usage: test-realworld.sh [--loaded] WORKLOAD... (${!RUNS[*]})" >&2
        exit 2
fi
for w in "$@"; do
        [[ -n "${RUNS[$w]:-}" ]] || { echo "test-realworld.sh: no workload '$w' (${!RUNS[*]})" >&2; exit 2; }
done

TMP=$(mktemp -d /var/tmp/sysrec-realworld.XXXXXX)
chmod 0755 "$TMP" # postgresql.sh runs the server as the postgres user
# Every process a workload left (a server of a failed run) is in this process group's
# session only if we make it so: each run is started with setsid, its pid kept here.
cleanup() {
        local p
        for p in $(cat "$TMP/pids" 2>/dev/null); do
                kill -KILL -- "-$p" 2>/dev/null
        done
        [[ -n "${SYSREC_KEEP:-}" ]] && echo "# kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

if [[ -n "$LOADED" ]]; then
        for _ in $(seq "$(nproc)"); do
                setsid yes >/dev/null &
                echo "$!" >>"$TMP/pids"
        done
        echo "# under load: $(nproc) CPU hogs"
fi

# workload_cmd NAME: the command line of workload NAME, with a data directory and a
# loopback port of its own (for the servers).
workload_cmd() {
        local port=$((20000 + RANDOM % 20000))
        CMD=(bash "$WORKLOADS/$1.sh" "$TMP/$1-data" "$port")
}

# run_logged LOG CMD...: run CMD in a session of its own (its servers die with it on
# cleanup) for at most RUN_TIMEOUT seconds, output in LOG; returns its exit status.
run_logged() {
        local log=$1 pid rc
        shift
        setsid timeout --kill-after=10 "$RUN_TIMEOUT" "$@" >"$log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >>"$TMP/pids"
        wait "$pid"
        rc=$?
        kill -KILL -- "-$pid" 2>/dev/null
        return "$rc"
}

# names PROFILE: the syscall names an oci profile has a rule for, one a line, sorted:
# those it allows, and clone3, which a profile with argument rules answers with
# ENOSYS so that the C library falls back to clone(), whose flags the rules check.
names() { jq -r '[.syscalls[].names[]] | unique | .[]' "$1"; }

# strace_names LOG: the names of the syscalls in an `strace -f -qq` log (calls, their
# "<... NAME resumed>" halves), one a line, sorted.
strace_names() {
        sed -nE 's/^[0-9]+ +(<\.\.\. )?([a-z0-9_]+)( resumed>|\().*/\2/p' "$1" | sort -u
}

# bwrap_run BPF LOG: the workload (CMD) under bubblewrap with the raw filter BPF.
bwrap_run() {
        run_logged "$2" bwrap --dev-bind / / --seccomp 9 "${CMD[@]}" 9<"$1"
}

ROWS=()
for w in "$@"; do
        echo "== $w"
        missing=
        IFS=, read -ra needs <<<"${NEEDS[$w]}"
        for n in "${needs[@]}" strace bwrap jq; do
                if [[ "$n" == /* ]]; then [[ -e "$n" ]] || missing+=" $n"
                else command -v "$n" >/dev/null || missing+=" $n"; fi
        done
        if [[ -n "$missing" ]]; then
                fail "$w: the workload's programs are installed (scripts/install-deps.sh)" "missing:$missing"
                ROWS+=("$w|-|-|not run")
                continue
        fi
        workload_cmd "$w"
        profile=$TMP/$w.json bpf=$TMP/$w.bpf
        if ! run_logged "$TMP/$w.record.log" "$CTL" record --standalone --no-progress \
                --runs="${RUNS[$w]}" --name="$w" -o "$profile" -- "${CMD[@]}"; then
                fail "$w: recorded with sysrecctl record --runs=${RUNS[$w]}" "$(tail -20 "$TMP/$w.record.log")"
                ROWS+=("$w|-|-|not run")
                continue
        fi
        pass "$w: recorded with sysrecctl record --runs=${RUNS[$w]} ($(names "$profile" | wc -l) syscalls)"
        grep -E ' in [0-9]+ of [0-9]+ runs' "$TMP/$w.record.log" | sed 's/^/#   only some runs: /'
        expect_true "$w: profile compiled to a raw filter (sysrecctl merge --format=bpf)" \
                "$CTL" merge "$profile" --format=bpf -o "$bpf"

        ok=0
        for i in $(seq "$REPLAYS"); do
                if bwrap_run "$bpf" "$TMP/$w.replay$i.log"; then
                        ok=$((ok + 1))
                else
                        echo "# replay $i of $w failed:"
                        tail -15 "$TMP/$w.replay$i.log" | sed 's/^/#   /'
                fi
        done
        expect_eq "$w: replays under bwrap --seccomp with its profile" "$ok of $REPLAYS" "$REPLAYS of $REPLAYS"

        if run_logged "$TMP/$w.strace.out" "$CTL" record --standalone --no-progress --name="$w-strace" \
                -o "$TMP/$w.strace.json" -- strace -f -qq -o "$TMP/$w.strace" "${CMD[@]}"; then
                strace_names "$TMP/$w.strace" >"$TMP/$w.strace.names"
                names "$TMP/$w.strace.json" >"$TMP/$w.strace-recorded.names"
                names "$profile" >"$TMP/$w.profile.names"
                # A comparison that cannot run (no names parsed, comm failing) fails.
                if [[ ! -s "$TMP/$w.strace.names" ]]; then
                        misses="(no syscall names parsed from the strace log)"
                elif ! misses=$(comm -23 "$TMP/$w.strace.names" "$TMP/$w.strace-recorded.names" | tr '\n' ' '); then
                        misses="(comm failed)"
                fi
                expect_eq "$w: every syscall strace -f saw is in the recording of the same run ($(wc -l <"$TMP/$w.strace.names") names)" \
                        "${misses% }" ""
                other=$(comm -23 "$TMP/$w.strace.names" "$TMP/$w.profile.names" | tr '\n' ' ')
                [[ -z "$other" ]] || echo "# the strace run of $w made calls the profile of other runs lacks: ${other% }"
        else
                fail "$w: runs under strace -f, recorded" "$(tail -15 "$TMP/$w.strace.out")"
                misses="(strace run failed)"
        fi

        deny=${DENY[$w]}
        if names "$profile" | grep -qx "$deny"; then
                jq --arg n "$deny" '.syscalls |= map(.names -= [$n])' "$profile" >"$TMP/$w-deny.json"
                "$CTL" merge "$TMP/$w-deny.json" --format=bpf -o "$TMP/$w-deny.bpf" >/dev/null 2>&1
                expect_false "$w: fails under its profile without $deny (the filter is enforced)" \
                        bwrap_run "$TMP/$w-deny.bpf" "$TMP/$w.deny.log"
        else
                fail "$w: the profile allows $deny, which the workload needs"
        fi
        ROWS+=("$w|$(names "$profile" | wc -l)|${misses:-none}|$ok/$REPLAYS")
done

echo
printf '%-12s %4s %9s  %-30s %s\n' workload runs syscalls strace-only replays
for row in "${ROWS[@]}"; do
        IFS='|' read -r w n m r <<<"$row"
        printf '%-12s %4s %9s  %-30s %s\n' "$w" "${RUNS[$w]}" "$n" "${m:-none}" "$r"
done
echo
check_summary
