//! TCP "ok" server: prints what each client sends and answers every read
//! with a fixed reply (the tutorial's server that says `ok`).
//!
//! Run:  cargo run --example tcp_ok_server
//!       cargo run --example tcp_ok_server -- --reply 'server接收消息成功'
//! Try:  printf 'hello\n' | nc -N 127.0.0.1 9090      (prints `ok`)
//!       cargo run --example tcp_client -- --addr 127.0.0.1:9090
//!
//! Options:
//!   --addr HOST:PORT     where to listen (default 127.0.0.1:9090)
//!   --reply TEXT         what to answer (default `ok`; the tutorial's
//!                        variant answers `server接收消息成功`)
//!   --max-conns N        refuse connections beyond N (default 10000)
//!   --idle-timeout SECS  close connections idle this long (default: never)
//!   --max-output BYTES   close a peer whose unsent output passes this (default 4 MiB)
//!   --pitfall NAME       reproduce a classic bug (default: none; repeatable;
//!                        see the README's pitfall table)
//!   --threads N          run N reactors, one per thread, on the same port
//!                        (SO_REUSEPORT; default 1; limits apply per reactor)
//!   --pin                pin reactor i to CPU i
//!   --metrics-addr HOST:PORT
//!                        serve GET /metrics (Prometheus text) and /healthz
//!                        on this address, on the same loop (default: off)
//!   --timeline FILE      write a Chrome-trace timeline of the last ticks to
//!                        FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N   ticks the timeline keeps (default 10000)
//!
//! What you see on stdout, one line per read: `127.0.0.1:53144: hello`.
//! The client gets the reply bytes as they are: no newline is added, just
//! as the Go server writes `[]byte("ok")`.
//!
//! # One reply per *read*, not per message
//! The Go server does `n, _ := conn.Read(buf)` then `conn.Write(reply)`.
//! `Ack` does the same: one reply per `on_data` call. A client that sends
//! two lines back to back may get one `ok` for both, because TCP delivered
//! them in one read. That is not a bug in the reactor; it is what a byte
//! stream does, and why real protocols frame their messages (see `codec`).
//!
//! Writes never block the loop: `ctx.write` queues the reply, and the flush
//! phase writes every connection's queued replies once per tick. A client
//! that never reads is closed when its backlog passes `--max-output`.
//!
//! Ctrl-C (SIGINT) stops it cleanly: the listener closes, queued replies
//! are flushed, connections are closed gracefully, and the exit code is 0.

mod common;

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("tcp_ok_server.rs"));
    let addr = args.addr("127.0.0.1:9090");
    let reply = args.value("reply", String::from("ok"));
    let config = args.config();
    let cores = args.cores();
    args.finish();
    if reply.is_empty() {
        // An empty reply would make this a print server that looks broken.
        common::fail("--reply must not be empty (use tcp_print_server to never answer)");
    }

    // The reply is bytes, not a line: send `--reply $'ok\n'` from bash if
    // your client reads lines.
    // `printing(true)` puts `{peer}: {text}` on stdout for every read;
    // accepts are logged on stderr with the peer's address.
    let service = evloop::services::Ack::new(reply.into_bytes()).printing(true);

    // Listen and run until SIGINT; bind failures are one line and exit 1.
    let bind = evloop::Bind::Tcp(addr);
    common::serve_sharded(cores, config, bind, move |_| service.clone());
}
