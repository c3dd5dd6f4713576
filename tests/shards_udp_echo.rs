//! `udp_echo_server --threads 2`: two UDP sockets on one port
//! (`SO_REUSEPORT`); datagrams from many source ports are all answered,
//! from the port they were sent to, and both shards take a share.

mod util;
use std::net::UdpSocket;
use util::shards::list;
use util::*;

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 3;

#[test]
fn datagrams_from_many_source_ports_are_all_answered() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2"];
    let mut server = spawn_example("udp_echo_server", &args, true);
    let addr = server.addr();

    // Each client socket is a different source port: a different hash.
    let clients: Vec<UdpSocket> = (0..CLIENTS).map(|_| udp_client()).collect();
    let mut buf = [0u8; 2048];
    for round in 0..PER_CLIENT {
        for (id, c) in clients.iter().enumerate() {
            let msg = format!("client {id} datagram {round}");
            c.send_to(msg.as_bytes(), addr).expect("send_to");
            let (n, from) = c
                .recv_from(&mut buf)
                .unwrap_or_else(|e| panic!("client {id} round {round}: no answer: {e}"));
            assert_eq!(from, addr, "the answer comes from the port we sent to");
            assert_eq!(&buf[..n], msg.as_bytes(), "client {id} round {round}");
        }
    }

    assert_eq!(server.interrupt(), Some(0));
    let err = server.stderr_with("shards stopped:");
    let line = err
        .lines()
        .find(|l| l.contains("shards stopped:"))
        .expect("summary line");
    let per_shard = list(line, "datagrams per shard");
    assert_eq!(per_shard.len(), 2, "{line}");
    assert_eq!(
        per_shard.iter().sum::<u64>(),
        (CLIENTS * PER_CLIENT) as u64,
        "{line}"
    );
    assert!(
        per_shard.iter().all(|&n| n > 0),
        "both shards must have answered datagrams: {line}"
    );
}
