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

use std::fmt;

/// Bits of a token that hold the slab slot; the rest hold the generation.
const SLOT_BITS: u32 = usize::BITS / 2;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;

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
/// (`WAKER` has slot `SLOT_MASK`, `SIGNALS` has slot `SLOT_MASK - 1`).
pub(crate) const MAX_SLOT: usize = SLOT_MASK - 2;

impl Token {
    pub(crate) fn new(slot: usize, generation: u32) -> Token {
        debug_assert!(slot <= MAX_SLOT);
        let gen = (generation as usize) & (usize::MAX >> SLOT_BITS);
        Token((gen << SLOT_BITS) | slot)
    }

    /// The slab slot (private: a slot alone is not an identity).
    pub(crate) fn slot(self) -> usize {
        self.0 & SLOT_MASK
    }

    pub(crate) fn generation(self) -> u32 {
        (self.0 >> SLOT_BITS) as u32
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
    fn reserved_tokens_are_outside_the_slab() {
        assert!(WAKER.slot() > MAX_SLOT && SIGNALS.slot() > MAX_SLOT);
        assert_eq!(WAKER.to_string(), "waker");
    }
}
