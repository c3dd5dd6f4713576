//! Sticky packets (黏包): a server that prints one line per message it
//! receives, `message N: <text>`, with or without framing.
//!
//! The problem (two terminals; raw is the default):
//!   cargo run --example sticky_server
//!   cargo run --example sticky_client
//!   -> 20 writes of "hello,How are you???" arrive as a few "messages"
//!      (often just one), glued together: TCP keeps no message boundaries.
//!
//! The fix: frame the messages, on both sides (`line` or `length`):
//!   cargo run --example sticky_server -- --framing line
//!   cargo run --example sticky_client -- --framing line
//!   -> exactly 20 lines, message 1 to message 20.
//!
//! Try:  printf 'one\ntwo\r\nthree\n' | nc -N 127.0.0.1 9080
//!       (raw: probably one message; --framing line: three)
//!
//! Options:
//!   --framing raw|line|length   how messages are delimited (default raw):
//!                               raw = each read is a message (the bug),
//!                               line = up to `\n` (lines of up to 64 KiB),
//!                               length = 4-byte big-endian length, then payload
//!                               (frames of up to 1 MiB)
//!   --addr HOST:PORT            where to listen (default 127.0.0.1:9080)
//!   --max-conns N               refuse connections beyond N (default 10000)
//!   --idle-timeout SECS         close connections idle this long (default: never)
//!   --max-output BYTES          close a peer whose unsent output passes this
//!                               (default 4 MiB)
//!   --pitfall NAME              reproduce a classic bug (default: none; repeatable;
//!                               see the README's pitfall table)
//!   --metrics-addr HOST:PORT    serve GET /metrics (Prometheus text) and /healthz
//!                               on this address, on the same loop (default: off)
//!   --timeline FILE             write a Chrome-trace timeline of the last ticks to
//!                               FILE at shutdown (Perfetto opens it; default: off)
//!   --timeline-ticks N          ticks the timeline keeps (default 10000)
//!
//! How it works: the reactor hands `FramedPrint::on_data` every unconsumed
//! byte; the codec cuts off each whole message (`codec::decode_all`) and the
//! service returns how many bytes that used. An unfinished message stays in
//! the reactor's buffer and comes back with the next read's bytes appended,
//! so a message split over many reads is still printed once, whole.
//!
//! A peer that breaks the framing (a line over the limit, a length prefix
//! over the limit) gets a warning in the log and its connection closed;
//! other connections are not affected.

mod common;

use evloop::codec::Framing;
use evloop::services::{AnyCodec, FrameLimit, FramedPrint};

fn main() {
    common::init_logging();
    let mut args = common::Args::parse(include_str!("sticky_server.rs"));
    let framing: Framing = args.value("framing", Framing::Raw);
    let addr = args.addr("127.0.0.1:9080");
    let config = args.config();
    args.finish();

    let codec = AnyCodec::new(framing);
    // The reactor must be willing to keep a whole unfinished frame, or its
    // input cap (64 KiB by default) would refuse a valid 1 MiB length frame
    // before the codec could judge it (see `services::FrameLimit`).
    let config = codec.fit_max_input(config);
    log::info!("framing: {framing} (max_input {} bytes)", config.max_input);
    common::serve(FramedPrint::new(std::io::stdout(), codec), config, addr);
}
