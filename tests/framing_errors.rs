//! A peer that breaks the framing loses its own connection and nothing
//! else: an oversized length prefix is refused from its 4 bytes (before any
//! payload, nothing buffered), an over-long line is refused, a valid frame
//! before garbage is still echoed, a peer hanging up mid-frame gets no reply
//! and a log line, and every other client keeps being served throughout.
mod util;
use evloop::codec::{decode_all, Codec, Framing, LengthCodec, LineCodec};
use evloop::services::{AnyCodec, FrameLimit, FramedEcho};
use evloop::Config;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;
use util::*;

fn frame(codec: &AnyCodec, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    codec.encode(payload, &mut out);
    out
}

/// A FramedEcho with `codec`, `max_input` fitted to it.
fn echo_server(codec: AnyCodec) -> Server<FramedEcho<AnyCodec>> {
    let config = codec.fit_max_input(Config::default());
    serve(FramedEcho::new(codec), config)
}

/// Send one frame on `c` and get exactly it back.
#[track_caller]
fn assert_echoes(c: &mut TcpStream, codec: &AnyCodec, payload: &[u8]) {
    let wire = frame(codec, payload);
    c.write_all(&wire).expect("write");
    let (mut decoder, mut buf, mut chunk) = (codec.clone(), Vec::new(), [0; 4096]);
    let deadline = Instant::now() + TIMEOUT;
    let mut frames = Vec::new();
    while frames.is_empty() {
        assert!(Instant::now() < deadline, "no echo of {payload:?}");
        let n = c.read(&mut chunk).unwrap_or_else(|e| panic!("read: {e}"));
        assert!(n > 0, "closed instead of echoing {payload:?}");
        buf.extend_from_slice(&chunk[..n]);
        decode_all(&mut decoder, &buf, |f| frames.push(f.to_vec())).expect("decode");
    }
    assert_eq!(frames, [payload.to_vec()]);
}

/// A client that connected before the trouble, and one that connects after,
/// are both served.
#[track_caller]
fn assert_others_served(addr: SocketAddr, bystander: &mut TcpStream, codec: &AnyCodec) {
    assert_echoes(bystander, codec, b"still here");
    assert_echoes(&mut connect(addr), codec, b"newcomer");
}

#[test]
fn huge_length_prefix_closes_the_connection_before_any_payload() {
    let codec = AnyCodec::Length(LengthCodec::new());
    let server = echo_server(codec.clone());
    let mut bystander = connect(server.addr);
    assert_echoes(&mut bystander, &codec, b"before");

    let mut attacker = connect(server.addr);
    attacker.write_all(&[0xFF; 4]).unwrap(); // claims 4 GiB, sends nothing more
    expect_closed(&mut attacker);
    drop(attacker); // hang up too, so the server need not linger

    assert_others_served(server.addr, &mut bystander, &codec);
    wait_until("the attacker's close to be counted", || {
        server.handle.metrics().closed >= 2 // attacker + newcomer
    });
    // Counters are published together once per tick, so bytes_in is final.
    let m = server.handle.metrics();
    // The codec refused it, not the reactor's input cap, and the server read
    // exactly the 4 prefix bytes plus the good frames: nothing was buffered
    // towards the claimed length.
    assert_eq!(m.input_overflows, 0, "{m}");
    let good: usize = [&b"before"[..], b"still here", b"newcomer"]
        .iter()
        .map(|p| frame(&codec, p).len())
        .sum();
    assert_eq!(m.bytes_in, (4 + good) as u64, "{m}");
    drop(bystander);
    let stats = server.stop().stats();
    assert_eq!((stats.framing_errors, stats.messages), (1, 3));
}

#[test]
fn line_longer_than_the_limit_closes_the_connection() {
    // The default 64 KiB limit, so the line also passes the reactor's default
    // 64 KiB input cap: with max_input fitted, the codec must be the one to refuse.
    let codec = AnyCodec::Line(LineCodec::new());
    let server = echo_server(codec.clone());
    let mut bystander = connect(server.addr);

    let mut long = connect(server.addr);
    let mut writer = long.try_clone().unwrap();
    let line = vec![b'x'; LineCodec::DEFAULT_MAX_LEN + 5000];
    // The server discards what it reads while closing, so this completes.
    let t = std::thread::spawn(move || writer.write_all(&line));
    expect_closed(&mut long);
    let _ = t.join().unwrap();

    assert_others_served(server.addr, &mut bystander, &codec);
    assert_eq!(server.handle.metrics().input_overflows, 0);
    drop((long, bystander));
    assert_eq!(server.stop().stats().framing_errors, 1);
}

#[test]
fn valid_frame_before_garbage_is_echoed_then_the_connection_closed() {
    let short_lines = AnyCodec::Line(LineCodec::with_max_len(16));
    let lengths = AnyCodec::Length(LengthCodec::new());
    let cases = [
        // Line: a good line, then a line far over the 16-byte limit.
        (short_lines.clone(), [&b"ok\n"[..], &[b'x'; 100]].concat()),
        // Length: a good frame, then a prefix declaring 4 GiB, then junk.
        (
            lengths.clone(),
            [frame(&lengths, b"ok"), b"\xFF\xFF\xFF\xFFgarbage".to_vec()].concat(),
        ),
    ];
    for (codec, wire) in cases {
        let server = echo_server(codec.clone());
        let mut bystander = connect(server.addr);
        let mut c = connect(server.addr);
        c.write_all(&wire).unwrap(); // one write: the frame and the garbage together
        assert_eq!(read_to_eof(&mut c), frame(&codec, b"ok"), "{codec:?}");
        assert_others_served(server.addr, &mut bystander, &codec);
        drop((c, bystander));
        let stats = server.stop().stats();
        assert_eq!((stats.framing_errors, stats.messages), (1, 3), "{codec:?}");
    }
}

#[test]
fn peer_closing_mid_frame_gets_no_reply_and_others_are_served() {
    for framing in [Framing::Line, Framing::Length] {
        let codec = AnyCodec::new(framing);
        let server = echo_server(codec.clone());
        let mut bystander = connect(server.addr);
        let mut c = connect(server.addr);
        let whole = frame(&codec, b"never finished");
        send_and_shutdown(&mut c, &whole[..whole.len() - 3]);
        assert_eq!(read_to_eof(&mut c), b"", "{framing}: no reply");
        assert_others_served(server.addr, &mut bystander, &codec);
        drop((c, bystander));
        let stats = server.stop().stats();
        assert_eq!(stats.truncated, 1, "{framing}");
        assert_eq!((stats.framing_errors, stats.messages), (0, 2), "{framing}");
    }
}

#[test]
fn example_server_logs_each_error_and_keeps_serving() {
    let mut server = spawn_example(
        "sticky_server",
        &["--framing", "length", "--addr", "127.0.0.1:0"],
        true,
    );
    let codec = AnyCodec::new(Framing::Length);
    let log = |what: &str| server.stderr.lock().unwrap().contains(what);

    let mut huge = connect(server.addr());
    huge.write_all(&[0xFF; 4]).unwrap();
    expect_closed(&mut huge);
    wait_until("the framing error to be logged", || {
        log("framing error: length prefix declares 4294967295 bytes")
    });

    let mut cut = connect(server.addr());
    send_and_shutdown(&mut cut, &frame(&codec, b"cut short")[..6]);
    assert_eq!(read_to_eof(&mut cut), b"");
    wait_until("the mid-frame close to be logged", || {
        log("closed mid-frame")
    });

    let mut good = connect(server.addr());
    send_and_shutdown(&mut good, &frame(&codec, b"still serving"));
    assert_eq!(read_to_eof(&mut good), b"");
    wait_until("the good client to be done", || {
        log("closed after 1 message")
    });

    drop((huge, cut, good)); // hang up first, so closing need not linger
    assert_eq!(server.interrupt(), Some(0));
    assert_eq!(server.stdout(), "message 1: still serving\n");
}
