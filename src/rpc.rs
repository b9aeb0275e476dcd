//! JSON-RPC 2.0 over one reused ureq `Agent`: the envelope, response checks, error classes, retries,
//! quota waits and the redacted `-v`/`-vv` log (SPEC §7, API.md §1, §4, §5).
//!
//! A call is a loop over attempts. Each attempt is one HTTP exchange with a fresh JSON-RPC id whose
//! answer is sorted into a reply or one [`RpcError`]; the loop then decides between returning, a
//! backoff retry, and a wait for a used-up point window. Nothing here picks an exit code: `exit`
//! does that from the error class. Server text kept in errors is scrubbed of the token when it is
//! stored and again when it is shown; `main` makes control characters visible when it prints an
//! error.

mod cancel;
#[cfg(test)]
mod tests;

use std::fmt::{self, Write as _};
use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::model::{Limits, Metadata, Reading, Session, WindowType, server_number_from_text};
use crate::redact;

pub use cancel::Cancel;

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
    fn limits(&self) -> Option<&Limits> {
        self.metadata.as_ref().map(|m| &m.limits)
    }

    /// The windows a `-32029` says are used up, each with the reset its own metadata gives: the one
    /// `limit_type` names, else (no readable `limit_type`) those whose remaining is 0 (SPEC §7).
    fn spent_windows(&self) -> Vec<Spent> {
        let reset = |window: &WindowType| self.limits().and_then(|l| l.get(window)).and_then(|w| w.reset);
        if let Some(window) = self.limit_type.as_deref().and_then(WindowType::parse) {
            return vec![Spent { reset: reset(&window), window }];
        }
        self.limits().map(spent_windows).unwrap_or_default()
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

/// Someone watching the calls of a run, told of what takes long: the progress line on a terminal
/// (SPEC §2) shows a quota wait as a countdown. Kept to what any watcher could use, so that this
/// module knows nothing of how (or whether) it is shown.
pub trait Observer: Send + Sync {
    /// A wait for the `window` to reset begins: `seconds` as the server counts them, lasting `lasts`
    /// here. True when the observer shows the wait itself, so that no notice is printed for it.
    fn quota_wait(&self, window: &str, seconds: u64, lasts: Duration) -> bool;

    /// The wait that [`Observer::quota_wait`] announced is over (run or cut short).
    fn quota_wait_over(&self);

    /// Runs `write`, which prints a notice line on stderr, with whatever the observer keeps on the
    /// terminal stepped aside, so that the two do not tear each other.
    fn aside(&self, write: &mut dyn FnMut()) {
        write();
    }
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

/// `login.user`.
impl Payload for Session {}

/// `logout.user`'s `{}`, or any result whose data is not needed.
impl Payload for IgnoredAny {}

/// One connection (keep-alive) to the endpoint, with the token held here and nowhere else.
pub struct Client {
    agent: ureq::Agent,
    options: ClientOptions,
    token: Option<String>,
    /// Where notices and `-v` lines go (stderr unless a test captures them).
    log: Box<dyn Write + Send>,
    last_id: u64,
    /// The response body buffer, reused from call to call.
    buffer: Vec<u8>,
    /// HTTP requests sent by this client and its forks.
    sent: Arc<AtomicU64>,
    /// Every window any answer named, each as the latest answer naming it left it.
    last_limits: Limits,
    /// The windows the last reply left without points: waited for (or the run stopped) before the
    /// next request.
    spent_due: Vec<Spent>,
    /// Seconds this client and its forks spent waiting for windows to reset, against `max_wait`
    /// (SPEC §7: one budget for the whole run, shared by all workers).
    quota_waited: Arc<AtomicU64>,
    /// Checked before every attempt and during every sleep; a fork shares its run's.
    cancel: Cancel,
    deprecation_warned: bool,
    /// Told of quota waits; a fork shares its run's.
    observer: Option<Arc<dyn Observer>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("endpoint", &self.options.endpoint).finish_non_exhaustive()
    }
}

const CONTENT_TYPE: &str = "application/json; charset=UTF-8";

impl Client {
    /// `token` is `None` only for `login.user`.
    pub fn new(options: ClientOptions, token: Option<String>) -> Client {
        if let Some(token) = &token {
            redact::register(token);
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(options.timeout))
            .timeout_connect(Some(options.connect_timeout.min(options.timeout)))
            .user_agent(concat!("funnels/", env!("CARGO_PKG_VERSION")))
            // Always set, `None` too: ureq's default config reads the proxy variables itself.
            .proxy(options.proxy.clone())
            .build();
        Client {
            agent: config.into(),
            options,
            token,
            log: Box::new(io::stderr()),
            last_id: 0,
            buffer: Vec::new(),
            sent: Arc::new(AtomicU64::new(0)),
            last_limits: Limits::default(),
            spent_due: Vec::new(),
            quota_waited: Arc::new(AtomicU64::new(0)),
            cancel: Cancel::default(),
            deprecation_warned: false,
            observer: None,
        }
    }

    /// Another client on the same connection pool, for concurrent page fetches: the same options,
    /// token and quota-wait budget, its own ids, notices to stderr, and `cancel` to stop it.
    #[must_use]
    pub fn fork(&self, cancel: &Cancel) -> Client {
        Client {
            agent: self.agent.clone(),
            options: self.options.clone(),
            token: self.token.clone(),
            log: Box::new(io::stderr()),
            last_id: 0,
            buffer: Vec::new(),
            sent: Arc::clone(&self.sent),
            last_limits: self.last_limits.clone(),
            spent_due: Vec::new(),
            quota_waited: Arc::clone(&self.quota_waited),
            cancel: cancel.clone(),
            deprecation_warned: true,
            observer: self.observer.clone(),
        }
    }

    /// Sends notices and `-v`/`-vv` lines to `log` instead of stderr.
    #[must_use]
    pub fn with_log(mut self, log: Box<dyn Write + Send>) -> Self {
        self.log = log;
        self
    }

    /// Tells `observer` (or, with `None`, no one) of this client's quota waits from now on; forks
    /// made afterwards tell it too.
    pub fn set_observer(&mut self, observer: Option<Arc<dyn Observer>>) {
        self.observer = observer;
    }

    /// Calls `method` with `params` (plus `access_token` when the client has one), with retries and
    /// quota waits, and checks the response. Notices and `-v` lines go to stderr.
    ///
    /// Every attempt is bounded: at most `1 + retries` for transient failures, plus one per quota
    /// wait that fits in `max_wait`. None starts once the client's [`Cancel`] fired, and its sleeps
    /// end when it fires. Server numbers (resets, `Retry-After`) are read by `model`'s one reader,
    /// bounded to 2^53, and every sum and scale on them saturates.
    pub fn call<P: Serialize, T: Payload>(&mut self, method: &str, params: &P) -> Result<Reply<T>, RpcError> {
        let due = std::mem::take(&mut self.spent_due);
        if !due.is_empty() {
            // The last answer said a window has no points left: the server's refusal is certain, so
            // the same rule as for `limit_exceeded` applies before asking, and a wait that does not
            // fit ends the run without the request.
            match self.wait_for_windows(&due) {
                Ok(()) => {}
                Err(Stop::Cancelled) => return Err(RpcError::Cancelled),
                Err(Stop::Beyond { window, note }) => return Err(spent_before_asking(window, note)),
            }
        }
        let summary = if self.options.verbose > 0 { request_summary(method, params) } else { String::new() };
        let mut retries = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(RpcError::Cancelled);
            }
            let failure = match self.attempt::<P, T>(method, params, &summary) {
                Ok(reply) => {
                    self.after_success(&reply.metadata);
                    return Ok(reply);
                }
                Err(failure) => failure,
            };
            if let RpcError::Api(api) = &failure.error {
                if api.code == -32029 {
                    match self.wait_for_windows(&api.spent_windows()) {
                        Ok(()) => continue,
                        Err(Stop::Cancelled) => return Err(RpcError::Cancelled),
                        Err(Stop::Beyond { note, .. }) => return Err(with_quota_note(failure.error, note)),
                    }
                }
            }
            if !failure.retryable || retries >= self.options.retries {
                return Err(after_retries(failure.error, retries));
            }
            let delay = match failure.retry_after {
                Reading::Number(seconds) if Duration::from_secs(seconds) <= self.options.max_wait => {
                    scale(self.options.wait_unit, seconds)
                }
                Reading::Number(_) | Reading::Odd => {
                    let asked = match failure.retry_after {
                        Reading::Number(seconds) => format!("{seconds} s"),
                        _ => "more than 2^53 s".to_owned(),
                    };
                    let note =
                        format!("Retry-After: {asked} is longer than --max-wait {} s", self.options.max_wait.as_secs());
                    return Err(with_note(after_retries(failure.error, retries), &note));
                }
                // Not a number of seconds (an HTTP date): the backoff decides.
                Reading::Absent => self.backoff(retries),
            };
            retries += 1;
            if self.options.verbose > 0 {
                self.log_line(&format!("retrying in {} ({retries} of {})", format_millis(delay), self.options.retries));
            }
            if !self.cancel.sleep(delay) {
                return Err(RpcError::Cancelled);
            }
        }
    }

    /// HTTP requests sent so far by this client and its forks, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Every window the answers so far named, each as the latest one naming it left it.
    pub fn last_limits(&self) -> &Limits {
        &self.last_limits
    }

    /// Full jitter: uniform in `[0, min(cap, base · 2^attempt)]`.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = 2u32
            .checked_pow(attempt)
            .and_then(|factor| self.options.backoff_base.checked_mul(factor))
            .map_or(self.options.backoff_cap, |d| d.min(self.options.backoff_cap));
        ceiling.mul_f64(fastrand::f64())
    }

    /// Takes `seconds` from the run's quota-wait budget when they fit in `max_wait`, atomically so
    /// that workers waiting at once cannot overdraw it together.
    fn reserve_quota_wait(&self, seconds: u64) -> bool {
        let max = self.options.max_wait.as_secs();
        self.quota_waited
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |waited| {
                waited.checked_add(seconds).filter(|&total| total <= max)
            })
            .is_ok()
    }

    /// The one wait-or-fail rule for used-up windows (SPEC §7), after a `limit_exceeded` and before
    /// a request alike. Each window needs its reset + 1 s; a minute window whose reset is unknown
    /// 61 s; any other window whose reset is unknown cannot be waited for. The longest need covers
    /// them all, and is waited when it fits in what is left of the run's `max_wait`.
    fn wait_for_windows(&mut self, spent: &[Spent]) -> Result<(), Stop> {
        let mut longest: Option<(&Spent, u64)> = None;
        for window in spent {
            let seconds = match (window.reset, &window.window) {
                (Some(reset), _) => reset.saturating_add(1),
                (None, WindowType::Minute) => 61,
                (None, other) => {
                    let note = format!("the API did not say when the {other} window resets");
                    return Err(Stop::Beyond { window: Some(other.clone()), note });
                }
            };
            if longest.is_none_or(|(_, most)| seconds > most) {
                longest = Some((window, seconds));
            }
        }
        let Some((window, seconds)) = longest else {
            let note = "the API did not say which window is used up".to_owned();
            return Err(Stop::Beyond { window: None, note });
        };
        if !self.reserve_quota_wait(seconds) {
            let resets = window.reset.map_or_else(|| "about 1m".to_owned(), format_reset);
            let max = self.options.max_wait.as_secs();
            let note = match self.quota_waited.load(Ordering::SeqCst) {
                0 => format!("resets in {resets}, beyond --max-wait {max} s"),
                waited => format!("resets in {resets}, beyond --max-wait {max} s ({waited} s waited already)"),
            };
            return Err(Stop::Beyond { window: Some(window.window.clone()), note });
        }
        let lasts = scale(self.options.wait_unit, seconds);
        let shown = self.observer.as_ref().is_some_and(|o| o.quota_wait(window.window.as_str(), seconds, lasts));
        if !shown && !self.options.quiet {
            self.log_line(&format!("{} quota used up; waiting {seconds} s for it to reset", window.window));
        }
        let waited = self.cancel.sleep(lasts);
        if shown {
            if let Some(observer) = &self.observer {
                observer.quota_wait_over();
            }
        }
        if waited { Ok(()) } else { Err(Stop::Cancelled) }
    }

    fn after_success(&mut self, metadata: &Metadata) {
        // This answer's own windows only: a remembered 0 may be from before a reset.
        self.spent_due = spent_windows(&metadata.limits);
        let Some(version) = &metadata.api_version else {
            return;
        };
        if version.current_version_deprecated == Some(true) && !self.deprecation_warned {
            self.deprecation_warned = true;
            if !self.options.quiet {
                let current = version.current_version.as_deref().map_or(String::new(), |v| format!(" {v}"));
                let latest =
                    version.latest_version.as_deref().map_or(String::new(), |v| format!("; the latest is {v}"));
                self.log_line(&format!("warning: the API version{current} in use is deprecated{latest}"));
            }
        }
    }

    /// One HTTP exchange with a fresh id, logged at `-v`/`-vv`.
    fn attempt<P: Serialize, T: Payload>(
        &mut self,
        method: &str,
        params: &P,
        summary: &str,
    ) -> Result<Reply<T>, Failure> {
        self.last_id += 1;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let id = self.last_id;
        let body = serde_json::to_vec(&Request::new(id, method, self.token.as_deref(), params)).map_err(|e| {
            Failure::fatal(RpcError::Transport(format!("could not encode the request for {method}: {e}")))
        })?;
        if self.options.verbose > 1 {
            self.log_line(&format!("request: {}", redacted_body(&body)));
        }
        let started = Instant::now();
        let (status, outcome) = self.exchange::<T>(&body, id);
        let elapsed = started.elapsed();
        let limits = match &outcome {
            Ok(reply) => Some(&reply.metadata.limits),
            Err(Failure { error: RpcError::Api(api), .. }) => api.limits(),
            Err(_) => None,
        };
        if let Some(limits) = limits {
            self.last_limits.update(limits);
        }
        if self.options.verbose > 0 {
            let line = verbose_line(summary, status, elapsed, &outcome, &self.last_limits);
            self.log_line(&line);
        }
        outcome
    }

    /// Sends `body`, reads at most `max_body` bytes of the answer and sorts it.
    fn exchange<T: Payload>(&mut self, body: &[u8], id: u64) -> (Option<u16>, Result<Reply<T>, Failure>) {
        let sent = self.agent.post(&self.options.endpoint).header("Content-Type", CONTENT_TYPE).send(body);
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return (None, Err(self.transport_failure(&e))),
        };
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
        let content_type = redact::scrub(&header("content-type").unwrap_or_default());
        let retry_after_text = header("retry-after").unwrap_or_default();
        if (300..400).contains(&status) {
            let location = redact::scrub(&header("location").unwrap_or_default());
            return (Some(status), Err(Failure::fatal(RpcError::Redirect { status, location })));
        }
        // ureq strips Content-Encoding and Content-Length when it decompresses, so a length left
        // beside no encoding is the real body size: refuse it before reading a byte.
        let declared = if headers.contains_key("content-encoding") {
            None
        } else {
            header("content-length").and_then(|v| v.parse::<u64>().ok())
        };
        let max = self.options.max_body;
        if declared.is_some_and(|n| n > max) {
            return (Some(status), Err(Failure::fatal(RpcError::TooLarge { limit: max })));
        }
        // One body buffer per client, reused page after page: steady memory for long exports.
        let mut bytes = std::mem::take(&mut self.buffer);
        let read = read_capped(response.body_mut(), max, declared, &mut bytes);
        let outcome = self.sort_out::<T>(read, &bytes, status, content_type, &retry_after_text, id);
        if bytes.capacity() <= KEPT_BUFFER {
            self.buffer = bytes;
        }
        (Some(status), outcome)
    }

    /// The read body (or the read error) → a reply or a failure.
    fn sort_out<T: Payload>(
        &mut self,
        read: io::Result<()>,
        bytes: &[u8],
        status: u16,
        content_type: String,
        retry_after: &str,
        id: u64,
    ) -> Result<Reply<T>, Failure> {
        match read {
            Ok(()) => {}
            Err(e) => {
                let failure = match ureq::Error::from(e) {
                    ureq::Error::BodyExceedsLimit(_) => {
                        Failure::fatal(RpcError::TooLarge { limit: self.options.max_body })
                    }
                    ureq::Error::Decompress(..) => Failure::fatal(RpcError::Malformed {
                        reason: "the compressed body could not be decoded".to_owned(),
                        status,
                        content_type,
                        excerpt: String::new(),
                    }),
                    other => self.transport_failure(&other),
                };
                return Err(failure);
            }
        }
        if self.options.verbose > 1 {
            self.log_line(&format!("response: {}", redacted_body(bytes)));
        }
        interpret::<T>(status, &content_type, bytes, id).map_err(|error| {
            let retryable = match &error {
                RpcError::Http { status, .. } => {
                    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
                }
                RpcError::Api(api) => api.code == -32603,
                _ => false,
            };
            Failure::new(error, retryable, retry_after)
        })
    }

    fn transport_failure(&self, err: &ureq::Error) -> Failure {
        let endpoint = &self.options.endpoint;
        let (message, retryable) = match err {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                let limit = self.options.connect_timeout.min(self.options.timeout);
                (format!("could not connect to the API at {endpoint}: timed out after {}", format_secs(limit)), true)
            }
            ureq::Error::Timeout(_) => (
                format!("the request to the API at {endpoint} timed out after {}", format_secs(self.options.timeout)),
                true,
            ),
            ureq::Error::HostNotFound => (format!("could not reach the API at {endpoint}: host not found"), true),
            ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired => (format!("could not send a request to {endpoint}: {err}"), false),
            other => {
                let detail = match other {
                    ureq::Error::Io(e) => e.to_string(),
                    ureq::Error::Rustls(e) => format!("TLS: {e}"),
                    ureq::Error::Protocol(e) => format!("the answer is not valid HTTP: {e}"),
                    ureq::Error::ConnectProxyFailed(e) => {
                        format!("the proxy refused the tunnel: {e}")
                    }
                    other => other.to_string(),
                };
                (format!("could not reach the API at {endpoint}: {detail}"), true)
            }
        };
        Failure::new(RpcError::Transport(redact::scrub(&message)), retryable, "")
    }

    fn log_line(&mut self, text: &str) {
        // Diagnostics only: a closed stderr must not fail the call.
        let line = format!("funnels: {}", redact::for_terminal(text));
        let log = &mut self.log;
        let mut write = || {
            let _ = writeln!(log, "{line}");
            let _ = log.flush();
        };
        match &self.observer {
            Some(observer) => observer.aside(&mut write),
            None => write(),
        }
    }
}

/// A failed attempt and what the call loop may do about it.
struct Failure {
    error: RpcError,
    retryable: bool,
    /// `Retry-After` read as a server number (absent when missing or an HTTP date).
    retry_after: Reading,
}

impl Failure {
    fn fatal(error: RpcError) -> Self {
        Failure::new(error, false, "")
    }

    fn new(error: RpcError, retryable: bool, retry_after: &str) -> Self {
        Failure { error, retryable, retry_after: server_number_from_text(retry_after) }
    }
}

/// Notes on the last error that retries were spent on it.
fn after_retries(error: RpcError, retries: u32) -> RpcError {
    if retries == 0 {
        return error;
    }
    with_note(error, &format!("after {retries} {}", if retries == 1 { "retry" } else { "retries" }))
}

/// A used-up point window and the seconds until it resets, when known.
#[derive(Debug, Clone)]
struct Spent {
    window: WindowType,
    reset: Option<u64>,
}

/// The windows of `limits` with no points left.
fn spent_windows(limits: &Limits) -> Vec<Spent> {
    limits.spent().map(|(window, budget)| Spent { window: window.clone(), reset: budget.reset }).collect()
}

/// Why the wait-or-fail rule did not wait.
enum Stop {
    Cancelled,
    /// The wait does not fit in `--max-wait`, or cannot be known; `note` says when the window
    /// resets, if anyone knows.
    Beyond {
        window: Option<WindowType>,
        note: String,
    },
}

/// A `limit_exceeded` that is not waited for, saying why (exit 6).
fn with_quota_note(error: RpcError, note: String) -> RpcError {
    match error {
        RpcError::Api(mut api) => {
            api.quota_note = Some(note);
            RpcError::Api(api)
        }
        other => other,
    }
}

/// The exit-6 error of a window the last answer left without points, raised before asking: it is
/// the `limit_exceeded` the request would have earned, so it is told and classified as one.
fn spent_before_asking(window: Option<WindowType>, note: String) -> RpcError {
    let name = window.as_ref().map_or("a point", WindowType::as_str);
    RpcError::Api(Box::new(ApiError {
        code: -32029,
        message: format!("the last answer left no points in the {name} window"),
        mnemonic: Some("limit_exceeded".to_owned()),
        field: None,
        value: None,
        limit_type: window.map(|w| w.as_str().to_owned()),
        metadata: None,
        quota_note: Some(note),
    }))
}

/// `error` with ` (note)` at the end of its message.
fn with_note(error: RpcError, note: &str) -> RpcError {
    let note = format!(" ({note})");
    match error {
        RpcError::Transport(message) => RpcError::Transport(message + &note),
        RpcError::Http { status, content_type, excerpt } => {
            RpcError::Http { status, content_type, excerpt: (excerpt + &note).trim_start().to_owned() }
        }
        RpcError::Api(mut api) => {
            api.message.push_str(&note);
            RpcError::Api(api)
        }
        other => other,
    }
}

fn scale(unit: Duration, count: u64) -> Duration {
    unit.saturating_mul(u32::try_from(count).unwrap_or(u32::MAX))
}

fn format_secs(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

fn format_millis(d: Duration) -> String {
    if d < Duration::from_secs(1) { format!("{} ms", d.as_millis()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

/// A body buffer larger than this is not kept for the next call.
const KEPT_BUFFER: usize = 64 * 1024 * 1024;

/// Reads the whole body into `bytes` (cleared first) through ureq's limit.
fn read_capped(body: &mut ureq::Body, max: u64, declared: Option<u64>, bytes: &mut Vec<u8>) -> io::Result<()> {
    fill(body.with_config().limit(max).reader(), max, declared, bytes)
}

/// Room reserved before the first byte: a declared length is only a claim (a server can declare
/// 256 MiB and send nothing), so at most this much is trusted up front.
const FIRST_RESERVE: usize = 1024 * 1024;

/// Reads `reader` to its end into `bytes` (cleared first), reserving at most [`FIRST_RESERVE`]
/// before bytes arrive and then growing with what arrived, never beyond `max`.
fn fill(mut reader: impl Read, max: u64, declared: Option<u64>, bytes: &mut Vec<u8>) -> io::Result<()> {
    const CHUNK: usize = 64 * 1024;
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    bytes.clear();
    bytes.reserve(declared.map_or(CHUNK, |n| usize::try_from(n).unwrap_or(cap)).min(cap).min(FIRST_RESERVE));
    let mut chunk = vec![0; CHUNK];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.capacity() - bytes.len() < n {
            // Double what arrived, but toward the declared length no further than it says.
            let doubled = bytes.len().saturating_mul(2).max(bytes.len() + n);
            let wanted = match declared.and_then(|d| usize::try_from(d).ok()) {
                Some(d) if d >= bytes.len() + n => doubled.min(d),
                _ => doubled,
            };
            let wanted = wanted.min(cap.max(bytes.len() + n));
            bytes.reserve_exact(wanted - bytes.len());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

// ---------------------------------------------------------------------------------------------
// The request envelope

#[derive(Serialize)]
struct Request<'a, P> {
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
    fn new(id: u64, method: &'a str, access_token: Option<&'a str>, params: &'a P) -> Self {
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
fn interpret<T: Payload>(status: u16, content_type: &str, body: &[u8], id: u64) -> Result<Reply<T>, RpcError> {
    match (check_envelope::<T>(body, id), (200..300).contains(&status)) {
        (Err(Checked::Api(api)), _) => Err(RpcError::Api(api)),
        (Ok(reply), true) => Ok(reply),
        (Err(Checked::Malformed(reason)), true) => Err(RpcError::Malformed {
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

enum Checked {
    Api(Box<ApiError>),
    Malformed(String),
}

fn check_envelope<T: Payload>(body: &[u8], id: u64) -> Result<Reply<T>, Checked> {
    let envelope = match parse_object::<Envelope<T>>(body) {
        Ok(envelope) => envelope,
        Err(e) => return Err(Checked::Malformed(explain(body, id, &e))),
    };
    let jsonrpc = envelope.jsonrpc.map(Value::String);
    check_shape(jsonrpc.as_ref(), envelope.id.as_ref(), envelope.result.is_some(), envelope.error.is_some(), id)
        .map_err(Checked::Malformed)?;
    match (envelope.result, envelope.error) {
        (Some(result), None) if result.metadata.odd_total => {
            Err(Checked::Malformed("metadata.total_items is not a whole number from 0 to 2^53".to_owned()))
        }
        (Some(result), None) => Ok(Reply { data: result.data, metadata: result.metadata }),
        (None, Some(error)) => Err(Checked::Api(Box::new(api_error(error)))),
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

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The first 200 bytes of a body: secrets hidden in the whole body first, then cut on a character
/// boundary (with `…`), so that no prefix of a secret survives at the edge.
fn excerpt(body: &[u8]) -> String {
    const EXCERPT: usize = 200;
    redact::excerpt(&String::from_utf8_lossy(body), EXCERPT)
}

// ---------------------------------------------------------------------------------------------
// The -v / -vv log

/// `get.sales_funnel offset=0 limit=10000`.
fn request_summary<P: Serialize>(method: &str, params: &P) -> String {
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
fn verbose_line<T: Payload>(
    summary: &str,
    status: Option<u16>,
    elapsed: Duration,
    outcome: &Result<Reply<T>, Failure>,
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
        Err(failure) => {
            let what = match &failure.error {
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
fn redacted_body(body: &[u8]) -> String {
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
