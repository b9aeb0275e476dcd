//! Fuzz target `response`: the whole check and parse of a response body (SPEC §7) for every payload
//! type the client asks for — `Vec<Funnel>`, `Vec<CustomerUser>` and the login `Session` — at a 2xx
//! and at a 5xx status, exactly as `rpc` runs it after an HTTP exchange.
//!
//! Each input is tried twice: as the whole body (arbitrary bytes, seeded with realistic and hostile
//! bodies), and as the `result` member of an otherwise valid envelope, so that mutations spend their
//! time on the payload and metadata rather than on the envelope.
//! Invariants: no panic; no allocation beyond a small multiple of the input (run with
//! `-malloc_limit_mb`); a registered token never appears in an error's text; a reply is re-serializable.
#![no_main]

use funnels::model::{CustomerUser, Funnel, Session};
use funnels::rpc::{self, Payload, RpcError};
use libfuzzer_sys::fuzz_target;

/// The token the client would hold; the seeds echo it back in errors.
const TOKEN: &str = "fuzz-secret-token-7Hq2";
/// The request id the bodies must echo.
const ID: u64 = 1;

fuzz_target!(|data: &[u8]| {
    funnels::redact::register(TOKEN);
    check(data);
    let mut wrapped = br#"{"jsonrpc":"2.0","id":1,"result":"#.to_vec();
    wrapped.extend_from_slice(data);
    wrapped.push(b'}');
    check(&wrapped);
});

fn check(body: &[u8]) {
    for status in [200, 503] {
        if let Ok(reply) = parse::<Vec<Funnel>>(status, body) {
            serde_json::to_string(&reply.data).expect("funnels serialize for -o json");
            assert_eq!(reply.data.count(), Some(reply.data.len()));
        }
    }
    if let Ok(reply) = parse::<Vec<CustomerUser>>(200, body) {
        serde_json::to_string(&reply.data).expect("users serialize for -o json");
    }
    let _ = parse::<Session>(200, body);
}

fn parse<T: Payload>(status: u16, body: &[u8]) -> Result<rpc::Reply<T>, ()> {
    rpc::parse_response::<T>(status, "application/json", body, ID).map_err(|e| shown(&e))
}

/// What a user would read: the error's text must not hold the token.
fn shown(error: &RpcError) {
    let text = error.to_string();
    assert!(!text.contains(TOKEN), "the token leaked into an error: {text}");
    if let RpcError::Api(api) = error {
        let _ = api.metadata.as_ref().map(|m| (m.total_items, m.limits));
    }
}
