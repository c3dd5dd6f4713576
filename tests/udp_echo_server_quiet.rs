//! `udp_echo_server --quiet` still answers every datagram but prints no
//! line per datagram (the default output is the tutorial's, see
//! example_udp_echo_server.rs).
mod util;
use util::*;

#[test]
fn quiet_answers_without_a_line_per_datagram() {
    let args = ["--addr", "127.0.0.1:0", "--quiet"];
    let mut server = spawn_example("udp_echo_server", &args, true);
    let c = udp_client();
    for msg in [&b"Hello server"[..], b"second"] {
        c.send_to(msg, server.addr()).expect("send_to");
        let mut buf = [0; 64];
        let (n, from) = c.recv_from(&mut buf).expect("no answer");
        assert_eq!((&buf[..n], from), (msg, server.addr()));
    }
    assert_eq!(server.interrupt(), Some(0));
    let out = server.stdout();
    assert!(!out.contains("data:"), "stdout: {out:?}");
}
