//! The `udp_client` example binary: one datagram out, the answer printed;
//! no answer within 3 s is a clear error and exit 1.

mod util;
use util::*;

#[test]
fn prints_the_answer_from_udp_echo_server() {
    let mut server = spawn_example("udp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let addr = server.addr().to_string();
    let mut client = spawn_example("udp_client", &["--addr", &addr], false);
    assert_eq!(client.wait(), Some(0));
    let out = client.stdout();
    assert_eq!(out, format!("recv:Hello server addr:{addr} count:12\n"));
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn msg_option_sets_the_datagram() {
    let mut server = spawn_example("udp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let addr = server.addr().to_string();
    let mut client = spawn_example("udp_client", &["--addr", &addr, "--msg", "ping"], false);
    assert_eq!(client.wait(), Some(0));
    assert!(client.stdout().starts_with("recv:ping addr:"));
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn no_answer_exits_1_with_a_clear_message() {
    // A socket that never answers holds the port, so nothing else can.
    let silent = udp_client();
    let addr = silent.local_addr().unwrap().to_string();
    let mut client = spawn_example("udp_client", &["--addr", &addr], false);
    assert_eq!(client.wait(), Some(1));
    assert_eq!(client.stdout(), "");
    let err = client.stderr_with("udp_client:");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("udp_client:"))
        .collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    assert!(lines[0].contains("no answer from"), "stderr: {err}");
    // The datagram did go out.
    let mut buf = [0; 64];
    let (n, _) = silent.recv_from(&mut buf).expect("the client sent nothing");
    assert_eq!(&buf[..n], b"Hello server");
}
