//! A refusal at `max_conns` lingers (FIN, then read and discard until the
//! client closes, see `tests/regression_reject_sends_rst.rs`), but within
//! bounds: at most `MAX_LINGERING_REJECTS` (64) refused sockets per listener
//! linger at once (beyond that the refusal is a plain close), and each for
//! at most `Config::linger`, even if the client never closes.
//! The server runs in this process, so its sockets are counted in
//! `/proc/self/fd`; the two checks run one after the other for that reason.
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;
use util::*;

const MAX_LINGERING_REJECTS: usize = 64;

/// `n` clients that each send a request and keep their socket open, all
/// refused (`max_conns` 0). Returns them, once every refusal is counted.
#[track_caller]
fn refused_clients(server: &Server<Echo>, n: usize) -> Vec<TcpStream> {
    let clients: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut c = connect(server.addr);
            c.write_all(b"request nobody will read\n").unwrap();
            c
        })
        .collect();
    wait_until("every refusal to be counted", || {
        server.handle.metrics().rejected == n as u64
    });
    clients
}

fn refusing(linger: Duration) -> Config {
    Config {
        max_conns: 0,
        linger,
        ..Config::default()
    }
}

#[test]
fn refused_connections_linger_in_bounded_number_and_time() {
    // Count: with a long linger, exactly the cap is still open.
    let server = serve(Echo, refusing(TIMEOUT * 2));
    let base = open_fds();
    let clients = refused_clients(&server, MAX_LINGERING_REJECTS + 10);
    let server_side = open_fds() - base - clients.len();
    assert_eq!(
        server_side, MAX_LINGERING_REJECTS,
        "server sockets lingering"
    );
    assert_eq!(
        server.handle.metrics().open_conns,
        0,
        "refusals are not open_conns"
    );
    drop(clients); // their EOF ends the lingering
    wait_until("the lingering sockets to close", || open_fds() == base);
    server.stop();

    // Time: clients that never close are let go after `linger`.
    let server = serve(Echo, refusing(Duration::from_millis(200)));
    let base = open_fds();
    let clients = refused_clients(&server, 5);
    wait_until("the linger to run out", || {
        open_fds() == base + clients.len()
    });
    drop(clients);
    server.stop();
}
