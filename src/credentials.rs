//! Where the access token comes from, in the precedence of SPEC §2, and the session store of
//! `funnels login` / `logout` (SPEC §4).
//!
//! A token is trimmed, must be non-empty and free of control characters, and is registered with
//! `redact` the moment it is read so that no later output can show it. No prompt is ever shown here
//! when stdin is not a terminal.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::cli::Platform;
use crate::exit::{self, Exit, Failure};
use crate::redact;

/// Set once a stored session's key is in use, so that a rejected key can be explained.
static SESSION_IN_USE: AtomicBool = AtomicBool::new(false);

/// Whether the token in use came from `funnels login`.
pub fn session_in_use() -> bool {
    SESSION_IN_USE.load(Ordering::Relaxed)
}

/// Every place a token may come from, as settled by `config`.
#[derive(Debug, Clone)]
pub struct TokenInputs {
    /// `--token-stdin`.
    pub stdin: bool,
    /// Standard input is a terminal (then `--token-stdin` asks without echo).
    pub stdin_tty: bool,
    /// `--token-file`.
    pub file_flag: Option<PathBuf>,
    /// `FUNNELS_TOKEN` (set, even if empty).
    pub env_token: Option<String>,
    /// `FUNNELS_TOKEN_FILE`.
    pub env_file: Option<PathBuf>,
    /// The profile's `token`, with the config file it is in.
    pub profile_token: Option<(String, PathBuf)>,
    /// The profile's `token_file` (`~` expanded).
    pub profile_file: Option<PathBuf>,
    /// `$XDG_STATE_HOME/funnels` (where sessions live), when a home is known.
    pub session_dir: Option<PathBuf>,
    pub platform: Platform,
    pub endpoint: String,
    pub profile: String,
}

/// A usable token and a description of its source that is safe to print.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: String,
    pub source: String,
}

/// A stored `funnels login` session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub platform: Platform,
    pub endpoint: String,
    pub access_token: String,
    pub expire_at: Option<i64>,
}

impl TokenInputs {
    /// The session file of the profile in force.
    pub fn session_path(&self) -> Option<PathBuf> {
        self.session_dir.as_ref().map(|d| d.join(format!("{}.json", self.profile)))
    }
}

/// Picks the token by precedence: `--token-stdin` > `--token-file` > `FUNNELS_TOKEN` >
/// `FUNNELS_TOKEN_FILE` > profile `token` / `token_file` > stored session.
pub fn resolve(inputs: &TokenInputs, stdin: &mut dyn BufRead, quiet: bool) -> anyhow::Result<Token> {
    let token = if inputs.stdin {
        let raw = if inputs.stdin_tty {
            crate::signals::prompt_hidden("access token: ")
                .map_err(|e| exit::config(format!("could not read the token from the terminal: {e}")))?
        } else {
            let mut line = String::new();
            stdin
                .read_line(&mut line)
                .map_err(|e| exit::config(format!("could not read the token from standard input: {e}")))?;
            line
        };
        checked(&raw, "standard input")?
    } else if let Some(path) = &inputs.file_flag {
        from_file(path, quiet)?
    } else if let Some(value) = &inputs.env_token {
        checked(value, "FUNNELS_TOKEN")?
    } else if let Some(path) = &inputs.env_file {
        from_file(path, quiet)?
    } else if let Some((value, config)) = &inputs.profile_token {
        checked(value, &format!("profile `{}` in {}", inputs.profile, config.display()))?
    } else if let Some(path) = &inputs.profile_file {
        from_file(path, quiet)?
    } else if let Some(token) = from_session(inputs)? {
        token
    } else {
        return Err(Failure::new(
            Exit::Config,
            "no access token: set FUNNELS_TOKEN or pass --token-file PATH (or --token-stdin)",
        )
        .hint("a profile's token or token_file in the config file, or funnels login, work too")
        .into());
    };
    Ok(token)
}

/// Trims and checks a token, and registers it as a secret.
fn checked(raw: &str, source: &str) -> anyhow::Result<Token> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(exit::config(format!("the access token from {source} is empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(exit::config(format!("the access token from {source} contains control characters")));
    }
    redact::register(value);
    Ok(Token { value: value.to_owned(), source: source.to_owned() })
}

fn from_file(path: &Path, quiet: bool) -> anyhow::Result<Token> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| exit::config(format!("could not read token file {}: {e}", path.display())))?;
    if !quiet {
        warn_if_shared(path);
    }
    checked(&text, &path.display().to_string())
}

/// Warns on stderr when a file holding a secret is readable by group or others.
pub fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o044 != 0 {
                let shown = redact::for_terminal(&path.display().to_string());
                let _ = writeln!(
                    std::io::stderr(),
                    "funnels: warning: {shown} holds a token and is readable by others; run chmod 600 {shown}"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The stored session, when there is one for this profile.
fn from_session(inputs: &TokenInputs) -> anyhow::Result<Option<Token>> {
    let Some(path) = inputs.session_path() else { return Ok(None) };
    let Some(session) = read_session(&path)? else { return Ok(None) };
    redact::register(&session.access_token);
    if session.platform != inputs.platform || session.endpoint != inputs.endpoint {
        return Err(Failure::new(
            Exit::Config,
            format!(
                "the stored session of profile `{}` was made for {}, not {}",
                inputs.profile, session.endpoint, inputs.endpoint
            ),
        )
        .hint("run funnels login for this platform and endpoint, or pick the profile it was made for")
        .into());
    }
    if session.expire_at.is_some_and(|t| t <= now()) {
        return Err(Failure::new(Exit::Auth, "the stored session has expired").hint("run funnels login").into());
    }
    let token = checked(&session.access_token, &format!("the session in {}", path.display()))?;
    SESSION_IN_USE.store(true, Ordering::Relaxed);
    Ok(Some(token))
}

/// Reads a session file; `None` when there is none.
pub fn read_session(path: &Path) -> anyhow::Result<Option<StoredSession>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| exit::config(format!("bad session file {}: {e}; run funnels login", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(exit::config(format!("could not read session file {}: {e}", path.display()))),
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> TokenInputs {
        TokenInputs {
            stdin: false,
            stdin_tty: false,
            file_flag: None,
            env_token: None,
            env_file: None,
            profile_token: None,
            profile_file: None,
            session_dir: None,
            platform: Platform::Comagic,
            endpoint: "https://dataapi.comagic.ru/v2.0".into(),
            profile: "default".into(),
        }
    }

    #[test]
    fn precedence_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t");
        std::fs::write(&file, "  from-file\n").unwrap();
        let mut i = inputs();
        i.env_token = Some("from-env".into());
        i.env_file = Some(file.clone());
        let mut empty = std::io::empty();
        assert_eq!(resolve(&i, &mut empty, true).unwrap().value, "from-env");
        i.file_flag = Some(file.clone());
        assert_eq!(resolve(&i, &mut empty, true).unwrap().value, "from-file");
        i.stdin = true;
        let mut line = std::io::Cursor::new("from-stdin\nrest\n");
        assert_eq!(resolve(&i, &mut line, true).unwrap().value, "from-stdin");

        let mut bad = inputs();
        bad.env_token = Some(" \n".into());
        let err = resolve(&bad, &mut empty, true).unwrap_err();
        assert_eq!(exit::classify(&err).exit, Exit::Config);
        bad.env_token = Some("ab\x1bc".into());
        assert!(resolve(&bad, &mut empty, true).is_err());
        let none = resolve(&inputs(), &mut empty, true).unwrap_err().to_string();
        assert!(none.contains("FUNNELS_TOKEN") && none.contains("--token-file"), "{none}");
    }
}
