//! `funnels check`: one cheap call that proves the token, the IP whitelist, the component and the
//! user id, and shows the points left in every window the API reports (SPEC §4).
//!
//! What it prints goes through the same filters as every other output: the endpoint with any
//! `user:pass@` as `***`, the text form made safe for a terminal, the JSON form escaped as all
//! JSON is (SPEC §5).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Context;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::listing::GetParams;
use crate::cli::{Format, Platform};
use crate::config::Settings;
use crate::exit::{Exit, Scope};
use crate::model::{FUNNELS, Funnel, Limits, Window, WindowType};
use crate::output::{self, destination::Destination};
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
    #[serde(flatten)]
    windows: WindowKeys<'a>,
}

/// The windows as `<type>_limit`, `<type>_remaining`, `<type>_reset` keys: day and minute always
/// (`null` when not reported, as before hour windows were known), then every other window the API
/// reported, in display order.
#[derive(Debug)]
struct WindowKeys<'a>(&'a Limits);

impl Serialize for WindowKeys<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Reported windows replace the defaults; the map keeps the display order.
        let always = [WindowType::Day, WindowType::Minute].map(|window| (window, Window::default()));
        let reported = self.0.iter().map(|(window, budget)| (window.clone(), *budget));
        let windows: BTreeMap<WindowType, Window> = always.into_iter().chain(reported).collect();
        let mut map = serializer.serialize_map(None)?;
        for (window, budget) in &windows {
            for (part, value) in [("limit", budget.limit), ("remaining", budget.remaining), ("reset", budget.reset)] {
                map.serialize_entry(&format!("{window}_{part}"), &value)?;
            }
        }
        map.end()
    }
}

pub fn run(settings: &Settings) -> anyhow::Result<Exit> {
    let fields = [FUNNELS.key];
    let params = GetParams { user_id: settings.user_id, limit: 1, offset: 0, filter: None, fields: &fields, sort: &[] };
    if settings.dry_run {
        return super::print_json_text(settings, &rpc::dry_run_body(FUNNELS.method, &params));
    }
    let (mut client, token) = super::connect(settings)?;
    let reply = client
        .call::<_, Vec<Funnel>>(FUNNELS.method, &params)
        .map_err(|e| Scope::default().session_key(token.source.is_session()).attach(e.into()))?;
    let limits = reply.metadata.limits;
    let report = Report {
        platform: settings.platform,
        endpoint: redact::hide(&settings.endpoint),
        token_source: Cow::Owned(redact::hide(&token.source.to_string()).into_owned()),
        user_id: settings.user_id,
        funnels: reply.metadata.total_items,
        windows: WindowKeys(&limits),
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
    if limits.is_empty() {
        // Nothing reported: the two windows every funnels answer should carry, as unknown.
        writeln!(w, "today     {}", points(&Window::default()))?;
        return writeln!(w, "minute    {}", points(&Window::default()));
    }
    for (window, budget) in limits.iter() {
        let label = match window {
            WindowType::Day => "today",
            other => other.as_str(),
        };
        writeln!(w, "{label:<9} {}", points(budget))?;
    }
    Ok(())
}

/// "3305 of 3500 points left, resets in 9h 45m".
fn points(window: &Window) -> String {
    let mut text = match (window.remaining, window.limit) {
        (Some(r), Some(l)) => format!("{r} of {l} points left"),
        (Some(r), None) => format!("{r} points left"),
        (None, Some(l)) => format!("unknown of {l} points left"),
        (None, None) => "unknown (the API sent no limits)".to_owned(),
    };
    if let Some(reset) = window.reset {
        let _ = write!(text, ", resets in {}", format_reset(reset));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_lines(limits: &str) -> String {
        let limits: Limits = serde_json::from_str(limits).unwrap();
        let report = Report {
            platform: Platform::Comagic,
            endpoint: "https://dataapi.comagic.ru/v2.0".into(),
            token_source: "FUNNELS_TOKEN".into(),
            user_id: None,
            funnels: Some(1),
            windows: WindowKeys(&limits),
        };
        let mut out = Vec::new();
        write_text(&mut out, &report, &limits).unwrap();
        let text = String::from_utf8(out).unwrap();
        text.split_once("funnels   1\n").unwrap().1.to_owned()
    }

    #[test]
    fn day_and_minute_lines_are_unchanged_and_other_windows_join_them_in_order() {
        let day_minute = r#"{"day_limit":3500,"day_remaining":3305,"day_reset":35139,
            "minute_limit":200,"minute_remaining":199,"minute_reset":39}"#;
        assert_eq!(
            window_lines(day_minute),
            "today     3305 of 3500 points left, resets in 9h 45m\nminute    199 of 200 points left, resets in 39s\n"
        );
        assert_eq!(
            window_lines("{}"),
            "today     unknown (the API sent no limits)\nminute    unknown (the API sent no limits)\n"
        );
        assert_eq!(
            window_lines(
                r#"{"minute_remaining":5,"week_limit":70,"hour_limit":4000,"a_long_window_name_remaining":1}"#
            ),
            "hour      unknown of 4000 points left\nminute    5 points left\n\
             a_long_window_name 1 points left\nweek      unknown of 70 points left\n"
        );
    }

    #[test]
    fn json_keeps_day_and_minute_keys_and_adds_other_windows() {
        let limits: Limits =
            serde_json::from_str(r#"{"hour_limit":4000,"hour_remaining":88,"hour_reset":900}"#).unwrap();
        let json = serde_json::to_string(&WindowKeys(&limits)).unwrap();
        assert_eq!(
            json,
            r#"{"day_limit":null,"day_remaining":null,"day_reset":null,"hour_limit":4000,"hour_remaining":88,"hour_reset":900,"minute_limit":null,"minute_remaining":null,"minute_reset":null}"#
        );
    }
}
