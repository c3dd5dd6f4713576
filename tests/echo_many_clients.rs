//! Many clients at once: 200 connections are open together, each sends its
//! own bytes, and each gets exactly its own bytes back (no cross-talk
//! between connections sharing one loop, one slab and one read buffer).
mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use util::*;

const CLIENTS: usize = 200;

/// Client `id`'s payload: its id up front, then a pattern shifted by the id,
/// with a length that differs per client.
fn payload(id: usize) -> Vec<u8> {
    let mut data = format!("client {id:04}:").into_bytes();
    data.extend(
        pattern(1000 + id * 97)
            .iter()
            .map(|b| b.wrapping_add(id as u8)),
    );
    data
}

#[test]
fn two_hundred_concurrent_clients_each_get_their_own_bytes() {
    let server = serve(Echo, Config::default());
    let addr = server.addr;
    // Everyone connects first, then everyone sends once the server has
    // all 200 open: they are open at the same time while data flows.
    let connected = Arc::new(Barrier::new(CLIENTS + 1));
    let go = Arc::new(Barrier::new(CLIENTS + 1));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let (connected, go) = (connected.clone(), go.clone());
            thread::spawn(move || {
                // Reach both barriers even if connecting fails, so that a
                // failure is reported instead of leaving the others waiting.
                let c = TcpStream::connect_timeout(&addr, TIMEOUT);
                connected.wait();
                go.wait();
                let mut c = c.unwrap_or_else(|e| panic!("client {id}: connect: {e}"));
                c.set_read_timeout(Some(TIMEOUT)).unwrap();
                c.set_write_timeout(Some(TIMEOUT)).unwrap();
                let data = payload(id);
                c.write_all(&data).expect("write");
                let got = read_n(&mut c, data.len());
                assert!(got == data, "client {id} got bytes that are not its own");
                send_and_shutdown(&mut c, b"");
                assert!(read_to_eof(&mut c).is_empty(), "client {id}: extra bytes");
                data.len() as u64
            })
        })
        .collect();
    connected.wait();
    // Release the clients even if the wait fails, then report it.
    let all_open = std::panic::catch_unwind(|| {
        wait_until("all clients to be open at once", || {
            server.handle.metrics().open_conns == CLIENTS as u64
        })
    });
    go.wait();
    assert!(
        all_open.is_ok(),
        "not all {CLIENTS} clients were open at once"
    );
    let total: u64 = clients
        .into_iter()
        .map(|t| t.join().expect("client thread panicked"))
        .sum();
    wait_until(
        "every connection to close and every byte to be counted",
        || {
            let m = server.handle.metrics();
            m.open_conns == 0 && m.bytes_in == total && m.bytes_out == total
        },
    );
    let m = server.handle.metrics();
    assert_eq!(
        (m.accepted, m.closed, m.rejected),
        (CLIENTS as u64, CLIENTS as u64, 0)
    );
    server.stop();
}
