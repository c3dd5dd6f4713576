//! Built-in services: [`Echo`], [`Ack`] and [`Print`], and their framed
//! versions [`FramedEcho`] and [`FramedPrint`].
//!
//! Owns: the three simplest protocols of the Go tutorials, each a complete
//! [`Service`](crate::Service) in a few lines, so they double as the
//! smallest examples of the trait; and the framed services that fix the
//! sticky-packet problem by running each connection's bytes through a
//! codec. Does not own: finding frame boundaries (see `codec`) or sockets
//! (the reactor reads and writes; these only decide what to say).

mod ack;
mod echo;
mod framed;
mod print;

pub use ack::Ack;
pub use echo::Echo;
pub use framed::{
    AnyCodec, FrameLimit, FramedConn, FramedEcho, FramedPrint, FramedStats, RawChunks,
};
pub use print::Print;
