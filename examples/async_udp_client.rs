//! UDP client written with futures: send one datagram, print the answer,
//! or give up after 3 seconds. The async twin of `udp_client`.
//!
//! Run:  cargo run --example async_udp_echo_server    (in another terminal)
//!       cargo run --example async_udp_client
//!       cargo run --example async_udp_client -- --msg 'hi there' --addr 127.0.0.1:9090
//! Try:  nc -u -l 127.0.0.1 9090    (a stand-in server: type a reply in nc)
//!
//! Options:
//!   --addr HOST:PORT     the server (default 127.0.0.1:9090)
//!   --msg TEXT           what to send (default `Hello server`)
//!   -v, --verbose        log more (-v info, -vv debug, -vvv trace; default: only
//!                        warnings and errors)
//!
//! What you see, as the Go client prints it:
//!
//! ```text
//! recv:Hello server addr:127.0.0.1:9090 count:12
//! ```
//!
//! The callback version needs a wake to get a `Ctx` for the send, a timer
//! for the deadline and an `Outcome` to record which came first. Here the
//! same steps read top to bottom: `send_to().await`, then
//! `timeout(3 s, recv_from())`, the timeout being a race (`select`)
//! between the read and a `sleep` on the reactor's timer heap.

mod common;

use evloop::rt::{timeout, RtConfig, Runtime, UdpSocket};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(3);

/// Bind where the server can answer: loopback for a loopback server.
fn local_for(server: SocketAddr) -> SocketAddr {
    let ip = match (server.ip().is_loopback(), server.is_ipv4()) {
        (true, true) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        (true, false) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        (false, true) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (false, false) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, 0)
}

async fn ask(server: SocketAddr, msg: Vec<u8>) -> Result<(), String> {
    let local = local_for(server);
    let sock = UdpSocket::bind(local)
        .await
        .map_err(|e| format!("cannot bind udp {local}: {e}"))?;
    sock.send_to(&msg, server)
        .await
        .map_err(|e| format!("cannot send to {server}: {e}"))?;
    let mut buf = vec![0; 65_536];
    let (n, from) = match timeout(WAIT, sock.recv_from(&mut buf)).await {
        Ok(got) => got.map_err(|e: io::Error| format!("receiving: {e}"))?,
        Err(_) => {
            return Err(format!(
                "no answer from {server} within {}s",
                WAIT.as_secs()
            ))
        }
    };
    println!(
        "recv:{} addr:{from} count:{n}",
        String::from_utf8_lossy(&buf[..n])
    );
    Ok(())
}

fn main() {
    let mut args = common::Args::parse(include_str!("async_udp_client.rs"));
    common::init_client_logging(args.verbose());
    let server = args.addr("127.0.0.1:9090");
    let msg = args.value("msg", String::from("Hello server")).into_bytes();
    args.finish();
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    let mut runtime = Runtime::new(RtConfig::from(config))
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    match runtime.block_on(ask(server, msg)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => common::fail(e),
        Err(e) => common::fail(format!("event loop failed: {e}")),
    }
}
