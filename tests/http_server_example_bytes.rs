//! The `http_server` example's `GET /bytes/N`: N bytes of `abc…z`, for
//! trying large responses; up to 16 MiB, 400 above. 80 pipelined requests
//! for 64 KiB all arrive (they used to overflow the output cap), and a
//! 16 MiB body fits under the example's default `--max-output`.

mod http_util;
mod util;

use http_util::*;
use util::*;

#[test]
fn bytes_n_serves_n_bytes_and_refuses_more_than_16_mib() {
    let server = spawn_example("http_server", &["--addr", "127.0.0.1:0"], true);
    let mut c = Client::connect(server.addr());
    let mut batch = Vec::new();
    for _ in 0..80 {
        batch.extend_from_slice(&get("/bytes/65536"));
    }
    c.send(&batch);
    for i in 0..80 {
        let r = c.response(false);
        assert_eq!(r.body, bytes_body(65_536), "response {i}");
    }
    c.send(&get("/bytes/16777216"));
    let r = c.response(false);
    assert_eq!((r.status, r.body.len()), (200, 16 << 20));
    assert!(r.body == bytes_body(16 << 20), "wrong pattern");
    c.send(&get("/bytes/16777217"));
    assert_eq!(c.response(false).status, 400);
    c.send(&get("/bytes/lots"));
    assert_eq!(c.response(false).status, 400);
}
