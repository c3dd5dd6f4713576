//! Built-in services: [`Echo`], [`Ack`] and [`Print`], and their framed
//! versions [`FramedEcho`] and [`FramedPrint`]; [`Route`], which puts two
//! services on one reactor (per listener), and [`Admin`], the `/metrics`
//! and `/healthz` port it is made for.
//!
//! Owns: the three simplest protocols of the Go tutorials, each a complete
//! [`Service`](crate::Service) in a few lines, so they double as the
//! smallest examples of the trait; and the framed services that fix the
//! sticky-packet problem by running each connection's bytes through a
//! codec. Does not own: finding frame boundaries (see `codec`) or sockets
//! (the reactor reads and writes; these only decide what to say).
//!
//! Why framing: TCP is a byte stream. One read may hold several messages
//! glued together (the "sticky packet", 黏包, problem) and one message may
//! span several reads. [`FramedEcho`] and [`FramedPrint`] give each
//! connection its own codec (newline or length prefix) to cut the stream
//! back into messages; with [`RawChunks`] each read counts as one message,
//! which shows the problem (`sticky_server` / `sticky_client` examples).

mod ack;
mod admin;
mod echo;
mod framed;
mod print;
pub mod prometheus;
mod route;

pub use ack::Ack;
pub use admin::{Admin, HEAD_TIMEOUT, MAX_HEAD};
pub use echo::Echo;
pub use framed::{
    AnyCodec, FrameLimit, FramedConn, FramedEcho, FramedPrint, FramedStats, RawChunks,
};
pub use print::Print;
pub use route::{Route, Routed, SIDE_TIMER};
