#!/bin/bash
# sysrecctl behaves like a systemd tool at a terminal and in scripts:
#   - --help and --version of sysrecctl, sysrecd and sysrec-k8s-sync;
#   - colours (the recording state in `list`, its underlined header, errors in red) on
#     a pseudo-terminal (script(1)), and never on a pipe, with NO_COLOR, with
#     SYSTEMD_COLORS=0 or with TERM=dumb; SYSTEMD_COLORS=1 forces them;
#   - the pager: $PAGER (a script that notes each call and the LESS it got) runs for
#     `list`, `profile` and --help on a terminal, $SYSTEMD_PAGER wins over $PAGER, and
#     it does not run with --no-pager, on a pipe, or for a binary profile;
#   - --no-legend, --json=short|pretty (valid JSON, the same document), and exit codes
#     as systemctl's: 0, 1 failure (no daemon), 2 usage, 4 no such recording.
# sysrecd runs on a private bus. Root only. Prints PASS/FAIL lines and `N passed, N failed`.
set -uo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/cli/lib.sh
source "$SRC/tests/cli/lib.sh"
cli_setup cli-conventions "sysrecd, cgroups" script jq
CTL=$SYSREC_BUILD/src/sysrecctl/sysrecctl
VERSION=$(meson introspect --projectinfo "$SYSREC_BUILD" | jq -r .version)
ESC=$'\033'

# run [tty] ENV... -- ARGS...: sysrecctl with a clean colour/pager environment, on a pipe
# or (tty) on a pseudo-terminal; sets OUT (stdout and stderr) and RC.
run() {
        local tty= envs=(TERM=xterm)
        [ "$1" = tty ] && { tty=1; shift; }
        while [ "$1" != -- ]; do envs+=("$1"); shift; done
        shift
        local cmd=(env -u NO_COLOR -u SYSTEMD_COLORS -u PAGER -u SYSTEMD_PAGER -u LESS -u SYSTEMD_LESS
                   -u LANGUAGE LANG=C.UTF-8 "${envs[@]}" "$CTL" "$@")
        if [ -n "$tty" ]; then
                OUT=$(script -q -e -c "$(printf '%q ' "${cmd[@]}")" /dev/null </dev/null 2>&1 | tr -d '\r')
                RC=${PIPESTATUS[0]}
        else
                OUT=$("${cmd[@]}" 2>&1 </dev/null)
                RC=$?
        fi
}
has() { grep -qF -- "$1" <<<"$OUT"; }
expect() { if eval "$2"; then pass "$1"; else fail "$1 (exit $RC)"; sed 's/^/    /' <<<"$OUT" | cat -v | head -6; fi; }

# --help and --version everywhere.
for bin in "$CTL" "$SYSREC_BUILD/src/sysrecd/sysrecd" "$SYSREC_BUILD/src/k8s-sync/sysrec-k8s-sync"; do
        name=$(basename "$bin")
        OUT=$("$bin" --version 2>&1); RC=$?
        expect "$name --version prints '$name $VERSION', exit 0" "[ $RC -eq 0 ] && [ \"\$OUT\" = '$name $VERSION' ]"
        OUT=$("$bin" --help 2>&1 </dev/null); RC=$?
        expect "$name --help prints its synopsis, exit 0" "[ $RC -eq 0 ] && grep -q '^$name \[OPTIONS' <<<\"\$OUT\""
        OUT=$("$bin" --no-such-option 2>&1 </dev/null); RC=$?
        expect "$name refuses an unknown option with a non-zero exit" "[ $RC -ne 0 ]"
done

cli_sysrecd
run -- start live --cgroup="$CG_PATH"
expect "start a recording" "[ $RC -eq 0 ]"

# Colours.
# --no-pager: less would add its own escape sequences (and wait for a key on long lines).
run tty -- list --no-pager
expect "tty: 'recording' is green" "has '${ESC}[0;32mrecording${ESC}[0m'"
expect "tty: the header is underlined" "has '${ESC}[0;4mNAME'"
run tty -- stop nosuch --no-pager
expect "tty: an error is red, exit 4" "[ $RC -eq 4 ] && has '${ESC}[0;1;31mFailed to stop recording:'"
run -- list
expect "pipe: no escape sequence at all" "[ $RC -eq 0 ] && has 'recording' && ! has '$ESC'"
run -- stop nosuch
expect "pipe: the error has no escape sequence" "[ $RC -eq 4 ] && has 'Failed to stop recording' && ! has '$ESC'"
for envv in NO_COLOR=1 SYSTEMD_COLORS=0 TERM=dumb; do
        run tty "$envv" -- list --no-pager
        expect "tty with $envv: no escape sequence in list" "[ $RC -eq 0 ] && has 'recording' && ! has '$ESC'"
        run tty "$envv" -- stop nosuch
        expect "tty with $envv: no escape sequence in an error" "has 'Failed to stop' && ! has '$ESC'"
done
run tty NO_COLOR=1 SYSTEMD_COLORS=1 -- list --no-pager
expect "NO_COLOR wins over SYSTEMD_COLORS=1" "! has '$ESC'"
run SYSTEMD_COLORS=1 -- list
expect "SYSTEMD_COLORS=1 forces colours on a pipe" "has '${ESC}[0;32mrecording'"

# The pager.
cat >"$TMP/pager" <<PAGER
#!/bin/sh
echo "pager LESS=\$LESS" >>"$TMP/pager.calls"
cat
PAGER
sed "s/^echo \"pager /echo \"systemd-pager /" "$TMP/pager" >"$TMP/systemd-pager"
chmod +x "$TMP/pager" "$TMP/systemd-pager"
calls() { cat "$TMP/pager.calls" 2>/dev/null; rm -f "$TMP/pager.calls"; }
run tty PAGER="$TMP/pager" -- list
c=$(calls)
expect "tty: list goes through \$PAGER, with LESS=FRSXMK" "[ \"\$c\" = 'pager LESS=FRSXMK' ] && has 'live'"
run tty PAGER="$TMP/pager" -- profile live
c=$(calls)
expect "tty: profile goes through \$PAGER" "[ \"\$c\" = 'pager LESS=FRSXMK' ] && has 'defaultAction'"
run tty PAGER="$TMP/pager" -- --help
c=$(calls)
expect "tty: --help goes through \$PAGER" "[ -n \"\$c\" ] && has 'Commands:'"
run tty PAGER="$TMP/pager" SYSTEMD_PAGER="$TMP/systemd-pager" SYSTEMD_LESS=R -- list
c=$(calls)
expect "\$SYSTEMD_PAGER wins over \$PAGER, \$SYSTEMD_LESS over FRSXMK" "[ \"\$c\" = 'systemd-pager LESS=R' ]"
run tty PAGER="$TMP/pager" -- list --no-pager
c=$(calls)
expect "tty with --no-pager: no pager, the output is still there" "[ -z \"\$c\" ] && has 'live'"
run tty PAGER=cat -- list
expect "PAGER=cat: no pager, output as usual" "[ $RC -eq 0 ] && has 'live'"
run PAGER="$TMP/pager" -- list
c=$(calls)
expect "pipe: no pager" "[ -z \"\$c\" ] && has 'live'"
run tty PAGER="$TMP/pager" -- profile live --format=bpf
c=$(calls)
expect "tty: a binary profile is refused, not paged" "[ -z \"\$c\" ] && [ $RC -eq 1 ] && has 'binary profile'"

# Legend and JSON.
run -- list --no-legend
expect "--no-legend: no header, no footer" "[ $RC -eq 0 ] && ! has 'NAME' && ! has 'listed' && grep -qE '^live +recording' <<<\"\$OUT\""
run -- list --json=short
short=$OUT
expect "--json=short: one line of valid JSON" "[ \$(wc -l <<<\"\$OUT\") -eq 1 ] && jq -e '.[0].name == \"live\" and .[0].state == \"recording\"' <<<\"\$OUT\" >/dev/null"
run -- list --json=pretty
expect "--json=pretty: the same document, indented" "[ \$(wc -l <<<\"\$OUT\") -gt 3 ] && [ \"\$(jq -S . <<<\"\$OUT\")\" = \"\$(jq -S . <<<\"\$short\")\" ]"
run tty -- list --json=short --no-pager
expect "--json on a terminal has no colours" "! has '$ESC' && jq -e . <<<\"\$OUT\" >/dev/null"

# Exit codes.
run -- --no-such-option
expect "exit 2 for an unknown option" "[ $RC -eq 2 ]"
run -- frobnicate
expect "exit 2 for an unknown command" "[ $RC -eq 2 ] && has \"Unknown command 'frobnicate'\""
for verb in stop profile show; do
        run -- $verb nosuch
        expect "exit 4 for an unknown recording ($verb)" "[ $RC -eq 4 ]"
done
run DBUS_SYSTEM_BUS_ADDRESS=unix:path="$TMP/no-bus" -- list
expect "exit 1 when the bus cannot be reached" "[ $RC -eq 1 ]"
run -- stop live
expect "exit 0 on success" "[ $RC -eq 0 ] && has \"Recording 'live' stopped.\""
run -- list --no-legend
expect "list: a stopped recording is shown uncoloured as stopped" "grep -qE '^live +stopped ' <<<\"\$OUT\""

cli_done
