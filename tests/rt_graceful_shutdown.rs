//! Graceful shutdown with futures: the listener closes, an idle
//! connection's pending read fails (so its task ends and the socket
//! closes), a reply still being computed is delivered, and `block_on`
//! returns once every source is gone.

mod rt_util;
mod util;

use evloop::rt::{self, TcpStream};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;
use util::*;

/// Read one chunk, tell the test, think for a while, answer, close.
async fn slow_reply(conn: TcpStream, got: mpsc::Sender<()>) -> std::io::Result<()> {
    let req = conn.read_chunk().await?;
    got.send(()).unwrap();
    rt::sleep(Duration::from_millis(300)).await;
    conn.write_all(b"answer to ").await?;
    conn.write_all(&req).await
}

#[test]
fn idle_connections_close_and_replies_in_flight_are_delivered() {
    let (got_tx, got) = mpsc::channel();
    let server = rt_util::start(rt_util::config(), move |listener| async move {
        loop {
            match listener.accept().await {
                Ok((conn, _)) => drop(rt::spawn(slow_reply(conn, got_tx.clone()))),
                Err(e) if rt::is_shutdown(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    });
    let addr = server.addr;
    let mut idle = connect(addr);
    let mut busy = connect(addr);
    busy.write_all(b"question\n").unwrap();
    got.recv_timeout(TIMEOUT).expect("the request arrived");
    let ended = server.stop(); // waits for block_on to return
    assert!(
        matches!(ended.result, Ok(Ok(()))),
        "{:?}",
        ended.result.err()
    );
    assert_eq!(read_to_eof(&mut busy), b"answer to question\n");
    expect_closed(&mut idle);
    assert!(
        std::net::TcpStream::connect_timeout(&addr, TIMEOUT).is_err(),
        "the listener is closed"
    );
}
