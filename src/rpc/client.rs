//! The [`Client`] and its call loop (SPEC §7): a call is a loop over attempts, each one HTTP
//! exchange with a fresh JSON-RPC id; after each the loop returns, retries with backoff (or after
//! `Retry-After`), or waits for a used-up point window — within `--retries` and one `--max-wait`
//! budget shared by the run's workers, and never once the run is cancelled.
//!
//! It composes the other files: `envelope` builds the request and reads the answer, `transport`
//! carries it, `log` words the `-v`/`-vv` lines, `error` holds what went wrong. What this file owns
//! is the policy: which failures are transient, how long to wait, when to give up, and what the
//! error then says. An [`Observer`] (the progress line) is told of quota waits.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::ClientOptions;
use super::cancel::Cancel;
use super::envelope::{Payload, Reply, Request, interpret};
use super::error::{ApiError, FailedAttempt, RpcError, format_reset};
use super::gate::{Admit, Gate, Spent};
use super::log::{format_millis, redacted_body, request_summary, verbose_line};
use super::transport::{Answer, Transport};
use crate::model::{Limits, Metadata, Reading, WindowType};
use crate::redact;

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

/// One connection (keep-alive) to the endpoint, with the token held here and nowhere else.
pub struct Client {
    transport: Transport,
    /// Visible to the tests, which change `max_wait` between calls.
    pub(super) options: ClientOptions,
    token: Option<String>,
    /// Where notices and `-v` lines go (stderr unless a test captures them).
    log: Box<dyn Write + Send>,
    last_id: u64,
    /// HTTP requests sent by this client and its forks.
    sent: Arc<AtomicU64>,
    /// Every window any answer named, each as the latest answer naming it left it.
    last_limits: Limits,
    /// The windows the last reply left without points: waited for (or the run stopped) before the
    /// next request.
    spent_due: Vec<Spent>,
    /// Seconds this client and its forks spent waiting for windows to reset, against `max_wait`
    /// (SPEC §7: one budget for the whole run, shared by all workers).
    quota_waited: Arc<Mutex<QuotaClock>>,
    /// Checked before every attempt and during every sleep; a fork shares its run's.
    cancel: Cancel,
    deprecation_warned: bool,
    /// Told of quota waits; a fork shares its run's.
    observer: Option<Arc<dyn Observer>>,
    /// Admits this client's and its forks' attempts (`--parallel`, SPEC §7); a fork shares its run's.
    gate: Arc<Gate>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("endpoint", &self.options.endpoint).finish_non_exhaustive()
    }
}

impl Client {
    /// `token` is `None` only for `login.user`.
    pub fn new(options: ClientOptions, token: Option<String>) -> Client {
        if let Some(token) = &token {
            redact::register(token);
        }
        Client {
            transport: Transport::new(&options),
            options,
            token,
            log: Box::new(io::stderr()),
            last_id: 0,
            sent: Arc::new(AtomicU64::new(0)),
            last_limits: Limits::default(),
            spent_due: Vec::new(),
            quota_waited: Arc::default(),
            cancel: Cancel::default(),
            deprecation_warned: false,
            observer: None,
            gate: Arc::new(Gate::default()),
        }
    }

    /// Another client on the same connection pool, for concurrent page fetches: the same options,
    /// token and quota-wait budget, its own ids, notices to stderr, and `cancel` to stop it.
    #[must_use]
    pub fn fork(&self, cancel: &Cancel) -> Client {
        Client {
            transport: self.transport.fork(),
            options: self.options.clone(),
            token: self.token.clone(),
            log: Box::new(io::stderr()),
            last_id: 0,
            sent: Arc::clone(&self.sent),
            last_limits: self.last_limits.clone(),
            spent_due: Vec::new(),
            quota_waited: Arc::clone(&self.quota_waited),
            cancel: cancel.clone(),
            deprecation_warned: true,
            observer: self.observer.clone(),
            gate: Arc::clone(&self.gate),
        }
    }

    /// Lets up to `n` attempts of this client and its forks be in flight at once, while the minute
    /// budget covers them (`--parallel`); 1 until told otherwise.
    pub fn set_parallel(&self, n: usize) {
        self.gate.set_limit(n);
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
            match self.gate.enter(&self.cancel) {
                Admit::Go => {}
                Admit::Cancelled => return Err(RpcError::Cancelled),
                Admit::Spent(spent) => {
                    // Another worker's answer left no points: the same rule as for this client's
                    // own last answer, before asking.
                    match self.wait_for_windows(&spent) {
                        Ok(()) => continue,
                        Err(Stop::Cancelled) => return Err(RpcError::Cancelled),
                        Err(Stop::Beyond { window, note }) => return Err(spent_before_asking(window, note)),
                    }
                }
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
                    match self.wait_for_windows(&spent_in(api)) {
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

    /// Takes a wait of `seconds` (lasting `lasts` here) from the run's quota-wait budget when it
    /// fits in `max_wait`, under one lock so that workers waiting at once cannot overdraw it
    /// together. The budget is wall-clock time (SPEC §7): the part of the wait that overlaps a
    /// wait another worker already counted is not counted again.
    fn reserve_quota_wait(&self, seconds: u64, lasts: Duration) -> bool {
        let max = self.options.max_wait.as_secs();
        let mut clock = self.quota_waited.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let overlap = match clock.until {
            Some(until) if until > now && !lasts.is_zero() => {
                let part = (until - now).min(lasts).as_secs_f64() / lasts.as_secs_f64();
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
                let covered = (part * seconds as f64).floor() as u64;
                covered.min(seconds)
            }
            _ => 0,
        };
        let Some(total) = clock.waited.checked_add(seconds - overlap).filter(|&total| total <= max) else {
            return false;
        };
        clock.waited = total;
        if let Some(end) = now.checked_add(lasts) {
            clock.until = Some(clock.until.map_or(end, |until| until.max(end)));
        }
        true
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
        let lasts = scale(self.options.wait_unit, seconds);
        if !self.reserve_quota_wait(seconds, lasts) {
            let resets = window.reset.map_or_else(|| "about 1m".to_owned(), format_reset);
            let max = self.options.max_wait.as_secs();
            let waited = self.quota_waited.lock().unwrap_or_else(PoisonError::into_inner).waited;
            let note = match waited {
                0 => format!("resets in {resets}, beyond --max-wait {max} s"),
                waited => format!("resets in {resets}, beyond --max-wait {max} s ({waited} s waited already)"),
            };
            return Err(Stop::Beyond { window: Some(window.window.clone()), note });
        }
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

    /// One HTTP exchange with a fresh id, logged at `-v`/`-vv`; the gate admitted it, and it leaves
    /// the gate with what its answer told of the minute.
    fn attempt<P: Serialize, T: Payload>(
        &mut self,
        method: &str,
        params: &P,
        summary: &str,
    ) -> Result<Reply<T>, FailedAttempt> {
        self.last_id += 1;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let id = self.last_id;
        let body = serde_json::to_vec(&Request::new(id, method, self.token.as_deref(), params)).map_err(|e| {
            self.gate.leave(None, &[]);
            FailedAttempt::fatal(RpcError::Transport(format!("could not encode the request for {method}: {e}")))
        })?;
        if self.options.verbose > 1 {
            self.log_line(&format!("request: {}", redacted_body(&body)));
        }
        let started = Instant::now();
        let (status, outcome) = match self.transport.exchange(&body) {
            (status, Ok(answer)) => {
                let outcome = self.classify_response::<T>(&answer, id);
                self.transport.recycle(answer.body);
                (status, outcome)
            }
            (status, Err(failure)) => (status, Err(failure)),
        };
        let elapsed = started.elapsed();
        let limits = match &outcome {
            Ok(reply) => Some(&reply.metadata.limits),
            Err(FailedAttempt { error: RpcError::Api(api), .. }) => api.limits(),
            Err(_) => None,
        };
        let spent = limits.map(spent_windows).unwrap_or_default();
        self.gate.leave(limits.and_then(|limits| self.minute_told(limits)), &spent);
        if let Some(limits) = limits {
            self.last_limits.update(limits);
        }
        if self.options.verbose > 0 {
            let line =
                verbose_line(summary, status, elapsed, outcome.as_ref().map_err(|f| &f.error), &self.last_limits);
            self.log_line(&line);
        }
        outcome
    }

    /// The points an answer's `limits` leave for this minute and how long the minute lasts here
    /// (its reset, else a whole minute), for the [`Gate`].
    fn minute_told(&self, limits: &Limits) -> Option<(u64, u64, Duration)> {
        let remaining = limits.minute_budget()?;
        let reset = limits.get(&WindowType::Minute).and_then(|w| w.reset).unwrap_or(60);
        Some((remaining, reset, scale(self.options.wait_unit, reset)))
    }

    /// A body read whole → a reply, or a failure marked retryable when it is transient: a gateway
    /// or rate status, or the API's internal error.
    fn classify_response<T: Payload>(&mut self, answer: &Answer, id: u64) -> Result<Reply<T>, FailedAttempt> {
        if self.options.verbose > 1 {
            self.log_line(&format!("response: {}", redacted_body(&answer.body)));
        }
        interpret::<T>(answer.status, &answer.content_type, &answer.body, id).map_err(|error| {
            let retryable = match &error {
                RpcError::Http { status, .. } => {
                    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
                }
                RpcError::Api(api) => api.code == -32603,
                _ => false,
            };
            FailedAttempt::new(error, retryable, &answer.retry_after)
        })
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

/// Notes on the last error that retries were spent on it.
fn after_retries(error: RpcError, retries: u32) -> RpcError {
    if retries == 0 {
        return error;
    }
    with_note(error, &format!("after {retries} {}", if retries == 1 { "retry" } else { "retries" }))
}

/// The windows of `limits` with no points left.
fn spent_windows(limits: &Limits) -> Vec<Spent> {
    limits.spent().map(|(window, budget)| Spent { window: window.clone(), reset: budget.reset }).collect()
}

/// The windows a `-32029` says are used up, each with the reset its own metadata gives: the one
/// `limit_type` names, else (no readable `limit_type`) those whose remaining is 0 (SPEC §7).
fn spent_in(api: &ApiError) -> Vec<Spent> {
    let reset = |window: &WindowType| api.limits().and_then(|l| l.get(window)).and_then(|w| w.reset);
    if let Some(window) = api.limit_type.as_deref().and_then(WindowType::parse) {
        return vec![Spent { reset: reset(&window), window }];
    }
    api.limits().map(spent_windows).unwrap_or_default()
}

/// The run's quota waits as wall-clock time, shared by a client and its forks.
#[derive(Debug, Default)]
struct QuotaClock {
    /// Server seconds counted against `max_wait` so far.
    waited: u64,
    /// When the latest wait counted ends.
    until: Option<Instant>,
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
