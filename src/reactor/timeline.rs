//! The timeline: a bounded record of the last N ticks, written on shutdown
//! as Chrome Trace Event Format JSON (Perfetto and `chrome://tracing` open
//! it), so a learner can *see* ticks: when the loop sleeps, what each phase
//! did, where a slow tick spent its time.
//!
//! Owns: the ring of ticks, what one tick records (a slice per phase,
//! instant events per connection, two counters) and the JSON. Does not
//! own: when things happen; the phases call the hooks below.
//!
//! Off (`Config::timeline` is `None`, the default) each hook is one
//! predictable branch on `Option::is_some`, and nothing else: no clock
//! read, no allocation. On, every hook reads the clock and pushes a small
//! record, and each tick walks the slab once for the pending-output
//! counter; that is the price of looking, paid only when asked for.
//!
//! Bounded twice: at most `ticks` ticks are kept (older ones are dropped,
//! their buffers reused), and at most [`MAX_EVENTS_PER_TICK`] instant events
//! per tick (the rest are counted in the tick's `dropped` argument).

use crate::conn::ConnState;
use crate::Token;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::time::Instant;

/// Instant events kept per tick; more are counted, not kept.
pub const MAX_EVENTS_PER_TICK: usize = 4096;

/// Where to write the timeline and how many ticks to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineConfig {
    /// The JSON file, written when `run()` returns.
    pub path: PathBuf,
    /// Ticks kept: the last `ticks` before the shutdown (at least 1).
    pub ticks: usize,
}

impl TimelineConfig {
    /// `path`, keeping the default 10,000 ticks.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TimelineConfig {
            path: path.into(),
            ticks: 10_000,
        }
    }
}

/// The phases of a tick, in order (`reactor/mod.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Poll,
    Dispatch,
    Timers,
    Tasks,
    Flush,
    Reap,
    Housekeep,
}

const STEP_NAMES: [&str; 7] = [
    "poll (asleep)",
    "dispatch",
    "timers",
    "run tasks",
    "flush",
    "reap",
    "housekeep",
];

/// What happened to a connection.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Accept,
    Read(usize),
    WouldBlock,
    Write { bytes: usize, pending: usize },
    Eof,
    State(ConnState, ConnState),
    Close(String),
}

#[derive(Debug, Clone)]
struct Event {
    at: Instant,
    tok: Token,
    kind: Kind,
}

#[derive(Debug)]
struct Tick {
    start: Instant,
    /// End of each phase (`None`: not reached, e.g. an error in poll).
    ends: [Option<Instant>; 7],
    events: Vec<Event>,
    dropped: usize,
    open_conns: u64,
    pending_output: u64,
}

impl Tick {
    fn new(start: Instant, mut events: Vec<Event>) -> Tick {
        events.clear();
        Tick {
            start,
            ends: [None; 7],
            events,
            dropped: 0,
            open_conns: 0,
            pending_output: 0,
        }
    }
}

/// The recorder (see the module doc).
#[derive(Debug)]
pub(crate) struct Timeline {
    config: TimelineConfig,
    origin: Instant,
    done: VecDeque<Tick>,
    current: Option<Tick>,
    number: u64,
}

impl Timeline {
    pub(crate) fn new(config: TimelineConfig) -> Timeline {
        let keep = config.ticks.max(1);
        Timeline {
            config: TimelineConfig {
                ticks: keep,
                ..config
            },
            origin: Instant::now(),
            done: VecDeque::with_capacity(keep.min(1 << 16)),
            current: None,
            number: 0,
        }
    }

    /// A tick begins: just before `poll`.
    pub(crate) fn begin_tick(&mut self) {
        let now = Instant::now();
        let events = if self.done.len() >= self.config.ticks {
            self.done.pop_front().map(|t| t.events).unwrap_or_default()
        } else {
            Vec::new()
        };
        self.current = Some(Tick::new(now, events));
    }

    /// `step` ended at `at` (the poll's end is the tick's `now`).
    pub(crate) fn end_step(&mut self, step: Step, at: Instant) {
        if let Some(t) = self.current.as_mut() {
            t.ends[step as usize] = Some(at);
        }
    }

    /// [`end_step`](Self::end_step) now.
    pub(crate) fn end_step_now(&mut self, step: Step) {
        self.end_step(step, Instant::now());
    }

    /// The tick ended (after housekeep, at `end`), with these counters.
    pub(crate) fn end_tick(&mut self, end: Instant, open_conns: u64, pending_output: u64) {
        if let Some(mut t) = self.current.take() {
            t.ends[Step::Housekeep as usize] = Some(end);
            t.open_conns = open_conns;
            t.pending_output = pending_output;
            self.done.push_back(t);
            self.number += 1;
        }
    }

    fn event(&mut self, tok: Token, kind: Kind) {
        let Some(t) = self.current.as_mut() else {
            return; // before the first tick (a listener bound early)
        };
        if t.events.len() >= MAX_EVENTS_PER_TICK {
            t.dropped += 1;
            return;
        }
        t.events.push(Event {
            at: Instant::now(),
            tok,
            kind,
        });
    }

    /// Write the JSON file; returns how many ticks it holds.
    pub(crate) fn write(&mut self) -> io::Result<(usize, PathBuf)> {
        if let Some(t) = self.current.take() {
            self.done.push_back(t); // an unfinished last tick
        }
        let json = self.to_json();
        let mut f = std::io::BufWriter::new(std::fs::File::create(&self.config.path)?);
        f.write_all(json.as_bytes())?;
        f.flush()?;
        Ok((self.done.len(), self.config.path.clone()))
    }

    fn us(&self, at: Instant) -> String {
        let ns = at.saturating_duration_since(self.origin).as_nanos();
        format!("{}.{:03}", ns / 1000, ns % 1000)
    }

    fn to_json(&self) -> String {
        let mut out = String::with_capacity(256 + self.done.len() * 1024);
        out.push_str("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
        out.push_str(
            r#"{"name":"process_name","ph":"M","pid":1,"tid":1,"args":{"name":"evloop reactor"}}"#,
        );
        let first = self.number.saturating_sub(self.done.len() as u64);
        for (i, t) in self.done.iter().enumerate() {
            let end = t
                .ends
                .iter()
                .rev()
                .flatten()
                .next()
                .copied()
                .unwrap_or(t.start);
            let dur = |a: Instant, b: Instant| {
                let ns = b.saturating_duration_since(a).as_nanos();
                format!("{}.{:03}", ns / 1000, ns % 1000)
            };
            let _ = write!(
                out,
                ",\n{{\"name\":\"tick\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":{},\"dur\":{},\"args\":{{\"tick\":{},\"events\":{},\"dropped\":{}}}}}",
                self.us(t.start),
                dur(t.start, end),
                first + i as u64,
                t.events.len(),
                t.dropped
            );
            let mut from = t.start;
            for (name, at) in STEP_NAMES.iter().zip(t.ends.iter()) {
                let Some(at) = *at else { continue };
                let _ = write!(
                    out,
                    ",\n{{\"name\":{},\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":{},\"dur\":{}}}",
                    json_str(name),
                    self.us(from),
                    dur(from, at)
                );
                from = at;
            }
            for e in &t.events {
                let (name, args) = describe(&e.kind);
                let _ = write!(
                    out,
                    ",\n{{\"name\":{},\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":1,\"ts\":{},\"args\":{{\"tok\":{}{args}}}}}",
                    json_str(name),
                    self.us(e.at),
                    json_str(&e.tok.to_string())
                );
            }
            let _ = write!(
                out,
                ",\n{{\"name\":\"open connections\",\"ph\":\"C\",\"pid\":1,\"tid\":1,\"ts\":{},\"args\":{{\"open\":{}}}}}",
                self.us(end),
                t.open_conns
            );
            let _ = write!(
                out,
                ",\n{{\"name\":\"pending output\",\"ph\":\"C\",\"pid\":1,\"tid\":1,\"ts\":{},\"args\":{{\"bytes\":{}}}}}",
                self.us(end),
                t.pending_output
            );
        }
        out.push_str("\n]}\n");
        out
    }
}

/// The event's name and its extra `args` (each starting with a comma).
fn describe(kind: &Kind) -> (&'static str, String) {
    match kind {
        Kind::Accept => ("accept", String::new()),
        Kind::Read(n) => ("read", format!(",\"bytes\":{n}")),
        Kind::WouldBlock => ("WouldBlock", String::new()),
        Kind::Write { bytes, pending } => {
            ("write", format!(",\"bytes\":{bytes},\"pending\":{pending}"))
        }
        Kind::Eof => ("EOF", String::new()),
        Kind::State(from, to) => (
            "state",
            format!(
                ",\"from\":{},\"to\":{}",
                json_str(&from.to_string()),
                json_str(&to.to_string())
            ),
        ),
        Kind::Close(why) => ("close", format!(",\"reason\":{}", json_str(why))),
    }
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The hook every phase calls: one branch when the timeline is off.
#[inline(always)]
pub(crate) fn note(timeline: &mut Option<Box<Timeline>>, tok: Token, kind: impl FnOnce() -> Kind) {
    if let Some(t) = timeline.as_mut() {
        t.event(tok, kind());
    }
}

/// A state transition, as returned by `Conn::set_state` (`None`: no change).
#[inline(always)]
pub(crate) fn note_state(
    timeline: &mut Option<Box<Timeline>>,
    tok: Token,
    change: Option<(ConnState, ConnState)>,
) {
    if let (Some(t), Some((from, to))) = (timeline.as_mut(), change) {
        t.event(tok, Kind::State(from, to));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }

    #[test]
    fn the_ring_keeps_the_last_ticks_only() {
        let mut t = Timeline::new(TimelineConfig {
            path: PathBuf::from("unused"),
            ticks: 3,
        });
        for _ in 0..10 {
            t.begin_tick();
            t.end_tick(Instant::now(), 0, 0);
        }
        assert_eq!(t.done.len(), 3);
        assert!(t.to_json().contains("\"tick\":9,"));
        assert!(!t.to_json().contains("\"tick\":6,"));
    }

    #[test]
    fn events_per_tick_are_bounded() {
        let mut t = Timeline::new(TimelineConfig::new("unused"));
        t.begin_tick();
        for _ in 0..MAX_EVENTS_PER_TICK + 5 {
            t.event(Token::new(1, 0), Kind::Eof);
        }
        t.end_tick(Instant::now(), 0, 0);
        assert!(t.to_json().contains("\"dropped\":5}"));
    }
}
