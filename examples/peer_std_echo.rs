// PEER (not part of the evloop library): a thread-per-connection echo server.
//
// A comparison peer for the echo benchmark: blocking `std::net`, one OS thread
// per connection, TCP_NODELAY, read into a 64 KiB buffer and write it all back.
// The classic pre-reactor design; pinned to one CPU it pays for a context
// switch per blocking read.
//
//   cargo run --release --example peer_std_echo -- --addr 127.0.0.1:20001
//   printf 'hello\n' | nc -q 1 127.0.0.1 20001
//
// Options:
//   --addr HOST:PORT   where to listen (default 127.0.0.1:20001)
//
// Runs until killed. Errors on one connection are logged to stderr and close
// only that connection; a bind failure prints one line and exits with 1.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;

const NAME: &str = "peer_std_echo";
const DEFAULT_ADDR: &str = "127.0.0.1:20001";
const BUF_SIZE: usize = 64 * 1024;

/// Echo everything back until the peer closes or an error occurs.
fn serve(mut stream: TcpStream, peer: SocketAddr) {
    if let Err(e) = stream.set_nodelay(true) {
        eprintln!("{NAME}: {peer}: set_nodelay: {e}");
    }
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("{NAME}: {peer}: read: {e}");
                return;
            }
        };
        if let Err(e) = stream.write_all(&buf[..n]) {
            eprintln!("{NAME}: {peer}: write: {e}");
            return;
        }
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("peer_std_echo.rs"));
    let addr = args.addr(DEFAULT_ADDR);
    args.finish();
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(e) => common::fail(format!("cannot bind {addr}: {e}")),
    };
    match listener.local_addr() {
        Ok(local) => eprintln!("{NAME}: listening on {local}"),
        Err(_) => eprintln!("{NAME}: listening on {addr}"),
    }
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            // e.g. EMFILE or ECONNABORTED: log and keep accepting.
            Err(e) => {
                eprintln!("{NAME}: accept: {e}");
                continue;
            }
        };
        // `Builder::spawn` (unlike `thread::spawn`) reports failure instead of panicking.
        let spawned = thread::Builder::new().spawn(move || serve(stream, peer));
        if let Err(e) = spawned {
            // The closure (and with it the stream) is dropped: connection closed.
            eprintln!("{NAME}: {peer}: cannot spawn thread: {e}");
        }
    }
}
