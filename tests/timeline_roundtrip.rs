//! `Config::timeline`: a scripted echo round trip writes a Chrome Trace
//! Event Format file that parses as JSON (a minimal parser below: no
//! serde needed) and holds, in order, the tick slices with their phases and
//! the connection's accept, read, write, EOF, state changes and close.

mod util;
use evloop::{services::Echo, Config, TimelineConfig};
use std::collections::BTreeMap;
use std::io::Write;
use util::*;

/// A JSON value, enough to check a trace.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.get(key),
            _ => None,
        }
    }
    fn str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    fn num(&self, key: &str) -> Option<f64> {
        match self.get(key)? {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }
}

/// A strict recursive-descent parser (RFC 8259, minus surrogate pairs).
struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && b" \t\r\n".contains(&self.b[self.i]) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", c as char, self.i))
        }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.b.get(self.i).copied() {
            Some(b'{') => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.value()? else {
                        return Err(format!("key must be a string at {}", self.i));
                    };
                    self.eat(b':')?;
                    let v = self.value()?;
                    if m.insert(k, v).is_some() {
                        return Err(format!("duplicate key at {}", self.i));
                    }
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("bad object at {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(v));
                }
                loop {
                    v.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(v));
                        }
                        _ => return Err(format!("bad array at {}", self.i)),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut s = String::new();
                loop {
                    let c = *self.b.get(self.i).ok_or("unterminated string")?;
                    self.i += 1;
                    match c {
                        b'"' => return Ok(Json::Str(s)),
                        b'\\' => {
                            let e = *self.b.get(self.i).ok_or("bad escape")?;
                            self.i += 1;
                            match e {
                                b'"' | b'\\' | b'/' => s.push(e as char),
                                b'n' => s.push('\n'),
                                b't' => s.push('\t'),
                                b'r' => s.push('\r'),
                                b'b' => s.push('\u{8}'),
                                b'f' => s.push('\u{c}'),
                                b'u' => {
                                    let hex = self.b.get(self.i..self.i + 4).ok_or("bad \\u")?;
                                    let hex =
                                        std::str::from_utf8(hex).map_err(|e| e.to_string())?;
                                    let code =
                                        u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                                    s.push(char::from_u32(code).ok_or("bad code point")?);
                                    self.i += 4;
                                }
                                _ => return Err(format!("bad escape at {}", self.i)),
                            }
                        }
                        c if c < 0x20 => return Err(format!("raw control char at {}", self.i)),
                        _ => {
                            // Copy one whole UTF-8 sequence.
                            let start = self.i - 1;
                            let mut end = self.i;
                            while end < self.b.len() && (self.b[end] & 0xC0) == 0x80 {
                                end += 1;
                            }
                            let chunk = std::str::from_utf8(&self.b[start..end])
                                .map_err(|e| e.to_string())?;
                            s.push_str(chunk);
                            self.i = end;
                        }
                    }
                }
            }
            Some(b't') if self.b[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.b[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.b.len() && b"+-0123456789.eE".contains(&self.b[self.i]) {
                    self.i += 1;
                }
                let text =
                    std::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?;
                let leading_zero = text.trim_start_matches('-').starts_with('0')
                    && text.trim_start_matches('-').len() > 1
                    && !text.trim_start_matches('-')[1..].starts_with(['.', 'e', 'E']);
                if leading_zero || text.ends_with('.') {
                    return Err(format!("bad number {text:?}"));
                }
                text.parse()
                    .map(Json::Num)
                    .map_err(|e| format!("{text:?}: {e}"))
            }
            _ => Err(format!("unexpected byte at {}", self.i)),
        }
    }
}

#[track_caller]
fn parse(text: &str) -> Json {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value().unwrap_or_else(|e| panic!("not JSON: {e}"));
    p.ws();
    assert_eq!(p.i, text.len(), "trailing bytes after the JSON value");
    v
}

#[test]
fn the_parser_refuses_what_is_not_json() {
    for bad in ["{", "[1,]", "{\"a\":1,}", "01", "\"\n\"", "{a:1}", "[1] x"] {
        let mut p = Parser {
            b: bad.as_bytes(),
            i: 0,
        };
        let ok = p.value().is_ok() && {
            p.ws();
            p.i == bad.len()
        };
        assert!(!ok, "{bad:?} parsed");
    }
}

#[test]
fn an_echo_round_trip_is_on_the_timeline_in_order() {
    let path = std::env::temp_dir().join(format!("evloop-timeline-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let config = Config {
        timeline: Some(TimelineConfig::new(&path)),
        ..Config::default()
    };
    let server = serve(Echo, config);
    let mut c = connect(server.addr);
    c.write_all(b"hello\n").expect("write");
    assert_eq!(read_n(&mut c, 6), b"hello\n");
    c.shutdown(std::net::Shutdown::Write).expect("shutdown");
    assert_eq!(read_to_eof(&mut c), b"");
    drop(c);
    server.stop(); // the file is written when run() returns

    let text = std::fs::read_to_string(&path).expect("timeline file");
    let _ = std::fs::remove_file(&path);
    let trace = parse(&text);
    let Some(Json::Arr(events)) = trace.get("traceEvents") else {
        panic!("no traceEvents array");
    };
    for e in events {
        assert!(e.str("ph").is_some() && e.str("name").is_some(), "{e:?}");
        if e.str("ph") != Some("M") {
            assert!(e.num("ts").is_some(), "every event has a ts: {e:?}");
        }
    }
    // Slices: every tick holds its phases, in the loop's order.
    let ticks: Vec<&Json> = events
        .iter()
        .filter(|e| e.str("name") == Some("tick"))
        .collect();
    assert!(ticks.len() >= 2, "{} ticks", ticks.len());
    let phases = [
        "poll (asleep)",
        "dispatch",
        "timers",
        "run tasks",
        "flush",
        "reap",
        "housekeep",
    ];
    for tick in &ticks {
        assert_eq!(tick.str("ph"), Some("X"));
        let (t0, t1) = (
            tick.num("ts").unwrap(),
            tick.num("ts").unwrap() + tick.num("dur").unwrap(),
        );
        let inside: Vec<&str> = events
            .iter()
            .filter(|e| e.str("ph") == Some("X") && phases.contains(&e.str("name").unwrap_or("")))
            .filter(|e| e.num("ts").unwrap() >= t0 && e.num("ts").unwrap() < t1)
            .map(|e| e.str("name").unwrap())
            .collect();
        let completed: Vec<&str> = phases.iter().copied().take(inside.len()).collect();
        assert_eq!(inside, completed, "phases of tick {tick:?}");
    }
    // Instant events of the one connection, by time.
    let mut mine: Vec<(f64, String, &Json)> = events
        .iter()
        .filter(|e| e.str("ph") == Some("i"))
        .map(|e| (e.num("ts").unwrap(), e.str("name").unwrap().to_string(), e))
        .collect();
    mine.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tok = mine
        .iter()
        .find(|(_, n, _)| n == "accept")
        .and_then(|(_, _, e)| e.get("args")?.str("tok"))
        .expect("an accept event with a token")
        .to_string();
    let names: Vec<&str> = mine
        .iter()
        .filter(|(_, _, e)| e.get("args").and_then(|a| a.str("tok")) == Some(&tok))
        .map(|(_, n, _)| n.as_str())
        .filter(|n| *n != "WouldBlock")
        .collect();
    assert_eq!(
        names,
        ["accept", "read", "write", "EOF", "state", "state", "close"],
        "events of tok {tok}"
    );
    let args = |name: &str| {
        mine.iter()
            .find(|(_, n, e)| n == name && e.get("args").and_then(|a| a.str("tok")) == Some(&tok))
            .and_then(|(_, _, e)| e.get("args"))
            .unwrap()
    };
    assert_eq!(args("read").num("bytes"), Some(6.0));
    assert_eq!(args("write").num("bytes"), Some(6.0));
    assert_eq!(args("write").num("pending"), Some(0.0));
    assert_eq!(args("state").str("to"), Some("Draining"));
    // Counter tracks.
    for track in ["open connections", "pending output"] {
        assert!(
            events
                .iter()
                .any(|e| e.str("ph") == Some("C") && e.str("name") == Some(track)),
            "counter track {track}"
        );
    }
}
