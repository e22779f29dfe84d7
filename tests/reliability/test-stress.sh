#!/bin/bash
#
# tests/reliability/test-stress.sh — sysrecd under load (issue 7). sysrecd runs with
# --max-recordings=2000 --max-cgroups=20000; each round:
#   1. four clients (sysrec-stress, one sd-bus connection each, 32 calls in flight)
#      start 1,000 recordings side by side, each on its own cgroup, and as soon as a
#      start is answered run its workload: 5 short-lived processes born in the cgroup
#      (one in a child cgroup made after the start); then all 1,000 record at once;
#   2. racing: two clients stop those 1,000 while two others start 1,000 more, run
#      their workloads and stop them, and a fifth reads (ListRecordings, GetProfile,
#      Syscalls) random recordings all along;
#   3. every one of the 2,000 profiles holds exactly what its workload is known to call
#      (a signature of two unused syscall numbers per recording, its named calls,
#      exit_group: nothing missing, nothing from another recording);
#   4. two clients remove all 2,000; nothing stays tracked, no file is left.
# 10,000 processes a round. Then the daemon's RSS after round 2 (and 3) is compared with
# round 1: no leak. The daemon must not crash. STRESS_ROUNDS (default 3),
# STRESS_RECORDINGS (default 1000) change the size.
# Prints PASS/FAIL per check, timings, and `N passed, N failed`.

# Lists of syscall numbers and cgroups are passed as separate words on purpose.
# shellcheck disable=SC2046,SC2086
SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/reliability/lib.sh
source "$SRC/tests/reliability/lib.sh"

rel_init stress
cleanup_add rel_daemon_stop

N=${STRESS_RECORDINGS:-1000}
ROUNDS=${STRESS_ROUNDS:-3}
PROCS=5
Q=$((N / 4))
H=$((N / 2))

rel_daemon_start "$WORK/d" --max-recordings=$((2 * N)) --max-cgroups=20000 || exit 2
STATE=$SYSRECD_STATE

# One cgroup per recording, each with a sleeping keeper (see keep_cgroups).
keep_cgroups $(for ((i = 0; i < 2 * N; i++)); do echo "$TOP/r$i"; done) || exit 2

COMMON=(--prefix stress --cgroup-root "$CG2" --cgroup-rel "$TOP" --procs "$PROCS" --window 32)

# clients NAME MODE:FROM:TO...: run sysrec-stress clients in parallel; output in
# $WORK/NAME.*.out; fails if one of them did.
clients() {
    local tag=$1 spec mode from to pids=() k=0 rc=0 p
    shift
    for spec in "$@"; do
        IFS=: read -r mode from to <<<"$spec"
        "$STRESS_BIN" "$mode" --from "$from" --to "$to" "${COMMON[@]}" \
            >"$WORK/$tag.$k.out" 2>"$WORK/$tag.$k.err" &
        pids+=($!)
        k=$((k + 1))
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    return "$rc"
}

client_errors() {
    cat "$WORK/$1".*.err 2>/dev/null | sort | uniq -c | sort -rn | head -n 5
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

"$STRESS_BIN" expect --from 0 --to $((2 * N)) "${COMMON[@]}" | sort >"$WORK/expected"

declare -a RSS=()
for ((round = 1; round <= ROUNDS; round++)); do
    echo "# round $round"
    t0=$(now)
    if clients start$round start:0:$Q start:$Q:$H start:$H:$((H + Q)) start:$((H + Q)):$N; then
        pass "round $round: $N recordings started by 4 racing clients, each with its workload ($(elapsed "$t0") s)"
    else
        fail "round $round: starting $N recordings" "$(client_errors start$round)"
    fi
    expect_eq "round $round: $N recordings active at once" "$(mprop ActiveRecordings)" "$N"

    t1=$(now)
    "$STRESS_BIN" noise --from 0 --to $((2 * N)) --seconds 600 "${COMMON[@]}" \
        >"$WORK/noise$round.out" 2>"$WORK/noise$round.err" &
    NOISE=$!
    if clients race$round stop:0:$H stop:$H:$N wave:$N:$((N + H)) wave:$((N + H)):$((2 * N)); then
        pass "round $round: $N stops racing $N start+workload+stop waves ($(elapsed "$t1") s)"
    else
        fail "round $round: racing stops and waves" "$(client_errors race$round)"
    fi
    kill -TERM "$NOISE" 2>/dev/null
    if wait "$NOISE"; then
        pass "round $round: concurrent reads all answered: $(sed -n 's/.*reads \([0-9/]*\).*/\1/p' "$WORK/noise$round.out")"
    else
        fail "round $round: concurrent reads" "$(head -n 3 "$WORK/noise$round.err")"
    fi
    if ! daemon_alive; then
        fail "round $round: sysrecd died" "$(tail -n 20 "$SYSRECD_LOG")"
        break
    fi
    nproc=$(cat "$WORK"/start$round.*.out "$WORK"/race$round.*.out |
        sed -n 's/.*processes \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    expect_eq "round $round: short-lived workload processes run" "$nproc" $((2 * N * PROCS))
    expect_eq "round $round: nothing active any more" "$(mprop ActiveRecordings)" 0

    # Every profile, exactly.
    t2=$(now)
    nfiles=$(find "$STATE/profiles" -name 'stress-*.json' | wc -l)
    expect_eq "round $round: profile files written" "$nfiles" $((2 * N))
    find "$STATE/profiles" -name 'stress-*.json' -print0 |
        xargs -0 jq -r 'input_filename as $f | .syscalls[]?.names[] | "\($f)\t\(.)"' |
        sed 's|^.*/\(stress-[0-9]*\)\.json\t|\1\t|' | sort >"$WORK/actual"
    comm -23 "$WORK/expected" "$WORK/actual" >"$WORK/missing"
    comm -13 "$WORK/expected" "$WORK/actual" >"$WORK/extra"
    nmiss=$(cut -f1 "$WORK/missing" | sort -u | wc -l)
    nextra=$(cut -f1 "$WORK/extra" | sort -u | wc -l)
    expect_eq "round $round: every profile complete (recordings missing a syscall)" "$nmiss" 0
    [[ "$nmiss" == 0 ]] || note "e.g. $(head -n 3 "$WORK/missing" | tr '\t\n' ': ')"
    expect_eq "round $round: no profile has another's syscalls (recordings with extras)" "$nextra" 0
    [[ "$nextra" == 0 ]] || note "e.g. $(head -n 3 "$WORK/extra" | tr '\t\n' ': ')"
    note "checked $(wc -l <"$WORK/actual") syscall entries in $nfiles profiles in $(elapsed "$t2") s"

    t3=$(now)
    if clients remove$round remove:0:$N remove:$N:$((2 * N)); then
        pass "round $round: $((2 * N)) recordings removed by 2 clients ($(elapsed "$t3") s)"
    else
        fail "round $round: removing" "$(client_errors remove$round)"
    fi
    left=$(busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings |
        jq '.data[0] | length')
    expect_eq "round $round: no recording left" "$left" 0
    expect_eq "round $round: no cgroup tracked" "$(mprop TrackedCgroups)" 0
    expect_eq "round $round: programs detached" "$(mprop ProgramsAttached)" false
    expect_eq "round $round: no profile or saved recording file left" \
        "$(find "$STATE/profiles" "$STATE/recordings" -type f | wc -l)" 0
    find "$CG2$TOP" -mindepth 2 -maxdepth 2 -type d -name sub -print0 | xargs -0 -r rmdir 2>/dev/null
    sleep 1
    RSS[round]=$(daemon_rss_kb)
    note "round $round took $(elapsed "$t0") s; sysrecd RSS ${RSS[round]} KiB;" \
        "dropped ring-buffer events so far: $(mprop DroppedEvents)"
done

if ((ROUNDS >= 2)) && [[ -n "${RSS[1]:-}" && -n "${RSS[$ROUNDS]:-}" ]]; then
    growth=$((RSS[ROUNDS] - RSS[1]))
    limit=$((RSS[1] / 20 > 1024 ? RSS[1] / 20 : 1024))
    if ((growth <= limit)); then
        pass "RSS stable: ${RSS[*]} KiB after rounds 1..$ROUNDS (growth $growth KiB <= $limit)"
    else
        fail "RSS grows: ${RSS[*]} KiB after rounds 1..$ROUNDS (growth $growth KiB > $limit)"
    fi
fi
expect_true "sysrecd still alive" daemon_alive
rel_daemon_stop
check_daemon_logs "$SYSRECD_LOG"
check_summary
