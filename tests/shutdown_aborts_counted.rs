//! `Metrics::shutdown_aborts`: a graceful shutdown that cannot flush a
//! connection's output within `shutdown_grace` aborts it and counts it, so
//! a program can tell a clean stop from an aborted one (the examples exit
//! 1 then). A shutdown with nothing owed counts nothing.

mod util;
use evloop::{services::Echo, Config};
use std::io::Write;
use std::time::Duration;
use util::*;

#[test]
fn output_still_owed_when_the_grace_runs_out_is_counted_as_aborted() {
    let config = Config {
        shutdown_grace: Duration::from_millis(200),
        ..Config::default()
    };
    let server = serve(Echo, config);
    let mut s = connect(server.addr);
    s.set_write_timeout(Some(Duration::from_millis(100)))
        .expect("write timeout");
    let chunk = vec![b'x'; 64 * 1024];
    // Never read the echoes: they pile up until the server stops reading us.
    for _ in 0..1024 {
        if server.handle.metrics().backpressure_pauses > 0 {
            break;
        }
        let _ = s.write(&chunk); // may time out once everything is full
    }
    wait_until("the server to pause reading (output backed up)", || {
        server.handle.metrics().backpressure_pauses > 0
    });
    let handle = server.handle.clone();
    server.stop();
    assert_eq!(handle.metrics().shutdown_aborts, 1);
    drop(s);
}

#[test]
fn a_clean_shutdown_counts_no_aborts() {
    let server = serve(Echo, Config::default());
    let mut s = connect(server.addr);
    s.write_all(b"hi").expect("write");
    assert_eq!(read_n(&mut s, 2), b"hi");
    let handle = server.handle.clone();
    drop(s);
    server.stop();
    assert_eq!(handle.metrics().shutdown_aborts, 0);
}
