#!/bin/bash
#
# demo/client.sh PORT — drive the demo nginx on 127.0.0.1:PORT the way a test suite
# would: a handful of HTTP requests with curl, each checked for its status code and body.
# Prints one line per request that passed; on the first failure prints which request
# failed and why on stderr and exits 1 (2 on a usage error).

set -euo pipefail

# shellcheck source=demo/workload.sh
source "$(dirname "${BASH_SOURCE[0]}")/workload.sh"

if (($# != 1)) || [[ ! "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 PORT" >&2
    exit 2
fi
PORT=$1
BASE="http://127.0.0.1:$PORT"

WORK=$(mktemp -d /tmp/sysrec-client.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Report the failing request and stop.
fail() {
    echo "client.sh: request '$1' failed: $2" >&2
    exit 1
}

# Report a passing request.
ok() {
    echo "ok: $1"
}

# curl with the options every request uses; never through a proxy.
hcurl() {
    curl --silent --show-error --noproxy '*' --max-time 10 "$@"
}

# Run hcurl for request NAME, failing the request if curl itself fails; prints curl's -w.
do_curl() {
    local name=$1 out
    shift
    out=$(hcurl "$@" 2>"$WORK/curl.err") || fail "$name" "$(tr '\n' ' ' <"$WORK/curl.err")"
    printf '%s\n' "$out"
}

# Fail request NAME unless file GOT has the same bytes as file WANT.
same_body() {
    local name=$1 got=$2 want=$3
    cmp -s "$got" "$want" ||
        fail "$name" "body differs from the expected one ($(wc -c <"$got") bytes received, $(wc -c <"$want") expected)"
}

demo_big_content >"$WORK/big.expected"

# 1. GET / : the index page.
name="GET /"
code=$(do_curl "$name" -o "$WORK/index" -w '%{http_code}' "$BASE/")
[[ "$code" == 200 ]] || fail "$name" "status $code, expected 200"
grep -qF "$DEMO_INDEX_MARKER" "$WORK/index" || fail "$name" "body lacks '$DEMO_INDEX_MARKER'"
ok "$name"
index_size=$(wc -c <"$WORK/index")

# 2. GET /big.bin : a 1 MiB file, checked byte for byte.
name="GET /big.bin"
out=$(do_curl "$name" -o "$WORK/big" -w '%{http_code} %{content_type}' "$BASE/big.bin")
read -r code ctype <<<"$out"
[[ "$code" == 200 ]] || fail "$name" "status $code, expected 200"
[[ "$(wc -c <"$WORK/big")" == "$DEMO_BIG_SIZE" ]] ||
    fail "$name" "$(wc -c <"$WORK/big") bytes received, expected $DEMO_BIG_SIZE"
same_body "$name" "$WORK/big" "$WORK/big.expected"
ok "$name ($DEMO_BIG_SIZE bytes, ${ctype:-no content type})"

# 3. HEAD / : headers only, the index's length, no body.
name="HEAD /"
out=$(do_curl "$name" --head -o /dev/null -D "$WORK/head.hdr" \
    -w '%{http_code} %{size_download}' "$BASE/")
read -r code size <<<"$out"
[[ "$code" == 200 ]] || fail "$name" "status $code, expected 200"
[[ "$size" == 0 ]] || fail "$name" "$size body bytes received, expected none"
clen=$(tr -d '\r' <"$WORK/head.hdr" | awk 'tolower($1) == "content-length:" {print $2}')
[[ "$clen" == "$index_size" ]] || fail "$name" "Content-Length '$clen', expected $index_size"
ok "$name"

# 4. GET of a missing file: 404.
name="GET /no-such-file.html"
code=$(do_curl "$name" -o "$WORK/missing" -w '%{http_code}' "$BASE/no-such-file.html")
[[ "$code" == 404 ]] || fail "$name" "status $code, expected 404"
grep -q '404 Not Found' "$WORK/missing" || fail "$name" "body lacks '404 Not Found'"
ok "$name"

# 5. GET with a query string: the same index page.
name="GET /index.html?lang=en&q=sysrec+demo"
code=$(do_curl "$name" -o "$WORK/query" -w '%{http_code}' "$BASE/index.html?lang=en&q=sysrec+demo")
[[ "$code" == 200 ]] || fail "$name" "status $code, expected 200"
same_body "$name" "$WORK/query" "$WORK/index"
ok "$name"

# 6. Two requests on one kept-alive connection: the second must not open a new one.
name="keep-alive GET /index.html + GET /big.bin"
out=$(do_curl "$name" -o "$WORK/ka1" -o "$WORK/ka2" \
    -w '%{http_code} %{num_connects}\n' "$BASE/index.html" "$BASE/big.bin")
mapfile -t lines <<<"$out"
((${#lines[@]} == 2)) || fail "$name" "expected 2 transfers, curl reported ${#lines[@]}"
read -r code1 conn1 <<<"${lines[0]}"
read -r code2 conn2 <<<"${lines[1]}"
[[ "$code1" == 200 && "$code2" == 200 ]] || fail "$name" "statuses $code1 and $code2, expected 200 and 200"
[[ "$conn1" == 1 && "$conn2" == 0 ]] ||
    fail "$name" "connections opened: $conn1 then $conn2, expected 1 then 0 (connection not reused)"
same_body "$name (first)" "$WORK/ka1" "$WORK/index"
same_body "$name (second)" "$WORK/ka2" "$WORK/big.expected"
ok "$name"

echo "client.sh: all requests to $BASE passed"
