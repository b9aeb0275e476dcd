//! Who is calling and what they may still spend: the two demo keys, the sessions `login.user` opens,
//! and each account's point windows (day, hour, minute), charged one point per paid call.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::query::param;
use crate::refusal::Refusal;

/// How long a `login.user` session lasts, in seconds.
pub(crate) const SESSION_LIFETIME: u64 = 3600;

/// The two kinds of account; `as usize` indexes [`Ledger::budgets`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Account {
    Client,
    Agent,
}

/// A key `login.user` handed out.
pub(crate) struct LoginSession {
    pub(crate) account: Account,
    pub(crate) expire_at: u64,
}

/// The length of a point window; `Period::ALL` is the order of `metadata.limits` and of the quota
/// check (the largest spent window is the one `limit_exceeded` names).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Period {
    Day,
    Hour,
    Minute,
}

impl Period {
    pub(crate) const ALL: [Period; 3] = [Period::Day, Period::Hour, Period::Minute];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Hour => "hour",
            Period::Minute => "minute",
        }
    }

    fn length(self) -> Duration {
        Duration::from_secs(match self {
            Period::Day => 86_400,
            Period::Hour => 3600,
            Period::Minute => 60,
        })
    }
}

/// One account's windows, indexed by `Period as usize`; each starts at its first paid call.
#[derive(Default)]
struct Budget {
    tallies: [Tally; 3],
}

/// The points spent in one window since it started.
#[derive(Default)]
struct Tally {
    start: Option<Instant>,
    used: u64,
}

impl Tally {
    fn refresh(&mut self, now: Instant, length: Duration) {
        if self.start.is_some_and(|s| now.duration_since(s) >= length) {
            *self = Tally::default();
        }
    }

    /// Whole seconds until the window resets, rounded up.
    fn reset_secs(&self, now: Instant, length: Duration) -> u64 {
        let left = self.start.map_or(length, |s| length.saturating_sub(now.duration_since(s)));
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }

    fn charge(&mut self, now: Instant) {
        self.start.get_or_insert(now);
        self.used += 1;
    }
}

/// What changes while the sandbox runs, behind one lock.
struct Ledger {
    budgets: [Budget; 2],
    sessions: HashMap<String, LoginSession>,
    /// Paid calls that passed validation, for `--fail-every`.
    paid_calls: u64,
}

/// The accounts' sessions and budgets, shared by every connection thread.
pub(crate) struct Accounts {
    /// The windows in force and their budgets, in `Period::ALL` order.
    windows: Vec<(Period, u64)>,
    fail_every: Option<u64>,
    ledger: Mutex<Ledger>,
}

impl Accounts {
    pub(crate) fn new(windows: Vec<(Period, u64)>, fail_every: Option<u64>) -> Self {
        Accounts {
            windows,
            fail_every,
            ledger: Mutex::new(Ledger { budgets: Default::default(), sessions: HashMap::new(), paid_calls: 0 }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn authenticate(&self, params: &Map<String, Value>) -> Result<Account, Refusal> {
        let token = token_param(params)?;
        if let Some(account) = static_account(token) {
            return Ok(account);
        }
        // An ended session is an unknown key: the docs keep `access_token_expired` for permanent
        // keys (API.md §5), so a logged-out or expired session gets what any unknown key gets.
        match self.lock().sessions.get(token) {
            Some(session) if session.expire_at > unix_now() => Ok(session.account),
            _ => Err(invalid_token(token)),
        }
    }

    /// Stores a new session and returns its key.
    pub(crate) fn open_session(&self, session: LoginSession) -> String {
        let key = format!("sess-{:016x}{:016x}", random_u64(), random_u64());
        self.lock().sessions.insert(key.clone(), session);
        key
    }

    /// Ends the session `token` (even an expired one); false when there was none.
    pub(crate) fn end_session(&self, token: &str) -> bool {
        self.lock().sessions.remove(token).is_some()
    }

    /// Takes one point of every window in force, or says why not (`--fail-every`, or the largest
    /// spent window); returns the limits JSON after it.
    pub(crate) fn charge(&self, account: Account) -> Result<String, Refusal> {
        let now = Instant::now();
        let mut ledger = self.lock();
        ledger.paid_calls += 1;
        if self.fail_every.is_some_and(|n| ledger.paid_calls % n == 0) {
            return Err(Refusal::new(-32603, "internal_error", "Internal error"));
        }
        let budget = &mut ledger.budgets[account as usize];
        for &(period, _) in &self.windows {
            budget.tallies[period as usize].refresh(now, period.length());
        }
        let spent = self.windows.iter().find(|&&(period, max)| budget.tallies[period as usize].used >= max);
        if let Some(&(period, max)) = spent {
            let kind = period.name();
            let mut e = Refusal::new(
                -32029,
                "limit_exceeded",
                format!("Limit per {kind} has been exceeded. Value of current limit per {kind} is {max}"),
            );
            e.params = Some(format!(r#"{{"limit_type":"{kind}","limit_max_value":{max}}}"#).into_boxed_str());
            return Err(e);
        }
        for &(period, _) in &self.windows {
            budget.tallies[period as usize].charge(now);
        }
        Ok(self.limits_json(budget, now))
    }

    /// The `metadata.limits` object of `account` as it stands, for error bodies.
    pub(crate) fn limits_now(&self, account: Account) -> String {
        let now = Instant::now();
        let mut ledger = self.lock();
        let budget = &mut ledger.budgets[account as usize];
        for &(period, _) in &self.windows {
            budget.tallies[period as usize].refresh(now, period.length());
        }
        self.limits_json(budget, now)
    }

    fn limits_json(&self, budget: &Budget, now: Instant) -> String {
        let mut json = String::from("{");
        for &(period, max) in &self.windows {
            let tally = &budget.tallies[period as usize];
            if json.len() > 1 {
                json.push(',');
            }
            let kind = period.name();
            let _ = write!(
                json,
                r#""{kind}_limit":{max},"{kind}_remaining":{},"{kind}_reset":{}"#,
                max.saturating_sub(tally.used),
                tally.reset_secs(now, period.length()),
            );
        }
        json.push('}');
        json
    }
}

pub(crate) fn token_param(params: &Map<String, Value>) -> Result<&str, Refusal> {
    match param(params, "access_token") {
        None => Err(Refusal::required("access_token")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Refusal::data_type("access_token", other, "a string")),
    }
}

/// The API echoes a bad key back (in `value` and the message); clients must redact it.
pub(crate) fn invalid_token(token: &str) -> Refusal {
    Refusal::new(-32001, "access_token_invalid", format!("Invalid access token \"{token}\""))
        .at("access_token", Some(&Value::String(token.to_string())))
}

/// The permanent demo keys.
pub(crate) fn static_account(token: &str) -> Option<Account> {
    match token {
        "demo" => Some(Account::Client),
        "demo-agent" => Some(Account::Agent),
        _ => None,
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// 64 unpredictable bits for session keys from the standard library's per-process hash seed (each
/// `RandomState` gets fresh keys), so that the double needs no random-number crate.
fn random_u64() -> u64 {
    RandomState::new().hash_one(0_u8)
}
