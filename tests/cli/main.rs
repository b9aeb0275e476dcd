//! End-to-end tests through the real binary: hermetic commands against mockito servers and the
//! bundled sandbox on loopback, asserting what a user sees (exit code, stdout bytes, stderr) and what
//! the server received.

mod agents;
mod all_users_requests;
mod common;
mod diff;
mod ended_sessions;
mod errors;
mod first_use;
mod help_and_completion;
mod hostile_server;
mod hostile_text;
mod integrity;
mod list;
mod local_files;
mod network;
mod options;
#[cfg(unix)]
mod out_targets;
mod parallel;
mod platform_filters;
mod proxies;
#[cfg(unix)]
mod quick_start;
mod quota_windows;
mod readme;
mod sandbox;
mod sandbox_fidelity;
mod session;
#[cfg(unix)]
mod signals;
#[cfg(unix)]
mod terminal;
mod vendor_response;
