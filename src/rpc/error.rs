//! What a failed call is and how it reads: the public [`RpcError`] classes (with the API's own
//! [`ApiError`]), the private [`FailedAttempt`] the call loop decides on, and their one-line texts.
//!
//! The leaf of `rpc`: every other file here builds or reads these types, and this one needs none of
//! them. Which exit code a class earns is `exit`'s business, not this file's.

use std::fmt::{self, Write as _};

use crate::model::{Limits, Metadata, Reading, server_number_from_text};
use crate::redact;

/// A JSON-RPC error object as the API sends it (API.md §5), with server text already scrubbed of
/// the token.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: i64,
    pub message: String,
    pub mnemonic: Option<String>,
    pub field: Option<String>,
    /// `data.value` rendered as text (strings without quotes).
    pub value: Option<String>,
    /// `data.params.limit_type` of `limit_exceeded`: the window used up (`day`, `hour`, `minute`…).
    pub limit_type: Option<String>,
    pub metadata: Option<Metadata>,
    /// Why a used-up window was not waited for ("resets in 9h 12m, beyond --max-wait 120 s"); set
    /// by the call loop, shown last.
    pub quota_note: Option<String>,
}

impl ApiError {
    /// The windows the error's own metadata names, when it has readable metadata.
    pub(super) fn limits(&self) -> Option<&Limits> {
        self.metadata.as_ref().map(|m| &m.limits)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = if self.message.trim().is_empty() {
            format!("the API answered with error {}", self.code)
        } else {
            self.message.trim().to_owned()
        };
        let mut parts = Vec::new();
        match &self.mnemonic {
            Some(mnemonic) => parts.push(mnemonic.clone()),
            None => parts.push(format!("code {}", self.code)),
        }
        if let Some(field) = &self.field {
            parts.push(format!("field {field}"));
        }
        // A server that puts the same text in the message and the value gets it quoted once
        // (the message may have gained " (after N retries)").
        let repeats_message = |value: &&String| {
            let rest = self.message.trim().strip_prefix(value.trim());
            rest.is_some_and(|rest| rest.is_empty() || rest.starts_with(" (after "))
        };
        if let Some(value) = self.value.as_ref().filter(|v| v.trim().is_empty() || !repeats_message(v)) {
            parts.push(format!("value {value}"));
        }
        let _ = write!(text, " ({})", parts.join("; "));
        if let Some(note) = &self.quota_note {
            let _ = write!(text, "; {note}");
        }
        f.write_str(&redact::hide(&text))
    }
}

/// A reset time in seconds as people read it: `9h 12m`, `45m`, `1m 30s`, `30s`.
pub fn format_reset(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

/// Every way a call can fail after retries and quota waits are spent.
///
/// When retries were spent, the text of the last failure says so: `Transport` and `Http` carry
/// " (after N retries)" at the end of their message and excerpt, `Api` at the end of its message.
#[derive(Debug)]
pub enum RpcError {
    /// DNS, connect, TLS, I/O or timeout; the whole one-line message.
    Transport(String),
    /// An HTTP status that is not a JSON-RPC answer (5xx, 4xx with a non-JSON body, …).
    Http { status: u16, content_type: String, excerpt: String },
    /// A 3xx: never followed.
    Redirect { status: u16, location: String },
    /// Not a valid JSON-RPC response of the expected shape.
    Malformed { reason: String, status: u16, content_type: String, excerpt: String },
    /// The body exceeded the size cap (bytes, after decompression).
    TooLarge { limit: u64 },
    /// The API answered with an error object (boxed: it is large and errors are rare).
    Api(Box<ApiError>),
    /// The run was cancelled (another request failed) before this call could finish.
    Cancelled,
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            RpcError::Transport(message) => message.clone(),
            RpcError::Http { status, content_type, excerpt } => {
                let mut text = format!("HTTP {} from the API", status_line(*status));
                if !content_type.is_empty() {
                    let _ = write!(text, " ({content_type})");
                }
                if !excerpt.is_empty() {
                    let _ = write!(text, ": {excerpt}");
                }
                text
            }
            RpcError::Redirect { status, location } if location.is_empty() => {
                format!("the API answered HTTP {status} (a redirect without a Location); redirects are not followed")
            }
            RpcError::Redirect { status, location } => {
                format!("the API answered HTTP {status} with a redirect to {location}; redirects are not followed")
            }
            RpcError::Malformed { reason, status, content_type, excerpt } => {
                let mut text = format!("malformed response ({reason}): HTTP {status}");
                if !content_type.is_empty() {
                    let _ = write!(text, ", {content_type}");
                }
                if excerpt.is_empty() {
                    text.push_str(": (empty body)");
                } else {
                    let _ = write!(text, ": {excerpt}");
                }
                text
            }
            RpcError::TooLarge { limit } => format!("response larger than {}", format_size(*limit)),
            RpcError::Api(api) => api.to_string(),
            RpcError::Cancelled => "the request was cancelled after another one failed".to_owned(),
        };
        f.write_str(&redact::scrub(&text))
    }
}

impl std::error::Error for RpcError {}

fn status_line(status: u16) -> String {
    match ureq::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn format_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 { format!("{} MiB", bytes / MIB) } else { format!("{bytes} bytes") }
}

/// A failed attempt and what the call loop may do about it.
pub(super) struct FailedAttempt {
    pub(super) error: RpcError,
    pub(super) retryable: bool,
    /// `Retry-After` read as a server number (absent when missing or an HTTP date).
    pub(super) retry_after: Reading,
}

impl FailedAttempt {
    pub(super) fn fatal(error: RpcError) -> Self {
        FailedAttempt::new(error, false, "")
    }

    pub(super) fn new(error: RpcError, retryable: bool, retry_after: &str) -> Self {
        FailedAttempt { error, retryable, retry_after: server_number_from_text(retry_after) }
    }
}
