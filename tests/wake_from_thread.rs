//! Cross-thread wake-ups: a worker thread sends messages over a channel and
//! calls `Handle::wake`; the service's `on_wake` (on the loop thread)
//! drains the channel and writes to a client. Every message arrives, in
//! order, even when many wakes collapse into one.
mod util;
use evloop::{Config, Ctx, Service, Token};
use std::net::SocketAddr;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use util::*;

struct Relay {
    from_worker: Receiver<String>,
    client: Arc<Mutex<Option<Token>>>,
}

impl Service for Relay {
    type Conn = ();
    fn on_open(&mut self, _: &mut Ctx<'_>, tok: Token, _: SocketAddr) {
        *self.client.lock().unwrap() = Some(tok);
    }
    fn on_data(&mut self, _: &mut Ctx<'_>, _: Token, _: &mut (), input: &[u8]) -> usize {
        input.len()
    }
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let tok = self
            .client
            .lock()
            .unwrap()
            .expect("woken before the client opened");
        while let Ok(msg) = self.from_worker.try_recv() {
            assert!(ctx.write(tok, msg.as_bytes()), "client gone");
        }
    }
}

#[test]
fn a_worker_thread_wakes_the_loop_to_write_to_a_client() {
    let (tx, rx) = channel();
    let client = Arc::new(Mutex::new(None));
    let svc = Relay {
        from_worker: rx,
        client: client.clone(),
    };
    let server = serve(svc, Config::default());
    let mut c = connect(server.addr);
    wait_until("the client to be open", || client.lock().unwrap().is_some());

    const MESSAGES: usize = 200;
    let handle = server.handle.clone();
    let worker = thread::spawn(move || {
        for i in 0..MESSAGES {
            tx.send(format!("message {i:03}\n")).unwrap();
            handle.wake();
        }
    });
    let want: String = (0..MESSAGES).map(|i| format!("message {i:03}\n")).collect();
    let got = read_n(&mut c, want.len());
    assert_eq!(String::from_utf8_lossy(&got), want);
    worker.join().unwrap();
    drop(c);
    server.stop();
}
