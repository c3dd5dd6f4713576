//! The phase after timers, "run woken tasks": where futures meet the loop.
//!
//! Owns: the place of this phase in the tick (after dispatch and timers,
//! whose wakers filled the run queue; before flush and reap). Does not own:
//! tasks, wakers or the run queue; those are the async runtime's
//! (`crate::rt`), which plugs in through [`Service::run_tasks`]. The
//! reactor knows no `rt` type: arrows point from `rt` to the reactor.
//!
//! Why here: a task woken by an event or a timer is polled in the same tick,
//! with no extra `epoll_wait` in between, and what it writes through a
//! callback-style connection still goes out in this tick's flush.

use super::{Ctx, Reactor};
use crate::Service;

impl<S: Service> Reactor<S> {
    /// Returns `true` if `run()` should return at the end of this tick.
    pub(super) fn run_tasks(&mut self) -> bool {
        self.service.run_tasks(&mut Ctx {
            core: &mut self.core,
        })
    }
}
