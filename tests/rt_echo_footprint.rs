//! What an idle async echo connection costs, piece by piece: the
//! compiler's state machine for the natural echo (`read_chunk` +
//! `write_all`) stays small because it holds no read buffer across the
//! idle wait. The benchmark measures the whole (RSS per idle connection);
//! this pins the part the API is responsible for.

mod rt_util;
mod util;

use evloop::rt::{Runtime, TcpListener, TcpStream};
use util::*;

#[test]
fn the_natural_echo_future_holds_no_buffer() {
    let mut runtime = Runtime::new(rt_util::config()).unwrap();
    let size = runtime
        .block_on(async {
            let listener = TcpListener::bind(loopback0()).await?;
            let addr = listener.local_addr();
            let _client = std::net::TcpStream::connect(addr)?;
            let (conn, _): (TcpStream, _) = listener.accept().await?;
            let fut = rt_util::echo(conn);
            Ok::<_, std::io::Error>(std::mem::size_of_val(&fut))
        })
        .unwrap()
        .unwrap();
    // A `[u8; 4096]` held across the wait would make this 4 KiB and more.
    assert!(size <= 192, "the echo future is {size} bytes");
    eprintln!("natural echo future: {size} bytes");
}
