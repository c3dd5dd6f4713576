//! The `tcp_dial` example binary: connects through the reactor and prints
//! both ends, or fails with one line and exit 1.

mod util;
use std::net::{SocketAddr, TcpListener, TcpStream};
use util::*;

/// Accept one connection without risking a hang.
#[track_caller]
fn accept_bounded(l: &TcpListener) -> (TcpStream, SocketAddr) {
    l.set_nonblocking(true).unwrap();
    let mut got = None;
    wait_until("a connection", || {
        got = l.accept().ok();
        got.is_some()
    });
    let (s, peer) = got.unwrap();
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    (s, peer)
}

/// A loopback port with nothing listening (bound, then released).
fn closed_port() -> SocketAddr {
    TcpListener::bind(loopback0())
        .unwrap()
        .local_addr()
        .unwrap()
}

#[test]
fn prints_both_addresses_and_exits_0() {
    let l = TcpListener::bind(loopback0()).unwrap();
    let server = l.local_addr().unwrap().to_string();
    let mut dial = spawn_example("tcp_dial", &["--addr", &server], false);
    let (mut s, client) = accept_bounded(&l);
    expect_closed(&mut s); // it hangs up right after connecting
    drop(s);
    assert_eq!(dial.wait(), Some(0));
    let out = dial.stdout();
    assert_eq!(out, format!("connected: local={client} peer={server}\n"));
}

#[test]
fn refused_connect_exits_1_with_one_line() {
    let addr = closed_port().to_string();
    let mut dial = spawn_example("tcp_dial", &["--addr", &addr], false);
    assert_eq!(dial.wait(), Some(1));
    assert_eq!(dial.stdout(), "");
    let err = dial.stderr_with("tcp_dial:");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("tcp_dial:")).collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    assert!(
        lines[0].contains(&format!("cannot connect to {addr}")) && lines[0].contains("refused"),
        "stderr: {err}"
    );
}
