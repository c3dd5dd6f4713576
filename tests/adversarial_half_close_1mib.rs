//! Half-close at size: a client sends 1 MiB and then `shutdown(Write)`.
//! Every byte comes back, in order, and only then EOF: the FIN must not cut
//! off output still queued (or still unread) on the server.
mod util;
use evloop::{services::Echo, Config};
use util::*;

#[test]
fn one_mib_then_half_close_gets_every_byte_back_then_eof() {
    let server = serve(Echo, Config::default());
    for round in 0..3 {
        let mut c = connect(server.addr);
        let data = pattern(1 << 20);
        // Writer and reader run at once: 1 MiB is more than the socket
        // buffers hold, so writing it all before reading could deadlock.
        let mut writer = c.try_clone().unwrap();
        let sent = data.clone();
        let t = std::thread::spawn(move || send_and_shutdown(&mut writer, &sent));
        let back = read_to_eof(&mut c);
        t.join().unwrap();
        assert_eq!(back.len(), data.len(), "round {round}: length");
        assert!(back == data, "round {round}: bytes differ");
    }
    wait_until("all three to be closed", || {
        let m = server.handle.metrics();
        m.closed == 3 && m.open_conns == 0
    });
    server.stop();
}
