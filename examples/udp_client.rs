//! UDP client: send one datagram, print the answer (the tutorial's UDP
//! client), or give up after 3 seconds.
//!
//! Run:  cargo run --example udp_echo_server      (in another terminal)
//!       cargo run --example udp_client
//!       cargo run --example udp_client -- --msg 'hi there' --addr 127.0.0.1:9090
//! Try:  nc -u -l 127.0.0.1 9090    (a stand-in server: type a reply in nc)
//!
//! Options:
//!   --addr HOST:PORT     the server (default 127.0.0.1:9090)
//!   --msg TEXT           what to send (default `Hello server`)
//!   -v, --verbose        log more (-v info, -vv debug, -vvv trace; default: only
//!                        warnings and errors; RUST_LOG overrides)
//!
//! What you see, as the Go client prints it:
//!
//! ```text
//! recv:Hello server addr:127.0.0.1:9090 count:12
//! ```
//!
//! With no server there, UDP says nothing (an unconnected socket does not
//! hear the ICMP "port unreachable"), so the only way to notice is a
//! timeout: after 3 s it prints one line and exits 1.
//!
//! # A wake and a timer instead of blocking calls
//! The Go client blocks in `Write` and then in `ReadFromUDP`. On a reactor
//! nothing blocks, and a service can only act from inside a callback (that
//! is where it gets a `Ctx`). There is no `Reactor::send_to`, so `main`
//! calls `Handle::wake` before `run()`: the first tick delivers `on_wake`,
//! which sends with `ctx.send_to` and arms a 3 s timer as the read
//! deadline. The answer arrives in `on_datagram`. Whichever of answer and
//! timer comes first records the outcome and shuts the loop down.

mod common;

use evloop::{Ctx, Service, Token};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);

struct UdpClient {
    sock: Option<Token>,
    server: SocketAddr,
    msg: Vec<u8>,
    /// How it ended; recording it stops the loop.
    outcome: common::Outcome,
}

impl Service for UdpClient {
    type Conn = ();

    fn on_open(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _peer: SocketAddr) {}

    fn on_data(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _c: &mut (), input: &[u8]) -> usize {
        input.len()
    }

    /// The first callback after `run()` starts (see `main`): send, then
    /// start the clock.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let Some(sock) = self.sock else { return };
        if !ctx.send_to(sock, self.server, &self.msg) {
            return self
                .outcome
                .finish(ctx, Err(format!("cannot send to {}", self.server)));
        }
        log::info!("sent {} bytes to {}", self.msg.len(), self.server);
        ctx.timer(TIMEOUT, 0);
    }

    /// The read deadline passed with no answer.
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, _tag: u64) {
        let why = format!("no answer from {} within {TIMEOUT:?}", self.server);
        self.outcome.finish(ctx, Err(why));
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, _sock: Token, from: SocketAddr, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        println!("recv:{text} addr:{from} count:{}", data.len());
        self.outcome.finish(ctx, Ok(()));
    }
}

/// Where to bind: loopback for a loopback server (the brief's rule), else
/// the unspecified address of the server's family so any route works.
fn local_for(server: SocketAddr) -> SocketAddr {
    let ip = match server.ip() {
        IpAddr::V4(ip) if ip.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_loopback() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, 0)
}

fn main() {
    let mut args = common::Args::parse(include_str!("udp_client.rs"));
    let server = args.addr("127.0.0.1:9090");
    let msg = args.value("msg", String::from("Hello server")).into_bytes();
    common::init_client_logging(args.verbose());
    args.finish();

    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    let client = UdpClient {
        sock: None,
        server,
        msg,
        outcome: common::Outcome::default(),
    };
    let mut reactor = evloop::Reactor::new(client, config)
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    let local = local_for(server);
    let sock = reactor
        .bind_udp(local)
        .unwrap_or_else(|e| common::fail(format!("cannot bind udp {local}: {e}")));
    reactor.service_mut().sock = Some(sock);
    // Queue a wake now, so the first tick calls `on_wake`, which sends.
    reactor.handle().wake();
    if let Err(e) = reactor.run() {
        common::fail(format!("event loop failed: {e}"));
    }
    // `None`: interrupted by Ctrl-C before an outcome, a clean exit too.
    reactor.into_service().outcome.exit_on_error();
}
