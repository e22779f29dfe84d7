#!/bin/bash
#
# tests/reliability/test-hostile.sh — hostile input over D-Bus (issue 7). A table of bad
# calls, each with the error *name* it must get (gdbus and dbus-send print it): bad
# names ('/', '..', over-long, 64 KiB, control characters), bad targets (empty, two,
# unknown, wrong variant types, paths outside the mount or across a mount, vanished and
# zero PIDs, missing and malformed units), bad labels ('=', control characters, too
# many), bad options and formats, wrong signatures, duplicates, calls in the wrong
# state, limits, unprivileged callers; then what no library lets a client send (invalid
# UTF-8, a garbage header) and clients that vanish in the middle of their calls, through
# a raw socket (raw-dbus.py). Afterwards sysrecd is alive, still records correctly, holds
# nothing in the kernel for calls that failed, and no file was written outside its state
# directory. Prints PASS/FAIL per check and `N passed, N failed`.

# Lists of syscall numbers and cgroups are passed as separate words on purpose.
# shellcheck disable=SC2046,SC2086
SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/reliability/lib.sh
source "$SRC/tests/reliability/lib.sh"

rel_init hostile gdbus dbus-send setpriv mount
PY=/usr/bin/python3
RAW=$SRC/tests/reliability/raw-dbus.py
MAX_REC=10 MAX_WL=4 MAX_LABELS=4
cleanup_add rel_daemon_stop

keep_cgroups "$TOP/a" "$TOP/b" "$TOP/c" "$TOP/w" "$TOP/mnt" || exit 2
# A mount inside the cgroup tree, holding a symlink that points out of it.
mount -t tmpfs -o size=64k sysrec-hostile "$CG2$TOP/mnt" && cleanup_add umount -l "$CG2$TOP/mnt"
ln -s / "$CG2$TOP/mnt/escape"

rel_daemon_start "$WORK/d" --max-recordings=$MAX_REC --max-workloads=$MAX_WL --max-labels=$MAX_LABELS || exit 2
STATE=$SYSRECD_STATE
MARK=$WORK/mark
touch "$MARK"
sleep 1.1 # -newer has 1 s granularity on some filesystems

rep() { printf "%${2}s" '' | tr ' ' "$1"; }
NOOPT='@a{sv} {}'
TB="{'cgroup': <'$TOP/b'>}"
ESC=sysrec-hostile-escape
TRIED=0

M() { gcall --object-path /org/sysrec1 --method "org.sysrec1.Manager.$1" "${@:2}"; }
R() { gcall --object-path "$(rec_path "$1")" --method "org.sysrec1.Recording.$2" "${@:3}"; }
P() { gcall --object-path "$1" --method "org.freedesktop.DBus.Properties.$2" "${@:3}"; }
D() { dcall "$@"; }

# bad DESC WANT_ERROR WANT_TEXT CALL ARGS...: the call fails with WANT_ERROR and its
# message contains WANT_TEXT (the offending value, where the API promises to name it).
bad() {
    local desc=$1 want=$2 text=$3
    shift 3
    TRIED=$((TRIED + 1))
    "$@"
    if ((RC != 0)) && [[ "$ERRNAME" == "$want" && "$ERRMSG" == *"$text"* ]]; then
        pass "$desc -> ${want##*.}"
    else
        fail "$desc" "want $want, message containing '${text:0:80}'" \
            "got rc $RC, '$ERRNAME': ${ERRMSG:0:300}" "out: ${OUT:0:200}"
    fi
}

ok() {
    local desc=$1
    shift
    "$@"
    if ((RC == 0)); then pass "$desc"; else fail "$desc" "'$ERRNAME': ${ERRMSG:0:300}"; fi
}

ok "legit recording 'good' on $TOP/a" M StartRecording good "{'cgroup': <'$TOP/a'>}" "$NOOPT"
ok "legit recording 'finished' (stopped at once)" M StartRecording finished "{'cgroup': <'$TOP/c'>}" "$NOOPT"
ok "stop 'finished'" M StopRecording finished
ok "legit workload 'w1'" M RegisterWorkload w1 "$TOP/w" "{'app': 'x'}"

echo "# recording names"
IA=$E.InvalidArgument
bad "name with '/'" $IA "a/b" M StartRecording "'a/b'" "$TB" "$NOOPT"
bad "name '..'" $IA "'..'" M StartRecording "'..'" "$TB" "$NOOPT"
bad "name '../../../tmp/$ESC'" $IA "../../../tmp/$ESC" M StartRecording "'../../../tmp/$ESC'" "$TB" "$NOOPT"
bad "name '/tmp/$ESC'" $IA "/tmp/$ESC" M StartRecording "'/tmp/$ESC'" "$TB" "$NOOPT"
bad "empty name" $IA "''" M StartRecording "''" "$TB" "$NOOPT"
bad "name '.hidden'" $IA ".hidden" M StartRecording "'.hidden'" "$TB" "$NOOPT"
bad "name '-rf'" $IA "-rf" M StartRecording "'-rf'" "$TB" "$NOOPT"
bad "name with a space" $IA "a b" M StartRecording "'a b'" "$TB" "$NOOPT"
bad "name of 254 characters" $IA "..." M StartRecording "'$(rep n 254)'" "$TB" "$NOOPT"
bad "name of 64 KiB" $IA "..." M StartRecording "'$(rep n 65536)'" "$TB" "$NOOPT"
bad "name with a control character (\\x01)" $IA "Invalid recording name" M StartRecording "'ctl\\u0001x'" "$TB" "$NOOPT"
bad "name with a newline" $IA "Invalid recording name" M StartRecording "'nl\\nx'" "$TB" "$NOOPT"
bad "name with non-ASCII UTF-8" $IA "Invalid recording name" M StartRecording "'caf\\u00e9'" "$TB" "$NOOPT"

echo "# targets"
bad "empty target" $IA "Target is empty" M StartRecording t1 "$NOOPT" "$NOOPT"
bad "two targets (cgroup + pid)" $IA "exactly one" M StartRecording t1 "{'cgroup': <'$TOP/b'>, 'pid': <uint32 1>}" "$NOOPT"
bad "unknown target 'container'" $IA "container" M StartRecording t1 "{'container': <'x'>}" "$NOOPT"
bad "cgroup of type u" $IA "'cgroup' must be of type 's'" M StartRecording t1 "{'cgroup': <uint32 5>}" "$NOOPT"
bad "pid of type s" $IA "'pid' must be of type 'u'" M StartRecording t1 "{'pid': <'123'>}" "$NOOPT"
bad "labels of type s" $IA "'labels' must be of type 'a{ss}'" M StartRecording t1 "{'labels': <'a=b'>}" "$NOOPT"
bad "cgroup ''" $IA "Invalid cgroup path" M StartRecording t1 "{'cgroup': <''>}" "$NOOPT"
bad "relative cgroup path" $IA "sysrec" M StartRecording t1 "{'cgroup': <'sysrec'>}" "$NOOPT"
bad "cgroup '/../..' (outside the mount)" $IA "/../.." M StartRecording t1 "{'cgroup': <'/../..'>}" "$NOOPT"
bad "cgroup '$TOP/a/../../..'" $IA "$TOP/a/../../.." M StartRecording t1 "{'cgroup': <'$TOP/a/../../..'>}" "$NOOPT"
bad "cgroup with '/./'" $IA "$TOP/./a" M StartRecording t1 "{'cgroup': <'$TOP/./a'>}" "$NOOPT"
bad "cgroup that does not exist" $E.NoSuchCgroup "$TOP/nope" M StartRecording t1 "{'cgroup': <'$TOP/nope'>}" "$NOOPT"
bad "cgroup with a newline" $IA "Invalid cgroup path" M StartRecording t1 "{'cgroup': <'$TOP/a\\nb'>}" "$NOOPT"
bad "cgroup path of 5000 characters" $IA "too long" M StartRecording t1 "{'cgroup': <'/$(rep c 4999)'>}" "$NOOPT"
bad "cgroup component of 300 characters" $IA "Invalid cgroup path" M StartRecording t1 "{'cgroup': <'/$(rep c 300)'>}" "$NOOPT"
bad "cgroup that is a file (cgroup.procs)" $E.NoSuchCgroup "cgroup.procs" M StartRecording t1 "{'cgroup': <'$TOP/a/cgroup.procs'>}" "$NOOPT"
bad "cgroup path across a mount point" $IA "leaves the cgroup2 mount" M StartRecording t1 "{'cgroup': <'$TOP/mnt'>}" "$NOOPT"
bad "cgroup path through a symlink (inside that mount)" $IA "leaves the cgroup2 mount" M StartRecording t1 "{'cgroup': <'$TOP/mnt/escape/proc'>}" "$NOOPT"
if ln -s . "$CG2$TOP/a/link" 2>/dev/null; then
    bad "cgroup path through a symlink in cgroupfs" $IA "symbolic link" M StartRecording t1 "{'cgroup': <'$TOP/a/link'>}" "$NOOPT"
else
    pass "cgroupfs refuses symlinks (ln -s: $(ln -s . "$CG2$TOP/a/link" 2>&1 | sed 's/.*: //')): the ELOOP case cannot be reached, the mount-crossing one above stands for it"
fi
bad "pid 0" $IA "PID 0" M StartRecording t1 "{'pid': <uint32 0>}" "$NOOPT"
sleep 0 &
GONE=$!
wait "$GONE"
bad "pid of a process that exited ($GONE)" $E.NoSuchProcess "$GONE" M StartRecording t1 "{'pid': <uint32 $GONE>}" "$NOOPT"
bad "pid 4294967295" $IA "4294967295" M StartRecording t1 "{'pid': <uint32 4294967295>}" "$NOOPT"
bad "unit that does not exist" $E.NoSuchUnit "nonexistent-sysrec.service" M StartRecording t1 "{'unit': <'nonexistent-sysrec.service'>}" "$NOOPT"
bad "unit name with '/'" $IA "a/b.service" M StartRecording t1 "{'unit': <'a/b.service'>}" "$NOOPT"
bad "empty unit name" $IA "Invalid unit name" M StartRecording t1 "{'unit': <''>}" "$NOOPT"
bad "unit name of 300 characters" $IA "Invalid unit name" M StartRecording t1 "{'unit': <'$(rep u 292).service'>}" "$NOOPT"
bad "unit name without a type" $IA "foo" M StartRecording t1 "{'unit': <'foo'>}" "$NOOPT"

echo "# labels and options"
bad "labels {}" $IA "at least one label" M StartRecording t1 "{'labels': <@a{ss} {}>}" "$NOOPT"
bad "label key with '='" $IA "a=b" M StartRecording t1 "{'labels': <{'a=b': 'c'}>}" "$NOOPT"
bad "empty label key" $IA "Invalid key" M StartRecording t1 "{'labels': <{'': 'c'}>}" "$NOOPT"
bad "label key with a control character" $IA "Invalid key" M StartRecording t1 "{'labels': <{'a\\u0007': 'c'}>}" "$NOOPT"
bad "label value of 1025 characters" $IA "Invalid value of 'k'" M StartRecording t1 "{'labels': <{'k': '$(rep v 1025)'}>}" "$NOOPT"
bad "label key of 318 characters" $IA "Invalid key" M StartRecording t1 "{'labels': <{'$(rep k 318)': 'v'}>}" "$NOOPT"
bad "duplicate label key" $IA "Duplicate key 'a'" M StartRecording t1 "{'labels': <{'a': '1', 'a': '2'}>}" "$NOOPT"
bad "$((MAX_LABELS + 1)) labels (--max-labels=$MAX_LABELS)" $E.LimitExceeded "limit $MAX_LABELS" \
    M StartRecording t1 "{'labels': <{'a': '1', 'b': '2', 'c': '3', 'd': '4', 'e': '5'}>}" "$NOOPT"
huge=$(for ((i = 0; i < 5000; i++)); do printf "'k%d': 'v'," "$i"; done)
bad "5000 labels" $E.LimitExceeded "limit $MAX_LABELS" M StartRecording t1 "{'labels': <{${huge%,}}>}" "$NOOPT"
bad "unknown option" $IA "frobnicate" M StartRecording t1 "$TB" "{'frobnicate': <true>}"
bad "option descendants of type s" $IA "'descendants' must be of type 'b'" M StartRecording t1 "$TB" "{'descendants': <'yes'>}"
bad "option arguments of type u" $IA "'arguments' must be of type 'b'" M StartRecording t1 "$TB" "{'arguments': <uint32 1>}"
bad "option metadata of type a{sv}" $IA "'metadata' must be of type 'a{ss}'" M StartRecording t1 "$TB" "{'metadata': <{'a': <'b'>}>}"
bad "metadata with $((MAX_LABELS + 1)) entries" $E.LimitExceeded "option 'metadata'" \
    M StartRecording t1 "$TB" "{'metadata': <{'a': '1', 'b': '2', 'c': '3', 'd': '4', 'e': '5'}>}"
bad "metadata key with '='" $IA "x=y" M StartRecording t1 "$TB" "{'metadata': <{'x=y': '1'}>}"
many=$(for ((i = 0; i < 17; i++)); do printf "'publish': <false>,"; done)
bad "17 options" $E.LimitExceeded "Too many options" M StartRecording t1 "$TB" "{${many%,}}"

echo "# duplicates and state"
bad "duplicate recording name" $E.RecordingExists "good" M StartRecording good "$TB" "$NOOPT"
bad "cgroup already recorded by another recording" $E.CgroupBusy "good" M StartRecording t1 "{'cgroup': <'$TOP/a'>}" "$NOOPT"
bad "StopRecording of a recording that does not exist" $E.NoSuchRecording "nope" M StopRecording nope
bad "StopRecording '../x'" $IA "../x" M StopRecording "'../x'"
bad "StopRecording twice" $E.NotRecording "already stopped" M StopRecording finished
bad "Recording.Stop of a stopped recording" $E.NotRecording "already stopped" R finished Stop
bad "GetProfile format 'xml'" $IA "xml" M GetProfile good xml
bad "GetProfile format ''" $IA "Unknown profile format" M GetProfile good "''"
bad "GetProfile format of 64 KiB" $IA "Unknown profile format" M GetProfile good "'$(rep f 65536)'"
bad "GetProfile of a recording that does not exist" $E.NoSuchRecording "nope" M GetProfile nope oci
bad "Recording.GetProfile format 'xml'" $IA "xml" R good GetProfile xml
bad "RemoveRecording while it records" $E.RecordingActive "good" M RemoveRecording good
bad "RemoveRecording of a recording that does not exist" $E.NoSuchRecording "nope" M RemoveRecording nope
bad "RemoveRecording '..'" $IA "'..'" M RemoveRecording "'..'"

echo "# workloads"
bad "workload id with '/'" $IA "a/b" M RegisterWorkload "'a/b'" "$TOP/w" "{'app': 'x'}"
bad "workload id of 64 KiB" $IA "Invalid workload id" M RegisterWorkload "'$(rep i 65536)'" "$TOP/w" "{'app': 'x'}"
bad "duplicate workload id" $E.WorkloadExists "w1" M RegisterWorkload w1 "$TOP/w" "{'app': 'x'}"
bad "workload cgroup whose parent does not exist" $E.NoSuchCgroup "$TOP/nope/deeper" M RegisterWorkload w2 "$TOP/nope/deeper" "{'app': 'x'}"
bad "workload cgroup name too long to arm (300 characters)" $IA "Invalid cgroup path" M RegisterWorkload w2 "$TOP/$(rep c 300)" "{'app': 'x'}"
ok "a workload whose cgroup does not exist yet (parent does) is accepted" M RegisterWorkload w-later "$TOP/later" "{'app': 'x'}"
ok "... and unregistered" M UnregisterWorkload w-later
bad "workload cgroup '/../..'" $IA "/../.." M RegisterWorkload w2 "/../.." "{'app': 'x'}"
bad "workload label key with '='" $IA "a=b" M RegisterWorkload w2 "$TOP/w" "{'a=b': 'x'}"
bad "workload with $((MAX_LABELS + 1)) labels" $E.LimitExceeded "limit $MAX_LABELS" \
    M RegisterWorkload w2 "$TOP/w" "{'a': '1', 'b': '2', 'c': '3', 'd': '4', 'e': '5'}"
bad "UnregisterWorkload of an unknown id" $E.NoSuchWorkload "nope" M UnregisterWorkload nope
bad "UnregisterWorkload of a 64 KiB id" $E.NoSuchWorkload "No workload" M UnregisterWorkload "'$(rep i 65536)'"

echo "# wrong signatures, objects, members, properties"
DBI=org.freedesktop.DBus.Error
bad "StartRecording(s)" $DBI.InvalidArgs "expecting 'sa{sv}a{sv}'" D /org/sysrec1 org.sysrec1.Manager.StartRecording string:x
bad "StopRecording(i)" $DBI.InvalidArgs "expecting 's'" D /org/sysrec1 org.sysrec1.Manager.StopRecording int32:5
bad "GetProfile(s)" $DBI.InvalidArgs "expecting 'ss'" D /org/sysrec1 org.sysrec1.Manager.GetProfile string:good
bad "RegisterWorkload(ss)" $DBI.InvalidArgs "expecting 'ssa{ss}'" D /org/sysrec1 org.sysrec1.Manager.RegisterWorkload string:w9 string:/
bad "unknown method" $DBI.UnknownMethod "Frobnicate" D /org/sysrec1 org.sysrec1.Manager.Frobnicate
bad "unknown interface" $DBI.UnknownMethod "org.sysrec1.Nope" D /org/sysrec1 org.sysrec1.Nope.Stop
bad "unknown recording object" $DBI.UnknownObject "/org/sysrec1/recording/nope" D /org/sysrec1/recording/nope org.sysrec1.Recording.Stop
bad "Set of a read-only property" $DBI.PropertyReadOnly "Name" P "$(rec_path good)" Set org.sysrec1.Recording Name "<'x'>"
bad "Get of an unknown property" $DBI.UnknownProperty "Nope" P "$(rec_path good)" Get org.sysrec1.Recording Nope

echo "# limits"
for ((i = 2; i <= MAX_WL; i++)); do M RegisterWorkload "wl$i" "$TOP/w" "{'app': 'y'}"; done
bad "workload beyond --max-workloads=$MAX_WL" $E.LimitExceeded "limit $MAX_WL" M RegisterWorkload wl-over "$TOP/w" "{'app': 'y'}"
n=$(busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings | jq '.data[0] | length')
for ((i = n; i < MAX_REC; i++)); do
    M StartRecording "fill$i" "{'labels': <{'none': 'x'}>}" "$NOOPT"
done
bad "recording beyond --max-recordings=$MAX_REC" $E.LimitExceeded "limit $MAX_REC" M StartRecording over "{'labels': <{'none': 'y'}>}" "$NOOPT"
for ((i = n; i < MAX_REC; i++)); do
    M StopRecording "fill$i"
    M RemoveRecording "fill$i"
done

echo "# unprivileged caller (no polkit on this bus)"
chmod 711 "$WORK"
CALL_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
bad "StartRecording as nobody" $DBI.AccessDenied "org.sysrec1.record" M StartRecording nob "$TB" "$NOOPT"
bad "RemoveRecording as nobody" $DBI.AccessDenied "org.sysrec1.record" M RemoveRecording finished
bad "StopRecording as nobody" $DBI.AccessDenied "org.sysrec1.record" M StopRecording good
CALL_AS=
chmod 700 "$WORK"

echo "# what libraries do not let a client send"
RAWN=0
for hex in ff c3 c328 eda080 f4908080; do
    RAWN=$((RAWN + 1))
    got=$($PY "$RAW" utf8 "$hex" 2>&1)
    if [[ "$got" == disconnected* ]] && daemon_alive; then
        pass "name bytes $hex (invalid UTF-8): the bus drops the caller (no error name, connection closed); sysrecd unaffected"
    else
        fail "name bytes $hex (invalid UTF-8)" "caller got: $got"
    fi
done
RAWN=$((RAWN + 1))
got=$($PY "$RAW" garbage 2>&1)
if [[ "$got" == disconnected* ]] && daemon_alive; then
    pass "garbage message header: caller disconnected by the bus; sysrecd unaffected"
else
    fail "garbage message header" "caller got: $got"
fi
got=$($PY "$RAW" utf8 "$(printf 'raw-ok' | od -An -tx1 | tr -d ' \n')" 2>&1)
expect_eq "the raw client with a valid name gets its error name (the raw path works)" "${got%%:*}" \
    "error $E.NoSuchCgroup"

echo "# clients that vanish in the middle of their calls"
keep_cgroups $(for i in $(seq 0 39); do echo "$TOP/van/$i"; done) || exit 2
VANN=0
for d in 0 0 1 2 5 10 20 50; do
    VANN=$((VANN + 5))
    $PY "$RAW" vanish "$TOP/van" 5 "van$d" "$d" >/dev/null 2>&1
done
sleep 0.5
if daemon_alive; then pass "sysrecd alive after 40 StartRecording calls whose callers vanished"; else fail "sysrecd died"; fi
vanished=$(busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings |
    jq -r '.data[0][] | select(.[0] | startswith("van")) | .[0]')
note "recordings the vanished callers left: $(wc -w <<<"$vanished") of 40 (a call read after its caller is gone" \
    "is refused: the caller's credentials went with it, so sysrecd falls back to polkit)"
for n in $vanished; do
    st=$(rec_state "$n")
    if [[ "$st" == recording ]] && M StopRecording "$n" && ((RC == 0)) && M RemoveRecording "$n" && ((RC == 0)); then
        :
    else
        fail "recording '$n' a vanished caller started is usable" "state '$st', '$ERRNAME': $ERRMSG"
    fi
done
pass "every recording a vanished caller started could be stopped and removed"

echo "# afterwards"
expect_true "sysrecd is alive" daemon_alive
ok "a new recording starts on $TOP/c" M StartRecording after "{'cgroup': <'$TOP/c'>}" "$NOOPT"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/c" 309 27 777
ok "and stops" M StopRecording after
expect_eq "and its profile has what ran (getcpu mincore @777)" \
    "$(missing_from "$(names_of 309 27 777)" "$(profile_names "$STATE/profiles/after.json")")" ""
# The longest name the API accepts must work end to end: its profile and its saved
# state are files named after it (and their temp files are longer still).
M StartRecording "'$(rep n 300)'" "$TB" "$NOOPT"
NMAX=$(sed -n 's/.*{0,\([0-9]*\)}.*/\1/p' <<<"$ERRMSG")
NMAX=$((${NMAX:-252} + 1))
LONG=$(rep N "$NMAX")
bad "name of $((NMAX + 1)) characters (one more than the documented maximum)" $IA "Invalid recording name" \
    M StartRecording "'$(rep N $((NMAX + 1)))'" "$TB" "$NOOPT"
ok "a name of $NMAX characters (the documented maximum) starts" M StartRecording "$LONG" "{'cgroup': <'$TOP/b'>}" "$NOOPT"
expect_true "... and is saved for a restart (recordings/<name>.json)" test -e "$STATE/recordings/$LONG.json"
M StopRecording "$LONG"
expect_eq "... and its profile can be written (StopRecording)" "$RC $ERRNAME" "0 "
[[ "$RC" == 0 ]] || note "${ERRMSG:0:240}"

# Clean up everything, then nothing may be left in the kernel.
for n in $(busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings | jq -r '.data[0][][0]'); do
    M StopRecording "$n"
    M RemoveRecording "$n"
done
expect_eq "no recording left" "$(busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings | jq '.data[0] | length')" 0
expect_eq "nothing tracked in the kernel" "$(mprop TrackedCgroups)" 0
expect_eq "programs detached" "$(mprop ProgramsAttached)" false

escaped=$(find / -xdev -newer "$MARK" -name "*$ESC*" 2>/dev/null | head -n 5)
expect_eq "no file named after a hostile name anywhere on /" "$escaped" ""
odd=$(find "$STATE" -newer "$MARK" -mindepth 1 ! -path "$STATE/profiles" ! -path "$STATE/recordings" \
    ! -regex "$STATE/\(profiles\|recordings\)/[A-Za-z0-9][A-Za-z0-9._-]*\.json" 2>/dev/null | head -n 5)
expect_eq "state directory holds only <state>/{profiles,recordings}/<valid name>.json" "$odd" ""
outside=$(find "$WORK" -newer "$MARK" -mindepth 1 ! -path "$STATE*" ! -path "$WORK/d/*" ! -path "$WORK/keeper*" \
    ! -name 'gcall.err' ! -name 'dcall.err' 2>/dev/null | head -n 5)
expect_eq "nothing else written in the work directory" "$outside" ""

note "bad calls tried: $TRIED from the table, $RAWN raw messages, $VANN calls of vanishing clients"
rel_daemon_stop
check_daemon_logs "$SYSRECD_LOG"
check_summary
