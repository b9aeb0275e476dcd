//! The JSON-RPC 2.0 envelope both ways (SPEC §7, API.md §1, §5): the request body a call sends (and
//! `--dry-run` prints), and the checks that turn a response's bytes into a [`Reply`] or one
//! [`RpcError`].
//!
//! The checks are pure functions of the status, content type and body bytes: no I/O, no client
//! state, so they are tested (and fuzzed) on bytes alone. `result.data` is deserialized straight
//! into the caller's type; only when that fails is the body read again, as a skeleton, to say why.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::error::{ApiError, RpcError};
use crate::model::{Metadata, Session};
use crate::redact;

// ---------------------------------------------------------------------------------------------
// The request envelope

#[derive(Serialize)]
pub(super) struct Request<'a, P> {
    jsonrpc: &'static str,
    id: u64,
    method: &'a str,
    params: Params<'a, P>,
}

/// `access_token` first, then the caller's params in their own field order.
#[derive(Serialize)]
struct Params<'a, P> {
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
    #[serde(flatten)]
    rest: &'a P,
}

impl<'a, P> Request<'a, P> {
    pub(super) fn new(id: u64, method: &'a str, access_token: Option<&'a str>, params: &'a P) -> Self {
        Request { jsonrpc: "2.0", id, method, params: Params { access_token, rest: params } }
    }
}

/// The request body of `method` with `params` as `--dry-run` prints it: pretty JSON with
/// `"access_token": "***"` as the first param.
pub fn dry_run_body<P: Serialize>(method: &str, params: &P) -> String {
    serde_json::to_string_pretty(&Request::new(1, method, Some("***"), params))
        .expect("request params serialize to a JSON object")
}

/// The same for a call made without a token (`login.user`).
pub fn dry_run_body_without_token<P: Serialize>(method: &str, params: &P) -> String {
    serde_json::to_string_pretty(&Request::new(1, method, None, params))
        .expect("request params serialize to a JSON object")
}

// ---------------------------------------------------------------------------------------------
// What a call gives back

/// A successful call's `result`.
#[derive(Debug)]
pub struct Reply<T> {
    pub data: T,
    pub metadata: Metadata,
}

/// What a call's `result.data` may be; `count` feeds the `-v` line ("10000 of 25000").
pub trait Payload: DeserializeOwned {
    fn count(&self) -> Option<usize> {
        None
    }
}

impl<T: DeserializeOwned> Payload for Vec<T> {
    fn count(&self) -> Option<usize> {
        Some(self.len())
    }
}

/// `login.user`.
impl Payload for Session {}

/// `logout.user`'s `{}`, or any result whose data is not needed.
impl Payload for IgnoredAny {}

// The response envelope and its checks (SPEC §7)

/// The typed parse: `result.data` goes straight into `T`.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Envelope<T> {
    #[serde(default)]
    jsonrpc: Option<String>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "object")]
    result: Option<ResultObject<T>>,
    #[serde(default, deserialize_with = "object")]
    error: Option<ErrorObject>,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct ResultObject<T> {
    data: T,
    #[serde(default, deserialize_with = "lenient_metadata")]
    metadata: Metadata,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
    #[serde(default)]
    message: Option<String>,
    /// Small and of no fixed shape; read leniently into [`ApiError`].
    #[serde(default)]
    data: Option<Value>,
}

/// Only for explaining why the typed parse failed: the envelope's skeleton, payload skipped.
#[derive(Deserialize)]
struct Skeleton {
    #[serde(default)]
    jsonrpc: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default)]
    result: Option<IgnoredAny>,
    #[serde(default)]
    error: Option<IgnoredAny>,
}

/// `T` from a JSON object only (serde's derive would take an array as well); `null` is `None`.
fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(de: D) -> Result<Option<T>, D::Error> {
    struct ObjectOnly<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
    }
    de.deserialize_any(ObjectOnly(PhantomData))
}

/// A whole body that must be one JSON object.
fn parse_object<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    // One UTF-8 check over the whole body is much cheaper than serde_json's check of every string.
    let text = std::str::from_utf8(body)
        .map_err(|e| <serde_json::Error as de::Error>::custom(format!("the body is not UTF-8: {e}")))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = object(&mut de)?.ok_or_else(|| de::Error::custom("null instead of an object"))?;
    de.end()?;
    Ok(value)
}

/// Tells a present `null` (`Some(Value::Null)`) from a missing key (`None`, via `default`).
fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(de).map(Some)
}

/// Metadata the client cannot read is no reason to drop a page.
fn lenient_metadata<'de, D: Deserializer<'de>>(de: D) -> Result<Metadata, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(de)?).unwrap_or_default())
}

/// The checks shared by the typed parse and the skeleton.
fn check_shape(
    jsonrpc: Option<&Value>,
    id: Option<&Value>,
    has_result: bool,
    has_error: bool,
    expected: u64,
) -> Result<(), String> {
    match jsonrpc {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => return Err(format!("jsonrpc is {}, not \"2.0\"", compact(other))),
        None => return Err("no jsonrpc member".to_owned()),
    }
    match (has_result, has_error) {
        (true, true) => return Err("both result and error".to_owned()),
        (false, false) => return Err("neither result nor error".to_owned()),
        _ => {}
    }
    match id {
        None => Err("no id member".to_owned()),
        Some(Value::Null) if has_error => Ok(()),
        Some(v) if v.as_u64() == Some(expected) => Ok(()),
        Some(v) => Err(format!("id {} does not match the request's {expected}", compact(v))),
    }
}

/// Sorts a response into a reply or an error class: a JSON-RPC error counts whatever the status;
/// anything else at a non-2xx status is an HTTP failure, at a 2xx status a malformed response.
pub(super) fn interpret<T: Payload>(
    status: u16,
    content_type: &str,
    body: &[u8],
    id: u64,
) -> Result<Reply<T>, RpcError> {
    match (check_envelope::<T>(body, id), (200..300).contains(&status)) {
        (Err(Rejected::Api(api)), _) => Err(RpcError::Api(api)),
        (Ok(reply), true) => Ok(reply),
        (Err(Rejected::Malformed(reason)), true) => Err(RpcError::Malformed {
            reason: redact::quote(&reason, redact::QUOTE_CHARS),
            status,
            content_type: content_type.to_owned(),
            excerpt: excerpt(body),
        }),
        (_, false) => Err(RpcError::Http { status, content_type: content_type.to_owned(), excerpt: excerpt(body) }),
    }
}

/// The whole check and parse of one response (SPEC §7) without the network, exactly as a call
/// makes it: for the fuzz targets.
pub fn parse_response<T: Payload>(status: u16, content_type: &str, body: &[u8], id: u64) -> Result<Reply<T>, RpcError> {
    interpret(status, content_type, body, id)
}

/// Why a body is no reply: the API said no, or the body is not a JSON-RPC answer of the expected
/// shape (the reason, for [`RpcError::Malformed`]).
enum Rejected {
    Api(Box<ApiError>),
    Malformed(String),
}

fn check_envelope<T: Payload>(body: &[u8], id: u64) -> Result<Reply<T>, Rejected> {
    let envelope = match parse_object::<Envelope<T>>(body) {
        Ok(envelope) => envelope,
        Err(e) => return Err(Rejected::Malformed(explain(body, id, &e))),
    };
    let jsonrpc = envelope.jsonrpc.map(Value::String);
    check_shape(jsonrpc.as_ref(), envelope.id.as_ref(), envelope.result.is_some(), envelope.error.is_some(), id)
        .map_err(Rejected::Malformed)?;
    match (envelope.result, envelope.error) {
        (Some(result), None) if result.metadata.odd_total => {
            Err(Rejected::Malformed("metadata.total_items is not a whole number from 0 to 2^53".to_owned()))
        }
        (Some(result), None) => Ok(Reply { data: result.data, metadata: result.metadata }),
        (None, Some(error)) => Err(Rejected::Api(Box::new(api_error(error)))),
        _ => unreachable!("check_shape demands exactly one of result and error"),
    }
}

/// Why the typed parse failed, in the order of SPEC §7's checks.
fn explain(body: &[u8], id: u64, err: &serde_json::Error) -> String {
    match parse_object::<Skeleton>(body) {
        Ok(s) => match check_shape(s.jsonrpc.as_ref(), s.id.as_ref(), s.result.is_some(), s.error.is_some(), id) {
            Err(reason) => reason,
            Ok(()) if s.result.is_some() => format!("unexpected result: {err}"),
            Ok(()) => format!("unexpected error object: {err}"),
        },
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => "empty body".to_owned(),
        Err(e) if serde_json::from_slice::<IgnoredAny>(body).is_ok() => {
            if body.trim_ascii_start().starts_with(b"{") {
                format!("unreadable envelope: {e}")
            } else {
                "not a JSON object".to_owned()
            }
        }
        Err(e) => format!("not JSON: {e}"),
    }
}

/// The error object as kept for display: every piece of server text hidden as a whole and then
/// cut to [`redact::QUOTE_CHARS`] characters, so that no message can flood a terminal or a log.
fn api_error(error: ErrorObject) -> ApiError {
    let data = error.data.unwrap_or(Value::Null);
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(redact::quote(s, redact::QUOTE_CHARS)),
        other => Some(redact::quote(&compact(other), redact::QUOTE_CHARS)),
    };
    ApiError {
        code: error.code,
        message: redact::quote(error.message.as_deref().unwrap_or(""), redact::QUOTE_CHARS),
        mnemonic: data.get("mnemonic").and_then(text),
        field: data.get("field").and_then(text),
        value: data.get("value").and_then(text),
        limit_type: data.pointer("/params/limit_type").and_then(text),
        metadata: data.get("metadata").and_then(|m| serde_json::from_value(m.clone()).ok()),
        quota_note: None,
    }
}

pub(super) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The first 200 bytes of a body: secrets hidden in the whole body first, then cut on a character
/// boundary (with `…`), so that no prefix of a secret survives at the edge.
pub(super) fn excerpt(body: &[u8]) -> String {
    const EXCERPT: usize = 200;
    redact::excerpt(&String::from_utf8_lossy(body), EXCERPT)
}
