//! `funnels check`: one cheap call that proves the token, the IP whitelist, the component and the
//! user id, and shows the points left (SPEC §4).
//!
//! What it prints goes through the same filters as every other output: the endpoint with any
//! `user:pass@` as `***`, the text form made safe for a terminal, the JSON form escaped as all
//! JSON is (SPEC §5).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use super::listing::GetParams;
use crate::cli::{Format, Platform};
use crate::config::Settings;
use crate::exit::Exit;
use crate::model::{Funnel, Limits};
use crate::output::{self, destination::Destination};
use crate::query::FUNNELS;
use crate::redact;
use crate::rpc::{self, format_reset};

/// What `check` reports; `-o json` prints it as one object.
#[derive(Debug, Serialize)]
struct Report<'a> {
    platform: Platform,
    endpoint: Cow<'a, str>,
    token_source: Cow<'a, str>,
    user_id: Option<u64>,
    funnels: Option<u64>,
    day_limit: Option<u64>,
    day_remaining: Option<u64>,
    day_reset: Option<u64>,
    minute_limit: Option<u64>,
    minute_remaining: Option<u64>,
    minute_reset: Option<u64>,
}

pub fn run(settings: &Settings) -> anyhow::Result<Exit> {
    let fields = [FUNNELS.key];
    let params = GetParams { user_id: settings.user_id, limit: 1, offset: 0, filter: None, fields: &fields, sort: &[] };
    if settings.dry_run {
        return super::print_json_text(settings, &rpc::dry_run_body(FUNNELS.method, &params));
    }
    let (mut client, token) = super::connect(settings)?;
    let reply = client.call::<_, Vec<Funnel>>(FUNNELS.method, &params)?;
    let limits = reply.metadata.limits.unwrap_or_default();
    let report = Report {
        platform: settings.platform,
        endpoint: redact::hide(&settings.endpoint),
        token_source: redact::hide(&token.source),
        user_id: settings.user_id,
        funnels: reply.metadata.total_items,
        day_limit: limits.day_limit,
        day_remaining: limits.day_remaining,
        day_reset: limits.day_reset,
        minute_limit: limits.minute_limit,
        minute_remaining: limits.minute_remaining,
        minute_reset: limits.minute_reset,
    };
    let mut dest = Destination::open(settings.out.as_deref())?;
    match settings.format {
        Format::Json | Format::Ndjson => {
            output::write_serialized(&mut dest, &report, settings.format == Format::Json, settings.stdout_tty)
        }
        Format::Table | Format::Csv | Format::Tsv => write_text(&mut dest, &report, &limits),
    }
    .context("could not write the output")?;
    dest.commit()?;
    Ok(Exit::Success)
}

fn write_text(w: &mut impl Write, r: &Report<'_>, limits: &Limits) -> std::io::Result<()> {
    let or_dash = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    let platform =
        serde_json::to_value(r.platform).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    writeln!(w, "platform  {platform}")?;
    writeln!(w, "endpoint  {}", redact::for_terminal(&r.endpoint))?;
    writeln!(w, "token     {}", redact::for_terminal(&r.token_source))?;
    writeln!(w, "user id   {}", or_dash(r.user_id))?;
    writeln!(w, "funnels   {}", or_dash(r.funnels))?;
    writeln!(w, "today     {}", points(limits.day_remaining, limits.day_limit, limits.day_reset))?;
    writeln!(w, "minute    {}", points(limits.minute_remaining, limits.minute_limit, limits.minute_reset))
}

/// "3305 of 3500 points left, resets in 9h 45m".
fn points(remaining: Option<u64>, limit: Option<u64>, reset: Option<u64>) -> String {
    let mut text = match (remaining, limit) {
        (Some(r), Some(l)) => format!("{r} of {l} points left"),
        (Some(r), None) => format!("{r} points left"),
        _ => "unknown (the API sent no limits)".to_owned(),
    };
    if let Some(reset) = reset {
        let _ = write!(text, ", resets in {}", format_reset(reset));
    }
    text
}
