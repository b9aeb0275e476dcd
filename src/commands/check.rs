//! `funnels check`: one cheap call that proves the token, the IP whitelist, the component and the
//! user id, and shows the profile and config file in use and the points left in every window the API
//! reports (SPEC §4).
//!
//! An agent token without a user id is the first thing a new user of an agent account tries, so it
//! is no error here: the API's "user_id is missed" leads to a second cheap call that counts the
//! client users, and `check` says how to pick one.
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

use crate::cli::{Format, Platform};
use crate::config::{ProfileChoice, Settings};
use crate::exit::{Exit, Scope};
use crate::model::{CustomerUser, FUNNELS, Funnel, Limits, USERS, Window, WindowType};
use crate::output::{self, destination::Destination};
use crate::query::GetParams;
use crate::redact;
use crate::rpc::{self, Client, RpcError, format_reset};

/// What `check` reports; `-o json` prints it as one object with SPEC §4's keys, in its order.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// The profile of the config file in force; `null` when none is.
    profile: Option<&'a str>,
    /// Why that profile is in force; the text form says it.
    #[serde(skip)]
    chosen_by: Option<ProfileChoice>,
    /// The config file read; `null` when there is none.
    config: Option<Cow<'a, str>>,
    platform: Platform,
    endpoint: Cow<'a, str>,
    token_source: Cow<'a, str>,
    user_id: Option<u64>,
    /// `null` when a user id was given: the call then acts for a client user, whatever the token.
    account: Option<Account>,
    funnels: Option<u64>,
    /// Agent accounts: how many client users they have.
    client_users: Option<u64>,
    windows: Windows<'a>,
}

/// The kind of account the token belongs to, as far as one call can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Account {
    Client,
    Agent,
}

/// The windows as `{"day": {"limit", "remaining", "reset"}, …}`: day and minute always (`null`
/// parts when not reported, as every funnels answer should carry them), then every other window the
/// API reported, in display order (day, hour, minute, others by name).
#[derive(Debug)]
struct Windows<'a>(&'a Limits);

/// One window's parts, in the order the API names them.
#[derive(Serialize)]
struct WindowParts {
    limit: Option<u64>,
    remaining: Option<u64>,
    reset: Option<u64>,
}

impl Serialize for Windows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Reported windows replace the defaults; the map keeps the display order.
        let always = [WindowType::Day, WindowType::Minute].map(|window| (window, Window::default()));
        let reported = self.0.iter().map(|(window, budget)| (window.clone(), *budget));
        let windows: BTreeMap<WindowType, Window> = always.into_iter().chain(reported).collect();
        let mut map = serializer.serialize_map(Some(windows.len()))?;
        for (window, budget) in &windows {
            let parts = WindowParts { limit: budget.limit, remaining: budget.remaining, reset: budget.reset };
            map.serialize_entry(window.as_str(), &parts)?;
        }
        map.end()
    }
}

pub fn run(settings: &Settings) -> anyhow::Result<Exit> {
    let params = GetParams::one_key(&FUNNELS, settings.user_id);
    if settings.dry_run {
        return super::print_json_text(settings, &rpc::dry_run_body(FUNNELS.method, &params));
    }
    let (mut client, token) = super::connect(settings)?;
    let scope = Scope::acting_for(settings.user_id).session_key(token.source.is_session());
    let (account, funnels, client_users) = match client.call::<_, Vec<Funnel>>(FUNNELS.method, &params) {
        Ok(reply) => {
            let account = settings.user_id.is_none().then_some(Account::Client);
            (account, reply.metadata.total_items, None)
        }
        // An agent token without a user id: not an error here (SPEC §4), but what check is for.
        Err(err) if settings.user_id.is_none() && asks_for_user_id(&err) => {
            let scope = Scope::agents_only().session_key(scope.session_key);
            (Some(Account::Agent), None, count_client_users(&mut client, scope)?)
        }
        Err(err) => return Err(scope.attach(err.into())),
    };
    let limits = client.last_limits().clone();
    let config = settings.config_path.as_ref().map(|path| Cow::Owned(path.display().to_string()));
    let report = Report {
        profile: settings.profile_choice.map(|_| settings.profile.as_str()),
        chosen_by: settings.profile_choice,
        config,
        platform: settings.platform,
        endpoint: redact::hide(&settings.endpoint),
        token_source: Cow::Owned(redact::hide(&token.source.to_string()).into_owned()),
        user_id: settings.user_id,
        account,
        funnels,
        client_users,
        windows: Windows(&limits),
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

/// The API's answer to an agent token that names no client user (API.md §2, §5).
fn asks_for_user_id(err: &RpcError) -> bool {
    matches!(err, RpcError::Api(api) if api.code == -32602
        && api.mnemonic.as_deref() == Some("required_parameter_missed")
        && api.field.as_deref() == Some("user_id"))
}

/// How many client users the agent account has: `get.customer_users` with limit 1, read from
/// `total_items` (`None` when the reply has none). Its failure is the run's (SPEC §4).
fn count_client_users(client: &mut Client, scope: Scope) -> anyhow::Result<Option<u64>> {
    let params = GetParams::one_key(&USERS, None);
    let reply = client.call::<_, Vec<CustomerUser>>(USERS.method, &params).map_err(|e| scope.attach(e.into()))?;
    Ok(reply.metadata.total_items)
}

fn write_text(w: &mut impl Write, r: &Report<'_>, limits: &Limits) -> std::io::Result<()> {
    let or_dash = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
    let platform =
        serde_json::to_value(r.platform).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let profile = match (r.profile, r.chosen_by) {
        (Some(name), Some(choice)) => format!("{name} ({})", choice.as_str()),
        _ => "none".to_owned(),
    };
    writeln!(w, "profile   {}", redact::for_terminal(&profile))?;
    writeln!(w, "config    {}", redact::for_terminal(r.config.as_deref().unwrap_or("none")))?;
    writeln!(w, "platform  {platform}")?;
    writeln!(w, "endpoint  {}", redact::for_terminal(&r.endpoint))?;
    writeln!(w, "token     {}", redact::for_terminal(&r.token_source))?;
    writeln!(w, "user id   {}", or_dash(r.user_id))?;
    match r.account {
        Some(Account::Client) => writeln!(w, "account   client")?,
        Some(Account::Agent) => writeln!(w, "account   {}", agent_line(r.client_users))?,
        None => {}
    }
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

/// "agent account, 4 client users; pick one with --user-id (funnels users lists them)".
fn agent_line(client_users: Option<u64>) -> String {
    let how = "pick one with --user-id (funnels users lists them)";
    match client_users {
        Some(1) => format!("agent account, 1 client user; {how}"),
        Some(n) => format!("agent account, {n} client users; {how}"),
        None => format!("agent account; {how}"),
    }
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

    fn report(limits: &Limits) -> Report<'_> {
        Report {
            profile: None,
            chosen_by: None,
            config: None,
            platform: Platform::Comagic,
            endpoint: "https://dataapi.comagic.ru/v2.0".into(),
            token_source: "FUNNELS_TOKEN".into(),
            user_id: None,
            account: Some(Account::Client),
            funnels: Some(1),
            client_users: None,
            windows: Windows(limits),
        }
    }

    fn window_lines(limits: &str) -> String {
        let limits: Limits = serde_json::from_str(limits).unwrap();
        let mut out = Vec::new();
        write_text(&mut out, &report(&limits), &limits).unwrap();
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
    fn the_text_names_profile_config_and_account_above_the_funnels() {
        let limits = Limits::default();
        let mut agent = report(&limits);
        (agent.profile, agent.chosen_by) = (Some("uis"), Some(ProfileChoice::DefaultProfile));
        agent.config = Some("/home/a/.config/funnels/config.toml".into());
        (agent.account, agent.funnels, agent.client_users) = (Some(Account::Agent), None, Some(4));
        let mut out = Vec::new();
        write_text(&mut out, &agent, &limits).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.split_once("funnels   -").unwrap().0,
            "profile   uis (default_profile)\n\
             config    /home/a/.config/funnels/config.toml\n\
             platform  comagic\n\
             endpoint  https://dataapi.comagic.ru/v2.0\n\
             token     FUNNELS_TOKEN\n\
             user id   -\n\
             account   agent account, 4 client users; pick one with --user-id (funnels users lists them)\n"
        );
        let mut out = Vec::new();
        write_text(&mut out, &report(&limits), &limits).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("profile   none\nconfig    none\n"), "{text}");
        assert!(text.contains("\naccount   client\nfunnels   1\n"), "{text}");
        assert_eq!(
            agent_line(Some(1)),
            "agent account, 1 client user; pick one with --user-id (funnels users lists them)"
        );
        assert_eq!(agent_line(None), "agent account; pick one with --user-id (funnels users lists them)");
    }

    #[test]
    fn json_is_one_object_with_the_spec_keys_and_windows_in_display_order() {
        let limits: Limits = serde_json::from_str(
            r#"{"minute_remaining":7,"week_limit":70,"hour_limit":4000,"hour_remaining":88,"hour_reset":900}"#,
        )
        .unwrap();
        let json = serde_json::to_string(&report(&limits)).unwrap();
        assert_eq!(
            json,
            r#"{"profile":null,"config":null,"platform":"comagic","endpoint":"https://dataapi.comagic.ru/v2.0","token_source":"FUNNELS_TOKEN","user_id":null,"account":"client","funnels":1,"client_users":null,"windows":{"day":{"limit":null,"remaining":null,"reset":null},"hour":{"limit":4000,"remaining":88,"reset":900},"minute":{"limit":null,"remaining":7,"reset":null},"week":{"limit":70,"remaining":null,"reset":null}}}"#
        );
    }
}
