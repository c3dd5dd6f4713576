//! Framing survives TCP's lack of message boundaries: with line and length
//! framing, N messages sent are N messages received, whether they arrive
//! glued together in one read or split over several, in order; and through
//! the `sticky_server`/`sticky_client` examples, framed messages print as
//! exactly 20 lines while raw ones may merge (but never lose or reorder a byte).
mod util;
use evloop::codec::{decode_all, Codec, Framing};
use evloop::services::{AnyCodec, FrameLimit, FramedEcho};
use evloop::Config;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};
use util::*;

const FRAMED: [Framing; 2] = [Framing::Line, Framing::Length];
const MESSAGE: &str = "hello,How are you???";

fn encode(framing: Framing, payloads: &[Vec<u8>]) -> Vec<u8> {
    let codec = AnyCodec::new(framing);
    let mut out = Vec::new();
    for p in payloads {
        codec.encode(p, &mut out);
    }
    out
}

/// Read until `n` whole frames have been decoded (bounded by `TIMEOUT`).
#[track_caller]
fn read_frames(s: &mut TcpStream, framing: Framing, n: usize) -> Vec<Vec<u8>> {
    let mut codec = AnyCodec::new(framing);
    let (mut frames, mut buf, mut chunk) = (Vec::new(), Vec::new(), vec![0; 64 * 1024]);
    let deadline = Instant::now() + TIMEOUT;
    while frames.len() < n {
        assert!(
            Instant::now() < deadline,
            "timed out after {} of {n} frames",
            frames.len()
        );
        let got = s.read(&mut chunk).unwrap_or_else(|e| panic!("read: {e}"));
        assert!(got > 0, "EOF after {} of {n} frames", frames.len());
        buf.extend_from_slice(&chunk[..got]);
        let used = decode_all(&mut codec, &buf, |f| frames.push(f.to_vec())).expect("decode");
        buf.drain(..used);
    }
    assert_eq!(frames.len(), n, "more frames than sent");
    assert!(buf.is_empty(), "{} stray bytes after the frames", buf.len());
    frames
}

/// A FramedEcho for `framing`, with `max_input` fitted to its codec.
fn echo_server(framing: Framing) -> Server<FramedEcho<AnyCodec>> {
    let codec = AnyCodec::new(framing);
    let config = codec.fit_max_input(Config::default());
    serve(FramedEcho::new(codec), config)
}

fn numbered(n: usize) -> Vec<Vec<u8>> {
    (1..=n)
        .map(|i| format!("{MESSAGE} #{i}").into_bytes())
        .collect()
}

#[test]
fn twenty_framed_messages_arrive_as_twenty() {
    for framing in FRAMED {
        let server = echo_server(framing);
        let mut c = connect(server.addr);
        c.set_nodelay(true).unwrap();
        let sent = numbered(20);
        for msg in &sent {
            // One write per message, as the tutorial's client does.
            c.write_all(&encode(framing, std::slice::from_ref(msg)))
                .unwrap();
        }
        assert_eq!(read_frames(&mut c, framing, 20), sent, "{framing}");
        drop(c);
        // The server itself saw 20 messages (a raw echo would also decode to
        // 20 here, so this is what proves the server framed them).
        assert_eq!(server.stop().stats().messages, 20, "{framing}");
    }
}

#[test]
fn frame_split_across_three_paused_writes_arrives_whole() {
    for framing in FRAMED {
        let server = echo_server(framing);
        let mut c = connect(server.addr);
        c.set_nodelay(true).unwrap();
        let msg = format!("{MESSAGE} split in three").into_bytes();
        let wire = encode(framing, std::slice::from_ref(&msg));
        // Cut inside the length prefix and inside the payload.
        for part in [&wire[..2], &wire[2..10], &wire[10..]] {
            c.write_all(part).unwrap();
            thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(read_frames(&mut c, framing, 1), [msg], "{framing}");
        drop(c);
        assert_eq!(server.stop().stats().messages, 1, "{framing}");
    }
}

#[test]
fn flood_of_10000_small_frames_in_one_write_arrives_in_order() {
    for framing in FRAMED {
        let server = echo_server(framing);
        let mut c = connect(server.addr);
        let sent = numbered(10_000);
        let wire = encode(framing, &sent);
        let mut writer = c.try_clone().unwrap();
        // Write while reading, so neither side's buffers can fill and stall.
        let t = thread::spawn(move || writer.write_all(&wire).unwrap());
        assert_eq!(read_frames(&mut c, framing, 10_000), sent, "{framing}");
        t.join().unwrap();
        drop(c);
        assert_eq!(server.stop().stats().messages, 10_000, "{framing}");
    }
}

/// Run sticky_client against a fresh sticky_server; the server's stdout.
#[track_caller]
fn through_examples(framing: &str) -> String {
    let mut server = spawn_example(
        "sticky_server",
        &["--framing", framing, "--addr", "127.0.0.1:0"],
        true,
    );
    let addr = server.addr().to_string();
    let mut client = spawn_example(
        "sticky_client",
        &["--framing", framing, "--count", "20", "--addr", &addr],
        false,
    );
    assert_eq!(
        client.wait(),
        Some(0),
        "client: {}",
        client.stderr.lock().unwrap()
    );
    wait_until("the server to see the client close", || {
        server.stderr.lock().unwrap().contains("closed after")
    });
    assert_eq!(server.interrupt(), Some(0), "SIGINT exits cleanly");
    server.stdout()
}

#[test]
fn framed_example_prints_exactly_twenty_messages() {
    let expected: String = (1..=20)
        .map(|n| format!("message {n}: {MESSAGE}\n"))
        .collect();
    for framing in ["line", "length"] {
        assert_eq!(through_examples(framing), expected, "{framing}");
    }
}

#[test]
fn raw_example_may_merge_messages_but_keeps_every_byte_in_order() {
    // Whether raw writes merge depends on timing, so this only checks what
    // TCP does promise: the same bytes, in order, in at most 20 reads.
    let out = through_examples("raw");
    let mut text = String::new();
    let lines: Vec<&str> = out.lines().collect();
    assert!((1..=20).contains(&lines.len()), "{out}");
    for (i, line) in lines.iter().enumerate() {
        let prefix = format!("message {}: ", i + 1);
        let rest = line.strip_prefix(&prefix);
        text.push_str(rest.unwrap_or_else(|| panic!("bad line {line:?}")));
    }
    assert_eq!(text, MESSAGE.repeat(20));
}
