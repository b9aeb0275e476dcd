//! JSON-RPC 2.0 over one reused ureq `Agent`: the envelope, response checks, error classes, retries,
//! quota waits and the redacted `-v`/`-vv` log (SPEC §7, API.md §1, §4, §5).
//!
//! INTERFACE STUB: bodies are filled in by the rpc work; the types and signatures are the contract.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{Limits, Metadata};

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
    /// `data.params.limit_type` of `limit_exceeded`: `day` or `minute`.
    pub limit_type: Option<String>,
    pub metadata: Option<Metadata>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("message (mnemonic, field F, value V); day quota adds: resets in 9h 12m")
    }
}

/// Every way a call can fail after retries and quota waits are spent.
#[derive(Debug)]
pub enum RpcError {
    /// DNS, connect, TLS, I/O or timeout.
    Transport(String),
    /// An HTTP status that is not a JSON-RPC answer (5xx, 4xx with a non-JSON body, …).
    Http { status: u16, content_type: String, excerpt: String },
    /// A 3xx: never followed.
    Redirect { status: u16, location: String },
    /// Not a valid JSON-RPC response of the expected shape.
    Malformed { reason: String, status: u16, content_type: String, excerpt: String },
    /// The body exceeded the size cap (bytes, after decompression).
    TooLarge { limit: u64 },
    /// The API answered with an error object.
    Api(ApiError),
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}

impl std::error::Error for RpcError {}

/// How the client behaves; settled by `config`.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub endpoint: String,
    /// Whole-request limit, connect to last byte.
    pub timeout: Duration,
    /// Connect limit (≤ 10 s, never above `timeout`).
    pub connect_timeout: Duration,
    /// Extra attempts for transient failures.
    pub retries: u32,
    /// Longest total wait for minute-quota resets (and the cap for one `Retry-After`).
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

/// One connection (keep-alive) to the endpoint, with the token held here and nowhere else.
pub struct Client {
    _private: (),
}

impl Client {
    /// `token` is `None` only for `login.user`.
    pub fn new(options: ClientOptions, token: Option<String>) -> anyhow::Result<Client> {
        todo!()
    }

    /// Calls `method` with `params` (plus `access_token` when the client has one), with retries and
    /// quota waits, and checks the response. Notices and `-v` lines go to stderr.
    pub fn call<P: Serialize, T: Payload>(&mut self, method: &str, params: &P) -> Result<Reply<T>, RpcError> {
        todo!()
    }

    /// The `limits` of the last response that carried them.
    pub fn last_limits(&self) -> Option<Limits> {
        todo!()
    }
}

/// The request body of `method` with `params` as `--dry-run` prints it: pretty JSON with
/// `"access_token": "***"` as the first param.
pub fn dry_run_body<P: Serialize>(method: &str, params: &P) -> String {
    todo!()
}

/// A wait or reset time in human form: "9h 12m", "45m", "30s".
pub fn human_duration(secs: u64) -> String {
    todo!()
}

impl Payload for crate::model::Session {}
impl Payload for serde::de::IgnoredAny {}
