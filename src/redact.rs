//! Secrets that must never reach any output, and the last filter every message to a terminal passes.
//!
//! The token is registered here as soon as it is read; from then on any text shown to the user — an
//! error that echoes the key back, a `-vv` body — has it replaced by `***`, and control characters from
//! the server are made visible so that no escape sequence reaches the terminal.

use std::sync::{Mutex, PoisonError};

use crate::output::sanitize;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers a secret so that [`scrub`] hides it. Empty strings are ignored.
pub fn register(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_owned());
    }
}

/// Replaces every registered secret in `text` by `***`.
pub fn scrub(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = text.to_owned();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// Secrets hidden and control characters made visible: safe for stderr and a terminal.
pub fn for_terminal(text: &str) -> String {
    sanitize::visible(&scrub(text)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_registered_secret_and_escapes() {
        register("canary-secret-42");
        let shown = for_terminal("key canary-secret-42 rejected\x1b]0;x\x07");
        assert!(!shown.contains("canary-secret-42"));
        assert!(!shown.contains('\x1b'));
        assert!(shown.starts_with("key *** rejected"));
    }
}
