//! Chat server: the tutorial's IM system on one event loop — accounts,
//! presence, broadcast, direct messages, and offline messages that survive
//! a crash.
//!
//! Run:  cargo run --example chat_server
//! Try:  telnet 127.0.0.1 8888   (or `nc 127.0.0.1 8888`, or tcp_client),
//!       in two terminals:  /register ann pw1  (which logs you in), then  hello all
//!
//! Options:
//!   --addr HOST:PORT      where to listen (default 127.0.0.1:8888)
//!   --data DIR            SQLite database directory (default ./chat-data)
//!   --kdf-mem-kib N       argon2id memory cost per hash (default 19456 = 19 MiB)
//!   --kdf-iters N         argon2id passes (default 2)
//!   --max-failures N      failed logins for a name from one address before
//!                         that pair is locked; an address is locked after 4×N
//!                         over any names (default 5, at least 1)
//!   --lockout-secs SECS   how long a lock lasts (default 30)
//!   --say-rate N          broadcast lines per second per client, burst N;
//!                         faster lines are dropped, `ERR slow down` (default 20)
//!   --timestamps          live messages carry the time too: `[all TIME] …`
//!   --max-output BYTES    disconnect a client whose unsent output passes this (default 1 MiB)
//!   --max-conns N         refuse connections beyond N (default 10000)
//!   --idle-timeout SECS   close connections idle this long (default: never)
//!   --pitfall NAME        reproduce a classic bug (default: none; repeatable)
//!   --metrics-addr HOST:PORT
//!                         serve GET /metrics (Prometheus text) and /healthz
//!                         on this address, on the same loop (default: off)
//!   --timeline FILE       write a Chrome-trace timeline of the last ticks to
//!                         FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N    ticks the timeline keeps (default 10000)
//!
//! The lesson: blocking work off the loop. Hashing a password with argon2
//! takes tens of milliseconds of CPU on purpose, and a SQLite commit with
//! `synchronous=FULL` waits for an fsync. Done in a callback, either would
//! freeze every other client. So the loop never does them: it sends a `Job`
//! over an `std::sync::mpsc` channel to ONE worker thread, and the worker
//! sends the `Outcome` back over a second channel and calls
//! `Handle::wake()`. The wake writes to the reactor's waker (an eventfd
//! registered in the same epoll set), so the loop wakes up, calls
//! `Service::on_wake`, and drains the outcomes with `try_recv` — never
//! `recv`, which would block. That is exactly the mechanism under tokio's
//! `spawn_blocking`: a thread pool plus a waker that makes the runtime poll
//! the waiting task again. Here it is one thread, spelled out; one thread
//! also serialises the database, so SQLite never sees two writers.
//!
//! Two consequences the code handles:
//! - Replies stay in request order per client: while a client's job is in
//!   flight its further lines wait in a queue (`service.rs`), while every
//!   other client keeps being served (`/who` is answered mid-hash).
//! - Work finishes after the client may be gone: outcomes name the token,
//!   and tokens carry a generation, so a reply for a closed slot is dropped.
//!
//! Durable: users and offline messages are in SQLite (WAL, synchronous=FULL);
//! `OK stored for NAME` is sent only after the commit, and a delivered
//! message is deleted only once the recipient sends a line or a clean EOF
//! after its socket took it (at-least-once: a reset redelivers).
//! Secure: only argon2id PHC strings (random salt) are stored; verifying is
//! constant-time; repeated failures lock a name (per address) for a while;
//! names are compared case-insensitively after NFC; a line over 4 KiB gets
//! `ERR line too long` and is dropped; broadcasts are rate-limited.
//! Backpressure: a client that stops reading is disconnected at --max-output
//! instead of growing server memory or slowing everyone else.
//! SIGINT/SIGTERM: users are told, the worker finishes queued writes (and
//! skips the hashes of clients that are gone), exit 0. A second signal
//! exits at once with status 130.

mod client;
mod commands;
#[path = "../common/mod.rs"]
mod common;
mod flood;
mod jobs;
mod lockout;
mod outcomes;
mod protocol;
mod service;
mod store;
mod worker;

use evloop::Bind;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("main.rs"));
    let addr = args.addr("127.0.0.1:8888");
    let data = PathBuf::from(args.value("data", "./chat-data".to_string()));
    let mem_kib: u32 = args.value("kdf-mem-kib", argon2::Params::DEFAULT_M_COST);
    let iters: u32 = args.value("kdf-iters", argon2::Params::DEFAULT_T_COST);
    let max_failures: u32 = args.value("max-failures", 5);
    let lockout: f64 = args.value("lockout-secs", 30.0);
    let say_rate: u32 = args.value("say-rate", 20);
    if max_failures == 0 || say_rate == 0 {
        common::fail("--max-failures and --say-rate must be at least 1 (--help lists the options)");
    }
    let lockout = Duration::try_from_secs_f64(lockout)
        .unwrap_or_else(|e| common::fail(format!("bad --lockout-secs {lockout}: {e}")));
    let limits = service::Limits {
        max_failures,
        lockout,
        max_queued: 256 * 1024,
        say_rate,
        timestamps: args.flag("timestamps"),
    };
    // Read before `config()`, which would default it to the reactor's 4 MiB.
    let max_output: usize = args.value("max-output", 1024 * 1024);
    let mut config = args.config();
    args.finish();
    config.max_output = max_output;
    // Pause reading a client (it is not reading our replies) well before
    // the hard cap, the usual high/low water marks.
    config.high_water = max_output / 2;
    config.low_water = max_output / 8;
    // One read (64 KiB) per client per tick: fair, and it bounds what one
    // sender can fan out to a reader within a tick, before any flush.
    config.read_budget = config.read_chunk;
    // Above the line cap, so `on_data` always sees an overlong line first
    // and answers `ERR line too long` before the reactor's cap would act.
    config.max_input = 2 * protocol::MAX_LINE + 64;

    let params = argon2::Params::new(mem_kib, iters, 1, None).unwrap_or_else(|e| {
        common::fail(format!(
            "bad --kdf-mem-kib {mem_kib} / --kdf-iters {iters}: {e}"
        ))
    });
    let store = store::Store::open(&data).unwrap_or_else(|e| common::fail(e));
    log::info!("data in {}", data.display());

    exit_on_second_signal();
    let (job_tx, job_rx) = mpsc::channel();
    let (out_tx, out_rx) = mpsc::channel();
    let chat = service::Chat::new(job_tx, out_rx, limits);
    let mut worker = None;
    let (result, metrics) = common::observe::run_then(chat, config, Bind::Tcp(addr), |handle| {
        let spawned = worker::spawn(store, params, job_rx, out_tx, handle);
        worker = Some(
            spawned
                .unwrap_or_else(|e| common::fail(format!("cannot start the worker thread: {e}"))),
        );
    });
    // The reactor is dropped by now, and with it the service and its job
    // sender: the worker finishes every queued job (database writes too),
    // then returns.
    let Some(worker) = worker else {
        common::fail("the worker thread was never started");
    };
    log::info!("waiting for the worker to finish (a second Ctrl-C exits at once)");
    if worker.join().is_err() {
        common::fail("the worker thread panicked");
    }
    if let Err(e) = result {
        common::fail(format!("event loop failed: {e}"));
    }
    common::exit_if_aborted(&metrics); // a second Ctrl-C is not "clean"
    log::info!("stopped cleanly");
}

/// A second SIGINT/SIGTERM exits at once with status 130, wherever we are:
/// in the graceful flush, or in `main` joining a worker that is finishing a
/// hash. The first signal sets the flag (the reactor sees that one too and
/// shuts down gracefully); the action registered before it exits on the
/// next. Both run inside the signal handler, so a blocked `join` is no
/// obstacle. Installed before the reactor starts, so before "listening on".
/// Nothing durable is lost: `OK stored` is only sent after a commit, and a
/// delete that does not happen means a redelivery.
fn exit_on_second_signal() {
    let signalled = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        let armed = signal_hook::flag::register_conditional_shutdown(sig, 130, signalled.clone())
            .and_then(|_| signal_hook::flag::register(sig, signalled.clone()));
        armed.unwrap_or_else(|e| common::fail(format!("cannot watch signals: {e}")));
    }
}
