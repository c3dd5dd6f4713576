//! Regression: urgent (TCP out-of-band) data stranded the bytes after it.
//! Linux ends a read at the urgent mark, so the read is short while normal
//! data is still queued; the short-read shortcut then waited for an edge
//! that never came, and (without `SO_OOBINLINE`) the urgent byte itself was
//! taken out of the stream. telnet sends urgent data on interrupt.
//!
//! Each test queues `hello`, one urgent byte, then `world\n` before the
//! reactor reads anything (from the setup closure, before `run()`), so the
//! first read stops at the mark. The echo must return all 12 bytes, the
//! urgent one inline, without the peer sending more. (On the connected
//! stream the end of the handshake re-registers the socket, which raises a
//! fresh edge and hides the stranding; there the test catches the urgent
//! byte dropped from the stream when `SO_OOBINLINE` is missing.)
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::time::Duration;
use util::*;

const WANT: &[u8] = b"hello!world\n";

/// `hello`, `!` as urgent data (MSG_OOB), `world\n`: three segments.
#[track_caller]
fn send_with_urgent_byte(s: &mut TcpStream) {
    s.set_nodelay(true).unwrap();
    s.write_all(b"hello").unwrap();
    // SAFETY: send(2) on a valid, connected socket we own, from a live
    // one-byte buffer.
    let n = unsafe { libc::send(s.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
    assert_eq!(n, 1, "send MSG_OOB: {}", std::io::Error::last_os_error());
    s.write_all(b"world\n").unwrap();
    // Loopback delivers within the send call; this only makes sure all
    // three segments are queued before the reactor's first read.
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn an_accepted_stream_echoes_everything_after_urgent_data() {
    let (tx, rx) = mpsc::channel();
    let server = serve_with(Echo, Config::default(), move |r| {
        let tok = r.listen(loopback0()).expect("listen");
        let addr = r.local_addr(tok).expect("addr");
        // Connected (in the backlog) and written to before run() accepts.
        let mut c = connect(addr);
        send_with_urgent_byte(&mut c);
        tx.send(c).unwrap();
        vec![addr]
    });
    let mut c = rx.recv_timeout(TIMEOUT).expect("client");
    assert_eq!(read_n(&mut c, WANT.len()), WANT);
    drop(c);
    server.stop();
}

#[test]
fn a_connected_stream_echoes_everything_after_urgent_data() {
    let listener = TcpListener::bind(loopback0()).unwrap();
    let target = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let client = serve_with(Echo, Config::default(), move |r| {
        // The reactor's outbound connect: the kernel completes the
        // handshake on its own, so we can accept and write before run().
        r.connect(target).expect("connect");
        let (mut peer, _) = listener.accept().expect("accept");
        peer.set_read_timeout(Some(TIMEOUT)).unwrap();
        send_with_urgent_byte(&mut peer);
        tx.send(peer).unwrap();
        vec![target]
    });
    let mut peer = rx.recv_timeout(TIMEOUT).expect("peer");
    assert_eq!(read_n(&mut peer, WANT.len()), WANT);
    drop(peer);
    client.stop();
}
