//! Pipelining flood: 4 MiB of small line-framed messages in one write to a
//! line-echo service. Every reply arrives, in order, and a second client is
//! served while the flood is still in progress (its round trip completes
//! while the flooder has replies it has not read yet).
mod util;
use evloop::codec::{decode_all, LineCodec};
use evloop::{Config, Ctx, Service, Token};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use util::*;

/// Echo each line back, re-framed with `\n`; a framing error closes.
struct LineEcho;

impl Service for LineEcho {
    type Conn = LineCodec;
    fn on_open(&mut self, _ctx: &mut Ctx<'_>, _tok: Token, _peer: SocketAddr) -> LineCodec {
        LineCodec::new()
    }
    fn on_data(
        &mut self,
        ctx: &mut Ctx<'_>,
        tok: Token,
        codec: &mut LineCodec,
        input: &[u8],
    ) -> usize {
        let mut out = Vec::with_capacity(input.len());
        let result = decode_all(codec, input, |line| {
            out.extend_from_slice(line);
            out.push(b'\n');
        });
        ctx.write(tok, &out);
        match result {
            Ok(used) => used,
            Err(_) => {
                ctx.close(tok);
                input.len()
            }
        }
    }
}

fn flood() -> Vec<u8> {
    let mut v = Vec::with_capacity(4 << 20);
    let mut i = 0u32;
    while v.len() < 4 << 20 {
        v.extend_from_slice(format!("msg {:05}\n", i % 100_000).as_bytes());
        i += 1;
    }
    v
}

#[test]
fn every_pipelined_reply_arrives_in_order_and_others_are_served_meanwhile() {
    let server = serve(LineEcho, Config::default());
    let data = flood();
    let mut c = connect(server.addr);

    let mut writer = c.try_clone().unwrap();
    let sent = data.clone();
    // One write of everything, then EOF (the server flushes, then closes).
    let w = thread::spawn(move || send_and_shutdown(&mut writer, &sent));

    // The reader takes the first MiB, then waits for our go-ahead, so the
    // flood is certainly unfinished while the second client is served.
    let (part_tx, part_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let r = thread::spawn(move || {
        let mut got = read_n(&mut c, 1 << 20);
        part_tx.send(()).unwrap();
        go_rx.recv_timeout(TIMEOUT).expect("go-ahead");
        c.read_to_end(&mut got).expect("reading the rest");
        got
    });

    part_rx
        .recv_timeout(TIMEOUT)
        .expect("the first MiB of replies");
    let mut other = connect(server.addr);
    other.write_all(b"second client\n").unwrap();
    assert_eq!(read_n(&mut other, 14), b"second client\n");
    assert!(
        !r.is_finished(),
        "the flood finished before the second client was served"
    );
    go_tx.send(()).unwrap();

    w.join().unwrap();
    let got = r.join().unwrap();
    assert_eq!(got.len(), data.len());
    assert!(
        got == data,
        "replies differ from requests (order or content)"
    );
    server.stop();
}
