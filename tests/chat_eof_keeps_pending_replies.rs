//! Regression: a client that sends its commands and EOF at once
//! (`printf ... | nc -N`) lost the replies still being computed by the
//! worker, because the reactor closed the Draining connection as soon as
//! the output queued so far was flushed. `Ctx::hold_open` keeps it open.

mod chat_util;
mod util;

use chat_util::*;
use std::io::Write;
use std::net::Shutdown;

#[test]
fn replies_to_jobs_in_flight_survive_the_peers_eof() {
    let data = TempDir::new("eof");
    let server = start(&data, &[]);
    let mut c = Client::connect(server.addr());
    // The last line has no newline, as `printf` would send it.
    let raw = c.stream();
    raw.write_all(
        b"/register ann a\n/logout\n/login ann a\n/msg nobody hi\n/msg ann note to self\n/who",
    )
    .expect("write");
    raw.shutdown(Shutdown::Write).expect("half-close");
    c.expect("OK registered ann, logged in");
    c.expect("OK logged out ann");
    c.expect("OK welcome ann");
    c.expect("ERR no such user nobody");
    c.expect("[dm] ann: note to self");
    c.expect("OK sent");
    c.expect("OK online: ann");
    c.expect_closed();
}
