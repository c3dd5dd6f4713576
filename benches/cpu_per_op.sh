#!/usr/bin/env bash
# benches/cpu_per_op.sh - helpers for measuring server CPU time per operation.
#
# A small library, meant to be `source`d by the echo comparison script:
#
#   source benches/cpu_per_op.sh
#   pid=$(start_pinned 0 target/release/examples/peer_tokio_echo --addr 127.0.0.1:20001 2>tokio.log)
#   wait_port 127.0.0.1 20001 5
#   t0=$(cpu_ticks "$pid")  ...offer load...  t1=$(cpu_ticks "$pid")
#   echo "cpu seconds: $(( t1 - t0 )) / $(clk_tck)"  rss: "$(rss_kib "$pid") KiB"
#
# Run it directly (bash benches/cpu_per_op.sh) for a tiny self-check.
# Everything here is Linux- and loopback-only, and safe under `set -euo pipefail`
# (it sets no shell options itself when sourced).

# cpu_ticks PID -> utime+stime of PID (all threads), in clock ticks.
# /proc/PID/stat is "pid (comm) state ppid ...". comm may contain spaces and
# even ')' so we cut after the LAST ')'; what remains starts at field 3 (state),
# hence utime (field 14) and stime (field 15) are entries 11 and 12.
cpu_ticks() {
    local pid=$1 stat
    local -a f
    stat=$(<"/proc/$pid/stat") || return 1
    read -r -a f <<<"${stat##*\)}"
    echo $((f[11] + f[12]))
}

# clk_tck -> clock ticks per second (the unit of cpu_ticks), usually 100.
clk_tck() {
    getconf CLK_TCK
}

# rss_kib PID -> resident set size of PID in KiB (VmRSS from /proc/PID/status).
rss_kib() {
    local pid=$1 key value _unit
    while read -r key value _unit; do
        if [[ $key == "VmRSS:" ]]; then
            echo "$value"
            return 0
        fi
    done <"/proc/$pid/status"
    echo "rss_kib: no VmRSS for pid $pid" >&2
    return 1
}

# server_cmd NAME -> the command line (without --addr) that starts the server
# compare.sh and profile.sh call NAME; the binaries are in $BIN.
server_cmd() {
    case $1 in
        evloop) echo "$BIN/tcp_echo_server" ;;
        evloop-2shards) echo "$BIN/tcp_echo_server --threads 2" ;;
        # The same echo as `async fn` on the same reactor (evloop::rt).
        evloop-async) echo "$BIN/async_echo_server" ;;
        evloop-async-2shards) echo "$BIN/async_echo_server --threads 2" ;;
        tokio) echo "$BIN/peer_tokio_echo" ;;
        tokio-mt2) echo "$BIN/peer_tokio_echo --threads 2" ;;
        std-threads) echo "$BIN/peer_std_echo" ;;
        mio) echo "$BIN/peer_mio_echo" ;;
        epoll-floor) echo "$BIN/peer_epoll_floor" ;;
        # Request lines on (buffered, to /dev/null), and off.
        evloop-http) echo "$BIN/http_server" ;;
        evloop-http-quiet) echo "$BIN/http_server --quiet" ;;
        # Canned responses without parsing: on evloop (what parsing costs)
        # and from the bare epoll floor (what any server must cost).
        evloop-canned) echo "$BIN/echo_bench --mode serve-http-floor" ;;
        epoll-floor-http) echo "$BIN/peer_epoll_floor --http" ;;
        evloop-udp) echo "$BIN/udp_echo_server --quiet" ;;
        tokio-udp) echo "$BIN/peer_tokio_echo --udp" ;;
        epoll-floor-udp) echo "$BIN/peer_epoll_udp_floor" ;;
        epoll-floor-udp-batch) echo "$BIN/peer_epoll_udp_floor --batch" ;;
    esac
}

# start_pinned CPU CMD [ARGS...] -> starts CMD in the background pinned to CPU
# (taskset -c) and echoes its PID; the PID is also left in START_PINNED_PID.
# taskset execs CMD, so the PID is CMD's own. CMD's stdout goes to stderr so
# that `pid=$(start_pinned ...)` returns at once instead of waiting for CMD to
# close the captured pipe; redirect the call's stderr to keep CMD's output.
start_pinned() {
    local cpu=$1
    shift
    if ! taskset -c "$cpu" true; then
        echo "start_pinned: cannot pin to CPU $cpu" >&2
        return 1
    fi
    taskset -c "$cpu" "$@" >&2 </dev/null &
    START_PINNED_PID=$!
    echo "$START_PINNED_PID"
}

# wait_port HOST PORT TIMEOUT_S -> returns 0 once HOST:PORT accepts a TCP
# connection, 1 after about TIMEOUT_S seconds (polled every 50 ms).
wait_port() {
    local host=$1 port=$2 timeout_s=$3 tries
    case $host in
        127.* | localhost | ::1) ;;
        *)
            echo "wait_port: loopback only, refusing $host" >&2
            return 2
            ;;
    esac
    tries=$((timeout_s * 20))
    while ((tries > 0)); do
        # The probe connection is opened and closed in a subshell.
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
        tries=$((tries - 1))
    done
    echo "wait_port: $host:$port not accepting after ${timeout_s}s" >&2
    return 1
}

# Self-check, only when executed directly (not when sourced).
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    pid=$(start_pinned 0 sleep 2)
    sleep 0.2
    echo "self-check: sleep 2 pinned as pid $pid, affinity: $(taskset -pc "$pid" | sed 's/.*: //')"
    echo "self-check: clk_tck=$(clk_tck) cpu_ticks=$(cpu_ticks "$pid") rss_kib=$(rss_kib "$pid")"
    kill "$pid" 2>/dev/null || true
fi
