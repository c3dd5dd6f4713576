//! Failed-login bookkeeping: who is locked out, and for how long.
//!
//! Owns: the failure counters and their expiry. Does not own: the replies
//! (`commands.rs`, `outcomes.rs`) or the clock (the loop's `ctx.now()`).
//!
//! Failures are counted per (name, source address) pair and per source
//! address. A pair is locked after `max_failures`, so guessing ann's password
//! from one address locks out that address for ann, not ann herself (a
//! lockout per name alone lets anyone lock any user out). An address is
//! locked after `ADDRESS_FACTOR` times as many failures over any names, which
//! bounds guessing across names. Both last `lockout`; a count also starts
//! over once a `lockout` has passed since its last failure. Every map is
//! bounded: past `MAX_TRACKED` entries, the ones not locked are forgotten.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// An address may fail this many times `max_failures` before it is locked.
pub const ADDRESS_FACTOR: u32 = 4;
/// Entries per map before the unlocked ones are dropped.
const MAX_TRACKED: usize = 100_000;

struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Why a login is refused before any hash is computed.
pub enum Locked {
    /// This name from this address, for this long.
    Name(Duration),
    /// This address, whatever the name.
    Address(Duration),
}

pub struct Lockout {
    max_failures: u32,
    lockout: Duration,
    pairs: HashMap<(String, IpAddr), Failures>,
    addresses: HashMap<IpAddr, Failures>,
}

impl Lockout {
    /// `max_failures` is at least 1 (`main` refuses 0).
    pub fn new(max_failures: u32, lockout: Duration) -> Lockout {
        Lockout {
            max_failures,
            lockout,
            pairs: HashMap::new(),
            addresses: HashMap::new(),
        }
    }

    /// Is a login as `key` from `ip` refused right now?
    pub fn check(&mut self, key: &str, ip: IpAddr, now: Instant) -> Option<Locked> {
        if let Some(left) = remaining(&mut self.addresses, &ip, now) {
            return Some(Locked::Address(left));
        }
        remaining(&mut self.pairs, &(key.to_string(), ip), now).map(Locked::Name)
    }

    /// A login as `key` from `ip` failed.
    pub fn failed(&mut self, key: &str, ip: IpAddr, now: Instant) {
        let (max, lockout) = (self.max_failures, self.lockout);
        if record(&mut self.pairs, (key.to_string(), ip), now, max, lockout) {
            log::warn!("{max} failed logins for {key} from {ip}: locked for {lockout:?}");
        }
        let max = max.saturating_mul(ADDRESS_FACTOR);
        if record(&mut self.addresses, ip, now, max, lockout) {
            log::warn!("{max} failed logins from {ip}: locked for {lockout:?}");
        }
    }

    /// A login as `key` from `ip` succeeded: that pair starts over (the
    /// address count does not, or a guesser could reset it with an account).
    pub fn succeeded(&mut self, key: &str, ip: IpAddr) {
        self.pairs.remove(&(key.to_string(), ip));
    }
}

/// Time left on `k`'s lock; forgets a lock that has expired.
fn remaining<K: Hash + Eq>(
    map: &mut HashMap<K, Failures>,
    k: &K,
    now: Instant,
) -> Option<Duration> {
    let until = map.get(k)?.locked_until?;
    if now < until {
        return Some(until - now);
    }
    map.remove(k); // served its time: start over
    None
}

/// Count a failure; `true` if it just locked `k`.
fn record<K: Hash + Eq>(
    map: &mut HashMap<K, Failures>,
    k: K,
    now: Instant,
    max: u32,
    lockout: Duration,
) -> bool {
    if map.len() >= MAX_TRACKED {
        map.retain(|_, f| f.locked_until.is_some_and(|u| u > now));
    }
    let f = map.entry(k).or_insert(Failures {
        count: 0,
        last: now,
        locked_until: None,
    });
    if now.saturating_duration_since(f.last) > lockout {
        f.count = 0; // old failures do not add up forever
    }
    f.count += 1;
    f.last = now;
    if f.count >= max && f.locked_until.is_none() {
        // Saturate: a huge --lockout-secs means "until restart".
        f.locked_until = Some(
            now.checked_add(lockout)
                .unwrap_or(now + Duration::from_secs(1 << 40)),
        );
        return true;
    }
    false
}

/// `27 s`: whole seconds, rounded up, so a client that waits that long gets in.
pub fn secs(left: Duration) -> String {
    let s = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    format!("{s} s")
}
