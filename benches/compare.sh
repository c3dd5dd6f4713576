#!/usr/bin/env bash
# benches/compare.sh - the echo comparison: evloop (callbacks and async/await
# on the same reactor) vs tokio, std threads, bare mio and a raw-epoll floor,
# under the same load, on loopback.
#
#   bash benches/compare.sh              # full run: ROUNDS=5, 10 s per run (~30 min)
#   QUICK=1 bash benches/compare.sh      # smoke test: 1 round, 3 s per run (~2 min)
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
# Scaling (workloads s and t): evloop with 1 and 2 shards (`--threads 2`,
# SO_REUSEPORT; callbacks, and async_echo_server's runtimes) and tokio with its current-thread and multi-thread (2 workers)
# runtimes. There the servers are not pinned to one CPU: they and the load
# generator share CPUs SCALE_CPUS (default 0,1), so on a 2-core machine the
# client competes with the server for the same cores; results.md says so
# next to the figures. (Go with GOMAXPROCS=2 is not compared: this repository
# has no Go seed server.)
#
# Output: benches/results.md and benches/cpu_per_op.svg (drawn by the Python
# at the end); raw rows and server logs in target/bench-compare/. A QUICK
# smoke run writes its results.md and chart to target/bench-compare/ too, so
# it never overwrites the committed full-run results (RESULTS_DIR overrides
# where they go). Every run is bounded in time.
# Environment: QUICK, ROUNDS, DURATION, WARMUP, IDLE_CONNS, RATE_A, RATE_B,
# RATE_D, RATE_E, RATE_S, SCALE_CPUS; WORKLOADS (default "a b c d e s t mem": run a subset);
# REPORT_ONLY=1 (only rebuild results.md and the chart from the raw rows).

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=benches/cpu_per_op.sh
source benches/cpu_per_op.sh

if [[ ${QUICK:-0} == 1 ]]; then
    ROUNDS=1 DURATION=3 WARMUP=0.5 IDLE_HOLD=3
else
    ROUNDS=${ROUNDS:-5} DURATION=${DURATION:-10} WARMUP=${WARMUP:-1} IDLE_HOLD=5
fi
IDLE_CONNS=${IDLE_CONNS:-5000}
RATE_A=${RATE_A:-40000} RATE_B=${RATE_B:-100000} RATE_D=${RATE_D:-20000} RATE_E=${RATE_E:-20000}
RATE_S=${RATE_S:-40000}
OUT=${OUT:-target/bench-compare}
if [[ ${QUICK:-0} == 1 ]]; then
    RESULTS_DIR=${RESULTS_DIR:-$OUT}
else
    RESULTS_DIR=${RESULTS_DIR:-benches}
fi
WORKLOADS=" ${WORKLOADS:-a b c d e s t mem} "
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

examples=(echo_bench tcp_echo_server peer_tokio_echo peer_std_echo peer_mio_echo peer_epoll_floor)
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
    printf 'workload\tserver\tround\tops_per_s\tp50_us\tp99_us\ttotal_ops\tcpu_ticks\tbad\tbacklog\n' >"$RAW"
    printf 'server\tround\tconns\trss0_kib\trss1_kib\n' >"$OUT/mem.tsv"
fi

# server NAME -> the command line (without --addr) that starts it.
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
        evloop-http) echo "$BIN/http_server" ;;
        # Canned responses without parsing: on evloop (what parsing costs)
        # and from the bare epoll floor (what any server must cost).
        evloop-canned) echo "$BIN/echo_bench --mode serve-http-floor" ;;
        epoll-floor-http) echo "$BIN/peer_epoll_floor --http" ;;
        evloop-udp) echo "$BIN/udp_echo_server" ;;
    esac
}

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

# run_one WORKLOAD SERVER PROTO ROUND ECHO_BENCH_ARGS... -> appends one row to RAW.
run_one() {
    local workload=$1 name=$2 proto=$3 round=$4 t0 t1 json row
    shift 4
    echo "compare.sh: round $round: $workload vs $name" >&2
    if ! start_server "$name" "$proto"; then
        stop_server
        return 0
    fi
    t0=$(cpu_ticks "$SERVER_PID") || t0=
    # echo_bench exits 1 when errors, mismatches or timeouts occurred, after
    # printing its JSON: keep the row (its "bad" column shows them).
    json=$(bench "$@") || true
    t1=$(cpu_ticks "$SERVER_PID") || t1=
    stop_server
    if [[ -z $json || -z $t0 || -z $t1 ]]; then
        echo "compare.sh: $workload vs $name failed; see $OUT/logs/" >&2
        return 0
    fi
    python3 -c 'import json, sys
w, s, r, ticks, text = sys.argv[1:]
j = json.loads(text)
bad = j["errors"] + j["mismatches"] + j["timeouts"]
cols = (w, s, r, j["ops_per_s"], j["p50_us"], j["p99_us"], j["total_ops"], ticks, bad, j["backlog"])
print(*cols, sep="\t")' "$workload" "$name" "$round" "$((t1 - t0))" "$json" >>"$RAW"
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
    HTTP_SERVERS=(evloop-http evloop-canned epoll-floor-http)
else
    echo "compare.sh: examples/http_server is missing: workload d runs against the canned floor only" >&2
fi
if ! has_example udp_echo_server; then
    echo "compare.sh: examples/udp_echo_server is missing: skipping workload e" >&2
fi

WL_A="a: 50 conns x 128 B at $RATE_A/s"
WL_B="b: 8 conns x depth 16 x 64 B at $RATE_B/s"
WL_C="c: 1 conn ping-pong 64 B"
WL_D="d: HTTP keep-alive GET, 50 conns at $RATE_D/s"
WL_E="e: UDP echo 64 B, 8 sockets at $RATE_E/s"
WL_S="s: scaling, 50 conns x 128 B at $RATE_S/s, server and client share CPUs $SCALE_CPUS"
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
    done
    n=${#HTTP_SERVERS[@]}
    for ((i = 0; i < n; i++)); do
        s=${HTTP_SERVERS[(i + round - 1) % n]}
        wants d && run_one "$WL_D" "$s" tcp "$round" --mode http --conns 50 --rate "$RATE_D"
    done
    if has_example udp_echo_server && wants e; then
        run_one "$WL_E" evloop-udp udp "$round" --mode udp-echo --conns 8 --size 64 --rate "$RATE_E"
    fi
    if wants s || wants t; then
        # Not pinned to one CPU each: 2 shards (or 2 workers) need 2 cores,
        # and the client shares them (the caveat results.md states).
        saved_cpus="$SERVER_CPU $CLIENT_CPU"
        SERVER_CPU=$SCALE_CPUS CLIENT_CPU=$SCALE_CPUS
        n=${#SCALE_SERVERS[@]}
        for ((i = 0; i < n; i++)); do
            s=${SCALE_SERVERS[(i + round - 1) % n]}
            wants s && run_one "$WL_S" "$s" tcp "$round" --conns 50 --size 128 --rate "$RATE_S"
            wants t && run_one "$WL_T" "$s" tcp "$round" --conns 32 --depth 16 --size 64 --threads 2
        done
        read -r SERVER_CPU CLIENT_CPU <<<"$saved_cpus"
    fi
    if wants mem; then
        for s in "${order[@]}"; do mem_one "$s" "$round"; done
    fi
done

# Medians, benches/results.md and the SVG chart (hand-written, no libraries).
python3 - "$RAW" "$OUT/mem.tsv" "$(clk_tck)" "$ROUNDS" "$DURATION" "$WARMUP" "${QUICK:-0}" "$RESULTS_DIR" <<'PY'
import csv, datetime, html, os, platform, statistics, sys
raw, mem, clk, rounds, dur, warm, quick, dest = sys.argv[1:]
clk = float(clk)

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def fmt(x, digits=1):
    return "-" if x is None else f"{x:,.{digits}f}"

results = {}  # workload -> server -> list of rows (insertion ordered)
for r in csv.DictReader(open(raw), delimiter="\t"):
    ops = int(r["total_ops"])
    r["cpu_us_per_op"] = int(r["cpu_ticks"]) / clk * 1e6 / ops if ops > 0 else None
    results.setdefault(r["workload"], {}).setdefault(r["server"], []).append(r)
mems = {}
for r in csv.DictReader(open(mem), delimiter="\t"):
    mems.setdefault(r["server"], []).append(r)

model = "unknown CPU"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
md = [
    "# Echo comparison results",
    "",
    f"Generated by `benches/compare.sh` on {now}"
    + (" with `QUICK=1` (a smoke run: numbers are not meaningful)." if quick == "1" else "."),
    "",
    f"Machine: {os.cpu_count()} CPUs ({model}), Linux {platform.release()}. "
    "Loopback only; server pinned to CPU 0, load generator (`echo_bench`) to CPU 1.",
    f"{rounds} round(s), servers interleaved (order rotated each round); each run {dur} s measured "
    f"after {warm} s warmup; every number is the median over the rounds.",
    "CPU-µs/op = server utime+stime (from `/proc/PID/stat`) over the whole `echo_bench` run "
    "/ operations completed in that run, at a fixed offered rate (except c, ping-pong).",
    "`bad` = errors + mismatches + timeouts; `backlog` = sends due but not made at the end "
    "(the server did not keep up with the offered rate).",
    "",
]
for wl, servers in results.items():
    md += [f"## {wl}", "", "| server | ops/s | p50 µs | p99 µs | CPU-µs/op | bad | backlog |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for name, rows in servers.items():
        g = lambda k: med([float(r[k]) for r in rows])
        md.append(f"| {name} | {fmt(g('ops_per_s'), 0)} | {fmt(g('p50_us'))} | {fmt(g('p99_us'))} "
                  f"| {fmt(med([r['cpu_us_per_op'] for r in rows]), 2)} | {fmt(g('bad'), 0)} "
                  f"| {fmt(g('backlog'), 0)} |")
    md.append("")
# The async layer's cost: evloop-async against the callback evloop and tokio.
ratios = []
for wl, servers in results.items():
    cpu = {name: med([r["cpu_us_per_op"] for r in rows]) for name, rows in servers.items()}
    a, e, t = cpu.get("evloop-async"), cpu.get("evloop"), cpu.get("tokio")
    if a is not None and e and t:
        ratios.append(f"| {wl} | {a:.2f} | {e:.2f} | {t:.2f} | {a / e:.2f} | {a / t:.2f} |")
if ratios:
    md += ["## async/await on evloop (`async_echo_server`) vs callbacks and tokio", "",
           "| workload | evloop-async | evloop | tokio | async ÷ callbacks | async ÷ tokio |",
           "|---|---:|---:|---:|---:|---:|"] + ratios + [""]
if mems:
    n = next(iter(mems.values()))[0]["conns"]
    md += [f"## Memory: server RSS growth with {n} idle connections", "",
           "| server | RSS before (KiB) | RSS with conns open (KiB) | bytes per connection |",
           "|---|---:|---:|---:|"]
    for name, rows in mems.items():
        ok = [r for r in rows if r["rss1_kib"] != "-"]
        r0 = med([float(r["rss0_kib"]) for r in ok])
        r1 = med([float(r["rss1_kib"]) for r in ok])
        per = med([(float(r["rss1_kib"]) - float(r["rss0_kib"])) * 1024 / int(r["conns"]) for r in ok])
        md.append(f"| {name} | {fmt(r0, 0)} | {fmt(r1, 0)} | {fmt(per, 0)} |")
    md.append("")

SCALING = """**What to expect on N cores, and why.** evloop's shards share nothing: each has its own
thread, `Poll`, slab, read buffer, timers and listening socket (`SO_REUSEPORT`), and a
connection never leaves the shard that accepted it. No lock, no atomic and no cache line
is shared on the hot path; the kernel's choice of socket for a new connection is made once
per connection. So the CPU cost per operation should not change with the number of shards
(goal: 2 shards ≤ 1.05× the 1-shard cost), and throughput should grow almost linearly with
cores, about N× one shard, until something outside the process saturates: the NIC or the
cores that run its interrupts and softirqs, the kernel's per-packet cost, memory bandwidth,
or the load generator. Expect less than N× when N counts SMT siblings (two hyperthreads
share one core's execution units: 1.2–1.3×, not 2×), and with few long-lived connections,
because `SO_REUSEPORT` hashes connections to shards without looking at their load (see
`docs/scaling.md`: 8 connections on 2 shards are split 4/4 only about a quarter of the
time). tokio's multi-thread runtime scales too, but its workers share the run queues and
wakers (work stealing: atomics, and a connection may move between cores), so its cost per
operation with 2 workers is expected a little above its current-thread cost.

**The caveat on this machine.** It has 2 cores, and the load generator needs them too, so
2 shards cannot show 2× here. Two honest figures instead: **s**, server CPU-µs per
operation at a fixed offered rate (every server does the same work, so the per-op cost
is comparable even though server and client share the cores), and **t**, the highest
pipelined throughput with server and `echo_bench --threads 2` on the same 2 cores: a
ceiling set as much by the client as by the server. Go with `GOMAXPROCS=2` is not in the
comparison: this repository has no Go seed server (and Go is not installed here)."""

def cell(wl_prefix, server, key):
    """Median of `key` for `server` in the workload whose name starts with wl_prefix."""
    for wl, servers in results.items():
        if wl.startswith(wl_prefix) and server in servers:
            rows = servers[server]
            if key == "cpu_us_per_op":
                return med([r[key] for r in rows])
            return med([float(r[key]) for r in rows])
    return None

def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"

md += ["## Scaling: N shards on N cores", ""]
md += SCALING.split("\n") + [""]
rows = [("evloop: CPU-µs/op at a fixed rate (s)", "s:", "evloop", "evloop-2shards", "cpu_us_per_op", 2),
        ("tokio: CPU-µs/op at a fixed rate (s)", "s:", "tokio", "tokio-mt2", "cpu_us_per_op", 2),
        ("evloop async: CPU-µs/op at a fixed rate (s)", "s:", "evloop-async", "evloop-async-2shards", "cpu_us_per_op", 2),
        ("evloop: highest pipelined ops/s (t)", "t:", "evloop", "evloop-2shards", "ops_per_s", 0),
        ("evloop async: highest pipelined ops/s (t)", "t:", "evloop-async", "evloop-async-2shards", "ops_per_s", 0),
        ("tokio: highest pipelined ops/s (t)", "t:", "tokio", "tokio-mt2", "ops_per_s", 0)]
md += ["| figure | 1 shard / 1 thread | 2 shards / 2 workers | 2 ÷ 1 |", "|---|---:|---:|---:|"]
for label, wl, one, two, key, digits in rows:
    a, b = cell(wl, one, key), cell(wl, two, key)
    md.append(f"| {label} | {fmt(a, digits)} | {fmt(b, digits)} | {ratio(b, a)} |")
md += ["", "Goal: evloop's 2-shard CPU-µs/op ≤ 1.05× its 1-shard figure (nothing is shared). "
       "The throughput row is bounded by the shared cores: see the caveat above.", ""]
md += ["![server CPU-µs per operation](cpu_per_op.svg)", ""]
open(os.path.join(dest, "results.md"), "w").write("\n".join(md))

# The chart: one group of bars per workload, one bar per server.
bars = [(wl, name, med([r["cpu_us_per_op"] for r in rows]))
        for wl, servers in results.items() for name, rows in servers.items()]
top = max([v for _, _, v in bars if v is not None] + [1e-9])
step = 10 ** len(str(int(top))) / 10 if top >= 1 else 0.1
while top / step > 8:
    step *= 2
ymax = step * (int(top / step) + 1)
palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f", "#2f2f2f",
           "#ff9da7", "#1b5e20", "#8c6d31"]
names = list(dict.fromkeys(n for _, n, _ in bars))
color = {n: palette[i % len(palette)] for i, n in enumerate(names)}
bw, gap, left, top_m, h = 22, 28, 70, 40, 300
width = left + sum(len(s) * bw + gap for s in results.values()) + 160
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top_m + h + 50 + 13 * len(results)}" '
       'font-family="sans-serif" font-size="11">',
       f'<rect width="100%" height="100%" fill="white"/>',
       f'<text x="{left}" y="20" font-size="14">Server CPU-µs per operation (lower is better)</text>']
for i in range(int(ymax / step) + 1):
    v = i * step
    y = top_m + h - v / ymax * h
    svg.append(f'<line x1="{left}" x2="{width - 150}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
    svg.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
x = left + gap / 2
for wl, servers in results.items():
    x0 = x
    for name in servers:
        v = next(b[2] for b in bars if b[0] == wl and b[1] == name)
        if v is not None:
            bh = v / ymax * h
            svg.append(f'<rect x="{x:.1f}" y="{top_m + h - bh:.1f}" width="{bw - 2}" height="{bh:.1f}" '
                       f'fill="{color[name]}"><title>{html.escape(name)}: {v:.2f}</title></rect>')
            svg.append(f'<text x="{x + bw / 2 - 1:.1f}" y="{top_m + h - bh - 3:.1f}" '
                       f'text-anchor="middle" font-size="9">{v:.2f}</text>')
        x += bw
    label = html.escape(wl.split(":")[0])
    svg.append(f'<text x="{(x0 + x) / 2:.1f}" y="{top_m + h + 16}" text-anchor="middle">{label}</text>')
    x += gap
svg.append(f'<line x1="{left}" x2="{width - 150}" y1="{top_m + h}" y2="{top_m + h}" stroke="#333"/>')
for i, n in enumerate(names):
    y = top_m + 10 + i * 18
    svg.append(f'<rect x="{width - 140}" y="{y}" width="12" height="12" fill="{color[n]}"/>')
    svg.append(f'<text x="{width - 122}" y="{y + 10}">{html.escape(n)}</text>')
for i, wl in enumerate(results):
    svg.append(f'<text x="{left}" y="{top_m + h + 36 + i * 13}" fill="#555">{html.escape(wl)}</text>')
svg.append("</svg>")
open(os.path.join(dest, "cpu_per_op.svg"), "w").write("\n".join(svg) + "\n")
PY
echo "compare.sh: wrote $RESULTS_DIR/results.md and $RESULTS_DIR/cpu_per_op.svg" >&2
