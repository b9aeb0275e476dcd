//! The error answers of API.md §5 as values: what every layer below the envelope returns when it
//! refuses a call, and the account whose limits the error body then reports.

use serde_json::Value;

use crate::accounts::Account;

/// A JSON-RPC error as API.md §5 shapes it.
pub(crate) struct Refusal {
    pub(crate) code: i64,
    pub(crate) mnemonic: &'static str,
    pub(crate) message: String,
    /// `data.field` and `data.value` (boxed: errors travel through many `Result`s).
    pub(crate) location: Option<Box<(String, Option<Value>)>>,
    /// Pre-serialized `data.params` object.
    pub(crate) params: Option<Box<str>>,
}

impl Refusal {
    pub(crate) fn new(code: i64, mnemonic: &'static str, message: impl Into<String>) -> Self {
        Refusal { code, mnemonic, message: message.into(), location: None, params: None }
    }

    pub(crate) fn at(mut self, field: &str, value: Option<&Value>) -> Self {
        self.location = Some(Box::new((field.to_string(), value.cloned())));
        self
    }

    pub(crate) fn required(field: &str) -> Self {
        Refusal::new(-32602, "required_parameter_missed", format!("Required parameter \"{field}\" is missed"))
            .at(field, None)
    }

    pub(crate) fn invalid(field: &str, value: &Value, why: &str) -> Self {
        Refusal::new(
            -32602,
            "invalid_parameter_value",
            format!("Invalid value {value} of the parameter \"{field}\": {why}"),
        )
        .at(field, Some(value))
    }

    pub(crate) fn data_type(field: &str, value: &Value, expected: &str) -> Self {
        Refusal::new(-32602, "data_type_error", format!("The parameter \"{field}\" must be {expected}, got {value}"))
            .at(field, Some(value))
    }

    pub(crate) fn unexpected(field: &str, value: &str) -> Self {
        Refusal::new(-32602, "unexpected_parameters", format!("Unexpected parameter \"{value}\""))
            .at(field, Some(&Value::String(value.to_string())))
    }
}

/// A failed call and, once the token is known, the account whose limits the error reports.
pub(crate) struct FailedCall {
    pub(crate) error: Refusal,
    pub(crate) account: Option<Account>,
}

impl From<Refusal> for FailedCall {
    fn from(error: Refusal) -> Self {
        FailedCall { error, account: None }
    }
}

/// `.of(account)`: a refusal raised once the token is known reports that account's limits.
pub(crate) trait ForAccount<T> {
    fn of(self, account: Account) -> Result<T, FailedCall>;
}

impl<T> ForAccount<T> for Result<T, Refusal> {
    fn of(self, account: Account) -> Result<T, FailedCall> {
        self.map_err(|error| FailedCall { error, account: Some(account) })
    }
}
