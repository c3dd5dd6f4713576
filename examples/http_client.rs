//! HTTP client: one `GET` through the reactor (non-blocking connect, request,
//! response), then prints the status line, status code, headers and body.
//!
//! Run:  cargo run --example http_client -- http://127.0.0.1:9000/go
//!       (start `cargo run --example http_server` first)
//! Try:  compare with `curl -i http://127.0.0.1:9000/go`
//!
//! Options:
//!   URL              what to get: http://HOST[:PORT][/PATH] (required; the
//!                    port defaults to 80, the path to /)
//!   -v, --verbose    log more (-v info, -vv debug, -vvv trace; default: only
//!                    warnings and errors; RUST_LOG overrides)
//!
//! Only `http://host[:port][/path]` URLs: there is no TLS, so `https://`
//! fails with a clear message. Bodies framed by Content-Length, chunked
//! transfer coding or the server closing the connection are all understood
//! (`evloop::http::BodyDecoder`). Exit status 1 on any failure.

mod common;

use evloop::http::{parse_response_head, BodyDecoder, BodyProgress, Limits, Parsed, ResponseHead};
use evloop::{Ctx, Service, Token};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// Give up on a server that accepts but never finishes answering.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// Larger response bodies are refused rather than buffered.
const MAX_BODY: usize = 64 << 20;

/// The one request in flight and what has come back so far.
struct Client {
    addr: SocketAddr,
    request: Vec<u8>,
    limits: Limits,
    head: Option<ResponseHead>,
    decoder: Option<BodyDecoder>,
    body: Vec<u8>,
    /// Set once: `Ok` when the whole response arrived.
    outcome: common::Outcome,
}

impl Client {
    /// Record the outcome (the first one wins) and stop the loop; returns
    /// `input.len()` for `on_data` (anything after the response is ignored).
    fn finish(&mut self, ctx: &mut Ctx<'_>, outcome: Result<(), String>, input: &[u8]) -> usize {
        self.outcome.finish(ctx, outcome);
        input.len()
    }
}

impl Service for Client {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _peer: SocketAddr) {
        ctx.write(tok, &self.request);
        ctx.timer(RESPONSE_TIMEOUT, 0);
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _: &mut (), input: &[u8]) -> usize {
        let mut used = 0;
        // Interim (1xx) heads such as 100 Continue are skipped: the real one follows.
        while self.decoder.is_none() {
            match parse_response_head(&input[used..], false, &self.limits) {
                Ok(Parsed::Incomplete) => return used,
                Ok(Parsed::Complete { value, len }) => {
                    used += len;
                    if value.status >= 200 {
                        self.decoder = Some(BodyDecoder::new(value.body, self.limits.max_body));
                        self.head = Some(value);
                    }
                }
                Err(e) => return self.finish(ctx, Err(format!("bad response: {e}")), input),
            }
        }
        let Some(decoder) = self.decoder.as_mut() else {
            return input.len();
        };
        match decoder.decode(&input[used..], &mut self.body) {
            Ok((n, BodyProgress::NeedMore)) => used + n,
            Ok((_, BodyProgress::Done)) => self.finish(ctx, Ok(()), input),
            Err(e) => self.finish(ctx, Err(format!("bad response body: {e}")), input),
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx<'_>, _tok: Token, _: &mut (), _rest: &[u8]) {
        // EOF ends a close-delimited body; anywhere else it cuts the response.
        let outcome = match &self.decoder {
            None => Err("the server closed the connection before responding".to_string()),
            Some(d) => d
                .eof()
                .map_err(|e| format!("response cut short: {}", e.reason)),
        };
        self.finish(ctx, outcome, &[]);
    }

    fn on_connect_failed(&mut self, ctx: &mut Ctx<'_>, _tok: Token, err: std::io::Error) {
        let addr = self.addr;
        self.finish(ctx, Err(format!("cannot connect to {addr}: {err}")), &[]);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, _tag: u64) {
        let msg = format!("no complete response within {RESPONSE_TIMEOUT:?}");
        self.finish(ctx, Err(msg), &[]);
    }
}

/// Splits `http://host[:port][/path]` into ("host:port", path).
fn parse_url(url: &str) -> Result<(String, String), String> {
    if url.starts_with("https://") {
        return Err("TLS is not supported: use an http:// URL".into());
    }
    let bad = || format!("bad URL {url:?}: expected http://HOST[:PORT][/PATH]");
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let printable = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
    if authority.is_empty() || authority.contains('@') || !printable(authority) || !printable(path)
    {
        return Err(bad());
    }
    // A bracketed IPv6 literal has colons of its own.
    match authority.rsplit_once(':') {
        Some((_, port)) if !port.contains(']') => Ok((authority.into(), path.into())),
        _ => Ok((format!("{authority}:80"), path.into())),
    }
}

/// Prints the response as the Go tutorial's client does: status, code,
/// headers, then the body.
fn print_response(head: &ResponseHead, body: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let (version, status) = (head.minor_version, head.status);
    writeln!(out, "HTTP/1.{version} {status} {}", head.reason)?;
    writeln!(out, "status code: {}", head.status)?;
    for (name, value) in &head.headers {
        writeln!(out, "{name}: {}", String::from_utf8_lossy(value))?;
    }
    writeln!(out)?;
    out.write_all(body)?;
    if !body.ends_with(b"\n") {
        writeln!(out)?;
    }
    out.flush()
}

fn main() {
    let mut args = common::Args::parse(include_str!("http_client.rs"));
    let url = args.positional("a URL such as http://127.0.0.1:9000/go");
    // The reactor's info lines would clutter the output; -v shows them.
    common::init_client_logging(args.verbose());
    args.finish();
    let (host_port, path) = parse_url(&url).unwrap_or_else(|e| common::fail(e));
    let addr = match host_port.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) => common::fail(format!("{host_port} resolves to no address")),
        Err(e) => common::fail(format!("cannot resolve {host_port}: {e}")),
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_port}\r\nUser-Agent: evloop-http_client\r\n\
Accept: */*\r\nConnection: close\r\n\r\n"
    );
    let client = Client {
        addr,
        request: request.into_bytes(),
        limits: Limits {
            max_body: MAX_BODY,
            ..Limits::default()
        },
        head: None,
        decoder: None,
        body: Vec::new(),
        outcome: common::Outcome::default(),
    };
    let client = common::dial(client, addr);
    match (client.outcome.into_result(), client.head) {
        (Some(Ok(())), Some(head)) => {
            if let Err(e) = print_response(&head, &client.body) {
                common::fail(format!("cannot print the response: {e}"));
            }
        }
        (Some(Err(e)), _) => common::fail(e),
        _ => common::fail("interrupted before the response arrived"),
    }
}
