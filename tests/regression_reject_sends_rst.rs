//! Regression: a connection refused at `max_conns` was closed with its
//! request unread, which makes the kernel send a RST instead of a FIN: the
//! client got the 503 and then `ECONNRESET` (and on a real network the RST
//! can destroy the 503 before it is read). Now the refusal sends the
//! message, a FIN, and lingers, reading and discarding the request, so the
//! client reads the whole 503 and a clean EOF.
//!
//! The request is queued before the reactor runs (from the setup closure),
//! so it is in the socket when the refusal happens.
mod http_util;
mod util;

use evloop::http::{self, ServerConfig, REJECT_503};
use evloop::Config;
use http_util::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use util::*;

const GET: &[u8] = b"GET /go HTTP/1.1\r\nHost: example\r\n\r\n";

#[test]
fn a_refused_client_that_sent_a_request_reads_the_503_and_a_clean_eof() {
    let (tx, rx) = mpsc::channel();
    let service = http::Server::with_config(Recorder::default(), ServerConfig::default());
    let config = Config {
        max_conns: 1,
        ..Config::default()
    };
    let server = serve_with(service, config, move |r| {
        let tok = r.listen(loopback0()).expect("listen");
        let addr = r.local_addr(tok).expect("addr");
        // Both wait in the backlog, in this order: the first is admitted,
        // the second, whose request is already queued, is refused.
        let admitted = connect(addr);
        let mut refused = connect(addr);
        refused.write_all(GET).expect("write request");
        tx.send((admitted, refused)).unwrap();
        vec![addr]
    });
    let (admitted, mut refused): (TcpStream, TcpStream) = rx.recv_timeout(TIMEOUT).unwrap();
    let mut got = Vec::new();
    let end = refused.read_to_end(&mut got);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(REJECT_503)
    );
    assert!(
        end.is_ok(),
        "expected a clean EOF after the 503, got {end:?}"
    );
    wait_until("the refusal to be counted", || {
        server.handle.metrics().rejected == 1
    });
    // A new client is refused too while the first one holds the only place.
    let mut late = Client::connect(server.addr);
    late.send(GET);
    assert_eq!(late.response(false).status, 503);
    late.expect_closed();
    drop((admitted, refused, late));
    server.stop();
}
