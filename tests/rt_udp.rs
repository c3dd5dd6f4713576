//! `UdpSocket` as futures: an async UDP echo answers every datagram,
//! including an empty one, to its sender.

mod rt_util;
mod util;

use evloop::rt::{self, Runtime, UdpSocket};
use std::sync::mpsc;
use util::*;

#[test]
fn an_async_udp_echo_answers_each_datagram() {
    let (tx, rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        let mut runtime = Runtime::new(rt_util::config()).unwrap();
        let handle = runtime.handle();
        runtime.block_on(async move {
            let sock = UdpSocket::bind(loopback0()).await?;
            tx.send((sock.local_addr(), handle)).unwrap();
            let mut buf = vec![0u8; 65_536];
            loop {
                match sock.recv_from(&mut buf).await {
                    Ok((n, from)) => drop(sock.send_to(&buf[..n], from).await?),
                    Err(e) if rt::is_shutdown(&e) => return Ok::<_, std::io::Error>(()),
                    Err(e) => return Err(e),
                }
            }
        })
    });
    let (addr, handle) = rx.recv_timeout(TIMEOUT).unwrap();
    let client = udp_client();
    let mut buf = [0u8; 100];
    for msg in [&b"hello"[..], b"", b"second"] {
        client.send_to(msg, addr).unwrap();
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (msg, addr));
    }
    handle.shutdown();
    wait_until("udp runtime to stop", || server.is_finished());
    assert!(matches!(server.join().unwrap(), Ok(Ok(()))));
}
