//! `tcp_client`'s quit word: piped or typed, it ends the session the way
//! the end of stdin does (half-close, then print the replies still owed),
//! so `printf 'a\nb\nq\n' | tcp_client` prints `a` and `b`; and
//! `--quit-word none` sends every line, `q` included (for the chat server).

mod util;
use std::io::Write;
use util::*;

fn echo_server() -> Example {
    spawn_example("tcp_echo_server", &["--addr", "127.0.0.1:0"], true)
}

/// Run `tcp_client --addr ADDR extra...` with all of `input` on stdin, kept
/// open (so only a quit word can end the session); (exit code, stdout).
#[track_caller]
fn client_with_open_stdin(addr: &str, extra: &[&str], input: &[u8]) -> (Option<i32>, String) {
    let mut args = vec!["--addr", addr];
    args.extend_from_slice(extra);
    let mut client = spawn_example("tcp_client", &args, false);
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write stdin");
    let code = client.wait();
    drop(stdin);
    (code, client.stdout())
}

/// Regression: `q` shut the loop down at once, before the echoes of the
/// lines typed before it arrived, so nothing was printed.
#[test]
fn piped_quit_word_still_prints_the_replies_owed() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    // Several rounds: on the old code this lost the echoes every time.
    for _ in 0..5 {
        let (code, out) = client_with_open_stdin(&addr, &[], b"a\nb\nq\n");
        assert_eq!(code, Some(0));
        assert_eq!(out, "a\nb\n");
    }
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn quit_words_are_case_insensitive_and_nothing_after_them_is_sent() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let (code, out) = client_with_open_stdin(&addr, &[], b"one\nEXIT\ntwo\n");
    assert_eq!(code, Some(0));
    assert_eq!(out, "one\n");
    let (code, out) = client_with_open_stdin(&addr, &["--quit-word", "bye"], b"q\nBye\nz\n");
    assert_eq!(code, Some(0));
    assert_eq!(
        out, "q\n",
        "with --quit-word bye, `q` is a line like any other"
    );
    assert_eq!(server.interrupt(), Some(0));
}

#[test]
fn quit_word_none_sends_every_line_and_ends_at_eof() {
    let mut server = echo_server();
    let addr = server.addr().to_string();
    let mut client = spawn_example(
        "tcp_client",
        &["--addr", &addr, "--quit-word", "none"],
        false,
    );
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(b"q\nexit\nhi\n").expect("write stdin");
    drop(stdin); // the end of stdin is then the only way out
    assert_eq!(client.wait(), Some(0));
    assert_eq!(client.stdout(), "q\nexit\nhi\n");
    assert_eq!(server.interrupt(), Some(0));
}

/// The wait for owed replies is bounded: a server that reads our lines
/// and our FIN but never answers or closes is left after `--wait` of
/// silence, and that is still a normal exit.
#[test]
fn quitting_waits_for_a_silent_server_only_until_wait_passes() {
    let listener = std::net::TcpListener::bind(loopback0()).expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let mut got = Vec::new();
        let _ = std::io::Read::read_to_end(&mut s, &mut got); // to our FIN
        (got, s) // the stream stays open (silent) until the test drops it
    });
    let (code, out) = client_with_open_stdin(&addr, &["--wait", "0.2"], b"hi\nq\n");
    assert_eq!(code, Some(0));
    assert_eq!(out, "");
    let (got, stream) = server.join().expect("server thread");
    assert_eq!(got, b"hi\n");
    drop(stream);
}
