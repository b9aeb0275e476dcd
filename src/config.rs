//! Command line + environment + config file → one validated [`Settings`]; nothing later sees `Cli`.
//!
//! Precedence is settled here once (SPEC §2): flag > environment (clap reads most variables) >
//! profile of the config file (SPEC §9) > built-in default. Facts about the environment (is stdout a
//! terminal, its width, colour) are captured once as well.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use etcetera::base_strategy::{BaseStrategy, Xdg};
use serde::Deserialize;

use crate::cli::{ColorChoice, Format, GlobalArgs, Platform};
use crate::credentials::TokenInputs;
use crate::exit::{self, Exit, Failure};
use crate::rpc::ClientOptions;

/// Built-in defaults of SPEC §2.
const DEFAULT_TIMEOUT: u64 = 30;
const DEFAULT_RETRIES: u32 = 3;
const DEFAULT_MAX_WAIT: u64 = 120;
const MAX_CONNECT: Duration = Duration::from_secs(10);
const MAX_BODY: u64 = 256 * 1024 * 1024;

/// Everything the commands need to know, settled.
#[derive(Debug)]
pub struct Settings {
    pub platform: Platform,
    pub endpoint: String,
    /// Name of the profile in force (`default` when none), which also names the session file.
    pub profile: String,
    pub token: TokenInputs,
    pub user_id: Option<u64>,
    pub format: Format,
    pub out: Option<PathBuf>,
    /// The profile's `page_size`, used when `--page-size` is not given.
    pub page_size: Option<u64>,
    pub client: ClientOptions,
    pub verbose: u8,
    pub quiet: bool,
    pub dry_run: bool,
    /// Colour for the table (policy of `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and the TTY).
    pub color: bool,
    /// Terminal width for the table when output goes to a terminal; `None` otherwise.
    pub width: Option<u16>,
    /// Output goes to a terminal (stdout without `--out`).
    pub stdout_tty: bool,
    pub stdin_tty: bool,
}

/// The config file (SPEC §9).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    platform: Option<Platform>,
    endpoint: Option<String>,
    user_id: Option<u64>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    output: Option<Format>,
    page_size: Option<u64>,
    timeout: Option<u64>,
    retries: Option<u32>,
    max_wait: Option<u64>,
}

/// Reads the environment and the config file and settles every policy.
pub fn settle(args: &GlobalArgs) -> anyhow::Result<Settings> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let home = Xdg::new().ok();

    let (profile_name, profile, config_path) = load_profile(args, home.as_ref())?;
    let in_config = |key: &str| match &config_path {
        Some(path) => format!("`{key}` of profile `{profile_name}` in {}", path.display()),
        None => format!("`{key}`"),
    };

    let platform = args.platform.or(profile.platform).unwrap_or(Platform::Comagic);
    let endpoint = match (&args.endpoint, &profile.endpoint) {
        (Some(url), _) => check_endpoint(url).map_err(exit::usage)?,
        (None, Some(url)) => {
            check_endpoint(url).map_err(|e| exit::config(format!("bad {}: {e}", in_config("endpoint"))))?
        }
        (None, None) => default_endpoint(platform).to_owned(),
    };

    let timeout = args.timeout.or(profile.timeout).unwrap_or(DEFAULT_TIMEOUT);
    if timeout == 0 {
        return Err(if args.timeout.is_some() {
            exit::usage("--timeout must be at least 1 second")
        } else {
            exit::config(format!("bad {}: must be at least 1", in_config("timeout")))
        });
    }
    if profile.page_size.is_some_and(|size| !(1..=10_000).contains(&size)) {
        return Err(exit::config(format!("bad {}: must be 1..=10000", in_config("page_size"))));
    }
    let timeout = Duration::from_secs(timeout);
    let retries = args.retries.or(profile.retries).unwrap_or(DEFAULT_RETRIES);
    let max_wait = Duration::from_secs(args.max_wait.or(profile.max_wait).unwrap_or(DEFAULT_MAX_WAIT));

    let stdout_tty = args.out.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            env("NO_COLOR").is_none() && (stdout_tty || env("CLICOLOR_FORCE").is_some_and(|v| v != "0"))
        }
    };
    let width = if stdout_tty { comfy_table::Table::new().width() } else { None };

    let stdin_tty = std::io::stdin().is_terminal();
    let token = TokenInputs {
        stdin: args.token_stdin,
        stdin_tty,
        file_flag: args.token_file.clone(),
        env_token: std::env::var("FUNNELS_TOKEN").ok(),
        env_file: env("FUNNELS_TOKEN_FILE").map(PathBuf::from),
        profile_token: profile.token.clone().map(|t| (t, config_path.clone().unwrap_or_default())),
        profile_file: profile.token_file.as_deref().map(|p| expand_home(p, home.as_ref())),
        session_dir: home.as_ref().and_then(Xdg::state_dir).map(|d| d.join("funnels")),
        platform,
        endpoint: endpoint.clone(),
        profile: profile_name.clone(),
    };

    Ok(Settings {
        platform,
        endpoint: endpoint.clone(),
        profile: profile_name,
        token,
        user_id: args.user_id.or(profile.user_id),
        format: args.output.or(profile.output).unwrap_or(Format::Table),
        out: args.out.clone(),
        page_size: profile.page_size,
        client: ClientOptions {
            endpoint,
            timeout,
            connect_timeout: timeout.min(MAX_CONNECT),
            retries,
            max_wait,
            backoff_base: knob_ms("FUNNELS_BACKOFF_BASE_MS", 500),
            backoff_cap: Duration::from_secs(10),
            wait_unit: knob_ms("FUNNELS_WAIT_UNIT_MS", 1000),
            max_body: MAX_BODY,
            verbose: args.verbose,
            quiet: args.quiet,
        },
        verbose: args.verbose,
        quiet: args.quiet,
        dry_run: args.dry_run,
        color,
        width,
        stdout_tty,
        stdin_tty,
    })
}

/// Test knobs: hidden environment variables that shrink waits (README "Testing").
fn knob_ms(name: &str, default: u64) -> Duration {
    let ms = std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Duration::from_millis(ms)
}

/// Finds the config file and the profile in force.
fn load_profile(args: &GlobalArgs, home: Option<&Xdg>) -> anyhow::Result<(String, Profile, Option<PathBuf>)> {
    let (path, explicit) = match &args.config {
        Some(path) => (Some(path.clone()), true),
        None => (home.map(|h| h.config_dir().join("funnels").join("config.toml")), false),
    };
    let file = match &path {
        Some(path) => read_config(path, explicit, args.quiet)?,
        None => None,
    };
    let path = file.as_ref().and(path);
    let file = file.unwrap_or_default();
    let name = args.profile.clone().or(file.default_profile.clone());
    let Some(name) = name else {
        return Ok(("default".to_owned(), Profile::default(), path));
    };
    if let Some(profile) = file.profiles.get(&name) {
        return Ok((name, profile.clone(), path));
    }
    let place = path.as_ref().map_or_else(|| "no config file".to_owned(), |p| p.display().to_string());
    let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
    let mut failure = Failure::new(Exit::Config, format!("no profile `{name}` in {place}"));
    if !known.is_empty() {
        failure = failure.hint(format!("profiles there: {}", known.join(", ")));
    }
    Err(failure.into())
}

/// Reads and parses the config file; a missing default file is fine, a missing named one is not.
fn read_config(path: &Path, explicit: bool, quiet: bool) -> anyhow::Result<Option<ConfigFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(e) => return Err(exit::config(format!("could not read config file {}: {e}", path.display()))),
    };
    let file = parse_config(&text, path)?;
    if !quiet && file.profiles.values().any(|p| p.token.is_some()) {
        crate::credentials::warn_if_shared(path);
    }
    Ok(Some(file))
}

/// Parses config-file text as [`read_config`] does; an error is exit 3 naming `path`, the line and
/// the key. Public so that the fuzz target reaches the same code without a file.
pub fn parse_config(text: &str, path: &Path) -> anyhow::Result<ConfigFile> {
    toml::from_str(text).map_err(|e| {
        // The error's span points into the offending line; name its line number and its key.
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let key = line
            .and_then(|l| text.lines().nth(l - 1))
            .and_then(|l| l.split_once('='))
            .map(|(key, _)| format!(" (`{}`)", key.trim()))
            .unwrap_or_default();
        let at = line.map(|l| format!(" line {l}{key}")).unwrap_or_default();
        exit::config(format!("bad config file {}{at}: {}", path.display(), e.message().trim()))
    })
}

/// `~/…` in a config path means the home folder.
fn expand_home(path: &Path, home: Option<&Xdg>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.home_dir().join(rest),
        _ => path.to_owned(),
    }
}

/// The API host of each platform (API.md §1).
pub fn default_endpoint(platform: Platform) -> &'static str {
    match platform {
        Platform::Comagic => "https://dataapi.comagic.ru/v2.0",
        Platform::Uis => "https://dataapi.uiscom.ru/v2.0",
        Platform::Callgear => "https://dataapi.callgear.com/v2.0",
    }
}

/// The endpoint rule: `https://` only; `http://` only for loopback hosts.
pub fn check_endpoint(url: &str) -> Result<String, String> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| format!("endpoint `{url}` is not a valid URL"))?;
    let host = uri.host().ok_or_else(|| format!("endpoint `{url}` has no host"))?;
    match uri.scheme_str() {
        Some("https") => Ok(url.to_owned()),
        Some("http") if is_loopback(host) => Ok(url.to_owned()),
        Some("http") => Err(format!(
            "endpoint `{url}` uses http:// to a remote host; use https:// (http is allowed only for localhost)"
        )),
        _ => Err(format!("endpoint `{url}` must start with https://")),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_rule() {
        assert!(check_endpoint("https://dataapi.uiscom.ru/v2.0").is_ok());
        assert!(check_endpoint("http://127.0.0.1:8089/v2.0").is_ok());
        assert!(check_endpoint("http://127.9.9.9/v2.0").is_ok());
        assert!(check_endpoint("http://localhost/v2.0").is_ok());
        assert!(check_endpoint("http://[::1]:80/v2.0").is_ok());
        assert!(check_endpoint("http://example.com/v2.0").is_err());
        assert!(check_endpoint("http://127.0.0.1.example.com/v2.0").is_err());
        assert!(check_endpoint("http://10.0.0.1/v2.0").is_err());
        assert!(check_endpoint("ftp://localhost/v2.0").is_err());
        assert!(check_endpoint("not a url").is_err());
    }

    #[test]
    fn config_rejects_unknown_keys_with_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[profiles.a]\nplatform = \"uis\"\ncolour = 1\n").unwrap();
        let err = read_config(&path, true, true).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 3 (`colour`)"), "{text}");
        std::fs::write(&path, "[profiles.a]\ntimeout = \"x\"\n").unwrap();
        let text = read_config(&path, true, true).unwrap_err().to_string();
        assert!(text.contains("line 2 (`timeout`)") && text.contains("c.toml"), "{text}");
        assert_eq!(exit::classify(&err).exit, Exit::Config);
        assert!(read_config(&dir.path().join("missing.toml"), false, true).unwrap().is_none());
        assert!(read_config(&dir.path().join("missing.toml"), true, true).is_err());
    }
}
