//! [`Running`]: the supervisor of started shards.
//!
//! Owns: waiting for the shards, the process's SIGINT/SIGTERM (caught once,
//! here, and fanned out to every shard through its `Handle`), "one shard
//! down means all down", and collecting the summary. Does not own: a
//! shard's own graceful shutdown (each reactor drains itself, as
//! `reactor::shutdown` describes) or starting the shards (`mod.rs`).

use super::shard::Msg;
use super::{ShardsError, Summary};
use crate::Handle;
use mio::{Events, Poll, Token as MioToken, Waker};
use signal_hook::consts::SIGINT;
use signal_hook_mio::v1_0::Signals;
use std::io;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

pub(super) const SIGNALS: MioToken = MioToken(0);
pub(super) const DONE: MioToken = MioToken(1);

/// Running shards: their address and handles; [`wait`](Self::wait) for them.
/// Dropping it without waiting asks every shard to shut down.
pub struct Running {
    pub(super) local: SocketAddr,
    pub(super) handles: Vec<Handle>,
    pub(super) threads: Vec<JoinHandle<()>>,
    pub(super) rx: mpsc::Receiver<Msg>,
    pub(super) poll: Poll,
    /// Kept here, not only in the shards: when the last shard's copy was
    /// the last one, its drop closed the eventfd right after the final
    /// wake, and closing a registered fd takes its pending event with it,
    /// leaving `wait` asleep forever.
    pub(super) _waker: Arc<Waker>,
    pub(super) signals: Option<Signals>,
}

impl Running {
    /// The address every shard listens on (with the real port if it was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Shard `i`'s handle is `handles()[i]`: its metrics, wake-ups, shutdown.
    pub fn handles(&self) -> &[Handle] {
        &self.handles
    }

    /// Ask every shard to shut down gracefully (what one SIGINT does).
    pub fn shutdown(&self) {
        self.handles.iter().for_each(Handle::shutdown);
    }

    /// Every shard's counters so far.
    pub fn summary(&self) -> Summary {
        Summary {
            shards: self.handles.iter().map(Handle::metrics).collect(),
        }
    }

    /// Supervise until every shard has stopped. When one stops, for any
    /// reason, the others are shut down: a SIGINT/SIGTERM (if
    /// `Config::handle_signals`) shuts all down gracefully, a second one
    /// aborts the wait. `Ok` if every shard's `run()` returned `Ok`;
    /// otherwise which shards panicked or failed, and why.
    pub fn wait(mut self) -> Result<Summary, ShardsError> {
        let n = self.handles.len();
        let mut outcomes: Vec<Option<Result<(), String>>> = vec![None; n];
        let mut stopping = false;
        let mut events = Events::with_capacity(8);
        let mut can_poll = true;
        while outcomes.iter().any(Option::is_none) {
            // Messages first: a shard may have ended before the first poll.
            if let Ok(msg) = self.rx.try_recv() {
                self.on_msg(msg, &mut outcomes, &mut stopping);
                continue;
            }
            if !can_poll {
                match self.rx.recv() {
                    Ok(msg) => self.on_msg(msg, &mut outcomes, &mut stopping),
                    Err(_) => break, // every shard thread has ended
                }
                continue;
            }
            match self.poll.poll(&mut events, None) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Without the poll no signal can reach us: stop all and
                    // wait for the shards' reports alone.
                    log::error!("shards: polling failed: {e}; shutting every shard down");
                    self.shutdown();
                    stopping = true;
                    can_poll = false;
                    continue;
                }
            }
            if events.iter().any(|e| e.token() == SIGNALS) && self.on_signals(&mut stopping) {
                return Err(self.error(&outcomes, true));
            }
        }
        for t in std::mem::take(&mut self.threads) {
            let _ = t.join();
        }
        if outcomes.iter().flatten().any(Result::is_err) {
            return Err(self.error(&outcomes, false));
        }
        Ok(self.summary())
    }

    fn on_msg(&self, msg: Msg, outcomes: &mut [Option<Result<(), String>>], stopping: &mut bool) {
        let Msg::Done(i, outcome) = msg else {
            return; // every Ready was taken by `started`
        };
        match &outcome {
            Err(why) => log::error!("shard {i} {why}"),
            Ok(()) => log::info!("shard {i} stopped"),
        }
        if !*stopping {
            // One shard down means all down: never a process that quietly
            // serves with fewer shards than it was started with.
            log::warn!("shard {i} ended first: shutting the other shards down");
            self.shutdown();
            *stopping = true;
        }
        outcomes[i] = Some(outcome);
    }

    /// SIGINT/SIGTERM: the first shuts every shard down; a second one means
    /// "abort" (returns true), as it does for a single reactor.
    fn on_signals(&mut self, stopping: &mut bool) -> bool {
        let Some(signals) = self.signals.as_mut() else {
            return false;
        };
        let got: Vec<i32> = signals.pending().collect();
        for sig in got {
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            if *stopping {
                log::warn!("received {name} during shutdown: aborting");
                return true;
            }
            log::info!(
                "received {name}: shutting {} shards down gracefully (send it again to abort)",
                self.handles.len()
            );
            self.shutdown();
            *stopping = true;
        }
        false
    }

    fn error(&self, outcomes: &[Option<Result<(), String>>], aborted: bool) -> ShardsError {
        let failed = outcomes
            .iter()
            .enumerate()
            .filter_map(|(i, o)| match o {
                Some(Err(why)) => Some((i, why.clone())),
                _ => None,
            })
            .collect();
        ShardsError {
            failed,
            aborted,
            summary: self.summary(),
        }
    }
}

impl Drop for Running {
    /// Not waited for: ask every shard to stop rather than leave them
    /// serving with no supervisor. (After `wait`, they already have.)
    fn drop(&mut self) {
        self.shutdown();
    }
}
