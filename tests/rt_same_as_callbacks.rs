//! The async echo behaves as the callback echo (`services::Echo`) in the
//! two corner cases of the read path: a FIN that arrives with the last data
//! (one event says both; no later edge will announce the FIN) and urgent
//! data (`MSG_OOB`: kept inline with `SO_OOBINLINE` on both paths, so the
//! urgent byte is echoed in place and the bytes after it are not stranded).
//! Each case runs against both servers and must give the same bytes back,
//! then EOF.

mod rt_util;
mod util;

use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use util::*;

/// Send `parts` (the `bool` marks one sent with `MSG_OOB`), half-close,
/// and return everything the server sends back before its EOF.
#[track_caller]
fn exchange(addr: SocketAddr, parts: &[(&[u8], bool)]) -> Vec<u8> {
    let mut c = connect(addr);
    for (data, urgent) in parts {
        if *urgent {
            // SAFETY: send(2) on a socket we own, from a live slice.
            let n = unsafe {
                libc::send(
                    c.as_raw_fd(),
                    data.as_ptr().cast(),
                    data.len(),
                    libc::MSG_OOB,
                )
            };
            assert_eq!(
                n,
                data.len() as isize,
                "{}",
                std::io::Error::last_os_error()
            );
        } else {
            c.write_all(data).unwrap();
        }
    }
    c.shutdown(Shutdown::Write).unwrap();
    read_to_eof(&mut c)
}

#[test]
fn fin_with_the_last_data_ends_the_echo_like_the_callback_path() {
    let callbacks = serve(Echo, Config::default());
    let futures = rt_util::start(rt_util::config(), rt_util::echo_server);
    // Data and FIN leave in one go: the server usually sees one event with
    // `read_closed`, and a short read. Many rounds, to hit that case.
    for i in 0..50 {
        let msg = format!("message {i}\n");
        let parts: &[(&[u8], bool)] = &[(msg.as_bytes(), false)];
        let a = exchange(callbacks.addr, parts);
        let b = exchange(futures.addr, parts);
        assert_eq!(a, msg.as_bytes());
        assert_eq!(b, a, "round {i}");
    }
    futures.stop();
}

#[test]
fn urgent_data_is_handled_like_the_callback_path() {
    let callbacks = serve(Echo, Config::default());
    let futures = rt_util::start(rt_util::config(), rt_util::echo_server);
    let parts: &[(&[u8], bool)] = &[(b"ab", false), (b"c", true), (b"de", false)];
    let a = exchange(callbacks.addr, parts);
    let b = exchange(futures.addr, parts);
    assert_eq!(b, a);
    // And the connection after it is served normally.
    let c = exchange(futures.addr, &[(b"after\n", false)]);
    assert_eq!(c, b"after\n");
    futures.stop();
}

/// Send `hello`, one urgent byte, then `world\n`, and do NOT half-close: the
/// FIN cannot rescue a read that stopped at the urgent mark. Every byte must
/// come back without the client sending more.
#[track_caller]
fn urgent_then_more(addr: SocketAddr) -> Vec<u8> {
    let mut c = connect(addr);
    c.write_all(b"hello").unwrap();
    // SAFETY: send(2) on a socket we own, from a live one-byte buffer.
    let n = unsafe { libc::send(c.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
    assert_eq!(n, 1, "{}", std::io::Error::last_os_error());
    c.write_all(b"world\n").unwrap();
    read_n(&mut c, b"hello!world\n".len())
}

#[test]
fn urgent_data_does_not_strand_the_bytes_after_it() {
    let callbacks = serve(Echo, Config::default());
    let futures = rt_util::start(rt_util::config(), rt_util::echo_server);
    for round in 0..20 {
        assert_eq!(
            urgent_then_more(callbacks.addr),
            b"hello!world\n",
            "callbacks, round {round}"
        );
        assert_eq!(
            urgent_then_more(futures.addr),
            b"hello!world\n",
            "futures, round {round}"
        );
    }
    futures.stop();
}
