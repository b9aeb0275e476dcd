//! The exit codes of SPEC §8 as one enum, and the one place that decides which error gets which.
//!
//! Errors travel as `anyhow::Error`. Local failures are raised as [`Failure`] with their class; API and
//! transport failures travel as `rpc::RpcError` and are classified here by JSON-RPC code and mnemonic,
//! so no other module decides an exit code.

use std::fmt;
use std::io;

use crate::rpc::{ApiError, RpcError};

/// Process exit codes (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Internal = 1,
    Usage = 2,
    Config = 3,
    Auth = 4,
    Denied = 5,
    Quota = 6,
    Network = 7,
    Rejected = 8,
    Incomplete = 9,
    NotFound = 10,
    /// SIGHUP.
    Hangup = 129,
    /// SIGINT.
    Interrupted = 130,
    /// SIGTERM.
    Terminated = 143,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A failure whose class is known where it happens (usage, configuration, not found, …).
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure { exit, message: message.into(), hint: None }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// A usage error (exit 2), found before any request.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure::new(Exit::Usage, message).into()
}

/// A local configuration or credentials error (exit 3).
pub fn config(message: impl Into<String>) -> anyhow::Error {
    Failure::new(Exit::Config, message).into()
}

/// What `main` needs to end the process: the code and an optional hint line.
pub struct Verdict {
    pub exit: Exit,
    pub hint: Option<String>,
    /// The reader closed the pipe: exit quietly with success.
    pub broken_pipe: bool,
}

/// Walks the error chain and picks the exit code of the first error whose class is known.
pub fn classify(err: &anyhow::Error) -> Verdict {
    // A `Failure` given as context is found only through anyhow's own downcast.
    if let Some(f) = err.downcast_ref::<Failure>() {
        return Verdict { exit: f.exit, hint: f.hint.clone(), broken_pipe: false };
    }
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return Verdict { exit: f.exit, hint: f.hint.clone(), broken_pipe: false };
        }
        if let Some(e) = cause.downcast_ref::<RpcError>() {
            return rpc_verdict(e);
        }
        if let Some(e) = cause.downcast_ref::<io::Error>() {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Verdict { exit: Exit::Success, hint: None, broken_pipe: true };
            }
        }
    }
    Verdict { exit: Exit::Internal, hint: None, broken_pipe: false }
}

fn rpc_verdict(err: &RpcError) -> Verdict {
    let (exit, hint) = match err {
        RpcError::Api(api) => api_class(api),
        _ => (Exit::Network, None),
    };
    Verdict { exit, hint, broken_pipe: false }
}

/// API.md §5: the code names the group, the mnemonic refines the hint.
fn api_class(api: &ApiError) -> (Exit, Option<String>) {
    let mnemonic = api.mnemonic.as_deref().unwrap_or("");
    let exit = match api.code {
        -32001 => Exit::Auth,
        -32003 | -32008 | -32009 => Exit::Denied,
        -32029 => Exit::Quota,
        -32603 => Exit::Network,
        _ => Exit::Rejected,
    };
    let hint = match (api.code, mnemonic) {
        (_, "ip_not_whitelisted") => Some(
            "add this machine's IP to the account's API whitelist: Administrator (Account) → security rules → API"
                .to_owned(),
        ),
        (_, "method_component_disabled" | "parameter_component_disabled") => {
            Some("the account needs the `sales_funnel` component enabled; ask its administrator".to_owned())
        }
        (_, "access_token_expired") => Some("make a new key in the web UI, or run funnels login".to_owned()),
        (_, "access_token_invalid" | "access_token_blocked") => {
            Some("check the key and the platform (keys of one platform are not valid on another)".to_owned())
        }
        (-32602, _) if api.field.as_deref() == Some("user_id") => {
            Some("agent accounts must pass --user-id; list them with funnels users".to_owned())
        }
        _ => None,
    };
    (exit, hint)
}
