//! Interactive TCP client written with futures: lines you type go to the
//! server; whatever the server sends is printed as it arrives. The async
//! twin of `tcp_client`, one `loop` instead of a `Service`.
//!
//! Run:  cargo run --example async_echo_server          (in another terminal)
//!       cargo run --example async_tcp_client           (type lines; `q` quits)
//!       printf 'hi\n' | cargo run --example async_tcp_client   (prints `hi`)
//! Try:  nc -l 127.0.0.1 20000    (a stand-in server: type back at it)
//!
//! Options:
//!   --addr HOST:PORT   the server (default 127.0.0.1:20000)
//!   -v, --verbose        log more (-v info, -vv debug, -vvv trace; default: only
//!                        warnings and errors)
//!
//! Each line is sent with its newline; `q`, `Q` or `exit` quits. At the
//! end of stdin we half-close and keep printing until the server closes.
//!
//! # Two inputs, one task
//! The Go client needs a goroutine to read the socket while it blocks on
//! stdin. Here one task waits for both with [`select`](evloop::rt::select):
//! it polls the stdin read and the socket read with the same waker, and
//! returns whichever finishes first, dropping the other. Dropping a pending
//! read loses nothing (nothing was read yet), and the half-typed line lives
//! in `line`, outside both futures, so racing them is safe.

mod common;

use evloop::rt::{self, select, AsyncFd, Either, JoinHandle, RtConfig, Runtime, TcpStream};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

/// Stdin as a future: polled through the reactor when it is a pipe or a
/// terminal; read on a `spawn_blocking` worker when it is a regular file
/// (epoll refuses those). The pending worker read is kept here, not in the
/// future, so losing a `select` race does not lose its bytes.
struct Stdin {
    polled: Option<(AsyncFd, libc::c_int)>,
    pending: Option<JoinHandle<io::Result<Vec<u8>>>>,
}

impl Stdin {
    fn open() -> io::Result<Stdin> {
        let polled = match AsyncFd::new(0, mio::Interest::READABLE) {
            // SAFETY: fcntl with integer arguments on fd 0 touches no memory of ours.
            Ok(fd) => Some((fd, unsafe { libc::fcntl(0, libc::F_GETFL) })),
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => None,
            Err(e) => return Err(e),
        };
        if let Some((_, flags)) = polled {
            // SAFETY: as above; O_NONBLOCK so a spurious wake-up cannot block the loop.
            unsafe { libc::fcntl(0, libc::F_SETFL, flags | libc::O_NONBLOCK) };
        }
        Ok(Stdin {
            polled,
            pending: None,
        })
    }

    /// The next bytes of stdin; empty at EOF.
    async fn read(&mut self) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; 16384]; // over std's 8 KiB: its buffer is bypassed
        if let Some((fd, _)) = &self.polled {
            let n = fd.read_with(|| io::stdin().lock().read(&mut buf)).await?;
            buf.truncate(n);
            return Ok(buf);
        }
        let job = self.pending.get_or_insert_with(|| {
            rt::spawn_blocking(move || {
                let n = io::stdin().lock().read(&mut buf)?;
                buf.truncate(n);
                Ok(buf)
            })
        });
        let got = job.await;
        self.pending = None;
        got?
    }
}

impl Drop for Stdin {
    fn drop(&mut self) {
        if let Some((_, flags)) = self.polled {
            // SAFETY: restores fd 0's flags; integer arguments only.
            unsafe { libc::fcntl(0, libc::F_SETFL, flags) };
        }
    }
}

/// Print a chunk from the server (one with no newline gets one, as the Go
/// client's `fmt.Println` does). A terminal shares `O_NONBLOCK` between
/// stdin and stdout, so `WouldBlock` is retried after a short sleep.
async fn print(chunk: &[u8]) -> io::Result<()> {
    let mut rest = chunk.to_vec();
    if !rest.contains(&b'\n') {
        rest.push(b'\n');
    }
    let mut out = &rest[..];
    while !out.is_empty() {
        match io::stdout().lock().write(out) {
            Ok(n) => out = &out[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                rt::sleep(Duration::from_millis(1)).await
            }
            Err(e) => return Err(e),
        }
    }
    io::stdout().lock().flush()
}

async fn client(addr: SocketAddr) -> io::Result<()> {
    let conn = TcpStream::connect(addr).await?;
    let mut stdin = Some(Stdin::open()?);
    let mut line = Vec::new(); // typed bytes after the last newline
    loop {
        let got = match stdin.as_mut() {
            Some(input) => select(input.read(), conn.read_chunk()).await,
            None => Either::Right(conn.read_chunk().await),
        };
        match got {
            Either::Left(typed) => {
                let typed = typed?;
                if typed.is_empty() {
                    // End of stdin: send a last unterminated line, half-close.
                    conn.write_all(&line).await?;
                    conn.shutdown().await?;
                    stdin = None;
                    continue;
                }
                line.extend_from_slice(&typed);
                while let Some(end) = line.iter().position(|&b| b == b'\n') {
                    let text = String::from_utf8_lossy(&line[..end]);
                    if matches!(text.trim(), "q" | "Q" | "exit") {
                        return Ok(());
                    }
                    conn.write_all(&line[..=end]).await?;
                    line.drain(..=end);
                }
            }
            Either::Right(chunk) => {
                let chunk = chunk?;
                if chunk.is_empty() {
                    return Ok(()); // the server closed
                }
                print(&chunk).await?;
            }
        }
    }
}

fn main() {
    let mut args = common::Args::parse(include_str!("async_tcp_client.rs"));
    common::init_client_logging(args.verbose());
    let addr = args.addr("127.0.0.1:20000");
    args.finish();
    let config = evloop::Config {
        handle_signals: true,
        ..evloop::Config::default()
    };
    let mut runtime = Runtime::new(RtConfig::from(config))
        .unwrap_or_else(|e| common::fail(format!("cannot start: {e}")));
    match runtime.block_on(client(addr)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            common::fail(format!("cannot connect to {addr}: {e}"))
        }
        Ok(Err(e)) if rt::is_shutdown(&e) => {} // Ctrl-C
        Ok(Err(e)) => common::fail(e),
        Err(e) => common::fail(format!("event loop failed: {e}")),
    }
}
