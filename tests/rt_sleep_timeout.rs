//! `sleep` and `timeout` on the reactor's timer heap: sleeps end in
//! deadline order, `timeout` gives up on a read that never completes (and
//! the connection stays usable), and finishes early when the read does.

mod rt_util;
mod util;

use evloop::rt::{self, Runtime, TcpStream};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;
use util::*;

#[test]
fn sleeps_end_in_deadline_order() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let order = Rc::new(RefCell::new(Vec::new()));
    let o = order.clone();
    runtime
        .block_on(async move {
            let mut handles = Vec::new();
            for (name, ms) in [("c", 90), ("a", 10), ("b", 50)] {
                let o = o.clone();
                handles.push(rt::spawn(async move {
                    rt::sleep(Duration::from_millis(ms)).await;
                    o.borrow_mut().push(name);
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        })
        .unwrap();
    assert_eq!(*order.borrow(), ["a", "b", "c"]);
}

#[test]
fn timeout_gives_up_on_a_silent_peer_and_the_stream_stays_usable() {
    let listener = std::net::TcpListener::bind(loopback0()).unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // Silent until the client's first timeout has passed.
        let mut b = [0u8; 5];
        std::io::Read::read_exact(&mut s, &mut b).unwrap(); // "ready"
        s.write_all(b"late\n").unwrap();
        b
    });
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let (first, second) = runtime
        .block_on(async move {
            let conn = TcpStream::connect(addr).await?;
            let mut buf = [0u8; 16];
            let first = rt::timeout(Duration::from_millis(100), conn.read(&mut buf)).await;
            let first = first.is_err();
            conn.write_all(b"ready").await?;
            let n = rt::timeout(TIMEOUT, conn.read(&mut buf)).await??;
            Ok::<_, std::io::Error>((first, buf[..n].to_vec()))
        })
        .unwrap()
        .unwrap();
    assert!(first, "the first read timed out");
    assert_eq!(second, b"late\n");
    assert_eq!(&peer.join().unwrap(), b"ready");
}
