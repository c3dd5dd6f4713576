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
// Runs until killed. Errors on one connection are logged to stderr and close
// only that connection; a bind failure prints one line and exits with 1.

use std::net::SocketAddr;
use std::process::exit;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const NAME: &str = "peer_tokio_echo";
const DEFAULT_ADDR: &str = "127.0.0.1:20001";
const BUF_SIZE: usize = 64 * 1024;

/// Hand-rolled argument parsing: `--addr HOST:PORT` (or `--addr=HOST:PORT`).
fn parse_args() -> String {
    let mut addr = DEFAULT_ADDR.to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => match args.next() {
                Some(value) => addr = value,
                None => usage_error("--addr needs a value"),
            },
            "-h" | "--help" => {
                println!("usage: {NAME} [--addr HOST:PORT]   (default {DEFAULT_ADDR})");
                exit(0);
            }
            other => match other.strip_prefix("--addr=") {
                Some(value) => addr = value.to_string(),
                None => usage_error(&format!("unknown argument {other:?}")),
            },
        }
    }
    addr
}

fn usage_error(msg: &str) -> ! {
    eprintln!("{NAME}: {msg}; usage: {NAME} [--addr HOST:PORT]");
    exit(2);
}

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
    let addr = parse_args();
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("{NAME}: cannot bind {addr}: {e}");
            exit(1);
        }
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
