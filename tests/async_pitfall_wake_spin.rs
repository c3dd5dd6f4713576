//! Pitfall `wake-spin`: a leaf future that is not ready wakes its own task
//! instead of parking the waker. The idle connection's task is polled on
//! every tick: 100% CPU for nothing. The task budget still lets the other
//! connections through (with `no-task-budget` too, nothing would be).
//! Off: an idle connection costs no polls at all.

mod rt_util;
mod util;

use std::io::Write;
use std::time::Duration;
use util::*;

/// Keep one connection idle for a while, echo once on another; the task
/// polls the runtime did meanwhile.
fn polls_with_an_idle_connection(config: evloop::rt::RtConfig) -> u64 {
    let server = rt_util::start(config, rt_util::echo_server);
    let _idle = connect(server.addr);
    std::thread::sleep(Duration::from_millis(300));
    let mut busy = connect(server.addr);
    busy.write_all(b"ping\n").unwrap();
    assert_eq!(read_n(&mut busy, 5), b"ping\n", "others still progress");
    drop(busy);
    server.stop().tasks.polls
}

#[test]
fn on_an_idle_connection_is_polled_over_and_over() {
    let polls = polls_with_an_idle_connection(rt_util::with_pitfall("wake-spin"));
    assert!(polls > 200, "only {polls} polls: no spin?");
}

#[test]
fn off_an_idle_connection_costs_no_polls() {
    let polls = polls_with_an_idle_connection(rt_util::config());
    // The accept task and two echo tasks, a handful of polls each.
    assert!(polls < 40, "{polls} polls while idle");
}
