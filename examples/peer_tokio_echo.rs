// PEER (not part of the evloop library): the idiomatic tokio echo server.
//
// A comparison peer for the echo benchmark: a tokio *current-thread* runtime
// (one core, like evloop), one task per connection, TCP_NODELAY, read into a
// 64 KiB buffer and `write_all` it back. This is the server evloop has to beat
// in CPU time per operation on a single core.
//
//   cargo run --release --example peer_tokio_echo -- --addr 127.0.0.1:20001
//   printf 'hello\n' | nc -q 1 127.0.0.1 20001
//
// Options:
//   --addr HOST:PORT   where to listen (default 127.0.0.1:20001)
//
// Runs until killed. Errors on one connection are logged to stderr and close
// only that connection; a bind failure prints one line and exits with 1.

mod common;

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const NAME: &str = "peer_tokio_echo";
const DEFAULT_ADDR: &str = "127.0.0.1:20001";
const BUF_SIZE: usize = 64 * 1024;

/// Echo everything back until the peer closes or an error occurs.
async fn serve(mut stream: TcpStream, peer: SocketAddr) {
    if let Err(e) = stream.set_nodelay(true) {
        eprintln!("{NAME}: {peer}: set_nodelay: {e}");
    }
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => {
                eprintln!("{NAME}: {peer}: read: {e}");
                return;
            }
        };
        if let Err(e) = stream.write_all(&buf[..n]).await {
            eprintln!("{NAME}: {peer}: write: {e}");
            return;
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = common::Args::parse(include_str!("peer_tokio_echo.rs"));
    let addr = args.addr(DEFAULT_ADDR);
    args.finish();
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => common::fail(format!("cannot bind {addr}: {e}")),
    };
    match listener.local_addr() {
        Ok(local) => eprintln!("{NAME}: listening on {local}"),
        Err(_) => eprintln!("{NAME}: listening on {addr}"),
    }
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tokio::spawn(serve(stream, peer));
            }
            // e.g. EMFILE or ECONNABORTED: log and keep accepting.
            Err(e) => eprintln!("{NAME}: accept: {e}"),
        }
    }
}
