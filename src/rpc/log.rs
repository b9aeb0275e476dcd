//! The text of the `-v`/`-vv` log (SPEC §7): one line per attempt at `-v` (what was asked, the
//! status, the time, the count and the points left), the request and response bodies at `-vv` with
//! every secret masked, and the points-left summary `list` also prints.
//!
//! Pure functions returning text: the client decides when a line is due and writes it.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::envelope::{Payload, Reply, compact};
use super::error::RpcError;
use crate::model::{Limits, WindowType};
use crate::redact;

/// `get.sales_funnel offset=0 limit=10000`.
pub(super) fn request_summary<P: Serialize>(method: &str, params: &P) -> String {
    let mut summary = method.to_owned();
    if let Ok(Value::Object(map)) = serde_json::to_value(params) {
        for key in ["offset", "limit"] {
            if let Some(n) = map.get(key).filter(|v| v.is_number()) {
                let _ = write!(summary, " {key}={n}");
            }
        }
    }
    summary
}

/// The `-v` line of one attempt; `known` is every window known after it, so an answer with
/// `limits: {}` still shows the points left.
pub(super) fn verbose_line<T: Payload>(
    summary: &str,
    status: Option<u16>,
    elapsed: Duration,
    outcome: Result<&Reply<T>, &RpcError>,
    known: &Limits,
) -> String {
    let took = format_millis(elapsed);
    let mut line = match status {
        Some(status) => format!("{summary} → {status} in {took}"),
        None => format!("{summary} → failed after {took}"),
    };
    match outcome {
        Ok(reply) => match (reply.data.count(), reply.metadata.total_items) {
            (Some(n), Some(total)) => {
                let _ = write!(line, ", {n} of {total}");
            }
            (Some(n), None) => {
                let _ = write!(line, ", {n} items");
            }
            _ => {}
        },
        Err(error) => {
            let what = match error {
                RpcError::Api(api) => {
                    format!("error {} {}", api.code, api.mnemonic.as_deref().unwrap_or("")).trim_end().to_owned()
                }
                RpcError::Http { .. } => "not a JSON-RPC answer".to_owned(),
                RpcError::Malformed { reason, .. } => format!("malformed response ({reason})"),
                other => other.to_string(),
            };
            let _ = write!(line, ", {what}");
        }
    }
    if let Some(points) = points_left(known) {
        let _ = write!(line, ", points left {points}");
    }
    line
}

/// `3305/day 88/hour 199/min`: the points left in every window whose count is known, in display
/// order; `None` when no count is known.
pub fn points_left(limits: &Limits) -> Option<String> {
    let parts: Vec<String> = limits
        .iter()
        .filter_map(|(window, budget)| {
            let unit = if *window == WindowType::Minute { "min" } else { window.as_str() };
            budget.remaining.map(|n| format!("{n}/{unit}"))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A body for `-vv`: JSON with the secret keys' values as `"***"` at any depth, else the text;
/// secrets hidden either way (the caller escapes control characters).
pub(super) fn redacted_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            mask_secrets(&mut value);
            redact::scrub(&compact(&value))
        }
        Err(_) => redact::scrub(&String::from_utf8_lossy(body)),
    }
}

fn mask_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if redact::SECRET_KEYS.contains(&key.as_str()) {
                    *v = Value::String("***".to_owned());
                } else {
                    mask_secrets(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

/// A duration as the `-v` lines show it: `85 ms`, `1.2 s`.
pub(super) fn format_millis(d: Duration) -> String {
    if d < Duration::from_secs(1) { format!("{} ms", d.as_millis()) } else { format!("{:.1} s", d.as_secs_f64()) }
}
