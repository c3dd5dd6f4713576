//! Regression (issue 12 item 12): responses had no `Date` header, which
//! RFC 9110 section 6.6.1 requires of an origin server with a clock. Every
//! response (errors too) now carries one, as an IMF-fixdate.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use http_util::*;

/// `Sun, 06 Nov 1994 08:49:37 GMT`, checked field by field.
#[track_caller]
fn assert_imf_fixdate(date: &str) {
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    assert_eq!(b.len(), 29, "{date:?}");
    assert!(days.contains(&&date[..3]), "{date:?}");
    assert_eq!(&date[3..5], ", ", "{date:?}");
    assert!(digits(5..7) && digits(12..16), "{date:?}");
    assert!(months.contains(&&date[8..11]), "{date:?}");
    assert!(
        digits(17..19) && digits(20..22) && digits(23..25),
        "{date:?}"
    );
    assert_eq!(
        (
            &date[7..8],
            &date[11..12],
            &date[16..17],
            &date[19..20],
            &date[22..23]
        ),
        (" ", " ", " ", ":", ":"),
        "{date:?}"
    );
    assert_eq!(&date[25..], " GMT", "{date:?}");
    assert!(date[12..16] >= *"2024", "{date:?} is not today");
}

#[test]
fn every_response_has_a_date() {
    let srv = start(ServerConfig::default());
    let mut c = Client::connect(srv.addr());
    c.send(&get("/go"));
    let ok = c.response(false);
    c.send(&get("/missing"));
    let missing = c.response(false);
    for r in [ok, missing] {
        assert_imf_fixdate(&r.header("date").expect("Date header"));
    }
    let bad = expect_status_then_close(srv.addr(), b"GET /go HTTP/1.1\r\n\r\n", 400);
    assert_imf_fixdate(&bad.header("date").expect("Date on an error"));
}
