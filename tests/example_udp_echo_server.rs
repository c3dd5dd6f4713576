//! The `udp_echo_server` example binary: echoes datagrams (or answers with
//! `--reply`), logs them, exits 0 on SIGINT.

mod util;
use util::*;

#[track_caller]
fn ask(server: std::net::SocketAddr, msg: &[u8]) -> Vec<u8> {
    let c = udp_client();
    c.send_to(msg, server).expect("send_to");
    let mut buf = [0; 2048];
    let (n, from) = c.recv_from(&mut buf).expect("no answer");
    assert_eq!(from, server);
    buf[..n].to_vec()
}

#[test]
fn echoes_each_datagram_and_logs_it() {
    let mut server = spawn_example("udp_echo_server", &["--addr", "127.0.0.1:0"], true);
    assert_eq!(ask(server.addr(), b"Hello server"), b"Hello server");
    assert_eq!(ask(server.addr(), b"second"), b"second");
    assert_eq!(server.interrupt(), Some(0));
    let out = server.stdout();
    assert!(
        out.contains("data:Hello server addr:127.0.0.1:"),
        "stdout: {out:?}"
    );
    assert!(out.contains("count:12"), "stdout: {out:?}");
}

#[test]
fn reply_option_sets_the_answer() {
    let reply = "server接收数据成功";
    let args = ["--addr", "127.0.0.1:0", "--reply", reply];
    let mut server = spawn_example("udp_echo_server", &args, true);
    assert_eq!(ask(server.addr(), b"Hello server"), reply.as_bytes());
    assert_eq!(server.interrupt(), Some(0));
}

/// Regression: SIGINT right after "udp bound on" killed the process
/// (signal handling started only in `run()`).
#[test]
fn sigint_right_after_binding_exits_0() {
    let mut server = spawn_example("udp_echo_server", &["--addr", "127.0.0.1:0"], true);
    assert_eq!(server.interrupt(), Some(0));
}

/// Regression: `echo hello | nc -u` printed `data:hello` and ` addr:…` on
/// two lines (the datagram's newline went out raw), plus an INFO line
/// repeating the same facts.
#[test]
fn prints_one_line_per_datagram_with_the_trailing_newline_cut() {
    let mut server = spawn_example("udp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let c = udp_client();
    c.send_to(b"hello\n", server.addr()).expect("send_to");
    let mut buf = [0; 64];
    let (n, _) = c.recv_from(&mut buf).expect("no answer");
    assert_eq!(&buf[..n], b"hello\n", "the echo itself is unchanged");
    c.send_to(b"a\x1bb", server.addr()).expect("send_to");
    c.recv_from(&mut buf).expect("no answer");
    assert_eq!(server.interrupt(), Some(0));
    let me = c.local_addr().expect("local addr");
    assert_eq!(
        server.stdout(),
        format!("data:hello addr:{me} count:6\ndata:a\\u{{1b}}b addr:{me} count:3\n")
    );
    let err = server.stderr.lock().unwrap().clone();
    assert!(
        !err.contains("udp from="),
        "per-datagram log line at info: {err}"
    );
}
