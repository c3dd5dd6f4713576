//! UDP echo server written with futures: every datagram goes back to its
//! sender, or, with `--reply`, a fixed answer does. The async twin of
//! `udp_echo_server`: diff the two to see a `Service` become a loop.
//!
//! Run:  cargo run --example async_udp_echo_server
//! Try:  echo hello | nc -u -w1 127.0.0.1 9090
//!       cargo run --example async_udp_client
//!
//! Options:
//!   --addr HOST:PORT     where to bind (default 127.0.0.1:9090)
//!   --reply TEXT         answer every datagram with TEXT instead of echoing
//!                        (default: echo it)
//!
//! On stdout, one line per datagram, as the Go server prints it:
//!
//! ```text
//! data:Hello server addr:127.0.0.1:41234 count:12
//! ```
//!
//! Where the callback version drops an answer the socket cannot take right
//! now (`udp_dropped`), `send_to(..).await` waits for the socket instead:
//! this one task stops reading meanwhile, which is UDP's only flow control.
//! Ctrl-C: the socket closes, the pending `recv_from` fails with the
//! shutdown error, the loop ends, exit 0.

mod common;

use evloop::rt::{self, RtConfig, Runtime, UdpSocket};
use std::io::{self, Write};
use std::net::SocketAddr;

async fn serve(addr: SocketAddr, reply: Option<Vec<u8>>) -> io::Result<()> {
    let sock = UdpSocket::bind(addr).await?; // logs `udp bound on ADDR`
    let mut buf = vec![0; 65_536]; // any datagram fits
    loop {
        let (n, from) = match sock.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) if rt::is_shutdown(&e) => return Ok(()),
            Err(e) => return Err(e),
        };
        let data = &buf[..n];
        let mut out = io::stdout().lock();
        // A closed stdout must not stop the server; the log line still shows.
        let _ = writeln!(
            out,
            "data:{} addr:{from} count:{n}",
            String::from_utf8_lossy(data)
        );
        let _ = out.flush();
        let answer = reply.as_deref().unwrap_or(data);
        match sock.send_to(answer, from).await {
            Ok(sent) => log::info!("udp from={from} count={n} answered {sent} bytes"),
            Err(e) if rt::is_shutdown(&e) => return Ok(()),
            Err(e) => log::warn!("udp from={from}: answer failed: {e}"),
        }
    }
}

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("async_udp_echo_server.rs"));
    let addr = args.addr("127.0.0.1:9090");
    let reply = args.get("reply").map(String::into_bytes);
    args.finish();
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    let mut runtime = Runtime::new(RtConfig::from(config))
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    match runtime.block_on(serve(addr, reply)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => common::fail(format!("cannot bind udp {addr}: {e}")),
        Err(e) => common::fail(format!("event loop failed: {e}")),
    }
}
