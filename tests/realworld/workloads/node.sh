#!/bin/bash
# node: node-test.mjs under Node's own test runner (node --test, which runs each test
# file in a child node process and reports TAP-like results). Usage: node.sh DIR (DIR
# is made afresh). Exits non-zero if a test fails.
set -euo pipefail
dir=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$dir" && mkdir -p "$dir/files"
export RW_DIR=$dir/files HOME=$dir
out=$(node --test --test-reporter=tap "$here/node-test.mjs")
grep -q '^# pass 5$' <<<"$out" && grep -q '^# fail 0$' <<<"$out" || { echo "$out" >&2; exit 1; }
rm -rf "$dir"
echo "node: ok"
