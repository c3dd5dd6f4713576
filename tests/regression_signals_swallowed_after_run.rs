//! Regression: after `run()` returned (or the reactor was dropped), SIGINT
//! and SIGTERM did nothing: signal-hook's handler stayed installed with no
//! action attached, so a program still busy after its loop stopped could not
//! be interrupted. Now the default action (terminate) is back once no
//! reactor handles the signals.
//!
//! A signal needs a process of its own: each test re-runs this test binary
//! (`--exact` its own name) with `CHILD_MODE` set. The child builds a
//! reactor with `handle_signals`, stops it, says `child-stopped` on stdout and
//! sleeps; the parent sends SIGINT and expects the child to die by it.
mod util;
use evloop::{services::Echo, Config, Reactor};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use util::*;

const CHILD_MODE: &str = "EVLOOP_TEST_SIGNAL_CHILD";

/// In the child: stop a signal-handling reactor as `mode` says, then wait
/// for a signal that, when swallowed, lets the child exit 0 after a while.
fn child(mode: &str) {
    let config = Config {
        handle_signals: true,
        ..Config::default()
    };
    let mut reactor = Reactor::new(Echo, config).expect("reactor");
    reactor.listen(loopback0()).expect("listen");
    let kept = match mode {
        "after-run" => {
            reactor.handle().shutdown();
            reactor.run().expect("run");
            Some(reactor) // still alive: only run() has ended
        }
        _ => {
            drop(reactor); // never run
            None
        }
    };
    let mut out = std::io::stdout();
    writeln!(out, "\nchild-stopped").unwrap();
    out.flush().unwrap();
    std::thread::sleep(TIMEOUT * 2);
    drop(kept);
    std::process::exit(0);
}

/// Re-run this binary's `test` in `mode`; return once it said `child-stopped`.
#[track_caller]
fn spawn_child(test: &str, mode: &str) -> Child {
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_MODE, mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line == "child-stopped" {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(TIMEOUT).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the child never said `child-stopped`");
    }
    child
}

/// SIGINT the child; it must die by that signal (bounded wait).
#[track_caller]
fn interrupt_expect_death(mut child: Child) {
    // SAFETY: kill(2) with the pid of a child we spawned and still own.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("SIGINT was swallowed: the child kept running");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
}

#[test]
fn sigint_after_run_returns_terminates_the_process() {
    if let Ok(mode) = std::env::var(CHILD_MODE) {
        return child(&mode);
    }
    let child = spawn_child(
        "sigint_after_run_returns_terminates_the_process",
        "after-run",
    );
    interrupt_expect_death(child);
}

#[test]
fn sigint_after_the_reactor_is_dropped_terminates_the_process() {
    if let Ok(mode) = std::env::var(CHILD_MODE) {
        return child(&mode);
    }
    let child = spawn_child(
        "sigint_after_the_reactor_is_dropped_terminates_the_process",
        "after-drop",
    );
    interrupt_expect_death(child);
}
