//! [`Token`]: the name of one registered source (listener, stream, UDP socket, fd).
//!
//! Owns: how a slab slot and a generation are packed into the `usize` that mio
//! carries in every event, and the reserved tokens that live outside the slab.
//! Does not own: the slab itself (see `reactor`), or deciding what an event means.
//!
//! # Why a generation
//! mio hands back whatever `usize` we registered. If we registered the bare slab
//! key, then after connection A in slot 5 closes and connection B takes slot 5,
//! anything that still says "slot 5" (an event already fetched in the same poll
//! batch, a timer, a chat service that remembers A's id) would reach B. So each
//! slot carries a generation, bumped every time the slot is freed, and a token
//! is `slot | generation << SLOT_BITS`. An event or a write whose generation
//! does not match the slot's current one is stale and is dropped, never
//! misrouted. mio's own examples use the bare key; tokio packs a generation
//! into its tokens the same way (`ScheduledIo` addresses).
//!
//! # One width, masked once
//! A generation has `GEN_BITS` bits (32 on 64-bit targets, 16 on 32-bit
//! ones) and wraps within them: the slab's record of a slot's generation is
//! advanced only by `next_generation`, so it always holds exactly the
//! value a token can carry, and comparing the two needs no mask. (Storing a
//! wider counter and masking only when packing the token made every event
//! of a slot stale after its 65,536th reuse on 32-bit targets.) Unit tests
//! build the crate with a 4-bit width, so the wrap is exercised within
//! sixteen reuses of one slot.

use std::fmt;

/// Bits of a token that hold the slab slot; the rest hold the generation.
const SLOT_BITS: u32 = usize::BITS / 2;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;

/// Bits of a token that hold the generation: the rest of the `usize` (at
/// most 32, the width of the stored `u32`). Tests shrink it to 4 so that a
/// slot wraps its generation after 16 reuses (`tests` below and
/// `generation_wrap_tests`).
#[cfg(not(test))]
pub(crate) const GEN_BITS: u32 = if usize::BITS - SLOT_BITS < u32::BITS {
    usize::BITS - SLOT_BITS
} else {
    u32::BITS
};
#[cfg(test)]
pub(crate) const GEN_BITS: u32 = 4;
const GEN_MASK: u32 = u32::MAX >> (u32::BITS - GEN_BITS);

/// The generation after `gen`, wrapping within [`GEN_BITS`]. The only way a
/// slot's generation advances (see the module doc).
pub(crate) fn next_generation(gen: u32) -> u32 {
    gen.wrapping_add(1) & GEN_MASK
}

/// Identifies one source registered with a [`Reactor`](crate::Reactor): a
/// connection, a listener, a UDP socket or a registered file descriptor.
///
/// Tokens are cheap to copy and safe to keep: once the source is closed its
/// token goes stale, and every operation on a stale token is refused, even
/// after the slot is reused by a new connection.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(usize);

/// Reserved for the [`mio::Waker`] behind every [`Handle`](crate::Handle).
pub const WAKER: Token = Token(usize::MAX);
/// Reserved for the SIGINT/SIGTERM source (`signal-hook-mio`).
pub const SIGNALS: Token = Token(usize::MAX - 1);

/// The largest slot the slab may hand out; reserved tokens sit above it
/// (`WAKER` in slot `SLOT_MASK`, `SIGNALS` in `SLOT_MASK - 1`).
pub(crate) const MAX_SLOT: usize = SLOT_MASK - 2;

impl Token {
    /// `generation` comes from [`next_generation`], so it already fits.
    pub(crate) fn new(slot: usize, generation: u32) -> Token {
        debug_assert!(slot <= MAX_SLOT);
        debug_assert!(
            generation == generation & GEN_MASK,
            "generation {generation} is wider than GEN_BITS"
        );
        Token((((generation & GEN_MASK) as usize) << SLOT_BITS) | slot)
    }

    /// The slab slot (private: a slot alone is not an identity).
    pub(crate) fn slot(self) -> usize {
        self.0 & SLOT_MASK
    }

    pub(crate) fn generation(self) -> u32 {
        ((self.0 >> SLOT_BITS) as u32) & GEN_MASK
    }

    pub(crate) fn to_mio(self) -> mio::Token {
        mio::Token(self.0)
    }

    pub(crate) fn from_mio(token: mio::Token) -> Token {
        Token(token.0)
    }
}

/// `slot.generation`, e.g. `5.2`: the form every trace line uses (`tok=5.2`).
impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WAKER => f.write_str("waker"),
            SIGNALS => f.write_str("signals"),
            t => write!(f, "{}.{}", t.slot(), t.generation()),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_and_generation_round_trip() {
        let t = Token::new(12345, 7);
        assert_eq!((t.slot(), t.generation()), (12345, 7));
        assert_eq!(Token::from_mio(t.to_mio()), t);
        assert_eq!(t.to_string(), "12345.7");
    }

    #[test]
    fn same_slot_other_generation_is_another_token() {
        assert_ne!(Token::new(5, 1), Token::new(5, 2));
    }

    #[test]
    fn generations_wrap_within_gen_bits() {
        let last = GEN_MASK;
        assert_eq!(next_generation(last - 1), last);
        assert_eq!(next_generation(last), 0, "wraps to 0 after {last}");
        // Whatever the stored generation, the token carries it unchanged.
        let mut gen = 0;
        for _ in 0..3 * (GEN_MASK as usize + 1) {
            gen = next_generation(gen);
            assert_eq!(Token::new(9, gen).generation(), gen);
        }
    }

    #[test]
    fn reserved_tokens_are_outside_the_slab() {
        assert!(WAKER.slot() > MAX_SLOT && SIGNALS.slot() > MAX_SLOT);
        assert_eq!(WAKER.to_string(), "waker");
    }
}

/// The wrap over real sockets: with the test width (4 bits), one slot is
/// reused 40 times, wrapping its generation twice, and every connection in
/// it still gets its events (its echo comes back).
#[cfg(test)]
mod generation_wrap_tests {
    use crate::{services::Echo, Config, Reactor};
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpStream};
    use std::time::Duration;

    #[test]
    fn a_slot_reused_past_the_generation_wrap_still_gets_its_events() {
        const TIMEOUT: Duration = Duration::from_secs(20);
        let mut reactor = Reactor::new(Echo, Config::default()).expect("reactor");
        let tok = reactor
            .listen("127.0.0.1:0".parse().unwrap())
            .expect("listen");
        let addr = reactor.local_addr(tok).expect("addr");
        let handle = reactor.handle();
        let server = std::thread::spawn(move || reactor.run().map(|()| reactor.metrics()));
        let reuses = 40;
        for i in 0..reuses {
            let mut c = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
            c.set_read_timeout(Some(TIMEOUT)).unwrap();
            let msg = format!("hello {i}\n");
            c.write_all(msg.as_bytes()).unwrap();
            c.shutdown(Shutdown::Write).unwrap();
            // Read to the server's FIN: the slot is freed in the same tick
            // that sent it, so the next connection reuses it.
            let mut got = Vec::new();
            c.read_to_end(&mut got)
                .unwrap_or_else(|e| panic!("connection {i}: {e}"));
            assert_eq!(got, msg.as_bytes(), "connection {i}");
        }
        handle.shutdown();
        let m = server.join().expect("reactor thread").expect("run");
        assert_eq!((m.accepted, m.closed), (reuses, reuses), "{m}");
        assert!(reuses > 2 * (super::GEN_MASK as u64 + 1));
    }
}
