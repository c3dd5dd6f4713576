//! Command-line options of `echo_bench`: parsing, defaults per mode, and
//! validation (a bad option is one line and exit 1, never a panic).
//! Does not own: what the modes do (see `tcp.rs`, `udp.rs`, `floor.rs`).

use crate::common::{self, Args};
use std::net::SocketAddr;
use std::time::Duration;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Send `size`-byte messages, verify every echoed byte.
    TcpEcho,
    /// Send `size`-byte lines, expect `reply` for each.
    TcpOk,
    /// One datagram per op; an answer later than `timeout` is a loss.
    UdpEcho,
    /// One connection per op: connect, send `size` bytes, read, close.
    TcpChurn,
    /// Keep-alive `GET path`, responses framed by Content-Length.
    Http,
    /// Open connections, send nothing, hold them (for RSS per connection).
    Idle,
    /// Not a client: the canned-response HTTP floor for the comparison.
    ServeHttpFloor,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::TcpEcho => "tcp-echo",
            Mode::TcpOk => "tcp-ok",
            Mode::UdpEcho => "udp-echo",
            Mode::TcpChurn => "tcp-churn",
            Mode::Http => "http",
            Mode::Idle => "idle",
            Mode::ServeHttpFloor => "serve-http-floor",
        }
    }
}

/// Everything the run needs, validated.
#[derive(Debug, Clone)]
pub struct Opts {
    pub mode: Mode,
    pub addr: SocketAddr,
    pub conns: usize,
    pub size: usize,
    pub depth: usize,
    /// udp-echo: send `depth` at once, the next burst when all are back.
    pub burst: bool,
    pub duration: Duration,
    /// Total offered ops/s; 0 = as fast as the server answers.
    pub rate: f64,
    pub warmup: Duration,
    pub threads: usize,
    pub json: bool,
    /// tcp-ok: the reply per message; http: the expected body.
    pub reply: Vec<u8>,
    pub path: String,
    /// An answer later than this is a timeout (UDP: a loss; TCP: a stall,
    /// counted at the end of the run).
    pub timeout: Duration,
}

fn secs(args: &mut Args, key: &str, default: f64, min: f64) -> Duration {
    let v: f64 = args.value(key, default);
    if !v.is_finite() || v < min || v > 86_400.0 {
        common::fail(format!("--{key} {v} is out of range ({min}..86400 s)"));
    }
    Duration::from_secs_f64(v)
}

/// `\n`, `\r`, `\t` and `\\` escapes, so `--reply 'ok\n'` works.
fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        let c = match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some(other) => other,
                None => '\\',
            },
            (c, false) => c,
        };
        let mut b = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    }
    out
}

/// Parse and check the command line (exits 1 with one line on error).
pub fn parse() -> Opts {
    let mut args = Args::parse(include_str!("main.rs"));
    let mode = match args.get("mode").as_deref() {
        None | Some("tcp-echo") => Mode::TcpEcho,
        Some("tcp-ok") => Mode::TcpOk,
        Some("udp-echo") => Mode::UdpEcho,
        Some("tcp-churn") => Mode::TcpChurn,
        Some("http") => Mode::Http,
        Some("idle") => Mode::Idle,
        Some("serve-http-floor") => Mode::ServeHttpFloor,
        Some(m) => common::fail(format!("unknown --mode {m:?} (--help lists the modes)")),
    };
    let addr = args.addr(match mode {
        // tcp-ok aims at tcp_ok_server, which shares 9090 with the UDP server.
        Mode::UdpEcho | Mode::TcpOk => "127.0.0.1:9090",
        Mode::Http => "127.0.0.1:9000",
        Mode::ServeHttpFloor => "127.0.0.1:9001",
        _ => "127.0.0.1:20000",
    });
    let default_reply = if mode == Mode::Http {
        "HelloWorld"
    } else {
        "ok"
    };
    let opts = Opts {
        mode,
        addr,
        conns: args.value("conns", 50),
        size: args.value("size", 64),
        depth: args.value("depth", 1),
        burst: args.flag("burst"),
        duration: secs(&mut args, "duration", 10.0, 0.01),
        rate: args.value("rate", 0.0),
        warmup: secs(&mut args, "warmup", 1.0, 0.0),
        threads: args.value("threads", 1),
        json: args.flag("json"),
        reply: unescape(&args.get("reply").unwrap_or_else(|| default_reply.into())),
        path: args.value("path", "/go".to_string()),
        timeout: secs(&mut args, "timeout", 1.0, 0.001),
    };
    args.finish();
    check(&opts).unwrap_or_else(|e| common::fail(e));
    opts
}

fn check(o: &Opts) -> Result<(), String> {
    if o.conns == 0 || o.conns > 1_000_000 {
        return Err(format!("--conns {} must be 1..1000000", o.conns));
    }
    if o.depth == 0 || o.depth > 65_536 {
        return Err(format!("--depth {} must be 1..65536", o.depth));
    }
    if o.burst && o.mode != Mode::UdpEcho {
        return Err("--burst is for --mode udp-echo".into());
    }
    if o.threads == 0 || o.threads > o.conns {
        return Err(format!("--threads {} must be 1..=--conns", o.threads));
    }
    if !o.rate.is_finite() || o.rate < 0.0 {
        return Err(format!("--rate {} must be >= 0", o.rate));
    }
    let max_size = if o.mode == Mode::UdpEcho {
        65_507
    } else {
        1 << 20
    };
    let min_size = if o.mode == Mode::UdpEcho { 8 } else { 1 };
    if o.size < min_size || o.size > max_size {
        return Err(format!("--size {} must be {min_size}..={max_size}", o.size));
    }
    if o.mode == Mode::TcpOk && o.reply.is_empty() {
        return Err("--reply must not be empty".into());
    }
    if !o.path.starts_with('/') || o.path.bytes().any(|b| b <= b' ') {
        return Err(format!(
            "--path {:?} must start with / and have no spaces",
            o.path
        ));
    }
    Ok(())
}
