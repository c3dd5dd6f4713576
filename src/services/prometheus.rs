//! The Prometheus text exposition format (version 0.0.4) of a reactor's
//! [`Metrics`](crate::Metrics), [`Gauges`] and [`LoopStats`].
//!
//! Owns: metric names, types, `# HELP` text and the histogram layout. Does
//! not own: HTTP (that is [`Admin`](super::Admin)) or collecting anything.
//!
//! Naming follows the Prometheus guidelines: an `evloop_` prefix, counters
//! end in `_total`, units are part of the name (`_bytes`, `_seconds`), and
//! durations are in seconds even though the loop measures microseconds.
//! `# HELP` is the field's own doc comment (`Metrics::fields`), so the text
//! cannot drift from the code. Several shards render as one family each,
//! with a `shard` label on every sample.

pub use crate::stats::Snapshot;
use crate::stats::{Gauges, Log2Histogram, LoopStats, BUCKETS};
use std::fmt::Write;

/// `Metrics` fields that are gauges, and their exposed names. Every other
/// field is a counter, exposed as `evloop_<name>_total` (or the override in
/// [`counter_name`]).
const GAUGE_FIELDS: [(&str, &str); 4] = [
    ("open_conns", "open_connections"),
    ("max_events_per_poll", "max_events_per_poll"),
    ("timers_live", "timers_live"),
    ("timer_heap", "timer_heap_entries"),
];

/// A computed gauge: name, help, how to read it.
type GaugeRow = (&'static str, &'static str, fn(&Gauges) -> u64);
/// A histogram: name, help, is it in seconds, how to find it.
type HistRow = (
    &'static str,
    &'static str,
    bool,
    fn(&LoopStats) -> &Log2Histogram,
);

/// Counter names that gain a unit or a noun (`udp_in` counts datagrams).
fn counter_name(field: &str) -> &str {
    match field {
        "accepted" => "connections_accepted",
        "rejected" => "connections_rejected",
        "connected" => "connections_connected",
        "closed" => "connections_closed",
        "udp_in" => "udp_datagrams_in",
        "udp_out" => "udp_datagrams_out",
        "udp_dropped" => "udp_datagrams_dropped",
        other => other,
    }
}

/// Render every shard's snapshot (`shard` is `None` for a lone reactor:
/// no label then).
pub fn render(shards: &[(Option<usize>, Snapshot)]) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let Some((_, first)) = shards.first() else {
        return out;
    };
    for (i, (field, doc, _)) in first.metrics.fields().iter().enumerate() {
        let gauge = GAUGE_FIELDS.iter().find(|(f, _)| f == field);
        let (name, kind) = match gauge {
            Some((_, name)) => (format!("evloop_{name}"), "gauge"),
            None => (format!("evloop_{}_total", counter_name(field)), "counter"),
        };
        header(&mut out, &name, kind, &help(doc));
        for (shard, snap) in shards {
            sample(
                &mut out,
                &name,
                &label(*shard, None),
                snap.metrics.fields()[i].2,
            );
        }
    }
    let gauges: [GaugeRow; 3] = [
        (
            "evloop_pending_output_bytes",
            "Bytes queued on all connections and not yet accepted by a socket.",
            |g| g.pending_output_bytes,
        ),
        (
            "evloop_slab_entries",
            "Occupied slab slots: listeners, connections, UDP sockets, fds.",
            |g| g.slab_entries,
        ),
        (
            "evloop_slab_capacity_entries",
            "Slab slots allocated (occupied or free).",
            |g| g.slab_capacity,
        ),
    ];
    for (name, doc, get) in gauges {
        header(&mut out, name, "gauge", doc);
        for (shard, snap) in shards {
            sample(&mut out, name, &label(*shard, None), get(&snap.gauges));
        }
    }
    let hists: [HistRow; 3] = [
        (
            "evloop_tick_duration_seconds",
            "Busy time of one tick, from poll returning to the end of housekeeping.",
            true,
            |s| &s.tick,
        ),
        (
            "evloop_events_per_poll",
            "Readiness events returned by one poll.",
            false,
            |s| &s.events_per_poll,
        ),
        (
            "evloop_poll_asleep_seconds",
            "Time spent inside poll (epoll_wait) per tick.",
            true,
            |s| &s.asleep,
        ),
    ];
    for (name, doc, seconds, get) in hists {
        header(&mut out, name, "histogram", doc);
        for (shard, snap) in shards {
            histogram(&mut out, name, *shard, seconds, get(&snap.stats));
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{name}{labels} {value}");
}

/// `{shard="0",le="..."}`, or `""` when there is no label at all.
fn label(shard: Option<usize>, le: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(s) = shard {
        parts.push(format!("shard=\"{s}\""));
    }
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

/// Cumulative buckets up to the last bounded one, then `+Inf`, `_sum`,
/// `_count`. Durations are bucketed in µs (bucket `i` is `< 2^i` µs) and
/// summed in ns; counts are bucketed so that bucket `i` is `<= 2^i - 1`.
fn histogram(out: &mut String, name: &str, shard: Option<usize>, seconds: bool, h: &Log2Histogram) {
    let mut cumulative = 0;
    for (i, n) in h.counts().iter().enumerate().take(BUCKETS - 1) {
        cumulative += n;
        let le = if seconds {
            format!("{}", (1u64 << i) as f64 * 1e-6)
        } else {
            format!("{}", (1u64 << i) - 1)
        };
        sample(
            out,
            &format!("{name}_bucket"),
            &label(shard, Some(&le)),
            cumulative,
        );
    }
    sample(
        out,
        &format!("{name}_bucket"),
        &label(shard, Some("+Inf")),
        h.count(),
    );
    if seconds {
        sample(
            out,
            &format!("{name}_sum"),
            &label(shard, None),
            h.sum() as f64 * 1e-9,
        );
    } else {
        sample(out, &format!("{name}_sum"), &label(shard, None), h.sum());
    }
    sample(
        out,
        &format!("{name}_count"),
        &label(shard, None),
        h.count(),
    );
}

/// A field's doc comment as one `# HELP` line (escaped as the format says).
fn help(doc: &str) -> String {
    let one_line = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.replace('\\', "\\\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let text = render(&[(None, Snapshot::default())]);
        let mut declared = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared.push(rest.split(' ').next().unwrap_or("").to_string());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap_or("");
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| {
                        name.strip_suffix(s)
                            .filter(|f| declared.iter().any(|d| d == f))
                    })
                    .unwrap_or(name);
                assert!(declared.iter().any(|d| d == family), "{line}");
            }
        }
        assert!(text.contains("evloop_connections_accepted_total 0\n"));
        assert!(text.contains("# TYPE evloop_open_connections gauge\n"));
    }

    #[test]
    fn shards_get_a_label() {
        let text = render(&[
            (Some(0), Snapshot::default()),
            (Some(1), Snapshot::default()),
        ]);
        assert!(text.contains("evloop_bytes_in_total{shard=\"1\"} 0\n"));
        assert!(text.contains("evloop_events_per_poll_bucket{shard=\"0\",le=\"+Inf\"} 0\n"));
    }
}
