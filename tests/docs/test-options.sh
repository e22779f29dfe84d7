#!/bin/bash
# sysrecctl's long options agree in the three places a user finds them: the options
# getopt takes (read from --help), the man page's source (man/sysrecctl.1.scd) and
# the bash completion's option list. An option missing from one of them fails, named.
# Each option that takes a value must be completed with its '='.
set -uo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"
CTL=$SYSREC_BUILD/src/sysrecctl/sysrecctl
MAN=$SRC/man/sysrecctl.1.scd
COMPL=$SRC/shell-completion/bash/sysrecctl

# --help's option column: "--name" or "--name=VALUE" (kept with its '=' if it has one).
help_opts=$(LANG=C "$CTL" --help --no-pager | grep -oE '^ +(-[a-z] )? *--[a-z-]+=?' | grep -oE -- '--[a-z-]+=?' | sort -u)
compl_opts=$(sed -n "/local opts='/,/'/p" "$COMPL" | grep -oE -- '--[a-z-]+=?' | sort -u)
man_opts=$(grep -oE -- '\*--[a-z-]+(=?)' "$MAN" | tr -d '*' | sort -u)

expect_true "--help lists options ($(wc -l <<<"$help_opts"))" test "$(wc -l <<<"$help_opts")" -gt 20
for o in $help_opts; do
        bare=${o%=}
        if grep -qx -- "$o" <<<"$compl_opts"; then
                pass "completion offers $o"
        else
                fail "completion offers $o" "$(grep -x -- "$bare=\?" <<<"$compl_opts" || echo absent)"
        fi
        if grep -qxE -- "$bare=?" <<<"$man_opts"; then
                pass "the man page documents $bare"
        else
                fail "the man page documents $bare"
        fi
done
for o in $compl_opts; do
        grep -qx -- "$o" <<<"$help_opts" || fail "completion's $o is an option of sysrecctl --help"
done
check_summary
