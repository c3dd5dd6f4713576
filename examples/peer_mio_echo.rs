// PEER (not part of the evloop library): a minimal hand-written mio echo loop.
//
// A comparison peer for the echo benchmark: one `Poll`, a `Slab` of streams,
// TCP_NODELAY, read until WouldBlock into ONE shared 64 KiB buffer and write
// each chunk straight back. If a write is short, the rest is kept in a
// per-connection Vec, reading stops and the stream is re-registered for
// WRITABLE until the Vec is drained (correct, but nothing more).
//
//   cargo run --release --example peer_mio_echo -- --addr 127.0.0.1:20001
//   printf 'hello\n' | nc -q 1 127.0.0.1 20001
//
// Options:
//   --addr HOST:PORT   where to listen (default 127.0.0.1:20001)
//
// Runs until killed. Errors on one connection are logged to stderr and close
// only that connection; a bind failure prints one line and exits with 1.

mod common;

use std::io::{self, ErrorKind, Read, Write};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token};
use slab::Slab;

const NAME: &str = "peer_mio_echo";
const DEFAULT_ADDR: &str = "127.0.0.1:20001";
const BUF_SIZE: usize = 64 * 1024;
const LISTENER: Token = Token(usize::MAX);

struct Conn {
    stream: TcpStream,
    /// Bytes read but not yet written back; non-empty means "waiting for WRITABLE".
    pending: Vec<u8>,
}

/// Write as much of `data` as the socket takes now; returns the bytes written.
fn write_some(stream: &mut TcpStream, data: &[u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < data.len() {
        match stream.write(&data[done..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Handle one readiness event; `Ok(false)` means the connection is finished.
fn on_ready(
    conn: &mut Conn,
    token: Token,
    buf: &mut [u8],
    registry: &Registry,
) -> io::Result<bool> {
    if !conn.pending.is_empty() {
        // Waiting for WRITABLE: flush the backlog, resume reading once drained.
        let n = write_some(&mut conn.stream, &conn.pending)?;
        conn.pending.drain(..n);
        if !conn.pending.is_empty() {
            return Ok(true);
        }
        // MOD re-arms the edge, so data that arrived meanwhile is reported again.
        registry.reregister(&mut conn.stream, token, Interest::READABLE)?;
    }
    loop {
        let n = match conn.stream.read(buf) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(true),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let written = write_some(&mut conn.stream, &buf[..n])?;
        if written < n {
            // Short write: keep the rest, stop reading until it is drained.
            conn.pending.extend_from_slice(&buf[written..n]);
            registry.reregister(&mut conn.stream, token, Interest::WRITABLE)?;
            return Ok(true);
        }
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("peer_mio_echo.rs"));
    let addr = args.addr(DEFAULT_ADDR);
    args.finish();
    let mut listener = TcpListener::bind(addr)
        .unwrap_or_else(|e| common::fail(format!("cannot bind {addr}: {e}")));
    let mut poll = Poll::new().unwrap_or_else(|e| common::fail(format!("cannot create poll: {e}")));
    if let Err(e) = poll
        .registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
    {
        common::fail(format!("cannot register listener: {e}"));
    }
    match listener.local_addr() {
        Ok(local) => eprintln!("{NAME}: listening on {local}"),
        Err(_) => eprintln!("{NAME}: listening on {addr}"),
    }

    let mut conns: Slab<Conn> = Slab::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            common::fail(format!("poll: {e}"));
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    let (mut stream, peer) = match listener.accept() {
                        Ok(pair) => pair,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => {
                            eprintln!("{NAME}: accept: {e}");
                            break;
                        }
                    };
                    if let Err(e) = stream.set_nodelay(true) {
                        eprintln!("{NAME}: {peer}: set_nodelay: {e}");
                    }
                    let entry = conns.vacant_entry();
                    let token = Token(entry.key());
                    match poll
                        .registry()
                        .register(&mut stream, token, Interest::READABLE)
                    {
                        Ok(()) => {
                            entry.insert(Conn {
                                stream,
                                pending: Vec::new(),
                            });
                        }
                        Err(e) => eprintln!("{NAME}: {peer}: register: {e}"),
                    }
                }
                continue;
            }
            let token = event.token();
            let Some(conn) = conns.get_mut(token.0) else {
                continue;
            };
            let keep = on_ready(conn, token, &mut buf, poll.registry()).unwrap_or_else(|e| {
                eprintln!("{NAME}: connection {}: {e}", token.0);
                false
            });
            if !keep {
                let mut conn = conns.remove(token.0);
                // Closing the fd would deregister it too; deregister for tidiness.
                let _ = poll.registry().deregister(&mut conn.stream);
            }
        }
    }
}
