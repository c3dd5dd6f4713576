//! The `tcp_ok_server` example binary: answers each read with `ok` (or
//! `--reply`), prints what it receives, exits 0 on SIGINT.

mod util;
use std::io::Write;
use util::*;

#[test]
fn answers_ok_to_each_message() {
    let mut server = spawn_example("tcp_ok_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    for msg in ["first\n", "second\n", "third\n"] {
        // One message at a time, each answered before the next is sent, so
        // each is its own read on the server (no sticky packets).
        s.write_all(msg.as_bytes()).unwrap();
        assert_eq!(read_n(&mut s, 2), b"ok");
    }
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn reply_option_sets_the_answer() {
    let reply = "server接收消息成功";
    let args = ["--addr", "127.0.0.1:0", "--reply", reply];
    let mut server = spawn_example("tcp_ok_server", &args, true);
    let mut s = connect(server.addr());
    s.write_all(b"hello\n").unwrap();
    assert_eq!(read_n(&mut s, reply.len()), reply.as_bytes());
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn prints_what_it_receives() {
    let mut server = spawn_example("tcp_ok_server", &["--addr", "127.0.0.1:0"], true);
    let mut s = connect(server.addr());
    let me = s.local_addr().unwrap();
    s.write_all(b"hello ok\n").unwrap();
    assert_eq!(read_n(&mut s, 2), b"ok"); // answered, so already printed
    assert_eq!(server.interrupt(), Some(0));
    let out = server.stdout();
    assert!(out.contains(&format!("{me}: hello ok")), "stdout: {out:?}");
}
