#!/usr/bin/env python3
"""Draw an evloop timeline (Chrome Trace Event Format JSON, written by
`--timeline FILE` / `Config::timeline`) as an SVG, one row per tick.

Usage: scripts/timeline_svg.py TRACE.json OUT.svg [--all] [--max-ticks N]

By default only ticks with connection events (accept, read, write, ...) are
drawn (`--all` draws idle ticks too), at most 12. Each row is one tick:
the time asleep in poll is drawn as a fixed-width grey block labelled with
its real length (it is often a million times longer than the rest), then
the busy phases to scale; instant events are ticks on the row, labelled
with their arguments. Python 3 standard library only. For the real thing,
open the JSON at https://ui.perfetto.dev (Open trace file).
"""
import json
import sys
from xml.sax.saxutils import escape

PHASE_COLORS = {
    "dispatch": "#4e79a7",
    "timers": "#f28e2b",
    "run tasks": "#b07aa1",
    "flush": "#59a14f",
    "reap": "#e15759",
    "housekeep": "#9c755f",
}
EVENT_COLORS = {
    "accept": "#1b9e77",
    "read": "#4e79a7",
    "WouldBlock": "#999999",
    "write": "#59a14f",
    "EOF": "#d95f02",
    "state": "#7570b3",
    "close": "#e15759",
}
ASLEEP_W = 90  # px for the poll block, whatever its length
LEFT = 70
BUSY_W = 760
ROW_H = 96


def fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1e3:
        return f"{us / 1e3:.1f} ms"
    return f"{us:.1f} µs"


def label(e):
    a = dict(e.get("args", {}))
    tok = a.pop("tok", "")
    if e["name"] == "state":
        rest = f"{a.get('from')}→{a.get('to')}"
    elif e["name"] == "close":
        rest = a.get("reason", "")
    else:
        rest = " ".join(f"{k}={v}" for k, v in a.items())
    return f"{e['name']} {rest} tok={tok}".replace("  ", " ")


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    show_all = "--all" in argv
    max_ticks = 12
    if "--max-ticks" in argv:
        max_ticks = int(argv[argv.index("--max-ticks") + 1])
        args = [a for a in args if a != str(max_ticks)]
    with open(args[0], encoding="utf-8") as f:
        events = json.load(f)["traceEvents"]
    ticks = [e for e in events if e.get("ph") == "X" and e["name"] == "tick"]
    rows = []
    for t in ticks:
        t0, t1 = t["ts"], t["ts"] + t["dur"]
        inside = [e for e in events if e.get("ph") in ("X", "i", "C") and e is not t
                  and t0 <= e["ts"] <= t1]
        phases = [e for e in inside if e["ph"] == "X"]
        instants = sorted((e for e in inside if e["ph"] == "i"), key=lambda e: e["ts"])
        counters = {e["name"]: list(e["args"].values())[0] for e in inside if e["ph"] == "C"}
        if instants or show_all:
            rows.append((t, phases, instants, counters))
    rows = rows[:max_ticks]
    if not rows:
        sys.exit("no ticks with events in the trace (try --all)")
    busy_max = max(
        sum(p["dur"] for p in ph if p["name"] != "poll (asleep)") for _, ph, _, _ in rows
    ) or 1.0
    scale = BUSY_W / busy_max
    width = LEFT + ASLEEP_W + BUSY_W + 40
    height = 60 + ROW_H * len(rows) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">evloop timeline: '
        f'one row per tick (busy phases to scale: {fmt_us(busy_max)} = {BUSY_W} px)</text>',
    ]
    x = LEFT
    for name, color in [("poll (asleep)", "#cccccc")] + list(PHASE_COLORS.items()):
        out.append(f'<rect x="{x}" y="32" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{x + 14}" y="41">{escape(name)}</text>')
        x += 14 + 7 * len(name) + 16
    for r, (t, phases, instants, counters) in enumerate(rows):
        y = 60 + r * ROW_H
        out.append(f'<text x="4" y="{y + 16}">tick {t["args"].get("tick", r)}</text>')
        x = LEFT
        origin = None  # where busy time starts, in trace µs
        for p in sorted(phases, key=lambda p: p["ts"]):
            if p["name"] == "poll (asleep)":
                out.append(f'<rect x="{x}" y="{y}" width="{ASLEEP_W - 4}" height="22" fill="#cccccc"/>')
                out.append(f'<text x="{x + 4}" y="{y + 15}">asleep {escape(fmt_us(p["dur"]))}</text>')
                x += ASLEEP_W
                origin = p["ts"] + p["dur"]
                continue
            if origin is None:
                origin = p["ts"]
            px = LEFT + ASLEEP_W + (p["ts"] - origin) * scale
            w = max(p["dur"] * scale, 1.0)
            color = PHASE_COLORS.get(p["name"], "#888888")
            out.append(f'<rect x="{px:.1f}" y="{y}" width="{w:.1f}" height="22" fill="{color}">'
                       f'<title>{escape(p["name"])} {escape(fmt_us(p["dur"]))}</title></rect>')
            if w > 60:
                out.append(f'<text x="{px + 3:.1f}" y="{y + 15}" fill="white">'
                           f'{escape(p["name"])} {escape(fmt_us(p["dur"]))}</text>')
        for i, e in enumerate(instants[:5]):
            px = LEFT + ASLEEP_W + ((e["ts"] - origin) if origin is not None else 0) * scale
            color = EVENT_COLORS.get(e["name"], "#333333")
            ly = y + 36 + 11 * i
            out.append(f'<line x1="{px:.1f}" y1="{y - 2}" x2="{px:.1f}" y2="{ly - 3}" '
                       f'stroke="{color}" stroke-width="1.5"/>')
            # Near the right edge the label goes to the left of its mark.
            anchor, tx = ("end", px - 3) if px > width - 260 else ("start", px + 3)
            out.append(f'<text x="{tx:.1f}" y="{ly}" fill="{color}" text-anchor="{anchor}">'
                       f'{escape(label(e))}</text>')
        if len(instants) > 5:
            out.append(f'<text x="{LEFT}" y="{y + 36 + 55}">… {len(instants) - 5} more events</text>')
        c = "  ".join(f"{k}: {v}" for k, v in counters.items())
        out.append(f'<text x="4" y="{y + 32}" fill="#555555" font-size="9">{escape(c)}</text>')
    out.append(f'<text x="{LEFT}" y="{height - 12}" fill="#555555">Open the JSON itself in '
               'https://ui.perfetto.dev (Open trace file) or chrome://tracing to zoom and click.</text>')
    out.append("</svg>")
    with open(args[1], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv)
