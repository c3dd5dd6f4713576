//! Regression: `Running::wait` could sleep forever after every shard had
//! stopped. The supervisor's waker lived only in the shard threads; the last
//! shard woke it and, ending, dropped the last copy, closing the eventfd,
//! and closing a registered fd removes its pending event from epoll before
//! the supervisor could see it. (`http_server --threads 2` hung on about one
//! SIGINT in three.) The race needs the supervisor asleep in `wait` when the
//! shards end, so each round lets it get there, then stops the shards.

mod util;
use evloop::{services::Echo, Bind, Config, Shards};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use util::*;

const ROUNDS: usize = 20;

#[test]
fn wait_returns_after_the_last_shard_stops() {
    for round in 0..ROUNDS {
        let running = Shards::new(2, Config::default())
            .expect("two shards")
            .start(Bind::Tcp(loopback0()), |_| Echo)
            .expect("start");
        let handles = running.handles().to_vec();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(running.wait());
        });
        // Not a timing assertion: only gives `wait` the chance to block in
        // its poll first, which is when the lost wake-up happened.
        thread::sleep(Duration::from_millis(20));
        handles.iter().for_each(|h| h.shutdown());
        let result = rx
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("round {round}: wait() never returned"));
        let summary = result.unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(summary.shards.len(), 2);
    }
}
