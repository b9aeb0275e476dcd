//! How errors read: one line each, and reset times as people write them.

use crate::rpc::{RpcError, format_reset};

#[test]
fn reset_times_read_like_people_write_them() {
    assert_eq!(format_reset(33_120), "9h 12m");
    assert_eq!(format_reset(7200), "2h");
    assert_eq!(format_reset(2700), "45m");
    assert_eq!(format_reset(90), "1m 30s");
    assert_eq!(format_reset(30), "30s");
    assert_eq!(format_reset(0), "0s");
}

#[test]
fn other_errors_read_as_one_line() {
    let shown = |e: RpcError| e.to_string();
    assert_eq!(
        shown(RpcError::Malformed {
            reason: "not JSON".into(),
            status: 200,
            content_type: String::new(),
            excerpt: String::new()
        }),
        "malformed response (not JSON): HTTP 200: (empty body)"
    );
    assert_eq!(
        shown(RpcError::Http { status: 599, content_type: String::new(), excerpt: String::new() }),
        "HTTP 599 from the API"
    );
    assert_eq!(
        shown(RpcError::Redirect { status: 301, location: String::new() }),
        "the API answered HTTP 301 (a redirect without a Location); redirects are not followed"
    );
    assert_eq!(shown(RpcError::TooLarge { limit: 1000 }), "response larger than 1000 bytes");
}
