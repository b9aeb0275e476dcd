//! Where the access token comes from, in the precedence of SPEC §2, and the session store of
//! `funnels login` / `logout` (SPEC §4).
//!
//! A token is trimmed (a leading UTF-8 BOM dropped), must be non-empty and free of control
//! characters, and is registered with `redact` the moment it is read so that no later output can show
//! it. Files and standard input go through the bounded reader of `files`. No prompt is ever shown here
//! when stdin is not a terminal.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::cli::Platform;
use crate::exit::{self, Exit, Failure};
use crate::files::{self, FileError};
use crate::redact;

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
    /// How long a pipe (`--token-file <(…)`, `--token-stdin`) may stay silent.
    pub pipe_wait: Duration,
}

/// A usable token and where it came from.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: String,
    pub source: TokenSource,
}

/// Where a token came from. Its `Display` is safe to print (a path or a variable's name, never the
/// key); `check` reports it, and a key refused by the API is explained by it (a session ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `--token-stdin`: a pipe or the terminal.
    Stdin,
    /// `--token-file`, `FUNNELS_TOKEN_FILE` or the profile's `token_file`.
    File(PathBuf),
    /// `FUNNELS_TOKEN`.
    Env,
    /// The profile's `token`, in this config file.
    Profile { name: String, config: PathBuf },
    /// The session file of `funnels login`.
    Session(PathBuf),
}

impl TokenSource {
    /// The key is a stored session's, which the API may end before its file says.
    pub fn is_session(&self) -> bool {
        matches!(self, TokenSource::Session(_))
    }
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Stdin => f.write_str("standard input"),
            TokenSource::File(path) => write!(f, "{}", path.display()),
            TokenSource::Env => f.write_str("FUNNELS_TOKEN"),
            TokenSource::Profile { name, config } => write!(f, "profile `{name}` in {}", config.display()),
            TokenSource::Session(path) => write!(f, "the session in {}", path.display()),
        }
    }
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
pub fn resolve(inputs: &TokenInputs, quiet: bool) -> anyhow::Result<Token> {
    resolve_with(inputs, quiet, || files::read_stdin_line(inputs.pipe_wait))
}

/// [`resolve`] with the reader of standard input's first line passed in (tests feed it).
fn resolve_with(
    inputs: &TokenInputs,
    quiet: bool,
    read_line: impl FnOnce() -> Result<String, FileError>,
) -> anyhow::Result<Token> {
    let token = if inputs.stdin {
        let raw = if inputs.stdin_tty {
            crate::signals::prompt_hidden("access token: ")
                .map_err(|e| exit::config(format!("could not read the token from the terminal: {e}")))?
        } else {
            read_line().map_err(|e| exit::config(format!("could not read the token from standard input: {e}")))?
        };
        checked(&raw, TokenSource::Stdin)?
    } else if let Some(path) = &inputs.file_flag {
        from_file(path, quiet, inputs.pipe_wait)?
    } else if let Some(value) = &inputs.env_token {
        checked(value, TokenSource::Env)?
    } else if let Some(path) = &inputs.env_file {
        from_file(path, quiet, inputs.pipe_wait)?
    } else if let Some((value, config)) = &inputs.profile_token {
        checked(value, TokenSource::Profile { name: inputs.profile.clone(), config: config.clone() })?
    } else if let Some(path) = &inputs.profile_file {
        from_file(path, quiet, inputs.pipe_wait)?
    } else if let Some(token) = from_session(inputs, quiet)? {
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

/// What is wrong with a key, if anything: it is trimmed first (and a leading BOM dropped).
pub fn key_problem(raw: &str) -> Option<&'static str> {
    let value = trimmed(raw);
    if value.is_empty() {
        Some("is empty")
    } else if value.chars().any(char::is_control) {
        Some("contains control characters")
    } else {
        None
    }
}

/// A key as it is used: blanks around it and a leading UTF-8 BOM (editors on Windows write one)
/// removed; the BOM is not whitespace to `trim`, and sent along it made the key invalid.
fn trimmed(raw: &str) -> &str {
    let raw = raw.trim_start();
    raw.strip_prefix('\u{feff}').unwrap_or(raw).trim()
}

/// Trims and checks a token, and registers it as a secret.
fn checked(raw: &str, source: TokenSource) -> anyhow::Result<Token> {
    if let Some(problem) = key_problem(raw) {
        return Err(exit::config(format!("the access token from {source} {problem}")));
    }
    let value = trimmed(raw);
    redact::register(value);
    Ok(Token { value: value.to_owned(), source })
}

fn from_file(path: &Path, quiet: bool, wait: Duration) -> anyhow::Result<Token> {
    let contents = files::read_file(path, wait)
        .map_err(|e| exit::config(format!("could not read token file {}: {e}", path.display())))?;
    if contents.shared && !quiet {
        warn_shared(path);
    }
    checked(&contents.text, TokenSource::File(path.to_owned()))
}

/// Warns on stderr that a file holding a secret is readable by group or others (the reader of
/// `files` tells, from the very handle it read).
pub fn warn_shared(path: &Path) {
    let shown = redact::for_terminal(&path.display().to_string());
    let _ = writeln!(
        std::io::stderr(),
        "funnels: warning: {shown} holds a token and is readable by others; run chmod 600 {shown}"
    );
}

/// The stored session, when there is one for this profile.
fn from_session(inputs: &TokenInputs, quiet: bool) -> anyhow::Result<Option<Token>> {
    let Some(path) = inputs.session_path() else { return Ok(None) };
    let Some(session) = read_session(&path, quiet, inputs.pipe_wait)? else { return Ok(None) };
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
    checked(&session.access_token, TokenSource::Session(path)).map(Some)
}

/// Reads a session file; `None` when there is none. Warns when others may read it, like a token file.
pub fn read_session(path: &Path, quiet: bool, wait: Duration) -> anyhow::Result<Option<StoredSession>> {
    let contents = match files::read_file(path, wait) {
        Ok(contents) => contents,
        Err(FileError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(exit::config(format!("could not read session file {}: {e}", path.display()))),
    };
    if contents.shared && !quiet {
        warn_shared(path);
    }
    serde_json::from_str(&contents.text)
        .map(Some)
        .map_err(|e| exit::config(format!("bad session file {}: {e}; run funnels login", path.display())))
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
            pipe_wait: Duration::from_millis(200),
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
        assert_eq!(resolve(&i, true).unwrap().value, "from-env");
        i.file_flag = Some(file.clone());
        assert_eq!(resolve(&i, true).unwrap().value, "from-file");
        i.stdin = true;
        assert_eq!(resolve_with(&i, true, || Ok("from-stdin".into())).unwrap().value, "from-stdin");

        let mut bad = inputs();
        bad.env_token = Some(" \n".into());
        let err = resolve(&bad, true).unwrap_err();
        assert_eq!(exit::classify(&err).exit, Exit::Config);
        bad.env_token = Some("ab\x1bc".into());
        assert!(resolve(&bad, true).is_err());
        let none = resolve(&inputs(), true).unwrap_err().to_string();
        assert!(none.contains("FUNNELS_TOKEN") && none.contains("--token-file"), "{none}");
    }

    #[test]
    fn a_leading_bom_is_dropped_and_blank_or_control_keys_are_refused() {
        let mut i = inputs();
        i.env_token = Some("\u{feff}key-with-bom\r\n".into());
        assert_eq!(resolve(&i, true).unwrap().value, "key-with-bom");
        i.env_token = Some("  \u{feff} bom-key-7f3 \n".into());
        assert_eq!(resolve(&i, true).unwrap().value, "bom-key-7f3");
        for (raw, problem) in [
            ("\u{feff}", "is empty"),
            ("\u{feff}\n", "is empty"),
            ("a\u{7f}b", "contains control"),
            ("a\u{85}b", "contains control"),
        ] {
            i.env_token = Some(raw.into());
            let err = resolve(&i, true).unwrap_err();
            assert_eq!(exit::classify(&err).exit, Exit::Config, "{raw:?}");
            assert!(err.to_string().contains(problem), "{err}");
        }
        i.env_token = None;
        i.stdin = true;
        let err = resolve_with(&i, true, || Err(FileError::TooLarge(files::MAX_LINE))).unwrap_err();
        assert_eq!(err.to_string(), "could not read the token from standard input: is larger than 64 KiB; refused");
        assert_eq!(exit::classify(&err).exit, Exit::Config);
    }
}
