#!/bin/bash
# The manual pages build and man(1) renders each of them with its NAME section.
set -euo pipefail
: "${SYSREC_BUILD:?}"
passed=0 failed=0
check() { if eval "$2"; then echo "PASS: $1"; passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi; }
for page in sysrecd.8 sysrecctl.1 sysrec-k8s-sync.8 org.sysrec1.5; do
        f=$SYSREC_BUILD/man/$page
        check "$page was built" "[ -s '$f' ]"
        out=$(MANWIDTH=80 man -l "$f" 2>&1 | col -b || true)
        name=${page%.*}
        check "man -l $page renders its NAME section" "grep -q '^NAME' <<<\"\$out\" && grep -q '$name -' <<<\"\$out\""
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
