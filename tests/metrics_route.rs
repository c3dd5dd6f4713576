//! `services::Route`: connections of a side listener reach the side
//! service and the rest the main one (`Ctx::listener_of` says which
//! listener accepted each); reactor-wide timers are split by the top bit of
//! the tag (`SIDE_TIMER`); both services hear `on_wake`.

mod util;
use evloop::services::{Route, SIDE_TIMER};
use evloop::{Config, Ctx, Service, Token};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use util::*;

/// Answers every read with its name, and records what reached it.
#[derive(Default)]
struct Named {
    name: &'static str,
    timer_tag: u64,
    listeners: Vec<Option<Token>>,
    timers: Vec<u64>,
    wakes: usize,
    /// Timers fired in both services, for the test to wait on.
    fired: Arc<AtomicUsize>,
}

impl Service for Named {
    type Conn = ();

    fn on_open(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: SocketAddr) {
        self.listeners.push(ctx.listener_of(tok));
    }

    fn on_data(&mut self, ctx: &mut Ctx<'_>, tok: Token, _: &mut (), input: &[u8]) -> usize {
        ctx.write(tok, self.name.as_bytes());
        input.len()
    }

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        self.wakes += 1;
        ctx.timer(Duration::from_millis(1), self.timer_tag);
    }

    fn on_timer(&mut self, _: &mut Ctx<'_>, tag: u64) {
        self.timers.push(tag);
        self.fired.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn side_listener_connections_and_tagged_timers_reach_the_side_service() {
    let fired = Arc::new(AtomicUsize::new(0));
    let main = Named {
        name: "main",
        timer_tag: 7,
        fired: fired.clone(),
        ..Named::default()
    };
    let side = Named {
        name: "side",
        timer_tag: SIDE_TIMER | 7,
        fired: fired.clone(),
        ..Named::default()
    };
    let server = serve_with(Route::new(main, side), Config::default(), |r| {
        let main = r.listen(loopback0()).expect("listen");
        let side = r.listen(loopback0()).expect("listen side");
        r.service_mut().side_listener(side);
        vec![
            r.local_addr(main).expect("addr"),
            r.local_addr(side).expect("addr"),
        ]
    });
    for (addr, want) in [(server.addrs[0], b"main"), (server.addrs[1], b"side")] {
        let mut c = connect(addr);
        c.write_all(b"x").expect("write");
        assert_eq!(&read_n(&mut c, 4), want);
    }
    server.handle.wake();
    wait_until("both timers to fire", || fired.load(Ordering::SeqCst) == 2);
    let route = server.stop();
    assert_eq!(route.main.timers, [7]);
    assert_eq!(route.side.timers, [SIDE_TIMER | 7]);
    assert_eq!((route.main.wakes, route.side.wakes), (1, 1));
    let (m, s) = (&route.main.listeners, &route.side.listeners);
    assert_eq!((m.len(), s.len()), (1, 1));
    assert!(
        m[0].is_some() && s[0].is_some() && m[0] != s[0],
        "{m:?} {s:?}"
    );
}
