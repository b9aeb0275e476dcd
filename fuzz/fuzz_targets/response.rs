//! Fuzz target `response`: the whole check and parse of a response body (SPEC §7) for every payload
//! type the client asks for — `Vec<Funnel>`, `Vec<CustomerUser>` and the login `Session` — at a 2xx
//! and at a 5xx status, exactly as `rpc` runs it after an HTTP exchange.
//!
//! Each input is tried twice: as the whole body (arbitrary bytes, seeded with realistic and hostile
//! bodies), and as the `result` member of an otherwise valid envelope, so that mutations spend their
//! time on the payload and metadata rather than on the envelope.
//! Invariants: no panic; no allocation out of proportion to the body (runs pass `-malloc_limit_mb=256`,
//! which fails any single allocation above 256 MiB); a registered token never appears in an error's text; records of a reply
//! written as JSON read back equal.
#![no_main]

use funnels::model::{CustomerUser, Funnel, Session};
use funnels::rpc::{self, Payload, RpcError};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use std::fmt::Debug;

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
            round_trip(&reply.data);
        }
    }
    if let Ok(reply) = parse::<Vec<CustomerUser>>(200, body) {
        round_trip(&reply.data);
    }
    let _ = parse::<Session>(200, body);
}

/// What `-o json` writes of a page reads back as the same records: nothing is lost or changed on
/// the way (`ext_id`s sent as numbers come back as the same text).
fn round_trip<T: Payload + Serialize + PartialEq + Debug>(data: &T) {
    let json = serde_json::to_string(data).expect("records serialize for -o json");
    let body = format!(r#"{{"jsonrpc":"2.0","id":{ID},"result":{{"data":{json}}}}}"#);
    let again = parse::<T>(200, body.as_bytes()).expect("records written as JSON read back");
    assert_eq!(&again.data, data, "records changed on their way through JSON");
}

fn parse<T: Payload>(status: u16, body: &[u8]) -> Result<rpc::Reply<T>, ()> {
    rpc::parse_response::<T>(status, "application/json", body, ID).map_err(|e| shown(&e))
}

/// What a user would read: the error's text must not hold the token.
fn shown(error: &RpcError) {
    let text = error.to_string();
    assert!(!text.contains(TOKEN), "the token leaked into an error: {text}");
    if let RpcError::Api(api) = error {
        let _ = api.metadata.as_ref().map(|m| (m.total_items, m.limits.clone()));
    }
}
