//! Helpers shared by the `http_*` tests: a server whose handler records what
//! it saw, and a `std::net` client that reads responses one at a time
//! (keeping leftover bytes, for pipelining). Every read has the harness
//! timeout; every loop is bounded.
#![allow(dead_code)] // each test file uses a different subset

use crate::util::{self, TIMEOUT};
use evloop::http::{self, parse_response_head, Parsed, Request, Response, ServerConfig};
use evloop::Config;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as the handler saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

/// The tutorial's handler (`/go` → HelloWorld, else 404) that also records
/// every request; `/echo` answers with the request body.
#[derive(Clone, Default)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl http::Handler for Recorder {
    fn handle(&mut self, req: &Request<'_>, body: &[u8], _: SocketAddr, resp: &mut Response) {
        self.seen.lock().unwrap().push(Seen {
            method: req.method.to_string(),
            path: req.path.to_string(),
            body: body.to_vec(),
        });
        match req.path {
            "/go" => resp
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(b"HelloWorld"),
            "/echo" => resp.body(body),
            p => match p.strip_prefix("/bytes/").and_then(|n| n.parse().ok()) {
                Some(n) => resp.body(&bytes_body(n)),
                None => resp.status(404).body(b"404 page not found\n"),
            },
        };
    }

    /// GET, HEAD and POST (the default), plus DELETE and CONNECT, so that
    /// tests can see both an opted-in method and refused ones (PUT, …).
    fn allows(&self, method: &str) -> bool {
        matches!(method, "GET" | "HEAD" | "POST" | "DELETE" | "CONNECT")
    }
}

/// The body of `/bytes/N`: N bytes of a fixed pattern, as `http_server`
/// sends them.
pub fn bytes_body(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// A running HTTP server and what its handler saw.
pub struct Running {
    pub server: util::Server<http::Server<Recorder>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

#[track_caller]
pub fn start(config: ServerConfig) -> Running {
    start_with(config, Config::default())
}

#[track_caller]
pub fn start_with(config: ServerConfig, reactor: Config) -> Running {
    let rec = Recorder::default();
    let seen = rec.seen.clone();
    let server = util::serve(http::Server::with_config(rec, config), reactor);
    Running { server, seen }
}

/// A parsed response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// A client connection that reads one response at a time.
pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    #[track_caller]
    pub fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: util::connect(addr),
            buf: Vec::new(),
        }
    }

    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write request");
    }

    /// Reads one response (Content-Length framed, as our server writes).
    #[track_caller]
    pub fn response(&mut self, to_head: bool) -> Resp {
        // Responses up to http_server's largest /bytes/N (16 MiB).
        let limits = http::Limits {
            max_body: 64 << 20,
            ..http::Limits::default()
        };
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            assert!(std::time::Instant::now() < deadline, "no response in time");
            if let Parsed::Complete { value, len } =
                parse_response_head(&self.buf, to_head, &limits).expect("valid response head")
            {
                let n = match value.body {
                    http::BodyKind::Length(n) => n as usize,
                    http::BodyKind::None => 0,
                    other => panic!("unexpected framing {other:?}"),
                };
                if self.buf.len() >= len + n {
                    let head = String::from_utf8_lossy(&self.buf[..len]).into_owned();
                    let body = self.buf[len..len + n].to_vec();
                    self.buf.drain(..len + n);
                    return Resp {
                        status: value.status,
                        head,
                        body,
                    };
                }
            }
            self.fill();
        }
    }

    #[track_caller]
    fn fill(&mut self) {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => panic!(
                "server closed; unparsed: {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
            Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("reading response: {e}"),
        }
    }

    /// After the last response: the server closes the connection.
    #[track_caller]
    pub fn expect_closed(&mut self) {
        assert!(
            self.buf.is_empty(),
            "unexpected extra bytes: {:?}",
            self.buf
        );
        util::expect_closed(&mut self.stream);
    }
}

/// `GET path` with the headers curl sends.
pub fn get(path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
    )
    .into_bytes()
}

/// Sends `request` on a new connection; expects `status` and then a close.
#[track_caller]
pub fn expect_status_then_close(addr: SocketAddr, request: &[u8], status: u16) -> Resp {
    let mut c = Client::connect(addr);
    c.send(request);
    let r = c.response(false);
    assert_eq!(
        r.status,
        status,
        "request {:?} got {r:?}",
        String::from_utf8_lossy(request)
    );
    assert_eq!(r.header("connection").as_deref(), Some("close"), "{r:?}");
    c.expect_closed();
    r
}
