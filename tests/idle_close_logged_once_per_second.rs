//! An idle-timeout close is logged at `info` when it happens (an operator
//! sees why a client was dropped), but at most one line a second: a burst of
//! idle peers yields one line, and the next line logged says how many were
//! held back, so every close is accounted for and a flood cannot fill the
//! log. Runs `tcp_echo_server --idle-timeout 0.3` at `RUST_LOG=info`.
mod util;
use std::thread;
use std::time::Duration;
use util::*;

const BURST: usize = 20;

/// The idle-close lines so far, and the closes they account for (each line
/// is one close plus the "N more" it reports).
fn idle_lines(log: &str) -> (usize, usize) {
    let lines: Vec<&str> = log
        .lines()
        .filter_map(|l| Some(l.split_once("idle for")?.1))
        .collect();
    let held_back: usize = lines
        .iter()
        .filter_map(|l| {
            l.split_once(" (")?
                .1
                .split_once(" more")?
                .0
                .parse::<usize>()
                .ok()
        })
        .sum();
    (lines.len(), lines.len() + held_back)
}

#[test]
fn a_burst_of_idle_closes_logs_one_line_and_the_next_line_counts_the_rest() {
    let server = spawn_example(
        "tcp_echo_server",
        &["--addr", "127.0.0.1:0", "--idle-timeout", "0.3"],
        true,
    );
    let log = || server.stderr.lock().unwrap().clone();
    let mut burst: Vec<_> = (0..BURST).map(|_| connect(server.addr())).collect();
    for c in &mut burst {
        expect_closed(c); // closed as idle
    }
    drop(burst);
    wait_until("the first idle close to be logged", || {
        idle_lines(&log()).0 >= 1
    });
    let (lines, _) = idle_lines(&log());
    assert!(
        lines < BURST / 4,
        "{lines} lines for {BURST} idle closes:\n{}",
        log()
    );

    // A second later the limit has passed: the next idle close is logged,
    // with the count of the burst's closes that were not.
    thread::sleep(Duration::from_secs(1));
    let mut late = connect(server.addr());
    expect_closed(&mut late);
    drop(late);
    wait_until("every idle close to be accounted for", || {
        idle_lines(&log()).1 == BURST + 1
    });
    let (lines, closes) = idle_lines(&log());
    assert!(lines <= BURST / 4 + 1, "{lines} lines:\n{}", log());
    assert_eq!(closes, BURST + 1, "{}", log());
}
