//! evloop: a hand-written, single-threaded event-loop reactor on mio.
#![deny(missing_docs)]
pub mod http;
