//! The `async_udp_echo_server` and `async_udp_client` example binaries: the
//! pair talks like the callback pair (same lines on stdout), the server
//! exits 0 on SIGINT, and the client gives up with one line and exit 1
//! when nobody answers.

mod util;
use util::*;

#[test]
fn the_async_pair_prints_what_the_tutorial_prints() {
    let mut server = spawn_example("async_udp_echo_server", &["--addr", "127.0.0.1:0"], true);
    let addr = server.addr().to_string();
    let mut client = spawn_example("async_udp_client", &["--addr", &addr], false);
    assert_eq!(client.wait(), Some(0));
    let out = client.stdout();
    assert_eq!(out, format!("recv:Hello server addr:{addr} count:12\n"));
    assert_eq!(server.interrupt(), Some(0));
    let out = server.stdout();
    assert!(out.contains("data:Hello server addr:127.0.0.1:"), "{out:?}");
    assert!(out.contains("count:12"), "{out:?}");
}

#[test]
fn the_server_answers_the_callback_client_with_reply() {
    let reply = "server接收数据成功";
    let args = ["--addr", "127.0.0.1:0", "--reply", reply];
    let mut server = spawn_example("async_udp_echo_server", &args, true);
    let c = udp_client();
    c.send_to(b"Hello server", server.addr()).unwrap();
    let mut buf = [0; 256];
    let (n, _) = c.recv_from(&mut buf).expect("an answer");
    assert_eq!(&buf[..n], reply.as_bytes());
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn no_server_is_one_line_and_exit_1() {
    // A bound socket that never answers: nothing to reply, no ICMP either.
    let silent = std::net::UdpSocket::bind(loopback0()).unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let mut client = spawn_example("async_udp_client", &["--addr", &addr], false);
    assert_eq!(client.wait(), Some(1));
    let err = client.stderr_with("no answer");
    assert!(
        err.contains(&format!("no answer from {addr} within 3s")),
        "{err}"
    );
}
