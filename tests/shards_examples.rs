//! The other sharded servers: `tcp_ok_server` and `http_server` with
//! `--threads 2` (the HTTP one also `--pin`ned) answer on the one port,
//! and a SIGINT drains them to exit 0 with the shards' summary line.

mod util;
use std::io::Write;
use util::*;

/// `Cpus_allowed_list` of thread `evloop-shard-{shard}` of process `pid`.
#[track_caller]
fn shard_cpus(pid: u32, shard: usize) -> String {
    let name = format!("evloop-shard-{shard}");
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("/proc/PID/task");
    for task in tasks.map(|t| t.expect("task entry").path()) {
        let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let status = std::fs::read_to_string(task.join("status")).expect("task status");
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .expect("Cpus_allowed_list");
        return line.trim().to_string();
    }
    panic!("no thread named {name} in process {pid}");
}

#[test]
fn tcp_ok_server_with_two_shards_answers_and_exits_0() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2"];
    let mut server = spawn_example("tcp_ok_server", &args, true);
    for _ in 0..8 {
        let mut c = connect(server.addr());
        c.write_all(b"hello").expect("write");
        assert_eq!(read_n(&mut c, 2), b"ok");
    }
    assert_eq!(server.interrupt(), Some(0));
    let err = server.stderr_with("shards stopped: 2 shards");
    assert!(err.contains("total: accepted=8 "), "{err}");
}

#[test]
fn pinned_http_server_with_two_shards_answers_and_exits_0() {
    let args = ["--addr", "127.0.0.1:0", "--threads", "2", "--pin"];
    let mut server = spawn_example("http_server", &args, true);
    for _ in 0..8 {
        let mut c = connect(server.addr());
        c.write_all(b"GET /go HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("write");
        let reply = String::from_utf8(read_to_eof(&mut c)).expect("utf-8");
        assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
        assert!(reply.ends_with("\r\n\r\nHelloWorld"), "{reply}");
    }
    // Shard i's thread may run on CPU i only (this machine has at least 2
    // when the test is meaningful; on 1 CPU both shards share CPU 0).
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (shard, cpu) in [(0, 0), (1, 1 % cpus)] {
        assert_eq!(
            shard_cpus(server.child.id(), shard),
            cpu.to_string(),
            "shard {shard}"
        );
    }
    assert_eq!(server.interrupt(), Some(0));
    let err = server.stderr_with("shards stopped: 2 shards");
    assert!(err.contains("total: accepted=8 "), "{err}");
}
