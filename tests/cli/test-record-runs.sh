#!/bin/bash
# sysrecctl record --runs=N, standalone and through sysrecd on a private bus:
#   - N is a whole number from 1 to 100: anything else is refused with exit 2, naming the
#     value; --runs= on another verb is refused too;
#   - a command that makes uname(2) in its second run only: the profile is the union of
#     the runs (uname allowed), and stderr lists "x86_64 uname in 1 of 3 runs"; a
#     single run (the first) gives a profile without uname;
#   - identical runs: "All N runs ... made the same K syscalls", K being the size of a
#     one-run profile of the same command (repeated 5 times, for a race between the
#     command's set-up and its move into the cgroup: every repetition must agree);
#   - -o /dev/null writes into the device and leaves it a device;
#   - a run that fails (exit 3, or killed by SIGTERM) stops the runs: sysrecctl exits
#     with the command's status, names the run and writes no profile; no cgroup and
#     no recording are left behind.
# Root only. Prints PASS/FAIL lines and `N passed, N failed`.
set -uo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/cli/lib.sh
source "$SRC/tests/cli/lib.sh"
cli_setup cli-record-runs "sysrecd, cgroups" jq
CTL=$SYSREC_BUILD/src/sysrecctl/sysrecctl
CG2=$(cgroup2_mount)

# ctl ARGS...: sysrecctl with stderr in ERR, exit status in RC.
ctl() {
        RC=0
        LANG=C.UTF-8 LANGUAGE= "$CTL" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || RC=$?
        ERR=$(cat "$TMP/err")
}
names() { jq -r '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | unique | join(" ")' "$1"; }
has_name() { [[ " $(names "$1") " == *" $2 "* ]]; }
# Cgroups sysrecctl record made and did not remove.
leftovers() { find "$CG2" -name 'sysrec-record-*' -type d 2>/dev/null | wc -l; }

# The command of the runs: the counter file says which run it is (0, 1, 2, ...).
COUNTER=$TMP/counter
# shellcheck disable=SC2016
VARYING=(sh -c 'read -r n <"$1"; echo $((n + 1)) >"$1"; [ "$n" = 1 ] && uname >/dev/null; exit 0' sh "$COUNTER")
# shellcheck disable=SC2016
FAILING=(sh -c 'read -r n <"$1"; echo $((n + 1)) >"$1"; [ "$n" = 1 ] && exit 3; exit 0' sh "$COUNTER")
# shellcheck disable=SC2016
KILLED=(sh -c 'read -r n <"$1"; echo $((n + 1)) >"$1"; [ "$n" = 2 ] && kill -TERM $$; exit 0' sh "$COUNTER")

for v in 0 -1 +2 101 1000 abc 1x '' 99999999999999999999999; do
        ctl record --standalone --runs="$v" -o "$TMP/bad.json" -- true
        expect_eq "--runs='$v' is refused (exit 2, the value named), nothing written" \
                "$RC $ERR $([ -e "$TMP/bad.json" ] && echo written || echo nothing)" \
                "2 Invalid --runs= value '$v': expected a whole number from 1 to 100. nothing"
done
ctl profile x --runs=2
expect_eq "--runs= on 'profile' is refused" "$RC $ERR" "2 --runs= is an option of 'record' only, not of 'profile'."
ctl verify --profile="$TMP/none.json" --runs=2 -- true
expect_eq "--runs= on 'verify' is refused" "$RC $ERR" "2 --runs= is an option of 'record' only, not of 'verify'."

cli_sysrecd
for mode in standalone daemon; do
        echo "== $mode"
        echo 0 >"$COUNTER"
        ctl record --$mode -q -o "$TMP/one.json" -- "${VARYING[@]}"
        if ((RC == 0)) && ! has_name "$TMP/one.json" uname && has_name "$TMP/one.json" execve; then
                pass "$mode: one run (the first) records no uname"
        else
                fail "$mode: one run (the first) records no uname" "rc $RC" "$ERR" "$(names "$TMP/one.json")"
        fi
        echo 0 >"$COUNTER"
        ctl record --$mode --runs=3 -o "$TMP/three.json" -- "${VARYING[@]}"
        if ((RC == 0)) && has_name "$TMP/three.json" uname && grep -qE '^  x86_64 +uname +in 1 of 3 runs$' <<<"$ERR" &&
                grep -qE "^[0-9]+ of the [0-9]+ syscalls of 'sh' appeared in only some runs\.$" <<<"$ERR" &&
                [[ "$(cat "$COUNTER")" == 3 ]]; then
                pass "$mode: --runs=3 ran 3 times, the union allows uname, reported as 'in 1 of 3 runs'"
        else
                fail "$mode: --runs=3: union with uname, 'x86_64 uname in 1 of 3 runs'" "rc $RC" "$ERR"
        fi
        n_union=$(jq '[.syscalls[].names[]] | unique | length' "$TMP/three.json")
        expect_eq "$mode: the report's total is the profile's number of names" \
                "$(grep -oE 'of the [0-9]+ syscalls' <<<"$ERR" | grep -oE '[0-9]+')" "$n_union"

        ctl record --$mode -q -o "$TMP/true1.json" -- true
        k=$(jq '[.syscalls[].names[]] | unique | length' "$TMP/true1.json")
        agree=0
        for i in 1 2 3 4 5; do
                ctl record --$mode --runs=5 -o "$TMP/true5.json" -- true
                if ((RC == 0)) && [[ "$ERR" == *"All 5 runs of 'true' made the same $k syscalls."* ]] &&
                        cmp -s "$TMP/true1.json" "$TMP/true5.json"; then
                        agree=$((agree + 1))
                else
                        echo "      repetition $i: rc $RC: $ERR"
                fi
        done
        expect_eq "$mode: --runs=5 of true, 5 times: every run made the same $k syscalls, profile = one run's" \
                "$agree of 5" "5 of 5"

        echo 0 >"$COUNTER"
        rm -f "$TMP/fail.json"
        ctl record --$mode --runs=3 -n failing -o "$TMP/fail.json" -- "${FAILING[@]}"
        expect_eq "$mode: run 2 exits 3: exit 3, the run named, no third run, no profile" \
                "$RC $ERR $(cat "$COUNTER") $([ -e "$TMP/fail.json" ] && echo written || echo nothing)" \
                "3 Run 2 of 3 of 'sh' failed with exit status 3; no profile written. 2 nothing"
        echo 0 >"$COUNTER"
        ctl record --$mode --runs=4 -o "$TMP/fail.json" -- "${KILLED[@]}"
        expect_eq "$mode: run 3 killed by SIGTERM: exit 143 (128 + 15), no profile" \
                "$RC $ERR $([ -e "$TMP/fail.json" ] && echo written || echo nothing)" \
                "143 Run 3 of 4 of 'sh' failed with exit status 143; no profile written. nothing"
        expect_eq "$mode: no cgroup of sysrecctl record is left" "$(leftovers)" 0
done
ctl list --no-legend
expect_eq "daemon: no recording is left behind (nor the failed ones)" "$RC $(cat "$TMP/out")" "0 "

# -o onto a device writes into it: /dev/null stays the character device.
ctl record --standalone --runs=2 -o /dev/null -- true
expect_eq "-o /dev/null: written into the device, which is still /dev/null" \
        "$RC $(stat -c %F:%t,%T /dev/null)" "0 character special file:1,3"

cli_done
