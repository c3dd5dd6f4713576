//! The per-socket reply queue is bounded (one `sendmmsg` batch), yet a
//! service that answers one datagram with many more replies than the bound
//! loses none of them: a full queue is sent at once and the next reply
//! starts a new batch. Order is kept across batches. And a reply the
//! kernel refuses (here: to port 0) is dropped and counted alone; the
//! replies queued around it in the same batch still go out.
mod util;
use evloop::{Config, Ctx, Reactor, Service, Token};
use std::net::{SocketAddr, UdpSocket};
use util::*;

/// Far beyond the queue bound (32), small enough for the client's queue.
const FAN_OUT: usize = 100;

/// Answers `fan` with FAN_OUT numbered replies, and anything else with a
/// reply to port 0 (which the kernel refuses) followed by the echo.
struct FanOut;

impl Service for FanOut {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, _: Token, _: SocketAddr) {}
    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }
    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, sock: Token, from: SocketAddr, data: &[u8]) {
        if data == b"fan" {
            for i in 0..FAN_OUT {
                ctx.send_to(sock, from, format!("reply {i}").as_bytes());
            }
        } else {
            let nowhere = SocketAddr::from(([127, 0, 0, 1], 0));
            ctx.send_to(sock, nowhere, data);
            ctx.send_to(sock, from, data);
        }
    }
}

fn serve_udp() -> Server<FanOut> {
    serve_with(FanOut, Config::default(), |r: &mut Reactor<FanOut>| {
        let tok = r.bind_udp(loopback0()).expect("bind udp");
        vec![r.local_addr(tok).expect("udp local addr")]
    })
}

#[track_caller]
fn recv_text(c: &UdpSocket, server: SocketAddr) -> String {
    let mut buf = [0u8; 64];
    let (n, from) = c.recv_from(&mut buf).expect("a reply was lost");
    assert_eq!(from, server);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn more_replies_than_the_queue_bound_all_arrive_in_order() {
    let server = serve_udp();
    let c = udp_client();
    c.send_to(b"fan", server.addr).expect("send_to");
    for i in 0..FAN_OUT {
        assert_eq!(recv_text(&c, server.addr), format!("reply {i}"));
    }
    wait_until("the replies to be counted", || {
        server.handle.metrics().udp_out == FAN_OUT as u64
    });
    let m = server.handle.metrics();
    assert_eq!((m.udp_in, m.udp_dropped), (1, 0), "{m}");
    server.stop();
}

#[test]
fn a_refused_reply_is_dropped_alone_and_counted() {
    const N: usize = 20;
    let server = serve_udp();
    let c = udp_client();
    // A burst, so the server likely batches several: each batch then holds
    // refused and good replies interleaved.
    for i in 0..N {
        c.send_to(format!("echo {i}").as_bytes(), server.addr)
            .expect("send_to");
    }
    for i in 0..N {
        assert_eq!(recv_text(&c, server.addr), format!("echo {i}"));
    }
    wait_until("every reply to be counted", || {
        let m = server.handle.metrics();
        m.udp_out + m.udp_dropped == 2 * N as u64
    });
    let m = server.handle.metrics();
    assert_eq!((m.udp_in, m.udp_out, m.udp_dropped), (20, 20, 20), "{m}");
    server.stop();
}
