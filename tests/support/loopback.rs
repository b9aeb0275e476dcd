//! One reader of an HTTP/1.1 request for the hand-written loopback servers of the tests: the
//! end-to-end tests' (`tests/cli/common.rs`) and the rpc unit tests' (`src/rpc/tests/transport.rs`),
//! which include this file by path. (The sandbox reads HTTP on its own: a double stays independent.)

use std::io::BufRead;

/// Reads one request's head and its `Content-Length` body from `reader` and returns the body;
/// `None` when the connection closed before a whole head arrived. `reader` may be kept for the next
/// request on the same connection.
pub fn read_request_body(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}
