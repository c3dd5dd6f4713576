//! `/metrics` in the Prometheus text format, served by the reactor's own
//! loop (`Route` sends an admin listener's connections to `Admin`), scraped
//! over loopback and checked line by line: names, types, HELP/TYPE before
//! samples, counters monotonic across scrapes, exact values after a known
//! number of echoes; `/healthz` 200, unknown paths 404.

mod util;
use evloop::services::{Admin, Echo, Route};
use evloop::Config;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use util::*;

/// One HTTP GET on a fresh connection; the whole response (the server closes).
#[track_caller]
fn get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut s = connect(addr);
    let req = request(path);
    s.write_all(req.as_bytes()).expect("send request");
    let raw = read_to_eof(&mut s);
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    (head.to_string(), body.to_string())
}

fn request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")
}

fn start() -> Server<Route<Echo, Admin>> {
    serve_with(Route::new(Echo, Admin::new()), Config::default(), |r| {
        let main = r.listen(loopback0()).expect("listen");
        let admin = r.listen(loopback0()).expect("listen admin");
        r.service_mut().side_listener(admin);
        vec![
            r.local_addr(main).expect("addr"),
            r.local_addr(admin).expect("addr"),
        ]
    })
}

/// Check the text line by line; return every sample as `name{labels}` -> value.
#[track_caller]
fn parse(text: &str) -> HashMap<String, f64> {
    let mut helped = Vec::new();
    let mut typed: HashMap<String, String> = HashMap::new();
    let mut samples = HashMap::new();
    for line in text.lines() {
        assert!(!line.is_empty(), "no blank lines expected");
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP name text");
            assert!(!help.is_empty(), "{line}");
            helped.push(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert_eq!(
                helped.last().map(String::as_str),
                Some(name),
                "HELP then TYPE: {line}"
            );
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                typed.insert(name.to_string(), kind.to_string()).is_none(),
                "twice: {line}"
            );
        } else {
            let (series, value) = line.rsplit_once(' ').expect("sample value");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("number: {line}"));
            let name = series.split('{').next().unwrap_or("");
            assert!(name.starts_with("evloop_"), "prefix: {line}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "name chars: {line}"
            );
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(name);
            let kind = typed
                .get(family)
                .unwrap_or_else(|| panic!("TYPE before sample: {line}"));
            match kind.as_str() {
                "counter" => assert!(name.ends_with("_total"), "counter suffix: {line}"),
                _ => assert!(
                    !name.ends_with("_total"),
                    "only counters end in _total: {line}"
                ),
            }
            assert!(
                samples.insert(series.to_string(), value).is_none(),
                "twice: {line}"
            );
        }
    }
    samples
}

#[test]
fn metrics_scrape_is_prometheus_text_with_exact_counts() {
    let server = start();
    let (echo, admin) = (server.addrs[0], server.addrs[1]);
    let mut c = connect(echo);
    for _ in 0..3 {
        c.write_all(b"hello").expect("write");
        assert_eq!(read_n(&mut c, 5), b"hello");
    }

    let (head1, body1) = get(admin, "/metrics");
    assert!(head1.starts_with("HTTP/1.1 200 OK\r\n"), "{head1}");
    assert!(
        head1.contains("Content-Type: text/plain; version=0.0.4"),
        "{head1}"
    );
    let first = parse(&body1);
    let req = request("/metrics").len() as f64;
    // The scrape sees its own connection: 2 accepted, 15 echo bytes + its
    // own request read, 15 echo bytes written (its reply is not yet sent).
    assert_eq!(first["evloop_connections_accepted_total"], 2.0);
    assert_eq!(first["evloop_open_connections"], 2.0);
    assert_eq!(first["evloop_bytes_in_total"], 15.0 + req);
    assert_eq!(first["evloop_bytes_out_total"], 15.0);
    for h in [
        "tick_duration_seconds",
        "events_per_poll",
        "poll_asleep_seconds",
    ] {
        let count = first[&format!("evloop_{h}_count")];
        assert!(count >= 1.0, "{h} has samples");
        assert_eq!(
            first[&format!("evloop_{h}_bucket{{le=\"+Inf\"}}")],
            count,
            "{h}"
        );
    }

    c.write_all(b"more!").expect("write");
    assert_eq!(read_n(&mut c, 5), b"more!");
    let (_, body2) = get(admin, "/metrics");
    let second = parse(&body2);
    let resp1 = (head1.len() + 4 + body1.len()) as f64;
    assert_eq!(second["evloop_connections_accepted_total"], 3.0);
    assert_eq!(second["evloop_bytes_in_total"], 20.0 + 2.0 * req);
    assert_eq!(second["evloop_bytes_out_total"], 20.0 + resp1);
    for (series, v) in &first {
        let name = series.split('{').next().unwrap_or("");
        let counter =
            name.ends_with("_total") || name.ends_with("_count") || name.ends_with("_bucket");
        if counter {
            assert!(second[series] >= *v, "{series} went backwards");
        }
    }
    // Cumulative buckets never decrease with `le`.
    let mut last = 0.0;
    for line in body2
        .lines()
        .filter(|l| l.starts_with("evloop_tick_duration_seconds_bucket"))
    {
        let v: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("value");
        assert!(v >= last, "{line}");
        last = v;
    }
    drop(c);
    server.stop();
}

#[test]
fn healthz_is_200_and_other_paths_404() {
    let server = start();
    let admin = server.addrs[1];
    let (head, body) = get(admin, "/healthz");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "ok\n");
    let (head, _) = get(admin, "/nope");
    assert!(head.starts_with("HTTP/1.1 404 "), "{head}");
    let mut s = connect(admin);
    s.write_all(b"POST /metrics HTTP/1.1\r\n\r\n")
        .expect("send");
    let text = String::from_utf8(read_to_eof(&mut s)).expect("utf-8");
    assert!(text.starts_with("HTTP/1.1 405 "), "{text}");
    // The main port still echoes: the admin routing took only its listener.
    let mut c = connect(server.addrs[0]);
    c.write_all(b"GET /healthz HTTP/1.1\r\n\r\n")
        .expect("write");
    assert_eq!(read_n(&mut c, 4), b"GET ");
    drop(c);
    server.stop();
}

#[test]
fn an_unfinished_head_is_bounded() {
    let server = start();
    let mut s = connect(server.addrs[1]);
    let junk = vec![b'x'; evloop::services::MAX_HEAD + 1];
    s.write_all(&junk).expect("send");
    let mut text = Vec::new();
    let _ = s.read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text);
    assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
    server.stop();
}
