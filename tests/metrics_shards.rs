//! `/metrics` with `Shards`: shard 0 serves the admin port
//! (`Shards::start_with` adds its listener) and reports every shard with a
//! `shard` label (`Admin::for_shards`); the other shards' numbers come from
//! `Handle::snapshot`, refreshed once a second, so the test waits (bounded)
//! for them to add up.

mod util;
use evloop::services::{Admin, Echo, Route};
use evloop::{Bind, Config, Shards};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Instant;
use util::*;

#[track_caller]
fn scrape(addr: SocketAddr) -> String {
    let mut s = connect(addr);
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send");
    let text = String::from_utf8(read_to_eof(&mut s)).expect("utf-8");
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    text
}

/// The value of `name{shard="i"}`.
fn value(text: &str, name: &str, shard: usize) -> Option<u64> {
    let prefix = format!("{name}{{shard=\"{shard}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.parse().ok())
}

#[test]
fn shard_zero_reports_every_shard_with_a_label() {
    let handles = Arc::new(OnceLock::new());
    let all = handles.clone();
    let (tx, rx) = mpsc::channel();
    let shards = Shards::new(2, Config::default()).expect("shards");
    let running = shards
        .start_with(
            Bind::Tcp(loopback0()),
            move |i| Route::new(Echo, Admin::for_shards(i, all.clone())),
            move |i, reactor| {
                if i == 0 {
                    let tok = reactor.listen(loopback0())?;
                    reactor.service_mut().side_listener(tok);
                    let _ = tx.send(reactor.local_addr(tok));
                }
                Ok(())
            },
        )
        .expect("start");
    let _ = handles.set(running.handles().to_vec());
    let admin = rx.recv_timeout(TIMEOUT).expect("admin").expect("addr");

    const CLIENTS: u64 = 8;
    for _ in 0..CLIENTS {
        let mut c = connect(running.local_addr());
        c.write_all(b"ping").expect("write");
        assert_eq!(read_n(&mut c, 4), b"ping");
    }
    let start = Instant::now();
    let mut scrapes = 0;
    let text = loop {
        let text = scrape(admin);
        scrapes += 1;
        let sum: Option<u64> = (0..2)
            .map(|i| value(&text, "evloop_connections_accepted_total", i))
            .sum();
        // Every echo client, plus this scrape and the ones before it (all
        // on shard 0, whose own numbers are always fresh).
        if sum == Some(CLIENTS + scrapes) {
            break text;
        }
        assert!(start.elapsed() < TIMEOUT, "never added up: {sum:?}\n{text}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let name = line.split(' ').nth(2).expect("name");
        let sample = match line.ends_with(" histogram") {
            true => format!("{name}_count"),
            false => name.to_string(),
        };
        for shard in 0..2 {
            assert!(
                value(&text, &sample, shard).is_some(),
                "{sample} has no shard=\"{shard}\" sample"
            );
        }
    }
    assert!(
        !text.contains("\nevloop_connections_accepted_total "),
        "unlabelled sample"
    );
    running.shutdown();
    running.wait().expect("clean stop");
}
