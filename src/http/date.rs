//! The `Date` header (RFC 9110 section 6.6.1): the current time as an
//! IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`, formatted by hand with std
//! only.
//!
//! This file owns the formatting and a one-entry cache keyed by the second,
//! so a server answering thousands of requests per second formats the date
//! once per second, not once per response (nginx's `ngx_cached_http_time`
//! does the same). The server asks with the loop's clock (an `Instant` read
//! once per tick), so a response in the same second as the last one reads
//! no clock at all; the wall clock is read when that second may have ended.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `Sun, 06 Nov 1994 08:49:37 GMT` is always 29 bytes.
const LEN: usize = 29;

/// A formatted date. Its fixed size lets the writer copy it without a call.
pub(crate) type DateText = [u8; LEN];

/// The formatted date of one second, reused until the second changes.
#[derive(Debug, Clone)]
pub(crate) struct DateCache {
    /// The second (since the Unix epoch) that `text` shows.
    secs: Option<u64>,
    text: [u8; LEN],
    /// Until when (on the loop's clock) `text` is surely still the current
    /// second: see [`DateCache::at`].
    valid_until: Option<Instant>,
    /// How many times a date was formatted (for tests).
    formats: u64,
}

impl Default for DateCache {
    fn default() -> Self {
        DateCache {
            secs: None,
            text: [b' '; LEN],
            valid_until: None,
            formats: 0,
        }
    }
}

impl DateCache {
    /// The IMF-fixdate of `now`, formatted only if its second differs from
    /// the last call's. A clock before 1970 shows the epoch.
    pub(crate) fn get(&mut self, now: SystemTime) -> &DateText {
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if self.secs != Some(secs) {
            self.text = imf_fixdate(secs);
            self.secs = Some(secs);
            self.formats += 1;
            self.valid_until = None;
        }
        &self.text
    }

    /// The date for a response made at `now` on the loop's clock. Reading
    /// the wall clock and dividing it into seconds cost more than the rest
    /// of the `Date` header, so it is done once per second: when the wall
    /// clock is read, what is left of its second is added to `now`, and
    /// until then the text stays. (`now` is the start of the current tick,
    /// not later than the wall-clock reading, so the text is renewed at the
    /// end of its second or a little before, never after it on the loop's
    /// clock.)
    #[inline]
    pub(crate) fn at(&mut self, now: Instant) -> &DateText {
        if self.valid_until.is_some_and(|until| now < until) {
            return &self.text;
        }
        self.renew(now)
    }

    /// [`DateCache::at`] once the cached second may have ended.
    #[cold]
    fn renew(&mut self, now: Instant) -> &DateText {
        let wall = SystemTime::now();
        self.get(wall);
        let into = wall
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let left = Duration::from_nanos(u64::from(1_000_000_000 - into));
        self.valid_until = now.checked_add(left);
        &self.text
    }

    #[cfg(test)]
    fn formats(&self) -> u64 {
        self.formats
    }
}

/// Formats `secs` since the epoch as an IMF-fixdate.
fn imf_fixdate(secs: u64) -> [u8; LEN] {
    const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    out[..3].copy_from_slice(DAYS[(days % 7) as usize]); // 1970-01-01 was a Thursday
    two_digits(&mut out[5..7], day);
    out[8..11].copy_from_slice(MONTHS[(month - 1) as usize]);
    // Four digits: years past 9999 are not representable in this format.
    let year = year.min(9999);
    two_digits(&mut out[12..14], year / 100);
    two_digits(&mut out[14..16], year % 100);
    two_digits(&mut out[17..19], rem / 3600);
    two_digits(&mut out[20..22], rem / 60 % 60);
    two_digits(&mut out[23..25], rem % 60);
    out
}

fn two_digits(dst: &mut [u8], n: u64) {
    dst[0] = b'0' + (n / 10 % 10) as u8;
    dst[1] = b'0' + (n % 10) as u8;
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01, by Howard
/// Hinnant's `civil_from_days` (proleptic Gregorian calendar, eras of 400
/// years so every leap-year rule is exact).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> String {
        String::from_utf8(imf_fixdate(secs).to_vec()).unwrap()
    }

    #[test]
    fn formats_known_dates() {
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // RFC 9110's own example.
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        // Leap days, centuries and the end of a year.
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 GMT");
        // 2100 is not a leap year.
        assert_eq!(at(4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT");
        assert_eq!(at(4_133_980_799), "Fri, 31 Dec 2100 23:59:59 GMT");
        assert_eq!(at(4_133_980_800), "Sat, 01 Jan 2101 00:00:00 GMT");
    }

    #[test]
    fn loop_clock_reuses_the_text_within_its_second() {
        let mut cache = DateCache::default();
        let t = Instant::now();
        let first = cache.at(t).to_vec();
        let until = cache.valid_until.unwrap();
        assert!(until > t && until <= t + Duration::from_secs(1));
        assert_eq!(&cache.at(t)[..], &first[..]);
        assert_eq!(cache.formats(), 1);
        // Past the second: the wall clock is read again (formatted again
        // if its second changed).
        cache.at(until);
        assert!(cache.valid_until.unwrap() > until);
        // A wall-clock date from elsewhere (error responses) that changes
        // the text ends the reuse.
        cache.get(UNIX_EPOCH);
        assert_eq!(cache.valid_until, None);
    }

    #[test]
    fn formats_once_per_second() {
        let mut cache = DateCache::default();
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(cache.get(t), b"Sun, 06 Nov 1994 08:49:37 GMT");
        cache.get(t + Duration::from_millis(999));
        assert_eq!(cache.formats(), 1, "same second: no new formatting");
        assert_eq!(
            cache.get(t + Duration::from_secs(1)),
            b"Sun, 06 Nov 1994 08:49:38 GMT"
        );
        assert_eq!(cache.formats(), 2);
    }
}
