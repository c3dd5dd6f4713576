//! TCP print server: shows everything a client sends and never answers
//! (the tutorial's first server, the one you poke with telnet).
//!
//! Run:  cargo run --example tcp_print_server
//! Try:  telnet 127.0.0.1 8888        (type lines; each appears on the server)
//!       printf 'hello\n' | nc -N 127.0.0.1 8888
//!       cargo run --example tcp_send_line   (sends one line from stdin)
//!
//! Options:
//!   --addr HOST:PORT     where to listen (default 127.0.0.1:8888)
//!   --max-conns N        refuse connections beyond N (default 10000)
//!   --idle-timeout SECS  close connections idle this long (default: never)
//!   --max-output BYTES   (default 4 MiB; accepted for uniformity: this server
//!                        never writes)
//!   --pitfall NAME       reproduce a classic bug (default: none; repeatable;
//!                        see the README's pitfall table)
//!   --metrics-addr HOST:PORT
//!                        serve GET /metrics (Prometheus text) and /healthz
//!                        on this address, on the same loop (default: off)
//!   --timeline FILE      write a Chrome-trace timeline of the last ticks to
//!                        FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N   ticks the timeline keeps (default 10000)
//!
//! What you see: one log line on stderr per accepted connection, with the
//! client's address, then one stdout line per chunk the server read:
//!
//! ```text
//! INFO [evloop::services::print] accepted 127.0.0.1:53144 (tok=1.0)
//! 127.0.0.1:53144: hello
//! INFO [evloop::services::print] 127.0.0.1:53144 (tok=1.0) closed: peer closed
//! ```
//!
//! # How this maps to the Go tutorial
//! The Go version is `Listen`, then a loop of `Accept` that starts a
//! goroutine per connection; each goroutine loops on `conn.Read` and
//! prints. Here there is no goroutine and no loop of our own: the reactor
//! accepts, reads until `WouldBlock` (see the drain rule in `src/reactor`),
//! and calls `Print::on_data` with the bytes. `Print` prints them and says
//! it consumed everything, so nothing is kept between reads.
//!
//! "One line per chunk" is one line per *read*, not per message: TCP is a
//! byte stream, so two quick `send`s may print as one line and one long
//! line may print as two. That is the sticky-packet lesson the framed
//! examples fix with a codec.
//!
//! Ctrl-C (SIGINT) stops it cleanly: the listener closes, open connections
//! are closed gracefully, and the process exits 0.

mod common;

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("tcp_print_server.rs"));
    let addr = args.addr("127.0.0.1:8888");
    let config = args.config();
    args.finish();

    // `Print` writes each chunk and flushes, so lines appear at once even
    // when stdout is a pipe (where Rust would otherwise buffer them). A
    // closed stdout is ignored rather than taking the server down.
    let service = evloop::services::Print::new(std::io::stdout());

    // Listen, run until SIGINT; a bind failure (port in use, bad address)
    // is one line on stderr and exit 1.
    common::serve(service, config, addr);
}
