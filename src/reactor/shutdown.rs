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

use super::{Ctx, Phase, Reactor, Source};
use crate::conn::CloseReason;
use crate::timer::TimerKind;
use crate::token::SIGNALS;
use crate::Service;
use log::{info, warn};
use mio::Interest;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::io;

impl<S: Service> Reactor<S> {
    /// Install the signal source if `Config::handle_signals` (idempotent:
    /// called from `new` and again from `run`).
    pub(super) fn start(&mut self) -> io::Result<()> {
        if self.core.config.handle_signals && self.signals.is_none() {
            let mut signals = signal_hook_mio::v1_0::Signals::new([SIGINT, SIGTERM])?;
            self.poll
                .registry()
                .register(&mut signals, SIGNALS.to_mio(), Interest::READABLE)?;
            self.signals = Some(signals);
        }
        Ok(())
    }

    /// `run()` ends once shutdown has begun and every source is gone.
    pub(super) fn finished(&self) -> bool {
        self.core.phase == Phase::ShuttingDown && self.core.sources.is_empty()
    }

    pub(super) fn on_signals(&mut self) {
        let Some(signals) = self.signals.as_mut() else {
            return;
        };
        let got: Vec<i32> = signals.pending().collect();
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
