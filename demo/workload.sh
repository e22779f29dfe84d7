# shellcheck shell=bash
#
# demo/workload.sh — helpers for the nginx demo workload that sysrec records.
#
# Source this file from a bash script (it does not change shell options; the functions
# are safe under `set -euo pipefail`):
#   demo_prepare_webroot DIR          write DIR/index.html and the 1 MiB DIR/big.bin
#   demo_write_nginx_conf OUT PORT DIR [TEMPLATE]
#                                     fill in demo/nginx.conf (@PORT@, @DIR@) into OUT and
#                                     create DIR/logs; DIR/www is the webroot
#   demo_nginx_cmd CONF               print the nginx command line to run in a container
#   demo_wait_port PORT TIMEOUT       wait up to TIMEOUT seconds for 127.0.0.1:PORT to
#                                     accept connections
#   demo_free_port                    print a TCP port nothing listens on
#   demo_big_content                  print the content of big.bin (for checking it)
#   DEMO_INDEX_MARKER, DEMO_BIG_SIZE  what the index page contains, big.bin's size

if [[ -n "${_SYSREC_DEMO_WORKLOAD_SH:-}" ]]; then
    return 0
fi
_SYSREC_DEMO_WORKLOAD_SH=1

DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
DEMO_INDEX_MARKER='sysrec demo: it works'
DEMO_BIG_SIZE=1048576

# Print the 1 MiB content of big.bin: a fixed text line repeated, so a client can check
# the body it received without reading the file.
demo_big_content() {
    # `yes` is killed by SIGPIPE once head has enough; hide that from pipefail.
    { yes 'sysrec demo payload 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ' || true; } |
        head -c "$DEMO_BIG_SIZE"
}

# Write the files the demo serves into DIR (created if needed): index.html and big.bin.
demo_prepare_webroot() {
    local dir=$1
    mkdir -p "$dir"
    cat >"$dir/index.html" <<HTML
<!DOCTYPE html>
<html>
<head><title>sysrec demo</title></head>
<body>
<p>$DEMO_INDEX_MARKER</p>
</body>
</html>
HTML
    demo_big_content >"$dir/big.bin"
}

# Fill in the nginx.conf template (default: demo/nginx.conf next to this file) for PORT
# and DIR, write it to OUT, and create DIR/logs. DIR must not contain '|', '&' or blanks.
demo_write_nginx_conf() {
    local out=$1 port=$2 dir=$3 template=${4:-$DEMO_DIR/nginx.conf}
    if [[ ! "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
        echo "demo_write_nginx_conf: bad port '$port'" >&2
        return 2
    fi
    if [[ "$dir" == *[\|\&[:space:]]* ]]; then
        echo "demo_write_nginx_conf: unsupported characters in '$dir'" >&2
        return 2
    fi
    mkdir -p "$dir/logs"
    sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "$template" >"$out"
}

# Print the command line that runs nginx with configuration CONF in a container, one
# line, words separated by blanks (read it with `read -ra`). The configuration itself
# keeps nginx in the foreground (daemon off), so no -g override is needed.
demo_nginx_cmd() {
    local conf=$1 nginx
    if [[ "$conf" == *[[:space:]]* ]]; then
        echo "demo_nginx_cmd: blanks in '$conf' are not supported" >&2
        return 2
    fi
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
    printf '%s -c %s\n' "$nginx" "$conf"
}

# Wait until 127.0.0.1:PORT accepts a TCP connection; give up after TIMEOUT seconds
# (default 10) and return 1.
demo_wait_port() {
    local port=$1 timeout=${2:-10} i
    for ((i = 0; i < timeout * 20; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    echo "demo_wait_port: nothing accepts connections on 127.0.0.1:$port after ${timeout}s" >&2
    return 1
}

# Print a TCP port in 20000-39999 that nothing listens on (racy by nature, but enough for
# tests that start a server right away).
demo_free_port() {
    local port i
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    echo "demo_free_port: no free port found" >&2
    return 1
}
