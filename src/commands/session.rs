//! `funnels login` and `funnels logout`: a one-hour session key from `login.user`, stored per profile
//! with mode 0600 in a 0700 folder, and ended with `logout.user` (SPEC §4).
//!
//! A session file is a local file anyone with access to the folder may have edited: its key is sent
//! only to an endpoint that passes the endpoint rule, and a key the server hands out is stored only
//! when it could be used as a token (not empty, no control characters).

use std::fs;
use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde::de::IgnoredAny;

use super::notice;
use crate::cli::LoginArgs;
use crate::config::{self, Settings};
use crate::credentials::{self, StoredSession};
use crate::exit::{self, Exit, Failure};
use crate::files;
use crate::model::Session;
use crate::redact;
use crate::rpc::{self, Client, RpcError, format_reset};

#[derive(Serialize)]
struct LoginParams<'a> {
    login: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct NoParams {}

pub fn login(settings: &Settings, args: &LoginArgs) -> anyhow::Result<Exit> {
    let Some(path) = settings.token.session_path() else {
        return Err(exit::config("no home folder to store the session in (set HOME or XDG_STATE_HOME)"));
    };
    if settings.dry_run {
        // Login and password are secrets like the token: shown as *** (SPEC §7).
        let params = LoginParams { login: "***", password: "***" };
        return super::print_json_text(settings, &rpc::dry_run_body_without_token("login.user", &params));
    }
    let stdin_tty = settings.stdin_tty;
    if !args.password_stdin && !stdin_tty {
        return Err(Failure::new(Exit::Config, "no terminal to ask for the password")
            .hint("pass it on standard input with --password-stdin")
            .into());
    }
    let login = match &args.login {
        Some(login) => login.clone(),
        None if stdin_tty => prompt("login: ")?,
        None => return Err(exit::config("no --login given and no terminal to ask for it")),
    };
    let password = if args.password_stdin {
        // Bounded like every local input: `--password-stdin < /dev/zero` must not eat the memory.
        files::read_stdin_line(settings.pipe_wait)
            .map_err(|e| exit::config(format!("could not read the password from standard input: {e}")))?
    } else {
        crate::signals::prompt_hidden("password: ").context("could not read the password")?
    };
    if login.trim().is_empty() || password.is_empty() {
        return Err(exit::config("the login and the password must not be empty"));
    }
    redact::register(&password);

    let mut client = Client::new(settings.client_options()?, None);
    let reply = client.call::<_, Session>("login.user", &LoginParams { login: login.trim(), password: &password })?;
    let session = reply.data;
    redact::register(&session.access_token);
    // A key that could never be used as a token is the server's fault: say so and store nothing
    // rather than "logged in" followed by a credentials error on every later run.
    if let Some(problem) = credentials::key_problem(&session.access_token) {
        return Err(Failure::new(
            Exit::Network,
            format!("login.user answered with a session key that {problem}; nothing was stored"),
        )
        .into());
    }
    let stored = StoredSession {
        platform: settings.platform,
        endpoint: settings.endpoint.clone(),
        access_token: session.access_token.trim().to_owned(),
        expire_at: session.expire_at,
    };
    store(&path, &stored)?;
    let expires = stored.expire_at.map_or_else(
        || "an unknown time".to_owned(),
        |t| format!("in {}", format_reset(u64::try_from(t - credentials::now()).unwrap_or(0))),
    );
    notice(settings, &format!("logged in as {} on {}; the session expires {expires}", login.trim(), settings.endpoint));
    Ok(Exit::Success)
}

pub fn logout(settings: &Settings) -> anyhow::Result<Exit> {
    let path = settings.token.session_path();
    let session = match &path {
        Some(path) => credentials::read_session(path, settings.quiet, settings.pipe_wait)?,
        None => None,
    };
    let (Some(path), Some(session)) = (path, session) else {
        notice(settings, &format!("no stored session for profile `{}`", settings.profile));
        return Ok(Exit::Success);
    };
    redact::register(&session.access_token);
    // The file names the endpoint the key goes to; a tampered one must not send it over plain http
    // to a remote host. Refused before any request (and before `--dry-run` shows one).
    if let Err(e) = config::check_endpoint(&session.endpoint) {
        return Err(Failure::new(
            Exit::Config,
            format!("session file {} names an endpoint funnels will not send a key to: {e}", path.display()),
        )
        .hint("check the file; run funnels login to replace it, or delete it")
        .into());
    }
    if settings.dry_run {
        return super::print_json_text(settings, &rpc::dry_run_body("logout.user", &NoParams {}));
    }
    let mut client = Client::new(settings.client_options_for(&session.endpoint)?, Some(session.access_token));
    match client.call::<_, IgnoredAny>("logout.user", &NoParams {}) {
        Ok(_) => {}
        // The key is already dead: the session is over either way.
        Err(RpcError::Api(api)) if api.code == -32001 => {}
        Err(err) => return Err(err.into()),
    }
    fs::remove_file(&path).with_context(|| format!("could not delete {}", path.display()))?;
    notice(settings, "logged out; the stored session is deleted");
    Ok(Exit::Success)
}

/// Asks for one line on the terminal.
fn prompt(question: &str) -> anyhow::Result<String> {
    let mut stderr = std::io::stderr();
    write!(stderr, "{question}").and_then(|()| stderr.flush())?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// Writes the session atomically: a 0600 temporary file in a 0700 folder, renamed into place.
fn store(path: &Path, session: &StoredSession) -> anyhow::Result<()> {
    let dir = path.parent().context("session path has no folder")?;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let mut temp =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("could not write in {}", dir.display()))?;
    serde_json::to_writer_pretty(&mut temp, session)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error).with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}
