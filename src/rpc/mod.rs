//! JSON-RPC 2.0 over one reused ureq `Agent` (SPEC §7, API.md §1, §4, §5): this file is the map of
//! the module, the public surface the rest of the crate uses, and the options `config` settles.
//!
//! A call is a loop over attempts. Each attempt is one HTTP exchange with a fresh JSON-RPC id whose
//! answer is sorted into a reply or one [`RpcError`]; the loop then decides between returning, a
//! backoff retry, and a wait for a used-up point window. Nothing here picks an exit code: `exit`
//! does that from the error class. Server text kept in errors is scrubbed of the token when it is
//! stored and again when it is shown; `main` makes control characters visible when it prints an
//! error.
//!
//! One file per concern, each depending only on those listed before it:
//!
//! - `error`: what a failure is ([`RpcError`], [`ApiError`], a failed attempt) and how it reads;
//! - `envelope`: the JSON-RPC envelope both ways — the request body, and the checks that turn a
//!   response's bytes into a [`Reply`] or an error, as pure functions of those bytes;
//! - `log`: the text of the `-v`/`-vv` lines, secrets masked;
//! - `transport`: one HTTP exchange over the agent, the body read under its size cap, and what a
//!   transport failure says;
//! - `cancel`: the shared "stop now" of one run's clients;
//! - `gate`: how many of one run's attempts may be in flight (`--parallel` within the minute budget);
//! - `client`: the [`Client`] and its call loop — retries, backoff, quota waits, the observer.

mod cancel;
mod client;
mod envelope;
mod error;
mod gate;
mod log;
mod transport;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use cancel::Cancel;
pub use client::{Client, Observer};
pub use envelope::{Payload, Reply, dry_run_body, dry_run_body_without_token, parse_response};
pub use error::{ApiError, RpcError, format_reset};
pub use log::points_left;

/// How the client behaves; settled by `config`, which also checked the endpoint and chose the proxy.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub endpoint: String,
    /// The proxy to reach `endpoint` through (`None`: directly, whatever the environment says).
    pub proxy: Option<ureq::Proxy>,
    /// Whole-request limit, connect to last byte.
    pub timeout: Duration,
    /// Connect limit (≤ 10 s, never above `timeout`).
    pub connect_timeout: Duration,
    /// Extra attempts for transient failures.
    pub retries: u32,
    /// Longest total wait for point windows to reset (and the cap for one `Retry-After`).
    pub max_wait: Duration,
    /// Base of the exponential backoff (0.5 s; tests shrink it).
    pub backoff_base: Duration,
    /// Cap of one backoff delay (10 s).
    pub backoff_cap: Duration,
    /// How long one "second" of a server-given wait lasts (1 s; tests shrink it).
    pub wait_unit: Duration,
    /// Response size cap after decompression (256 MiB).
    pub max_body: u64,
    /// 0 quiet, 1 one line per request, 2 bodies too.
    pub verbose: u8,
    /// No notices (waits, deprecation) on stderr.
    pub quiet: bool,
}
