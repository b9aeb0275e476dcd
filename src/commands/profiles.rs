//! `funnels profiles`: the profiles of the config file — platform, endpoint, user id, where each
//! one's token comes from (never the token) — and which one is in use and why (SPEC §4).
//!
//! It reads the config file and nothing else: no token, no request, and no valid choice of profile
//! is needed, because it is the command to run when those are what is wrong (SPEC §9). Only a broken
//! config file, or a missing one named by `--config`/`FUNNELS_CONFIG`, is an error here.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::cli::{Format, GlobalArgs, Platform};
use crate::config::{self, ProfileToken, ProfilesOverview};
use crate::exit::Exit;
use crate::output::{self, destination, destination::Destination};
use crate::redact;

/// `-o json`: one object.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// The config file read, or where one would be read from.
    config: Option<String>,
    /// Whether that file exists.
    config_found: bool,
    /// The profile in use: one the file defines, asked for by `chosen_by`.
    in_use: Option<&'a str>,
    chosen_by: Option<&'static str>,
    profiles: Vec<Entry<'a>>,
}

/// One profile.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    name: &'a str,
    platform: Platform,
    endpoint: Cow<'a, str>,
    user_id: Option<i64>,
    token_source: Option<String>,
    in_use: bool,
}

pub fn run(global: &GlobalArgs) -> anyhow::Result<Exit> {
    let overview = config::profiles(global)?;
    let out = global.out.as_deref();
    destination::preflight(out, &protected_files(global, &overview))?;
    let in_use = overview
        .chosen
        .as_ref()
        .filter(|(name, _)| overview.profiles.iter().any(|p| &p.name == name))
        .map(|(name, choice)| (name.as_str(), choice.as_str()));
    let report = Report {
        config: overview.path.as_ref().map(|p| p.display().to_string()),
        config_found: overview.found,
        in_use: in_use.map(|(name, _)| name),
        chosen_by: in_use.map(|(_, by)| by),
        profiles: overview
            .profiles
            .iter()
            .map(|p| Entry {
                name: &p.name,
                platform: p.platform,
                endpoint: redact::hide(&p.endpoint),
                user_id: p.user_id,
                token_source: token_source(&p.token),
                in_use: in_use.is_some_and(|(name, _)| name == p.name),
            })
            .collect(),
    };
    let format = global.output.unwrap_or(Format::Table);
    let terminal = out.is_none_or(|out| out == Path::new("-")) && std::io::stdout().is_terminal();
    let mut dest = Destination::open(out)?;
    match format {
        Format::Json | Format::Ndjson => output::write_serialized(&mut dest, &report, format == Format::Json, terminal),
        Format::Table | Format::Csv | Format::Tsv => write_text(&mut dest, &report, &overview),
    }
    .context("could not write the output")?;
    dest.commit()?;
    Ok(Exit::Success)
}

/// The files `--out` must never overwrite: the config file and every token and session file it
/// leads to, and a `--token-file` given.
fn protected_files(global: &GlobalArgs, overview: &ProfilesOverview) -> Vec<(&'static str, PathBuf)> {
    let config = overview.path.iter().filter(|_| overview.found).map(|path| ("config file", path.clone()));
    let tokens = overview.profiles.iter().filter_map(|p| match &p.token {
        ProfileToken::File(path) => Some(("token file", path.clone())),
        ProfileToken::Session(path) => Some(("session file", path.clone())),
        ProfileToken::InConfig | ProfileToken::None => None,
    });
    let flag = global.token_file.iter().map(|path| ("token file", path.clone()));
    config.chain(tokens).chain(flag).collect()
}

/// Where a profile's token comes from, as `check` names such places.
fn token_source(token: &ProfileToken) -> Option<String> {
    match token {
        ProfileToken::InConfig => Some("config file (`token`)".to_owned()),
        ProfileToken::File(path) => Some(path.display().to_string()),
        ProfileToken::Session(path) => Some(format!("the session in {}", path.display())),
        ProfileToken::None => None,
    }
}

/// The text form: the config file, a table of its profiles (`*` marks the one in use), and which
/// one is in use and why. Every value is made safe for a terminal.
fn write_text(w: &mut impl Write, r: &Report<'_>, overview: &ProfilesOverview) -> std::io::Result<()> {
    let config = r.config.as_deref().map(redact::for_terminal);
    let Some(config) = config.filter(|_| r.config_found) else {
        let place = r.config.as_deref().map_or_else(
            || "no config file (no home folder is known)".to_owned(),
            |path| format!("no config file; one would be read from {}", redact::for_terminal(path)),
        );
        return writeln!(w, "{place} (or the file named by --config or FUNNELS_CONFIG)");
    };
    writeln!(w, "config: {config}")?;
    if r.profiles.is_empty() {
        writeln!(w, "no profiles in it")?;
    } else {
        let mut rows: Vec<[String; 6]> =
            vec![["", "NAME", "PLATFORM", "ENDPOINT", "USER ID", "TOKEN"].map(str::to_owned)];
        for p in &r.profiles {
            let platform = serde_json::to_value(p.platform).ok().and_then(|v| v.as_str().map(str::to_owned));
            rows.push([
                if p.in_use { "*" } else { "" }.to_owned(),
                redact::for_terminal(p.name),
                platform.unwrap_or_default(),
                redact::for_terminal(&p.endpoint),
                p.user_id.map_or_else(|| "-".to_owned(), |id| id.to_string()),
                p.token_source.as_deref().map_or_else(|| "none".to_owned(), redact::for_terminal),
            ]);
        }
        write_aligned(w, &rows)?;
    }
    match (&r.in_use, r.chosen_by, &overview.chosen) {
        (Some(name), Some(by), _) => writeln!(w, "in use: {} ({by})", redact::for_terminal(name)),
        (_, _, Some((name, choice))) => writeln!(
            w,
            "in use: none; `{}` (from {}) is not a profile of this file",
            redact::for_terminal(name),
            choice.as_str()
        ),
        _ => writeln!(w, "in use: none (pick one with --profile NAME, FUNNELS_PROFILE or default_profile)"),
    }
}

/// Columns left-aligned, two blanks apart, without trailing blanks.
fn write_aligned(w: &mut impl Write, rows: &[[String; 6]]) -> std::io::Result<()> {
    let mut widths = [0; 6];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_end_without_blanks() {
        let rows = [
            ["", "NAME", "TOKEN", "", "", ""].map(str::to_owned),
            ["*", "uis", "Воронка", "", "", ""].map(str::to_owned),
        ];
        let mut out = Vec::new();
        write_aligned(&mut out, &rows).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "   NAME  TOKEN\n*  uis   Воронка\n");
    }
}
