//! What goes on the wire in each TCP mode: the message to send, and how an
//! answer is recognised and checked. Does not own: timing or sockets.
//!
//! Echo payloads are a byte pattern keyed by stream offset (`offset % 251`,
//! a prime so it never lines up with the message size), so a lost,
//! duplicated or reordered byte shows up as a mismatch, and sending message
//! `k` is a slice of one precomputed buffer: no allocation per message.

use crate::opts::{Mode, Opts};

const PERIOD: usize = 251;

/// Per-connection receive state.
#[derive(Default)]
pub struct Rx {
    /// Echo: bytes checked so far on this connection.
    off: u64,
    /// Echo: the current message had a wrong byte.
    bad: bool,
}

/// One complete answer: was it right, and how many bytes was it.
pub struct Answer {
    pub ok: bool,
    pub len: usize,
}

pub struct Wire {
    mode: Mode,
    size: usize,
    /// Echo: the pattern, long enough to slice any message from.
    pattern: Vec<u8>,
    /// tcp-ok: the line; http: the request.
    fixed: Vec<u8>,
    reply: Vec<u8>,
}

impl Wire {
    pub fn new(o: &Opts) -> Wire {
        let letters: Vec<u8> = (0..o.size).map(|i| b'a' + (i % 26) as u8).collect();
        let fixed = match o.mode {
            Mode::TcpOk => {
                let mut line = letters;
                line[o.size - 1] = b'\n';
                line
            }
            Mode::Http => {
                format!("GET {} HTTP/1.1\r\nHost: {}\r\n\r\n", o.path, o.addr).into_bytes()
            }
            _ => Vec::new(),
        };
        Wire {
            mode: o.mode,
            size: o.size,
            pattern: (0..PERIOD + o.size).map(|i| (i % PERIOD) as u8).collect(),
            fixed,
            reply: o.reply.clone(),
        }
    }

    /// Message number `k` of a connection.
    pub fn message(&self, k: u64) -> &[u8] {
        match self.mode {
            Mode::TcpEcho => {
                let start = ((k % PERIOD as u64) * self.size as u64 % PERIOD as u64) as usize;
                &self.pattern[start..start + self.size]
            }
            _ => &self.fixed,
        }
    }

    /// Take every complete answer from `input`, oldest first, passing each
    /// to `done`. Returns the bytes consumed, or an error that should end
    /// the connection (the stream can no longer be framed).
    pub fn parse(
        &self,
        rx: &mut Rx,
        input: &[u8],
        mut done: impl FnMut(Answer),
    ) -> Result<usize, String> {
        match self.mode {
            Mode::TcpEcho => Ok(self.echo(rx, input, &mut done)),
            Mode::TcpOk => Ok(self.ok(input, &mut done)),
            Mode::Http => http(&self.reply, input, &mut done),
            _ => Ok(input.len()), // idle: nothing is expected; ignore
        }
    }

    fn echo(&self, rx: &mut Rx, mut input: &[u8], done: &mut impl FnMut(Answer)) -> usize {
        let total = input.len();
        while !input.is_empty() {
            let in_msg = (rx.off % self.size as u64) as usize;
            let n = (self.size - in_msg).min(input.len());
            let p = (rx.off % PERIOD as u64) as usize;
            // The pattern has PERIOD + size bytes and n <= size.
            rx.bad |= input[..n] != self.pattern[p..p + n];
            rx.off += n as u64;
            input = &input[n..];
            if in_msg + n == self.size {
                let ok = !std::mem::take(&mut rx.bad);
                done(Answer { ok, len: self.size });
            }
        }
        total
    }

    fn ok(&self, input: &[u8], done: &mut impl FnMut(Answer)) -> usize {
        let n = self.reply.len();
        let mut used = 0;
        while input.len() - used >= n {
            let ok = input[used..used + n] == self.reply[..];
            done(Answer { ok, len: n });
            used += n;
        }
        used
    }
}

/// Keep-alive HTTP/1.1 responses framed by Content-Length. Parsed with
/// `httparse` on a stack array rather than `evloop::http` (which builds an
/// owned head per response): the client must stay cheaper than the server.
fn http(reply: &[u8], input: &[u8], done: &mut impl FnMut(Answer)) -> Result<usize, String> {
    let mut used = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        let head = match resp.parse(&input[used..]) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok(used),
            Err(e) => return Err(format!("bad HTTP response: {e}")),
        };
        let length = resp
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| {
                std::str::from_utf8(h.value)
                    .ok()?
                    .trim()
                    .parse::<usize>()
                    .ok()
            })
            .ok_or("HTTP response without a Content-Length")?;
        let end = used + head + length;
        if input.len() < end {
            return Ok(used);
        }
        let body = &input[used + head..end];
        let ok = resp.code == Some(200) && body == reply;
        done(Answer {
            ok,
            len: end - used,
        });
        used = end;
    }
}
