//! Helpers for the chat_server tests: a temporary data directory, starting
//! the example, and a line client whose every read has a timeout.
#![allow(dead_code)] // each test file uses a different subset

use crate::util::{self, Example, TIMEOUT};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "evloop-chat-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn arg(&self) -> &str {
        self.0.to_str().expect("utf-8 temp dir")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Start chat_server on an ephemeral port with `data`, a cheap KDF, and `extra` options.
#[track_caller]
pub fn start(data: &TempDir, extra: &[&str]) -> Example {
    let mut args = vec![
        "--addr",
        "127.0.0.1:0",
        "--data",
        data.arg(),
        "--kdf-mem-kib",
        "64",
    ];
    args.extend_from_slice(extra);
    util::spawn_example("chat_server", &args, true)
}

/// One chat connection, read line by line.
pub struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    /// Connect and read the greeting.
    #[track_caller]
    pub fn connect(addr: SocketAddr) -> Client {
        Client::greeted(util::connect(addr))
    }

    /// Connect from another loopback address (all of 127.0.0.0/8 is the
    /// loopback interface on Linux), as a second machine would.
    #[track_caller]
    pub fn connect_from(addr: SocketAddr, from: [u8; 4]) -> Client {
        // tokio's TcpSocket binds before connecting without `unsafe`.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime");
        let w = rt.block_on(async {
            let s = tokio::net::TcpSocket::new_v4().expect("socket");
            s.bind((from, 0).into()).expect("bind a loopback source");
            // Loopback: answered (or refused) at once.
            s.connect(addr).await.expect("connect")
        });
        let w = w.into_std().expect("into std");
        w.set_nonblocking(false).unwrap();
        w.set_read_timeout(Some(TIMEOUT)).unwrap();
        w.set_write_timeout(Some(TIMEOUT)).unwrap();
        Client::greeted(w)
    }

    #[track_caller]
    fn greeted(w: TcpStream) -> Client {
        let r = BufReader::new(w.try_clone().expect("clone stream"));
        let mut c = Client { r, w };
        let hello = c.line();
        assert!(hello.starts_with("* welcome"), "greeting: {hello:?}");
        c
    }

    #[track_caller]
    pub fn send(&mut self, line: &str) {
        self.w
            .write_all(format!("{line}\n").as_bytes())
            .unwrap_or_else(|e| panic!("sending {line:?}: {e}"));
    }

    /// The next line, without its `\n` (fails on EOF or after `TIMEOUT`).
    #[track_caller]
    pub fn line(&mut self) -> String {
        let mut s = String::new();
        match self.r.read_line(&mut s) {
            Ok(0) => panic!("server closed the connection"),
            Ok(_) => s.trim_end_matches(['\r', '\n']).to_string(),
            Err(e) => panic!("reading a line (timeout {TIMEOUT:?}): {e}"),
        }
    }

    #[track_caller]
    pub fn expect(&mut self, want: &str) {
        let got = self.line();
        assert_eq!(got, want);
    }

    /// Send `line`, return the reply line.
    #[track_caller]
    pub fn ask(&mut self, line: &str) -> String {
        self.send(line);
        self.line()
    }

    /// Skip lines (at most 1000) until one equals `want`.
    #[track_caller]
    pub fn wait_for(&mut self, want: &str) {
        for _ in 0..1000 {
            if self.line() == want {
                return;
            }
        }
        panic!("never got {want:?}");
    }

    /// Send `line`, then skip lines (at most 1000) until `want`.
    #[track_caller]
    pub fn wait_for_reply(&mut self, line: &str, want: &str) {
        self.send(line);
        self.wait_for(want);
    }

    /// Register `name`, which also logs this connection in as `name`.
    #[track_caller]
    pub fn register(&mut self, name: &str, password: &str) {
        let reply = self.ask(&format!("/register {name} {password}"));
        assert_eq!(reply, format!("OK registered {name}, logged in"));
    }

    /// Register `name`, then log out again (to set up accounts).
    #[track_caller]
    pub fn add_account(&mut self, name: &str, password: &str) {
        self.register(name, password);
        assert_eq!(self.ask("/logout"), format!("OK logged out {name}"));
    }

    #[track_caller]
    pub fn login(&mut self, name: &str, password: &str) {
        let reply = self.ask(&format!("/login {name} {password}"));
        assert_eq!(reply, format!("OK welcome {name}"));
    }

    /// The server closed: EOF (or reset) after whatever was in flight
    /// (at most 256 MiB of it, each read bounded by `TIMEOUT`).
    #[track_caller]
    pub fn expect_closed(&mut self) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0usize;
        while total < 256 << 20 {
            match self.r.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => total += n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
                Err(e) => panic!("expected the server to close, got {e}"),
            }
        }
        panic!("the server kept sending and did not close");
    }

    /// Raw access, e.g. to send bytes that are not a line.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.w
    }

    /// Close with a reset (see [`reset`]).
    #[track_caller]
    pub fn reset(self) {
        drop(self.r);
        reset(self.w);
    }
}

/// A client that registered (and so is logged in) as `name`.
#[track_caller]
pub fn user(addr: SocketAddr, name: &str, password: &str) -> Client {
    let mut c = Client::connect(addr);
    c.register(name, password);
    c
}

/// Close `stream` with a reset (RST) instead of a FIN: `SO_LINGER` 0, then
/// drop it, as a crashing client would.
#[track_caller]
pub fn reset(stream: TcpStream) {
    util::set_linger_zero(&stream);
    drop(stream);
}

/// How many offline messages the data directory holds, read straight
/// from the SQLite file (WAL allows a reader beside the server).
#[track_caller]
pub fn stored_messages(data: &TempDir) -> i64 {
    count_rows(data, "offline")
}

/// How many accounts the data directory holds (see [`stored_messages`]).
#[track_caller]
pub fn stored_users(data: &TempDir) -> i64 {
    count_rows(data, "users")
}

#[track_caller]
fn count_rows(data: &TempDir, table: &str) -> i64 {
    let db = rusqlite::Connection::open_with_flags(
        data.path().join("chat.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the chat database");
    db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("counting {table}: {e}"))
}

/// Send `sig` to the example without waiting for it to exit.
pub fn signal(server: &Example, sig: i32) {
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(server.child.id() as i32, sig) };
}

/// How many times `marker` appears in the example's stderr so far.
pub fn log_count(server: &Example, marker: &str) -> usize {
    server.stderr.lock().unwrap().matches(marker).count()
}
