//! The four methods the sandbox serves (`get.sales_funnel`, `get.customer_users`, `login.user`,
//! `logout.user`) and the [`Service`] they answer from: the data sets, the accounts and the switches
//! that shape the answers.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::accounts::{
    Account, Accounts, LoginSession, SESSION_LIFETIME, invalid_token, static_account, token_param, unix_now,
};
use crate::data;
use crate::options::{Brand, Options};
use crate::query::{Query, param};
use crate::refusal::{FailedCall, ForAccount, Refusal};
use crate::table::Table;

/// Everything an answer depends on, shared by every connection thread.
pub(crate) struct Service {
    /// The funnels of the client account and user 12, of user 13, of user 14.
    funnels: [Table; 3],
    users: Table,
    /// `--users`: clients `data::FIRST_EXTRA_USER..` whose funnels are built when asked for.
    extra_users: i64,
    brand: Brand,
    pub(crate) null_error_ids: bool,
    pub(crate) bare_errors: bool,
    pub(crate) latency: Duration,
    pub(crate) verbose: bool,
    pub(crate) accounts: Accounts,
}

impl Service {
    pub(crate) fn new(opts: &Options) -> Self {
        Service {
            funnels: [data::main_funnels(opts.funnels, opts.mutate), data::beta_funnels(), data::vector_funnels()],
            users: data::customer_users(i64::from(opts.users)),
            extra_users: i64::from(opts.users),
            brand: opts.platform.unwrap_or(Brand::Comagic),
            null_error_ids: opts.null_error_ids,
            bare_errors: opts.bare_errors,
            latency: opts.latency,
            verbose: opts.verbose,
            accounts: Accounts::new(opts.windows(), opts.fail_every),
        }
    }
}

/// Answers `method` by writing its `result` value into `out`, or says why not.
pub(crate) fn call(
    service: &Service,
    method: &str,
    params: &Map<String, Value>,
    out: &mut String,
) -> Result<(), FailedCall> {
    match method {
        "get.sales_funnel" => get_sales_funnel(service, params, out),
        "get.customer_users" => get_customer_users(service, params, out),
        "login.user" => login_user(service, params, out),
        "logout.user" => logout_user(service, params, out),
        _ => Err(Refusal::new(-32601, "method_not_found", format!("Method \"{method}\" not found"))
            .at("method", Some(&Value::String(method.to_string())))
            .into()),
    }
}

fn get_sales_funnel(service: &Service, params: &Map<String, Value>, out: &mut String) -> Result<(), FailedCall> {
    let account = service.accounts.authenticate(params)?;
    check_keys(params, &["access_token", "user_id", "limit", "offset", "filter", "fields", "sort"]).of(account)?;
    // The funnels of a `--users` client, built for this call.
    let built: Table;
    let table = match account {
        Account::Client => &service.funnels[0],
        Account::Agent => {
            let Some(raw) = param(params, "user_id") else {
                return Err(Refusal::required("user_id")).of(account);
            };
            let Some(user_id) = raw.as_i64() else {
                return Err(Refusal::data_type("user_id", raw, "an integer")).of(account);
            };
            match user_id {
                12 => &service.funnels[0],
                13 => &service.funnels[1],
                14 => &service.funnels[2],
                99 => {
                    return Err(Refusal::new(
                        -32008,
                        "method_component_disabled",
                        "The component \"sales_funnel\" is disabled for this user",
                    ))
                    .of(account);
                }
                id if (data::FIRST_EXTRA_USER..data::FIRST_EXTRA_USER + service.extra_users).contains(&id) => {
                    built = data::client_funnels(id);
                    &built
                }
                _ => {
                    return Err(Refusal::invalid("user_id", raw, "no such client user of the agent")).of(account);
                }
            }
        }
    };
    let query = Query::parse(table.fields, service.brand, params).of(account)?;
    answer_query(service, account, table, &query, out)
}

fn get_customer_users(service: &Service, params: &Map<String, Value>, out: &mut String) -> Result<(), FailedCall> {
    let account = service.accounts.authenticate(params)?;
    if account == Account::Client {
        return Err(Refusal::new(-32003, "forbidden", "The method is available to agent accounts only")).of(account);
    }
    check_keys(params, &["access_token", "limit", "offset", "filter", "fields", "sort"]).of(account)?;
    let query = Query::parse(service.users.fields, service.brand, params).of(account)?;
    answer_query(service, account, &service.users, &query, out)
}

fn answer_query(
    service: &Service,
    account: Account,
    table: &Table,
    query: &Query,
    out: &mut String,
) -> Result<(), FailedCall> {
    out.push_str(r#"{"data":"#);
    let total = query.run(table, out);
    let limits = service.accounts.charge(account).of(account)?;
    let _ = write!(out, r#","metadata":{{"total_items":{total},"version":null,"limits":{limits}}}}}"#);
    Ok(())
}

fn login_user(service: &Service, params: &Map<String, Value>, out: &mut String) -> Result<(), FailedCall> {
    check_keys(params, &["login", "password"])?;
    let text = |key: &str| -> Result<String, Refusal> {
        match param(params, key) {
            None => Err(Refusal::required(key)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(Refusal::data_type(key, other, "a string")),
        }
    };
    let (login, password) = (text("login")?, text("password")?);
    let now = unix_now();
    let (account, expire_at) = match (login.as_str(), password.as_str()) {
        ("demo", "demo") => (Account::Client, now + SESSION_LIFETIME),
        ("demo-agent", "demo") => (Account::Agent, now + SESSION_LIFETIME),
        ("expired", "demo") => (Account::Client, now.saturating_sub(60)),
        _ => return Err(Refusal::new(-32001, "auth_error", "Wrong login or password").into()),
    };
    let key = service.accounts.open_session(LoginSession { account, expire_at });
    let _ = write!(out, r#"{{"data":{{"access_token":"{key}","expire_at":{expire_at},"app_id":1}}}}"#);
    Ok(())
}

fn logout_user(service: &Service, params: &Map<String, Value>, out: &mut String) -> Result<(), FailedCall> {
    check_keys(params, &["access_token"])?;
    let token = token_param(params)?;
    // A session ends (even an expired one); the permanent demo keys cannot be logged out.
    if !service.accounts.end_session(token) && static_account(token).is_none() {
        return Err(invalid_token(token).into());
    }
    out.push_str(r#"{"data":{}}"#);
    Ok(())
}

fn check_keys(params: &Map<String, Value>, allowed: &[&str]) -> Result<(), Refusal> {
    match params.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(Refusal::unexpected(key, key)),
        None => Ok(()),
    }
}
