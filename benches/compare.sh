#!/usr/bin/env bash
# benches/compare.sh - the echo comparison: evloop (callbacks and async/await
# on the same reactor) vs tokio, std threads, bare mio and a raw-epoll floor,
# under the same load, on loopback.
#
#   bash benches/compare.sh              # full run: ROUNDS=5, 10 s per run (~80 min; WORKLOADS= for a subset)
#   QUICK=1 bash benches/compare.sh      # smoke test: 1 round, 2 s per run, no l (~5 min)
#   ROUNDS=3 DURATION=5 bash benches/compare.sh
#
# Method: each server is pinned to CPU 0 (taskset), the load generator
# (examples/echo_bench, itself an evloop client) to CPU 1. Every workload
# offers a FIXED rate (except the ping-pong one), so each server does the
# same work and its CPU time is comparable: server CPU-µs per op =
# (utime+stime ticks from /proc/PID/stat over the whole echo_bench run /
# CLK_TCK) / operations completed in that run. Within a round the servers
# are interleaved (their order rotated each round); the report gives the
# median over ROUNDS. Memory: server RSS growth with IDLE_CONNS idle
# connections open, per connection.
#
# Scaling (workloads s, sw and t): evloop with 1 and 2 shards (`--threads 2`,
# SO_REUSEPORT) and tokio with its current-thread and multi-thread (2 workers)
# runtimes: s at the same total rate, sw at the same rate per shard (2 shards
# get twice the connections and the rate), t as fast as possible. There the servers are not pinned to one CPU: they and the load
# generator share CPUs SCALE_CPUS (default 0,1), so on a 2-core machine the
# client competes with the server for the same cores; results.md says so
# next to the figures. (Go with GOMAXPROCS=2 is not compared: this repository
# has no Go seed server.)
#
# UDP (e, f): `udp_echo_server --quiet` against tokio's UDP echo
# (`peer_tokio_echo --udp`) and the bare epoll floor per datagram and batched
# (`peer_epoll_udp_floor [--batch]`): a fixed rate, and bursts of 16 from 16
# sockets as fast as possible (`echo_bench --burst`; a lost datagram is given
# up after 50 ms so that one drop does not stall its socket for long).
# Churn (g): one connection per op (`echo_bench --mode tcp-churn`) at a fixed
# rate for every echo peer; the server's fds and RSS before and after each
# run are recorded (growth = a leak). HTTP (d): `http_server` with its request
# lines on (to /dev/null: still one buffered write per 32 KiB) and `--quiet`.
# Tail latency (l): for the shapes of a, d, e and g, each server's highest
# rate is found (a short unpaced run), then p50/p99/p99.9 are measured at 70%
# of it; the fixed-rate workloads give the same percentiles at a common rate.
#
# Output: benches/results.md and benches/cpu_per_op.svg (benches/report.py);
# raw rows and server logs in target/bench-compare/. A QUICK
# smoke run writes its results.md and chart to target/bench-compare/ too, so
# it never overwrites the committed full-run results (RESULTS_DIR overrides
# where they go). Every run is bounded in time.
# Environment: QUICK, ROUNDS, DURATION, WARMUP, IDLE_CONNS, RATE_A, RATE_B,
# RATE_D, RATE_E, RATE_G, RATE_S, SCALE_CPUS; WORKLOADS (default
# "a b c d e f g l s sw t mem", with QUICK=1 "a b c d e f g s sw t mem": run a subset);
# REPORT_ONLY=1 (only rebuild results.md and the chart from the raw rows).

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=benches/cpu_per_op.sh
source benches/cpu_per_op.sh

if [[ ${QUICK:-0} == 1 ]]; then
    ROUNDS=1 DURATION=${DURATION:-2} WARMUP=0.5 IDLE_HOLD=3
    WORKLOADS=${WORKLOADS:-a b c d e f g s sw t mem} # not l: two runs per server
else
    ROUNDS=${ROUNDS:-5} DURATION=${DURATION:-10} WARMUP=${WARMUP:-1} IDLE_HOLD=5
fi
IDLE_CONNS=${IDLE_CONNS:-5000}
RATE_A=${RATE_A:-40000} RATE_B=${RATE_B:-100000} RATE_D=${RATE_D:-20000} RATE_E=${RATE_E:-60000}
RATE_G=${RATE_G:-5000}
RATE_S=${RATE_S:-40000}
OUT=${OUT:-target/bench-compare}
if [[ ${QUICK:-0} == 1 ]]; then
    RESULTS_DIR=${RESULTS_DIR:-$OUT}
else
    RESULTS_DIR=${RESULTS_DIR:-benches}
fi
WORKLOADS=" ${WORKLOADS:-a b c d e f g l s sw t mem} "
wants() { [[ $WORKLOADS == *" $1 "* ]]; }
export RUST_LOG=warn # servers and echo_bench: log trouble only
BIN=target/release/examples
RAW=$OUT/raw.tsv
SERVER_CPU=0 CLIENT_CPU=1
if (($(nproc) < 2)); then
    echo "compare.sh: only $(nproc) CPU: server and load generator share CPU 0" >&2
    CLIENT_CPU=0
fi
SCALE_CPUS=${SCALE_CPUS:-$( (($(nproc) >= 2)) && echo 0,1 || echo 0)}

# 5,000 idle connections need 5,000 fds in the client and as many in the server.
need_fds=$((IDLE_CONNS + 1024))
if (($(ulimit -n) < need_fds)); then
    ulimit -n "$need_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if (($(ulimit -n) < need_fds)); then
    IDLE_CONNS=$(($(ulimit -n) - 1024))
    echo "compare.sh: ulimit -n is $(ulimit -n); holding only $IDLE_CONNS idle connections" >&2
fi

has_example() { [[ -f examples/$1.rs || -f examples/$1/main.rs ]]; }

examples=(echo_bench tcp_echo_server peer_tokio_echo peer_std_echo peer_mio_echo peer_epoll_floor
    peer_epoll_udp_floor)
for opt in async_echo_server http_server udp_echo_server; do
    if has_example "$opt"; then examples+=("$opt"); fi
done
if [[ ${REPORT_ONLY:-0} != 1 ]]; then
    echo "compare.sh: building ${examples[*]} (--release)" >&2
    cargo build --release --quiet $(printf -- '--example %s ' "${examples[@]}")
fi

mkdir -p "$OUT/logs" "$RESULTS_DIR"
REPORT_ONLY=${REPORT_ONLY:-0}
if [[ $REPORT_ONLY != 1 ]]; then
    printf 'workload\tserver\tround\tops_per_s\tp50_us\tp99_us\tp999_us\ttotal_ops\tcpu_ticks\tbad\tbacklog\tfds0\tfds1\trss0_kib\trss1_kib\n' >"$RAW"
    printf 'server\tround\tconns\trss0_kib\trss1_kib\n' >"$OUT/mem.tsv"
fi

# server_cmd NAME (benches/cpu_per_op.sh) -> the command line that starts it.

PORT=21000
SERVER_PID=
# start_server NAME PROTO -> starts it pinned on a fresh port (PORT), waits until it listens.
start_server() {
    local name=$1 proto=$2 hex tries=100
    PORT=$((PORT + 1))
    # Not in $(...): the server must be our child, so that `wait` reaps it.
    # shellcheck disable=SC2046 # the command is words on purpose
    start_pinned "$SERVER_CPU" $(server_cmd "$name") --addr "127.0.0.1:$PORT" \
        >/dev/null 2>>"$OUT/logs/$name.log"
    SERVER_PID=$START_PINNED_PID
    if [[ $proto == udp ]]; then
        printf -v hex ':%04X ' "$PORT"
        while ! grep -q "$hex" /proc/net/udp && ((tries-- > 0)); do sleep 0.05; done
        ((tries > 0)) || { echo "compare.sh: $name not bound on udp $PORT" >&2; return 1; }
    else
        wait_port 127.0.0.1 "$PORT" 10 || return 1
    fi
}

stop_server() {
    local tries=60
    [[ -n $SERVER_PID ]] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    while kill -0 "$SERVER_PID" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
trap stop_server EXIT

# bench ARGS... -> runs echo_bench pinned, bounded, against 127.0.0.1:PORT; JSON on stdout.
bench() {
    timeout 120 taskset -c "$CLIENT_CPU" "$BIN/echo_bench" --addr "127.0.0.1:$PORT" \
        --duration "$DURATION" --warmup "$WARMUP" --json "$@" 2>>"$OUT/logs/echo_bench.log"
}

fd_count() { local f=(/proc/"$1"/fd/*); echo "${#f[@]}"; }

# run_one WORKLOAD SERVER PROTO ROUND ECHO_BENCH_ARGS... -> appends one row to RAW.
run_one() {
    local workload=$1 name=$2 proto=$3 round=$4 t0 t1 json row fds0 fds1 rss0 rss1
    shift 4
    echo "compare.sh: round $round: $workload vs $name" >&2
    if ! start_server "$name" "$proto"; then
        stop_server
        return 0
    fi
    fds0=$(fd_count "$SERVER_PID") rss0=$(rss_kib "$SERVER_PID") || true
    t0=$(cpu_ticks "$SERVER_PID") || t0=
    # echo_bench exits 1 when errors, mismatches or timeouts occurred, after
    # printing its JSON: keep the row (its "bad" column shows them).
    json=$(bench "$@") || true
    t1=$(cpu_ticks "$SERVER_PID") || t1=
    sleep 0.2 # let the last closes finish before counting fds
    fds1=$(fd_count "$SERVER_PID") rss1=$(rss_kib "$SERVER_PID") || true
    stop_server
    if [[ -z $json || -z $t0 || -z $t1 ]]; then
        echo "compare.sh: $workload vs $name failed; see $OUT/logs/" >&2
        return 0
    fi
    python3 -c 'import json, sys
w, s, r, ticks, text, fds0, fds1, rss0, rss1 = sys.argv[1:]
j = json.loads(text)
bad = j["errors"] + j["mismatches"] + j["timeouts"]
cols = (w, s, r, j["ops_per_s"], j["p50_us"], j["p99_us"], j["p999_us"], j["total_ops"], ticks, bad,
        j["backlog"], fds0, fds1, rss0, rss1)
print(*cols, sep="\t")' "$workload" "$name" "$round" "$((t1 - t0))" "$json" \
        "${fds0:--}" "${fds1:--}" "${rss0:--}" "${rss1:--}" >>"$RAW"
}

# tail_one WORKLOAD SERVER PROTO ROUND ECHO_BENCH_ARGS... -> finds SERVER's
# highest rate with these args (a short unpaced run), then run_one at 70% of it.
tail_one() {
    local workload=$1 name=$2 proto=$3 round=$4 json max
    shift 4
    start_server "$name" "$proto" || { stop_server; return 0; }
    json=$(DURATION=2 bench "$@") || true
    stop_server
    max=$(python3 -c 'import json, sys; print(int(json.loads(sys.argv[1])["ops_per_s"] * 0.7))' \
        "$json" 2>/dev/null) || max=0
    ((max > 0)) || { echo "compare.sh: $workload vs $name: no highest rate" >&2; return 0; }
    run_one "$workload" "$name" "$proto" "$round" "$@" --rate "$max"
}

# mem_one SERVER ROUND -> RSS before and with IDLE_CONNS idle connections open.
mem_one() {
    local name=$1 round=$2 rss0 rss1=- err=$OUT/idle.err tries
    echo "compare.sh: round $round: $IDLE_CONNS idle conns vs $name" >&2
    start_server "$name" tcp || { stop_server; return 0; }
    sleep 0.3
    rss0=$(rss_kib "$SERVER_PID")
    : >"$err"
    timeout 60 taskset -c "$CLIENT_CPU" "$BIN/echo_bench" --mode idle --addr "127.0.0.1:$PORT" \
        --conns "$IDLE_CONNS" --duration "$IDLE_HOLD" --warmup 0 --json >/dev/null 2>"$err" &
    local bench_pid=$! tries=$((IDLE_HOLD * 20))
    while ((tries-- > 0)) && kill -0 "$bench_pid" 2>/dev/null; do
        if grep -q "all $IDLE_CONNS connections open" "$err"; then
            sleep 0.5
            rss1=$(rss_kib "$SERVER_PID")
            break
        fi
        sleep 0.05
    done
    wait "$bench_pid" || echo "compare.sh: idle run failed vs $name: $(tail -n 1 "$err")" >&2
    stop_server
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$IDLE_CONNS" "$rss0" "$rss1" >>"$OUT/mem.tsv"
}

ECHO_SERVERS=(evloop tokio std-threads mio epoll-floor)
if has_example async_echo_server; then
    ECHO_SERVERS=(evloop evloop-async tokio std-threads mio epoll-floor)
fi
HTTP_SERVERS=(evloop-canned epoll-floor-http)
if has_example http_server; then
    HTTP_SERVERS=(evloop-http evloop-http-quiet evloop-canned epoll-floor-http)
else
    echo "compare.sh: examples/http_server is missing: workload d runs against the canned floor only" >&2
fi
UDP_SERVERS=(evloop-udp tokio-udp epoll-floor-udp epoll-floor-udp-batch)

WL_A="a: 50 conns x 128 B at $RATE_A/s"
WL_B="b: 8 conns x depth 16 x 64 B at $RATE_B/s"
WL_C="c: 1 conn ping-pong 64 B"
WL_D="d: HTTP keep-alive GET, 50 conns at $RATE_D/s"
WL_E="e: UDP echo 64 B, 16 sockets at $RATE_E/s"
WL_F="f: UDP bursts of 16 x 64 B from 16 sockets, as fast as possible"
WL_G="g: connection churn (connect, 64 B echo, close), 20 conns at $RATE_G conn/s"
WL_LA="la: tail latency, a's shape (50 conns x 128 B) at 70% of each server's highest rate"
WL_LD="ld: tail latency, d's shape (HTTP, 50 conns) at 70% of each server's highest rate"
WL_LE="le: tail latency, e's shape (UDP, 16 sockets) at 70% of each server's highest rate"
WL_LG="lg: tail latency, g's shape (churn, 20 conns) at 70% of each server's highest rate"
E_ARGS=(--mode udp-echo --conns 16 --size 64)
F_ARGS=(--mode udp-echo --conns 16 --size 64 --depth 16 --burst --timeout 0.05)
G_ARGS=(--mode tcp-churn --conns 20 --size 64)
WL_S="s: scaling, 50 conns x 128 B at $RATE_S/s, server and client share CPUs $SCALE_CPUS"
WL_SW="sw: scaling at the same load per shard, 50 conns x 128 B at $RATE_S/s per shard (2 shards or workers: 100 conns at $((2 * RATE_S))/s), CPUs $SCALE_CPUS"
# sw_args SERVER -> echo_bench's load for it: twice the connections and the
# rate for 2 shards (or 2 workers), so each shard sees what one shard sees.
sw_args() {
    local k=1
    [[ $1 == *2shards || $1 == *mt2 ]] && k=2
    echo "--conns $((50 * k)) --size 128 --rate $((RATE_S * k)) --threads 2"
}
WL_T="t: scaling, highest pipelined throughput, 32 conns x depth 16 x 64 B, all on CPUs $SCALE_CPUS"
SCALE_SERVERS=(evloop evloop-2shards tokio tokio-mt2)
if has_example async_echo_server; then SCALE_SERVERS+=(evloop-async evloop-async-2shards); fi

for ((round = 1; round <= ROUNDS && REPORT_ONLY != 1; round++)); do
    # Rotate the order each round so no server always runs first (or last).
    n=${#ECHO_SERVERS[@]}
    order=()
    for ((i = 0; i < n; i++)); do order+=("${ECHO_SERVERS[(i + round - 1) % n]}"); done
    for s in "${order[@]}"; do
        wants a && run_one "$WL_A" "$s" tcp "$round" --conns 50 --size 128 --rate "$RATE_A"
        wants b && run_one "$WL_B" "$s" tcp "$round" --conns 8 --depth 16 --size 64 --rate "$RATE_B"
        wants c && run_one "$WL_C" "$s" tcp "$round" --conns 1 --size 64
        wants g && run_one "$WL_G" "$s" tcp "$round" "${G_ARGS[@]}" --rate "$RATE_G"
        wants l && tail_one "$WL_LA" "$s" tcp "$round" --conns 50 --size 128
        wants l && tail_one "$WL_LG" "$s" tcp "$round" "${G_ARGS[@]}"
    done
    n=${#HTTP_SERVERS[@]}
    for ((i = 0; i < n; i++)); do
        s=${HTTP_SERVERS[(i + round - 1) % n]}
        wants d && run_one "$WL_D" "$s" tcp "$round" --mode http --conns 50 --rate "$RATE_D"
        wants l && tail_one "$WL_LD" "$s" tcp "$round" --mode http --conns 50
    done
    n=${#UDP_SERVERS[@]}
    for ((i = 0; i < n; i++)); do
        s=${UDP_SERVERS[(i + round - 1) % n]}
        wants e && run_one "$WL_E" "$s" udp "$round" "${E_ARGS[@]}" --rate "$RATE_E"
        wants f && run_one "$WL_F" "$s" udp "$round" "${F_ARGS[@]}"
        wants l && tail_one "$WL_LE" "$s" udp "$round" "${E_ARGS[@]}"
    done
    if wants s || wants sw || wants t; then
        # Not pinned to one CPU each: 2 shards (or 2 workers) need 2 cores,
        # and the client shares them (the caveat results.md states).
        saved_cpus="$SERVER_CPU $CLIENT_CPU"
        SERVER_CPU=$SCALE_CPUS CLIENT_CPU=$SCALE_CPUS
        n=${#SCALE_SERVERS[@]}
        for ((i = 0; i < n; i++)); do
            s=${SCALE_SERVERS[(i + round - 1) % n]}
            wants s && run_one "$WL_S" "$s" tcp "$round" --conns 50 --size 128 --rate "$RATE_S"
            # shellcheck disable=SC2046 # sw_args prints words on purpose
            wants sw && run_one "$WL_SW" "$s" tcp "$round" $(sw_args "$s")
            wants t && run_one "$WL_T" "$s" tcp "$round" --conns 32 --depth 16 --size 64 --threads 2
        done
        read -r SERVER_CPU CLIENT_CPU <<<"$saved_cpus"
    fi
    if wants mem; then
        for s in "${order[@]}"; do mem_one "$s" "$round"; done
    fi
done

# Medians, benches/results.md and the SVG chart (hand-written, no libraries).
python3 benches/report.py "$RAW" "$OUT/mem.tsv" "$(clk_tck)" "$ROUNDS" "$DURATION" "$WARMUP" "${QUICK:-0}" "$RESULTS_DIR"
echo "compare.sh: wrote $RESULTS_DIR/results.md and $RESULTS_DIR/cpu_per_op.svg" >&2
