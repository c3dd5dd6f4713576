//! The async echo over real loopback sockets: several clients at once get
//! exactly their bytes back, and a half-close gets the echo, then EOF.

mod rt_util;
mod util;

use rt_util::*;
use std::io::Write;
use util::*;

#[test]
fn every_client_gets_its_own_bytes_back() {
    let server = start(config(), echo_server);
    let mut clients: Vec<_> = (0..8).map(|_| connect(server.addr)).collect();
    for round in 0..5 {
        for (i, c) in clients.iter_mut().enumerate() {
            c.write_all(format!("client {i} round {round}\n").as_bytes())
                .unwrap();
        }
        for (i, c) in clients.iter_mut().enumerate() {
            let want = format!("client {i} round {round}\n");
            assert_eq!(read_n(c, want.len()), want.as_bytes());
        }
    }
    let ended = server.stop();
    assert!(
        matches!(ended.result, Ok(Ok(()))),
        "{:?}",
        ended.result.err()
    );
    assert_eq!(ended.tasks.panicked, 0);
}

#[test]
fn half_close_gets_the_echo_then_eof() {
    let server = start(config(), echo_server);
    let mut c = connect(server.addr);
    let data = pattern(300_000); // more than one read, more than one write
    let writer = {
        let mut w = c.try_clone().unwrap();
        std::thread::spawn(move || send_and_shutdown(&mut w, &data))
    };
    let back = read_to_eof(&mut c);
    writer.join().unwrap();
    assert_eq!(back, pattern(300_000));
    server.stop();
}
