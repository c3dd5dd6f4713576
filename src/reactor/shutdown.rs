//! Start-up and graceful shutdown, including SIGINT/SIGTERM.
//!
//! Owns: installing the signal source (reserved token
//! [`SIGNALS`](crate::token::SIGNALS)), the shutdown sequence, and the test
//! that ends `run()`. Does not own: the shutdown flag's cross-thread side
//! (`handle`) or the grace deadline's timer (`timer`, fired in `phases`).
//!
//! The sequence, like Redis' `SHUTDOWN` or nginx's graceful stop: stop
//! accepting (listeners and UDP sockets leave the slab), let the service say
//! goodbye, close every connection gracefully (flush, FIN), and abort what
//! is left when `Config::shutdown_grace` runs out. A second signal aborts at
//! once. Signals arrive through `signal-hook-mio`, which does the
//! async-signal-safe part (a self-pipe) so that no unsafe code lives here.
//!
//! # After the loop stops
//! Removing a signal-hook action does not restore the signal's default
//! disposition: signal-hook's handler stays installed and, with nothing
//! attached, swallows SIGINT and SIGTERM, so a program still busy after
//! `run()` returned (finishing jobs, or hung) could not be stopped with
//! Ctrl-C or a supervisor's SIGTERM. So `run()`'s end (and dropping the
//! reactor) removes the reactor's signal source, and a process-wide
//! fallback action, registered once beside the reactors' ones, performs the
//! default action (terminate) whenever no reactor in the process is
//! handling signals. Restoring `SIG_DFL` with `sigaction` instead would
//! leave signal-hook believing its handler is still installed, and a later
//! reactor would never see a signal. One consequence: a program that
//! handles SIGINT itself through signal-hook should not also set
//! `handle_signals`, since the fallback terminates once no reactor runs.

use super::{Ctx, Phase, Reactor, Source};
use crate::conn::CloseReason;
use crate::timer::TimerKind;
use crate::token::SIGNALS;
use crate::Service;
use log::{info, warn};
use mio::Interest;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Process-wide: how many reactors handle SIGINT/SIGTERM now, and whether
/// the fallback actions are registered.
static HANDLERS: Mutex<Handlers> = Mutex::new(Handlers {
    reactors: 0,
    fallback: false,
});

/// Read by the fallback action, inside the signal handler: true while no
/// reactor handles the signals, which then terminate the process.
static UNHANDLED: AtomicBool = AtomicBool::new(false);

struct Handlers {
    reactors: usize,
    fallback: bool,
}

fn handlers() -> MutexGuard<'static, Handlers> {
    // A panic while holding it leaves the counts valid: keep using them.
    HANDLERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// One reactor's SIGINT/SIGTERM source. While one exists the signals reach
/// its loop; once the last is dropped they terminate the process again.
pub(crate) struct SignalSource {
    signals: signal_hook_mio::v1_0::Signals,
}

impl SignalSource {
    fn new() -> io::Result<SignalSource> {
        let mut h = handlers();
        if !h.fallback {
            // Registered before the reactor's own action, and a no-op
            // while a reactor is handling the signals.
            for sig in [SIGINT, SIGTERM] {
                signal_hook::flag::register_conditional_default(sig, &UNHANDLED)?;
            }
            h.fallback = true;
        }
        let signals = signal_hook_mio::v1_0::Signals::new([SIGINT, SIGTERM])?;
        h.reactors += 1;
        UNHANDLED.store(false, Ordering::SeqCst);
        Ok(SignalSource { signals })
    }
}

impl Drop for SignalSource {
    fn drop(&mut self) {
        let mut h = handlers();
        h.reactors = h.reactors.saturating_sub(1);
        if h.reactors == 0 {
            UNHANDLED.store(true, Ordering::SeqCst);
        }
        // `signals` is dropped next, which removes its action.
    }
}

impl<S: Service> Reactor<S> {
    /// Install the signal source if `Config::handle_signals` (idempotent:
    /// called from `new` and again from `run`).
    pub(super) fn start(&mut self) -> io::Result<()> {
        if self.core.config.handle_signals && self.signals.is_none() {
            let mut source = SignalSource::new()?;
            self.poll.registry().register(
                &mut source.signals,
                SIGNALS.to_mio(),
                Interest::READABLE,
            )?;
            self.signals = Some(source);
        }
        Ok(())
    }

    /// `run()` is over: signals stop reaching this reactor, and terminate
    /// the process again unless another reactor handles them (module doc).
    /// Dropping the reactor does the same.
    pub(super) fn stop_signals(&mut self) {
        if let Some(mut source) = self.signals.take() {
            let _ = self.poll.registry().deregister(&mut source.signals);
        }
    }

    /// `run()` ends once shutdown has begun and every source is gone.
    pub(super) fn finished(&self) -> bool {
        self.core.phase == Phase::ShuttingDown && self.core.sources.is_empty()
    }

    pub(super) fn on_signals(&mut self) {
        let Some(source) = self.signals.as_mut() else {
            return;
        };
        let got: Vec<i32> = source.signals.pending().collect();
        for sig in got {
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            if self.core.phase == Phase::Running {
                info!("received {name}: shutting down gracefully (send it again to abort)");
                self.begin_shutdown(name);
            } else {
                warn!("received {name} during shutdown");
                self.abort_all("second signal");
            }
        }
    }

    pub(super) fn begin_shutdown(&mut self, why: &str) {
        if self.core.phase != Phase::Running {
            return;
        }
        self.core.phase = Phase::ShuttingDown;
        let live = self.live_tokens();
        // A signal is news (info); a shutdown the program asked for itself
        // (a client that is done) is routine (debug).
        let level = if why == "requested" {
            log::Level::Debug
        } else {
            log::Level::Info
        };
        log::log!(
            level,
            "shutdown ({why}): closing {} sources, grace {:?}",
            live.len(),
            self.core.config.shutdown_grace
        );
        self.service.on_shutdown(&mut Ctx {
            core: &mut self.core,
        });
        for tok in live {
            match self.core.sources.get(tok.slot()) {
                Some(Source::Conn(_)) => self.core.close_graceful(tok, CloseReason::Shutdown),
                _ => self.core.retire(tok),
            }
        }
        let grace = self.core.config.shutdown_grace;
        self.core.add_timer(grace, TimerKind::ShutdownDeadline);
    }
}
