//! Over `max_conns`: a refused connection gets the canned 503 and is closed,
//! while the admitted one keeps being served.

mod http_util;
mod util;

use evloop::http::ServerConfig;
use evloop::Config;
use http_util::*;

#[test]
fn connection_over_max_conns_gets_503_then_close() {
    let srv = start_with(
        ServerConfig::default(),
        Config {
            max_conns: 1,
            ..Config::default()
        },
    );
    let mut first = Client::connect(srv.addr());
    first.send(&get("/go"));
    assert_eq!(first.response(false).status, 200);
    let mut second = Client::connect(srv.addr());
    let r = second.response(false);
    assert_eq!(r.status, 503);
    assert_eq!(r.header("connection").as_deref(), Some("close"));
    second.expect_closed();
    first.send(&get("/go"));
    assert_eq!(first.response(false).body, b"HelloWorld");
}
