//! Built-in services: [`Echo`], [`Ack`] and [`Print`].
//!
//! Owns: the three simplest protocols of the Go tutorials, each a complete
//! [`Service`](crate::Service) in a few lines, so they double as the
//! smallest examples of the trait. Does not own: framing (see `codec`) or
//! sockets (the reactor reads and writes; these only decide what to say).

mod ack;
mod echo;
mod print;

pub use ack::Ack;
pub use echo::Echo;
pub use print::Print;
