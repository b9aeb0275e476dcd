//! One HTTP exchange with the endpoint over a reused ureq `Agent` (keep-alive, no redirects, the
//! proxy `config` chose and no other): the request is posted, the answer's body is read whole under
//! the size cap, and a failure to get it is told as one line naming the endpoint (SPEC §7).
//!
//! What the status and body mean is not decided here: `envelope` reads the body, and the call loop
//! decides what is worth a retry. The one exception is what cannot be read at all — a redirect, a
//! body over the cap, a broken compression, a network error — which ends the attempt here.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::ClientOptions;
use super::error::{FailedAttempt, RpcError};
use crate::redact;

const CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A body buffer larger than this is not kept for the next call.
const KEPT_BUFFER: usize = 64 * 1024 * 1024;

/// At most this many idle body buffers are kept (one per `--parallel` worker at most).
const KEPT_BUFFERS: usize = 8;

/// The agent and what an exchange needs to know of the client's options.
pub(super) struct Transport {
    agent: ureq::Agent,
    endpoint: String,
    /// Whole-request limit, connect to last byte.
    timeout: Duration,
    connect_timeout: Duration,
    max_body: u64,
    /// Idle response body buffers, shared with every fork: a buffer freed by one page is the next
    /// page's, whichever worker fetches it, so a run touches (and faults in) as few fresh pages of
    /// memory as its concurrency needs.
    buffers: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// An answer read whole.
pub(super) struct Answer {
    pub(super) status: u16,
    /// Scrubbed of the token, trimmed.
    pub(super) content_type: String,
    /// The `Retry-After` header as sent (empty when missing).
    pub(super) retry_after: String,
    /// The body after decompression; hand it back with [`Transport::recycle`].
    pub(super) body: Vec<u8>,
}

impl Transport {
    pub(super) fn new(options: &ClientOptions) -> Self {
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
        Transport {
            agent: config.into(),
            endpoint: options.endpoint.clone(),
            timeout: options.timeout,
            connect_timeout: options.connect_timeout,
            max_body: options.max_body,
            buffers: Arc::default(),
        }
    }

    /// The same connection pool and body buffers.
    pub(super) fn fork(&self) -> Self {
        Transport {
            agent: self.agent.clone(),
            endpoint: self.endpoint.clone(),
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_body: self.max_body,
            buffers: Arc::clone(&self.buffers),
        }
    }

    /// Posts `request` and reads at most `max_body` bytes of the answer; the status, when one came.
    pub(super) fn exchange(&mut self, request: &[u8]) -> (Option<u16>, Result<Answer, FailedAttempt>) {
        let sent = self.agent.post(&self.endpoint).header("Content-Type", CONTENT_TYPE).send(request);
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return (None, Err(self.transport_failure(&e))),
        };
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
        let content_type = redact::scrub(&header("content-type").unwrap_or_default());
        let retry_after = header("retry-after").unwrap_or_default();
        if (300..400).contains(&status) {
            let location = redact::scrub(&header("location").unwrap_or_default());
            return (Some(status), Err(FailedAttempt::fatal(RpcError::Redirect { status, location })));
        }
        // ureq strips Content-Encoding and Content-Length when it decompresses, so a length left
        // beside no encoding is the real body size: refuse it before reading a byte.
        let declared = if headers.contains_key("content-encoding") {
            None
        } else {
            header("content-length").and_then(|v| v.parse::<u64>().ok())
        };
        let max = self.max_body;
        if declared.is_some_and(|n| n > max) {
            return (Some(status), Err(FailedAttempt::fatal(RpcError::TooLarge { limit: max })));
        }
        // Body buffers reused page after page: steady memory for long exports.
        let mut body = self.buffers.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        match read_capped(response.body_mut(), max, declared, &mut body) {
            Ok(()) => (Some(status), Ok(Answer { status, content_type, retry_after, body })),
            Err(e) => {
                self.recycle(body);
                (Some(status), Err(self.read_failure(e, status, content_type)))
            }
        }
    }

    /// Takes back an answer's body buffer for the next exchange, unless it grew too large to keep.
    pub(super) fn recycle(&mut self, body: Vec<u8>) {
        if body.capacity() <= KEPT_BUFFER {
            let mut buffers = self.buffers.lock().unwrap_or_else(PoisonError::into_inner);
            if buffers.len() < KEPT_BUFFERS {
                buffers.push(body);
            }
        }
    }

    /// A body that could not be read whole: over the cap, badly compressed, or cut off.
    fn read_failure(&self, err: io::Error, status: u16, content_type: String) -> FailedAttempt {
        match ureq::Error::from(err) {
            ureq::Error::BodyExceedsLimit(_) => FailedAttempt::fatal(RpcError::TooLarge { limit: self.max_body }),
            ureq::Error::Decompress(..) => FailedAttempt::fatal(RpcError::Malformed {
                reason: "the compressed body could not be decoded".to_owned(),
                status,
                content_type,
                excerpt: String::new(),
            }),
            other => self.transport_failure(&other),
        }
    }

    fn transport_failure(&self, err: &ureq::Error) -> FailedAttempt {
        let endpoint = &self.endpoint;
        let (message, retryable) = match err {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                let limit = self.connect_timeout.min(self.timeout);
                (format!("could not connect to the API at {endpoint}: timed out after {}", format_secs(limit)), true)
            }
            ureq::Error::Timeout(_) => {
                (format!("the request to the API at {endpoint} timed out after {}", format_secs(self.timeout)), true)
            }
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
        FailedAttempt::new(RpcError::Transport(redact::scrub(&message)), retryable, "")
    }
}

/// A limit as a failure names it: `1 s`, `2.5 s`.
fn format_secs(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

/// Reads the whole body into `bytes` (cleared first) through ureq's limit.
fn read_capped(body: &mut ureq::Body, max: u64, declared: Option<u64>, bytes: &mut Vec<u8>) -> io::Result<()> {
    fill(body.with_config().limit(max).reader(), max, declared, bytes)
}

/// Room reserved before the first byte: a declared length is only a claim (a server can declare
/// 256 MiB and send nothing), so at most this much is trusted up front.
pub(super) const FIRST_RESERVE: usize = 1024 * 1024;

/// Reads `reader` to its end into `bytes` (cleared first), reserving at most [`FIRST_RESERVE`]
/// before bytes arrive and then growing with what arrived, never beyond `max`. The bytes land in
/// `bytes` directly (no copy through a bounce buffer): std's `read_to_end` fills the room reserved
/// here and, through `take`, never grows it; growing is decided only here, after a probe read shows
/// that more bytes came.
pub(super) fn fill(mut reader: impl Read, max: u64, declared: Option<u64>, bytes: &mut Vec<u8>) -> io::Result<()> {
    const PROBE: usize = 16 * 1024;
    let cap = usize::try_from(max).unwrap_or(usize::MAX);
    let declared = declared.and_then(|d| usize::try_from(d).ok());
    bytes.clear();
    bytes.reserve(declared.unwrap_or(PROBE).min(cap).min(FIRST_RESERVE));
    loop {
        let room = bytes.capacity() - bytes.len();
        if room > 0 {
            let n = reader.by_ref().take(room as u64).read_to_end(bytes)?;
            if n < room {
                return Ok(());
            }
        }
        // The room is full: does more come?
        let mut probe = [0; PROBE];
        let n = match reader.read(&mut probe) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // Double what arrived, but toward the declared length no further than it says.
        let doubled = bytes.len().saturating_mul(2).max(bytes.len() + n);
        let wanted = match declared {
            Some(d) if d >= bytes.len() + n => doubled.min(d),
            _ => doubled,
        };
        let wanted = wanted.min(cap.max(bytes.len() + n));
        bytes.reserve_exact(wanted - bytes.len());
        bytes.extend_from_slice(&probe[..n]);
    }
}
