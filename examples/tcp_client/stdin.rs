//! Stdin as one more source of the reactor, and stdout that tolerates
//! `O_NONBLOCK`. Owns: registering fd 0 (or the reader-thread fallback),
//! reading it without blocking, and restoring its flags. Does not own: what
//! the lines mean (that is `main.rs`).
//!
//! # Two inputs, one thread
//! The Go client blocks in `ReadString` on stdin, so it needs a goroutine
//! to read the socket meanwhile. Here stdin is one more source in the same
//! `Poll`: `on_ready` says stdin is readable, `on_data` says the socket
//! delivered, and neither ever waits for the other. Flow control: when more
//! than 256 KiB wait to be sent, `main.rs` stops reading stdin and resumes
//! from `on_drained`, so `yes | tcp_client` cannot grow the output queue
//! without bound (and never hits `max_output`); a "line" longer than that
//! without a newline is sent in pieces rather than buffered forever.
//!
//! Why the fallback: epoll only watches things that can become ready later
//! (pipes, terminals, sockets). A regular file is always "ready", so
//! `epoll_ctl` refuses it with `EPERM`; `tcp_client < file` and
//! `tcp_client < /dev/null` take the thread path.

use evloop::{Handle, Reactor, Service, Token};
use std::io::{self, Read, Write};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// What one non-blocking read of stdin gave.
pub enum Got {
    Data(Vec<u8>),
    Eof,
    /// Nothing now: wait for `on_ready` (polled) or `on_wake` (thread).
    Nothing,
}

/// How stdin reaches the loop.
pub enum Stdin {
    /// Registered in the reactor's Poll; `old_flags` are restored on exit
    /// (a terminal shares `O_NONBLOCK` with the shell that started us).
    Polled { tok: Token, old_flags: libc::c_int },
    /// Read by a thread that sends chunks (`None` = EOF) and wakes the loop.
    Thread(Receiver<Option<Vec<u8>>>),
}

impl Stdin {
    /// Register fd 0 with `reactor`, or fall back to a reader thread.
    pub fn attach<S: Service>(reactor: &mut Reactor<S>) -> io::Result<Stdin> {
        match reactor.register_fd(0, mio::Interest::READABLE) {
            Ok(tok) => Ok(Stdin::Polled {
                tok,
                old_flags: set_nonblocking()?,
            }),
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
                log::debug!("stdin cannot be polled ({e}); reading it on a thread");
                Ok(Stdin::Thread(spawn_reader(reactor.handle())))
            }
            Err(e) => Err(e),
        }
    }

    /// The token to deregister at EOF (polled stdin only).
    pub fn token(&self) -> Option<Token> {
        match self {
            Stdin::Polled { tok, .. } => Some(*tok),
            Stdin::Thread(_) => None,
        }
    }

    /// One read that never blocks.
    pub fn read(&self) -> Got {
        match self {
            Stdin::Polled { .. } => read_nonblocking(),
            Stdin::Thread(rx) => match rx.try_recv() {
                Ok(Some(d)) => Got::Data(d),
                Ok(None) | Err(TryRecvError::Disconnected) => Got::Eof,
                Err(TryRecvError::Empty) => Got::Nothing,
            },
        }
    }

    /// Put fd 0's flags back as we found them.
    pub fn restore(&self) {
        if let Stdin::Polled { old_flags, .. } = self {
            // SAFETY: fcntl with integer arguments on fd 0 touches none of our memory.
            unsafe { libc::fcntl(0, libc::F_SETFL, *old_flags) };
        }
    }
}

fn read_nonblocking() -> Got {
    let mut buf = [0; 16384]; // over std's 8 KiB, so Stdin's own buffer is bypassed
    loop {
        return match io::stdin().lock().read(&mut buf) {
            Ok(0) => Got::Eof,
            Ok(n) => Got::Data(buf[..n].to_vec()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Got::Nothing,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log::warn!("reading stdin: {e}; treating it as the end");
                Got::Eof
            }
        };
    }
}

/// Set `O_NONBLOCK` on fd 0; returns the old flags.
fn set_nonblocking() -> io::Result<libc::c_int> {
    // SAFETY: as in `restore`.
    let flags = unsafe { libc::fcntl(0, libc::F_GETFL) };
    // SAFETY: as in `restore`.
    if flags < 0 || unsafe { libc::fcntl(0, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags)
}

/// Blocking reads on a thread; at most 4 chunks wait in the channel, so a
/// big file is read only as fast as the loop takes it.
fn spawn_reader(handle: Handle) -> Receiver<Option<Vec<u8>>> {
    let (tx, rx) = mpsc::sync_channel(4);
    std::thread::spawn(move || loop {
        let mut buf = vec![0; 16384];
        let got = match io::stdin().lock().read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(0) | Err(_) => None,
            Ok(n) => Some(buf[..n].to_vec()),
        };
        let eof = got.is_none();
        if tx.send(got).is_err() {
            return; // the loop is gone
        }
        handle.wake();
        if eof {
            return;
        }
    });
    rx
}

/// Write all of `data` to stdout. On a terminal, fds 0 and 1 are usually
/// one open file, so our `O_NONBLOCK` applies to stdout too: retry
/// `WouldBlock` (bounded, ~5 s) instead of losing output or panicking as
/// `print!` would. A closed stdout is ignored.
pub fn print_all(data: &[u8]) {
    let mut out = io::stdout().lock();
    let mut rest = data;
    for _ in 0..5000 {
        let r = if rest.is_empty() {
            out.flush().map(|()| 0)
        } else {
            out.write(rest)
        };
        match r {
            Ok(0) => return, // flushed, or stdout closed
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
