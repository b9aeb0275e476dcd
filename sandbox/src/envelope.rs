//! The JSON-RPC 2.0 envelope: the request's `jsonrpc`, `id`, `method` and `params` checked in the
//! order the API checks them, the method called, and the success or error body written around its
//! answer (with `--null-error-ids` and `--bare-errors` shaping the error body).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::methods::{self, Service};
use crate::refusal::{FailedCall, Refusal};
use crate::table::push_json_str;

/// Answers one request body; returns the response body and a short tag for `--verbose`.
pub(crate) fn answer(service: &Service, body: &[u8]) -> (String, String) {
    let mut out = String::new();
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(err) => {
            let e = Refusal::new(-32700, "parse_error", format!("Parse error: {err}"));
            write_error(service, &mut out, "null", &e.into());
            return (out, "parse_error".into());
        }
    };
    let envelope = match &request {
        Value::Object(map) => map,
        Value::Array(_) => {
            let e = Refusal::new(-32099, "batch_operations_not_supported", "Batch operations are not supported");
            write_error(service, &mut out, "null", &e.into());
            return (out, "batch_operations_not_supported".into());
        }
        _ => {
            let e = Refusal::new(-32600, "invalid_request", "The request must be a JSON object");
            write_error(service, &mut out, "null", &e.into());
            return (out, "invalid_request".into());
        }
    };
    let id = match envelope.get("id") {
        None => {
            let e = Refusal::new(
                -32099,
                "notifications_not_supported",
                "Notifications are not supported: `id` is required",
            );
            write_error(service, &mut out, "null", &e.into());
            return (out, "notifications_not_supported".into());
        }
        Some(id @ (Value::String(_) | Value::Number(_))) => id.to_string(),
        Some(other) => {
            let e = Refusal::new(-32600, "invalid_request", "`id` must be a string or a number").at("id", Some(other));
            write_error(service, &mut out, "null", &e.into());
            return (out, "invalid_request".into());
        }
    };
    let method = envelope.get("method").and_then(Value::as_str).unwrap_or_default();
    let outcome = if envelope.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        Err(Refusal::new(-32600, "invalid_request", "`jsonrpc` must be \"2.0\"")
            .at("jsonrpc", envelope.get("jsonrpc"))
            .into())
    } else if !envelope.get("method").is_some_and(Value::is_string) {
        Err(Refusal::new(-32600, "invalid_request", "`method` must be a string")
            .at("method", envelope.get("method"))
            .into())
    } else {
        let empty = Map::new();
        match envelope.get("params") {
            None | Some(Value::Null) => dispatch(service, method, &empty, &mut out, &id),
            Some(Value::Object(params)) => dispatch(service, method, params, &mut out, &id),
            Some(other) => Err(Refusal::new(-32600, "invalid_request", "`params` must be an object")
                .at("params", Some(other))
                .into()),
        }
    };
    match outcome {
        Ok(()) => (out, format!("{method} ok")),
        Err(failure) => {
            out.clear();
            write_error(service, &mut out, &id, &failure);
            (out, format!("{method} {}", failure.error.mnemonic))
        }
    }
}

/// Writes a success response into `out` or returns the failure (leaving `out` to be cleared).
fn dispatch(
    service: &Service,
    method: &str,
    params: &Map<String, Value>,
    out: &mut String,
    id: &str,
) -> Result<(), FailedCall> {
    let _ = write!(out, r#"{{"jsonrpc":"2.0","id":{id},"result":"#);
    methods::call(service, method, params, out)?;
    out.push('}');
    Ok(())
}

/// The error body of API.md §5 for `failure`, with the limits of its account once that is known.
fn write_error(service: &Service, out: &mut String, id: &str, failure: &FailedCall) {
    let e = &failure.error;
    let id = if service.null_error_ids { "null" } else { id };
    let _ = write!(out, r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{},"message":"#, e.code);
    push_json_str(out, &e.message);
    out.push_str(r#","data":{"mnemonic":"#);
    push_json_str(out, e.mnemonic);
    if let Some((field, value)) = e.location.as_deref() {
        out.push_str(r#","field":"#);
        push_json_str(out, field);
        out.push_str(r#","value":"#);
        out.push_str(&value.as_ref().map_or_else(|| "null".to_string(), Value::to_string));
    }
    if let Some(params) = &e.params {
        let _ = write!(out, r#","params":{params}"#);
    }
    if !service.bare_errors {
        out.push_str(r#","metadata":{"limits":"#);
        match failure.account {
            Some(account) => out.push_str(&service.accounts.limits_now(account)),
            None => out.push_str("{}"),
        }
        out.push('}');
    }
    out.push_str("}}}");
}
