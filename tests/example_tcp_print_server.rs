//! The `tcp_print_server` example binary: prints what it receives, never
//! answers, exits 0 on SIGINT.

mod util;
use util::*;

#[test]
fn prints_what_a_client_sends_and_exits_0_on_sigint() {
    let mut server = spawn_example("tcp_print_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    let me = s.local_addr().unwrap();
    send_and_shutdown(&mut s, b"hello print\n");
    // The server closes after our EOF, so by now it has printed the line.
    expect_closed(&mut s);
    assert_eq!(server.interrupt(), Some(0));
    let out = server.stdout();
    assert!(
        out.contains(&format!("{me}: hello print")),
        "stdout: {out:?}"
    );
    wait_until("the accept log line", || {
        let err = server.stderr.lock().unwrap();
        err.contains(&format!("accepted {me}"))
    });
}

#[test]
fn never_replies() {
    let mut server = spawn_example("tcp_print_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    send_and_shutdown(&mut s, b"anyone there?\n");
    assert_eq!(read_to_eof(&mut s), b"", "the print server answered");
    assert_eq!(server.interrupt(), Some(0));
}
