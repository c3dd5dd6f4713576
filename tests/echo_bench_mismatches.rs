//! `echo_bench` against a deliberately wrong server: a tiny std::net echo
//! server that corrupts one byte of every chunk it echoes. The bench must
//! count mismatches, still print its results, and exit 1 with one line
//! saying the run was not clean (a broken server must not look fast).

mod util;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use util::*;

const CONNS: usize = 2;

/// Accepts `CONNS` connections; echoes each chunk with its first byte
/// flipped. Every thread ends at EOF, on error, or after `TIMEOUT` idle.
fn corrupting_echo_server() -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind(loopback0()).expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let t = thread::spawn(move || {
        let mut conns = Vec::new();
        for _ in 0..CONNS {
            let Ok((mut s, _)) = listener.accept() else {
                break;
            };
            conns.push(thread::spawn(move || {
                let _ = s.set_read_timeout(Some(TIMEOUT));
                let mut buf = [0; 4096];
                while let Ok(n @ 1..) = s.read(&mut buf) {
                    buf[0] ^= 0xff;
                    if s.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            }));
        }
        for c in conns {
            let _ = c.join();
        }
    });
    (addr, t)
}

#[test]
fn echo_bench_counts_mismatches_and_exits_1_against_a_corrupting_server() {
    let (addr, server) = corrupting_echo_server();
    let conns = CONNS.to_string();
    let args = [
        "--addr",
        &addr,
        "--mode",
        "tcp-echo",
        "--conns",
        &conns,
        "--size",
        "100",
        "--rate",
        "200",
        "--duration",
        "1",
        "--warmup",
        "0.2",
        "--json",
    ];
    let mut bench = spawn_example("echo_bench", &args, false);
    let code = bench.wait();
    let out = bench.stdout();
    let err = bench.stderr_with("echo_bench: ");
    assert_eq!(code, Some(1), "stdout: {out} stderr: {err}");
    let json = out.trim();
    assert!(
        json.starts_with('{') && json.ends_with('}'),
        "results still printed: {out:?}"
    );
    let mismatches = json_field(json, "mismatches");
    assert!(mismatches > 0.0, "no mismatches counted: {json}");
    // A wrong answer is still an answer: operations completed too.
    assert!(json_field(json, "ops") > 0.0, "{json}");
    let reason: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("echo_bench: "))
        .collect();
    assert_eq!(reason.len(), 1, "stderr: {err}");
    assert!(reason[0].contains("mismatches"), "{}", reason[0]);
    server.join().expect("server thread");
}
