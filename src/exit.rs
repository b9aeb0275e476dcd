//! The exit codes of SPEC §8 as one enum, and the one place that decides which error gets which.
//!
//! Errors travel as `anyhow::Error`. Local failures are raised as [`Failure`] with their class; API and
//! transport failures travel as `rpc::RpcError` and are classified here by JSON-RPC code and mnemonic,
//! so no other module decides an exit code. The hint that follows an API error depends on what the
//! command was doing (which method, for which client user, with a stored session's key): commands
//! attach that as a [`Scope`], which travels with the error as data and changes nothing of its
//! message. [`classify`] is the one place a class and a hint are chosen; its rule is written there.

use std::fmt;
use std::io;

use crate::rpc::{ApiError, RpcError};

/// Process exit codes (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Internal = 1,
    Usage = 2,
    Config = 3,
    Auth = 4,
    Denied = 5,
    Quota = 6,
    Network = 7,
    Rejected = 8,
    Incomplete = 9,
    NotFound = 10,
    /// `diff --exit-code`: the snapshots differ.
    Changed = 11,
    /// SIGHUP.
    Hangup = 129,
    /// SIGINT.
    Interrupted = 130,
    /// SIGTERM.
    Terminated = 143,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A failure whose class is known where it happens (usage, configuration, not found, …).
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure { exit, message: message.into(), hint: None }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// A usage error (exit 2), found before any request.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure::new(Exit::Usage, message).into()
}

/// A local configuration or credentials error (exit 3).
pub fn config(message: impl Into<String>) -> anyhow::Error {
    Failure::new(Exit::Config, message).into()
}

/// What a command was doing when an error came back: the facts that decide which hint fits an API
/// error (SPEC §8). Attached with [`Scope::attach`]; the innermost scope of an error chain wins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scope {
    /// The call is one only agent (partner) accounts may make (`get.customer_users`, API.md §6).
    pub agents_only: bool,
    /// The client user acted for: `--user-id`, `FUNNELS_USER_ID` or the profile's, or one user of
    /// `--all-users`.
    pub user_id: Option<u64>,
    /// The key sent is a stored session's (`funnels login`): a refused key means the session ended.
    pub session_key: bool,
}

impl Scope {
    /// Calls made for the client user `user_id`, or for the account itself.
    pub fn acting_for(user_id: Option<u64>) -> Self {
        Scope { agents_only: false, user_id, session_key: false }
    }

    /// Calls of the agents-only method.
    pub fn agents_only() -> Self {
        Scope { agents_only: true, user_id: None, session_key: false }
    }

    /// This scope, for calls made with a stored session's key when `session_key` holds.
    #[must_use]
    pub fn session_key(self, session_key: bool) -> Self {
        Scope { session_key, ..self }
    }

    /// `err`, carrying this scope; its message and its chain read as before.
    pub fn attach(self, err: anyhow::Error) -> anyhow::Error {
        Scoped { scope: self, inner: err }.into()
    }
}

/// An error with its [`Scope`]. It shows as the error it wraps: its `Display` is the wrapped
/// error's own text and its `source` the wrapped error's source, so `{:#}` prints the same chain.
struct Scoped {
    scope: Scope,
    inner: anyhow::Error,
}

impl fmt::Debug for Scoped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for Scoped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // anyhow's plain `Display` is the outermost error's text alone; its causes follow through
        // `source` below.
        write!(f, "{}", self.inner)
    }
}

impl std::error::Error for Scoped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

/// What `main` needs to end the process: the code, the error's message and an optional hint line.
pub struct Verdict {
    pub exit: Exit,
    pub hint: Option<String>,
    /// What the error means for the run, said before the error's own text.
    pub headline: Option<&'static str>,
    /// The reader closed the pipe: exit quietly with success.
    pub broken_pipe: bool,
}

impl Verdict {
    fn of(exit: Exit, hint: Option<String>) -> Self {
        Verdict { exit, hint, headline: None, broken_pipe: false }
    }

    /// The line `main` prints after `funnels: error: `: the headline, if any, then the whole chain.
    pub fn message(&self, err: &anyhow::Error) -> String {
        match self.headline {
            Some(headline) => format!("{headline}: {err:#}"),
            None => format!("{err:#}"),
        }
    }
}

/// The exit class and hint of an error: the one place either is chosen (SPEC §8).
///
/// The chain is walked from the outermost error in; the first error whose class is known decides:
/// - a [`Failure`] keeps the class and hint it was raised with (its raiser knew them);
/// - an `RpcError` from the API is classed by its JSON-RPC code (API.md §5: -32001 auth, -32003,
///   -32008, -32009 denied, -32029 quota, -32603 network, any other rejected), and its hint is
///   chosen by mnemonic and fitted to the innermost [`Scope`] around it; any other `RpcError`
///   (transport, HTTP, malformed, too large) is network, an HTTP 404 with a hint at the endpoint's
///   shape (the commands, which know the endpoint, raise it as a `Failure` naming the URL to try);
/// - a broken pipe ends the run quietly with success (the reader left);
/// - anything else is internal (1).
///
/// Then one rule about the key: an auth failure (4) under a scope whose key is a stored session's
/// reads "the stored session has ended" and hints at `funnels login`, whatever the API said.
pub fn classify(err: &anyhow::Error) -> Verdict {
    let (mut verdict, scope) = classify_in(err, Scope::default());
    if scope.session_key && verdict.exit == Exit::Auth {
        verdict.headline = Some("the stored session has ended");
        verdict.hint = Some("run funnels login".to_owned());
    }
    verdict
}

/// The verdict, and the innermost scope met on the way to the error that decided it.
fn classify_in(err: &anyhow::Error, scope: Scope) -> (Verdict, Scope) {
    // A `Failure` given as context is found only through anyhow's own downcast.
    if let Some(f) = err.downcast_ref::<Failure>() {
        return (Verdict::of(f.exit, f.hint.clone()), scope);
    }
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return (Verdict::of(f.exit, f.hint.clone()), scope);
        }
        if let Some(scoped) = cause.downcast_ref::<Scoped>() {
            // The chain skips the wrapped error itself (only its text shows): look inside.
            return classify_in(&scoped.inner, scoped.scope);
        }
        if let Some(e) = cause.downcast_ref::<RpcError>() {
            return (rpc_verdict(e, scope), scope);
        }
        if let Some(e) = cause.downcast_ref::<io::Error>() {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return (Verdict { broken_pipe: true, ..Verdict::of(Exit::Success, None) }, scope);
            }
        }
    }
    (Verdict::of(Exit::Internal, None), scope)
}

/// The API or transport error behind `err`, looking inside scopes; `None` for a local failure.
pub fn rpc_error(err: &anyhow::Error) -> Option<&RpcError> {
    if err.downcast_ref::<Failure>().is_some() {
        return None;
    }
    for cause in err.chain() {
        if cause.downcast_ref::<Failure>().is_some() {
            return None;
        }
        if let Some(scoped) = cause.downcast_ref::<Scoped>() {
            return rpc_error(&scoped.inner);
        }
        if let Some(e) = cause.downcast_ref::<RpcError>() {
            return Some(e);
        }
    }
    None
}

/// What an HTTP 404 from the endpoint most likely means: the URL has a path the API does not
/// serve. The Data API lives at `/v2.0` exactly (API.md §1); `endpoint` is the one in use, and the
/// hint names the URL to try when it is not that shape.
pub fn endpoint_hint(endpoint: &str) -> String {
    let suggestion = endpoint.parse::<ureq::http::Uri>().ok().and_then(|uri| {
        let (scheme, authority) = (uri.scheme_str()?, uri.authority()?);
        let try_this = format!("{scheme}://{authority}/v2.0");
        (uri.path() != "/v2.0").then_some(try_this)
    });
    match suggestion {
        Some(url) => format!("{ENDPOINT_SHAPE}: try {}", crate::redact::hide(&url)),
        None => format!("{ENDPOINT_SHAPE} (e.g. https://dataapi.comagic.ru/v2.0); {ENDPOINT_PLACES}"),
    }
}

/// The shape of a Data API endpoint (API.md §1), and where an endpoint is set.
const ENDPOINT_SHAPE: &str = "the endpoint is the API's URL itself, `https://HOST/v2.0`, nothing after it";
const ENDPOINT_PLACES: &str = "check --endpoint, FUNNELS_ENDPOINT or the profile's `endpoint`";

fn rpc_verdict(err: &RpcError, scope: Scope) -> Verdict {
    let (exit, hint) = match err {
        RpcError::Api(api) => api_class(api, scope),
        // Nothing at that path: the commands name the URL to try (`endpoint_hint`); this is the
        // hint for an error that reaches here without them.
        RpcError::Http { status: 404, .. } => (Exit::Network, Some(format!("{ENDPOINT_SHAPE}; {ENDPOINT_PLACES}"))),
        _ => (Exit::Network, None),
    };
    Verdict::of(exit, hint)
}

/// The web UI path to an account's API whitelist, in both languages of the vendors' UIs.
const WHITELIST_PATH: &str = "Администратор → Аккаунт → Правила и настройки безопасности → API \
                              (Administrator → Account → Security rules and settings → API)";

/// API.md §5: the code names the group, the mnemonic refines the hint, the scope fits it to the case.
fn api_class(api: &ApiError, scope: Scope) -> (Exit, Option<String>) {
    let mnemonic = api.mnemonic.as_deref().unwrap_or("");
    let exit = match api.code {
        -32001 => Exit::Auth,
        -32003 | -32008 | -32009 => Exit::Denied,
        -32029 => Exit::Quota,
        -32603 => Exit::Network,
        _ => Exit::Rejected,
    };
    let hint = match (api.code, mnemonic) {
        // An agent acting for a client is let in by the client's whitelist, not its own.
        (_, "ip_not_whitelisted") => Some(match scope.user_id {
            Some(id) => {
                format!(
                    "add this machine's IP to the API whitelist of the client's account (user {id}), not the agent's: {WHITELIST_PATH}"
                )
            }
            None => format!("add this machine's IP to the account's API whitelist: {WHITELIST_PATH}"),
        }),
        // A client token may be refused either way by the agents-only method.
        (_, "forbidden" | "method_not_found") if scope.agents_only => Some(
            "listing client users needs an agent (partner) account; a client account lists its own funnels \
             with funnels list, without --user-id or --all-users"
                .to_owned(),
        ),
        // `component_disabled` is the sister API's spelling.
        (_, "method_component_disabled" | "parameter_component_disabled" | "component_disabled") => {
            Some("the account needs the `sales_funnel` component enabled; ask its administrator".to_owned())
        }
        (_, "access_token_expired") => Some("make a new key in the web UI, or run funnels login".to_owned()),
        (_, "access_token_invalid" | "access_token_blocked") => {
            Some("check the key and the platform (keys of one platform are not valid on another)".to_owned())
        }
        (-32602, _) if api.field.as_deref() == Some("user_id") => Some(match scope.user_id {
            Some(id) => format!("user id {id} may be wrong; list the client users with funnels users"),
            None => "agent accounts must pass --user-id; list them with funnels users".to_owned(),
        }),
        _ => None,
    };
    (exit, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64, mnemonic: &str, field: Option<&str>) -> anyhow::Error {
        RpcError::Api(Box::new(ApiError {
            code,
            message: format!("{mnemonic} happened"),
            mnemonic: Some(mnemonic.to_owned()),
            field: field.map(str::to_owned),
            value: None,
            limit_type: None,
            metadata: None,
            quota_note: None,
        }))
        .into()
    }

    fn hint(err: &anyhow::Error) -> String {
        classify(err).hint.unwrap_or_default()
    }

    #[test]
    fn a_scope_changes_neither_the_message_nor_the_chain() {
        let plain = api(-32003, "ip_not_whitelisted", None).context("user 12").context("the output is incomplete");
        let scoped = Scope::acting_for(Some(12))
            .attach(api(-32003, "ip_not_whitelisted", None).context("user 12"))
            .context("the output is incomplete");
        assert_eq!(format!("{scoped:#}"), format!("{plain:#}"));
        assert_eq!(scoped.to_string(), plain.to_string());
        assert_eq!(scoped.chain().count(), plain.chain().count());
        assert_eq!(classify(&scoped).exit, Exit::Denied);
    }

    #[test]
    fn the_whitelist_that_matters_is_the_clients_when_acting_for_one() {
        let own = hint(&api(-32003, "ip_not_whitelisted", None));
        assert!(own.starts_with("add this machine's IP to the account's API whitelist: "), "{own}");
        let client = hint(&Scope::acting_for(Some(12)).attach(api(-32003, "ip_not_whitelisted", None)));
        assert!(client.starts_with(
            "add this machine's IP to the API whitelist of the client's account (user 12), not the agent's: "
        ));
        for text in [&own, &client] {
            assert!(text.contains("Администратор → Аккаунт → Правила и настройки безопасности → API"), "{text}");
            assert!(text.contains("Administrator → Account → Security rules and settings → API"), "{text}");
        }
        assert_eq!(hint(&Scope::acting_for(None).attach(api(-32003, "ip_not_whitelisted", None))), own);
    }

    #[test]
    fn the_agents_only_method_refused_says_an_agent_account_is_needed() {
        for (code, mnemonic, exit) in
            [(-32003, "forbidden", Exit::Denied), (-32601, "method_not_found", Exit::Rejected)]
        {
            let verdict = classify(&Scope::agents_only().attach(api(code, mnemonic, None)));
            assert_eq!(verdict.exit, exit, "{mnemonic}");
            assert!(verdict.hint.unwrap_or_default().contains("needs an agent (partner) account"), "{mnemonic}");
            // The same answer to a funnels call is not about agents.
            assert_eq!(classify(&Scope::acting_for(None).attach(api(code, mnemonic, None))).hint, None, "{mnemonic}");
        }
    }

    #[test]
    fn both_spellings_of_a_disabled_component_get_the_component_hint() {
        for (code, mnemonic) in [
            (-32008, "method_component_disabled"),
            (-32008, "parameter_component_disabled"),
            (-32008, "component_disabled"),
        ] {
            let verdict = classify(&api(code, mnemonic, None));
            assert_eq!(verdict.exit, Exit::Denied);
            assert!(verdict.hint.unwrap_or_default().contains("`sales_funnel` component"), "{mnemonic}");
        }
    }

    #[test]
    fn a_user_id_error_asks_for_one_only_when_none_was_given() {
        let missing = hint(&Scope::acting_for(None).attach(api(-32602, "required_parameter_missed", Some("user_id"))));
        assert_eq!(missing, "agent accounts must pass --user-id; list them with funnels users");
        let wrong = hint(&Scope::acting_for(Some(77)).attach(api(-32602, "invalid_parameter_value", Some("user_id"))));
        assert_eq!(wrong, "user id 77 may be wrong; list the client users with funnels users");
    }

    #[test]
    fn the_innermost_scope_wins_and_failures_and_broken_pipes_still_show_through() {
        let inner = Scope::agents_only().attach(api(-32003, "ip_not_whitelisted", None));
        let outer = Scope::acting_for(Some(5)).attach(inner.context("users"));
        assert!(hint(&outer).starts_with("add this machine's IP"), "{}", hint(&outer));

        let failure = Scope::acting_for(Some(5)).attach(Failure::new(Exit::NotFound, "gone").hint("look").into());
        let verdict = classify(&failure);
        assert_eq!((verdict.exit, verdict.hint.as_deref()), (Exit::NotFound, Some("look")));

        let pipe = Scope::acting_for(None).attach(anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)));
        assert!(classify(&pipe.context("could not write the output")).broken_pipe);
    }

    #[test]
    fn a_refused_session_key_reads_as_an_ended_session() {
        let refused = || api(-32001, "access_token_expired", None);
        let verdict = classify(&Scope::acting_for(Some(3)).session_key(true).attach(refused().context("user 3")));
        assert_eq!((verdict.exit, verdict.hint.as_deref()), (Exit::Auth, Some("run funnels login")));
        let err = Scope::acting_for(None).session_key(true).attach(refused()).context("users");
        assert_eq!(
            classify(&err).message(&err),
            "the stored session has ended: users: access_token_expired happened (access_token_expired)"
        );

        // Another key's refusal keeps the mnemonic's hint and its own message.
        let err = Scope::acting_for(None).attach(refused());
        let verdict = classify(&err);
        assert_eq!(verdict.hint.as_deref(), Some("make a new key in the web UI, or run funnels login"));
        assert_eq!(verdict.message(&err), "access_token_expired happened (access_token_expired)");
        // A session key refused for another reason is not an ended session.
        let err = Scope::acting_for(None).session_key(true).attach(api(-32003, "ip_not_whitelisted", None));
        let verdict = classify(&err);
        assert_eq!((verdict.exit, verdict.headline), (Exit::Denied, None));
    }

    #[test]
    fn a_quota_refusal_is_exit_6_whatever_its_mnemonic() {
        for mnemonic in ["limit_exceeded", "", "something_new"] {
            assert_eq!(classify(&api(-32029, mnemonic, None)).exit, Exit::Quota, "{mnemonic}");
        }
    }

    #[test]
    fn a_404_is_a_network_failure_that_hints_at_the_endpoint_shape() {
        let not_found = RpcError::Http { status: 404, content_type: "text/plain".into(), excerpt: "404".into() };
        let verdict = classify(&Scope::acting_for(Some(12)).attach(anyhow::Error::new(not_found)));
        assert_eq!(verdict.exit, Exit::Network);
        assert!(
            verdict.hint.unwrap_or_default().starts_with("the endpoint is the API's URL itself, `https://HOST/v2.0`")
        );
        let other = RpcError::Http { status: 500, content_type: "text/plain".into(), excerpt: "oops".into() };
        assert_eq!(classify(&anyhow::Error::new(other)).hint, None);
    }

    #[test]
    fn the_endpoint_hint_names_the_url_to_try() {
        let shape = "the endpoint is the API's URL itself, `https://HOST/v2.0`, nothing after it";
        for (endpoint, try_this) in [
            ("https://dataapi.uiscom.ru/v2.0/", "https://dataapi.uiscom.ru/v2.0"),
            ("https://dataapi.uiscom.ru", "https://dataapi.uiscom.ru/v2.0"),
            ("http://127.0.0.1:8089/", "http://127.0.0.1:8089/v2.0"),
            ("https://dataapi.comagic.ru/v2.0/get.sales_funnel", "https://dataapi.comagic.ru/v2.0"),
        ] {
            assert_eq!(endpoint_hint(endpoint), format!("{shape}: try {try_this}"), "{endpoint}");
        }
        // Already that shape: the host may be wrong; say where the endpoint is set.
        let hint = endpoint_hint("https://example.org/v2.0");
        assert!(hint.starts_with(shape) && hint.contains("FUNNELS_ENDPOINT"), "{hint}");
    }

    #[test]
    fn the_rpc_error_is_found_inside_scopes_but_not_behind_a_failure() {
        let not_found = || RpcError::Http { status: 404, content_type: String::new(), excerpt: String::new() };
        let scoped = Scope::acting_for(None).attach(anyhow::Error::new(not_found())).context("fetching");
        assert!(matches!(rpc_error(&scoped), Some(RpcError::Http { status: 404, .. })));
        let behind = anyhow::Error::new(not_found()).context(Failure::new(Exit::Config, "local"));
        assert!(rpc_error(&behind).is_none());
    }
}
