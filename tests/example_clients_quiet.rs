//! The client examples print their result and nothing else: without
//! `RUST_LOG` they log only warnings, so a successful run leaves stderr
//! empty; `-v` brings the info lines back.

mod util;
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::thread;
use util::*;

/// A std TCP server for `conns` connections: reads each to EOF (echoing
/// if `echo`), then closes.
fn tcp_server(conns: usize, echo: bool) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind(loopback0()).expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let t = thread::spawn(move || {
        for _ in 0..conns {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let _ = s.set_read_timeout(Some(TIMEOUT));
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = s.read(&mut buf) {
                if echo && s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    });
    (addr, t)
}

#[test]
fn tcp_clients_print_only_their_result() {
    let (addr, server) = tcp_server(5, true);
    let cases: [(&str, &[&str], &[u8], &str); 4] = [
        ("tcp_dial", &[], b"", "connected: local=127.0.0.1:"),
        ("tcp_send_line", &[], b"hello\n", "sent 6 bytes"),
        ("tcp_client", &[], b"hi\n", "hi"),
        ("sticky_client", &["--count", "3"], b"", "sent 3 messages"),
    ];
    for (name, extra, input, want) in cases {
        let mut args = vec!["--addr", addr.as_str()];
        args.extend_from_slice(extra);
        let (code, out, err) = run_to_end(name, &args, input);
        assert_eq!(code, Some(0), "{name}: stderr {err}");
        assert!(out.starts_with(want), "{name}: stdout {out:?}");
        assert_eq!(err, "", "{name} logged on a clean run");
    }
    // -v: the info lines are back.
    let (code, _, err) = run_to_end("tcp_client", &["--addr", &addr, "-v"], b"hi\n");
    assert_eq!(code, Some(0));
    assert!(err.contains("connected to"), "tcp_client -v: {err}");
    server.join().expect("server thread");
}

#[test]
fn udp_client_prints_only_its_result() {
    let server = UdpSocket::bind(loopback0()).expect("bind");
    server.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let addr = server.local_addr().expect("addr").to_string();
    let echo = thread::spawn(move || {
        let mut buf = [0; 2048];
        if let Ok((n, from)) = server.recv_from(&mut buf) {
            let _ = server.send_to(&buf[..n], from);
        }
    });
    let (code, out, err) = run_to_end("udp_client", &["--addr", &addr], b"");
    assert_eq!(code, Some(0), "stderr {err}");
    assert_eq!(out, format!("recv:Hello server addr:{addr} count:12\n"));
    assert_eq!(err, "", "udp_client logged on a clean run");
    echo.join().expect("echo thread");
}
