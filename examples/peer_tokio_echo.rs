// PEER (not part of the evloop library): the idiomatic tokio echo server.
//
// A comparison peer for the echo benchmark: a tokio *current-thread* runtime
// (one core, like evloop), one task per connection, TCP_NODELAY, read into a
// 64 KiB buffer and `write_all` it back. This is the server evloop has to beat
// in CPU time per operation on a single core.
//
// With `--threads N` (N > 1) it runs tokio's *multi-thread* runtime with N
// workers instead: one listener, connections spread by work stealing. That
// is the peer for `tcp_echo_server --threads N` (N shards, one listener each).
//
//   cargo run --release --example peer_tokio_echo -- --addr 127.0.0.1:20001
//   cargo run --release --example peer_tokio_echo -- --threads 2
//   printf 'hello\n' | nc -q 1 127.0.0.1 20001
//
// With `--udp` it is tokio's UDP echo instead: one socket, one task,
// `recv_from` then `send_to` (each one syscall, plus the EAGAIN that sends
// the task back to the reactor), the peer for `udp_echo_server --quiet`.
//
//   cargo run --release --example peer_tokio_echo -- --udp --addr 127.0.0.1:9092
//   echo hello | nc -u -w1 127.0.0.1 9092
//
// Options:
//   --addr HOST:PORT   where to listen (default 127.0.0.1:20001)
//   --threads N        tokio worker threads; 1 is the current-thread runtime (default 1)
//   --pin              refused: tokio moves tasks between its workers (default: off)
//   --udp              a UDP echo on --addr instead of TCP (default: TCP)
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

fn main() {
    let mut args = common::Args::parse(include_str!("peer_tokio_echo.rs"));
    let addr = args.addr(DEFAULT_ADDR);
    let cores = args.cores();
    let udp = args.flag("udp");
    args.finish();
    if cores.pin {
        common::fail("--pin is not supported here: tokio moves tasks between its workers");
    }
    let mut builder = if cores.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(cores.threads);
        b
    };
    let runtime = builder
        .enable_io()
        .build()
        .unwrap_or_else(|e| common::fail(format!("cannot start the tokio runtime: {e}")));
    if udp {
        runtime.block_on(udp_loop(addr));
    } else {
        runtime.block_on(accept_loop(addr));
    }
}

/// Echo every datagram to its sender; a failed send drops only that one.
async fn udp_loop(addr: SocketAddr) {
    let sock = tokio::net::UdpSocket::bind(addr)
        .await
        .unwrap_or_else(|e| common::fail(format!("cannot bind udp {addr}: {e}")));
    eprintln!("{NAME}: udp bound on {}", sock.local_addr().unwrap_or(addr));
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        match sock.recv_from(&mut buf).await {
            Ok((n, from)) => {
                if let Err(e) = sock.send_to(&buf[..n], from).await {
                    eprintln!("{NAME}: send_to {from}: {e}");
                }
            }
            Err(e) => eprintln!("{NAME}: recv_from: {e}"),
        }
    }
}

async fn accept_loop(addr: SocketAddr) {
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
