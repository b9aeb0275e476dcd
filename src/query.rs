//! Filter expressions, sort keys and field lists → the API's `filter`, `sort` and `fields` params
//! (SPEC §3, §3.1), checked against a [`Schema`] before any request, with "did you mean" suggestions.
//!
//! INTERFACE STUB: bodies are filled in by the query work; the types and signatures are the contract.

use serde::Serialize;
use serde_json::Value;

/// How a field's filter values are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sent as JSON strings.
    Text,
    /// Sent as JSON numbers; a non-number is a usage error.
    Number,
    /// An array (funnel stages): selectable only.
    Nested,
}

/// One field of a record type.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub filterable: bool,
    pub sortable: bool,
}

/// What one API method accepts.
#[derive(Debug)]
pub struct Schema {
    /// `get.sales_funnel`, `get.customer_users`.
    pub method: &'static str,
    /// Plural noun for messages: "funnels", "users".
    pub noun: &'static str,
    /// Selectable fields in API order.
    pub fields: &'static [FieldSpec],
    /// Sent when no `--sort` is given.
    pub default_sort: &'static [SortKey],
    /// The field that identifies a record (dedupe); always requested.
    pub key: &'static str,
}

/// `get.sales_funnel` (API.md §3).
pub static FUNNELS: Schema = Schema {
    method: "get.sales_funnel",
    noun: "funnels",
    fields: &[
        FieldSpec { name: "ext_id", kind: Kind::Text, filterable: true, sortable: true },
        FieldSpec { name: "name", kind: Kind::Text, filterable: true, sortable: true },
        FieldSpec { name: "stages", kind: Kind::Nested, filterable: false, sortable: false },
    ],
    default_sort: &[SortKey { field: "ext_id", order: Order::Asc }],
    key: "ext_id",
};

/// `get.customer_users` (API.md §6, SPEC §4).
pub static USERS: Schema = Schema {
    method: "get.customer_users",
    noun: "users",
    fields: &[
        FieldSpec { name: "id", kind: Kind::Number, filterable: true, sortable: false },
        FieldSpec { name: "login", kind: Kind::Text, filterable: false, sortable: false },
        FieldSpec { name: "name", kind: Kind::Text, filterable: true, sortable: true },
        FieldSpec { name: "description", kind: Kind::Text, filterable: false, sortable: false },
        FieldSpec { name: "customer_id", kind: Kind::Number, filterable: true, sortable: true },
    ],
    default_sort: &[SortKey { field: "customer_id", order: Order::Asc }, SortKey { field: "name", order: Order::Asc }],
    key: "id",
};

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Asc,
    Desc,
}

/// One element of the API's `sort` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SortKey {
    pub field: &'static str,
    pub order: Order,
}

/// `--filter` expressions → one API filter object: a simple filter for one expression, an
/// `{"filters":[...],"condition":"and"|"or"}` tree for several (`or` when `any`). `None` for none.
/// Errors are usage errors (`exit::usage`) naming the bad part.
pub fn parse_filters(exprs: &[String], any: bool, schema: &Schema) -> anyhow::Result<Option<Value>> {
    todo!()
}

/// `--filter-json JSON|@FILE|-`: parsed and checked only for being a JSON object. `read_stdin` is
/// called for `-`.
pub fn parse_filter_json(arg: &str, read_stdin: impl FnOnce() -> std::io::Result<String>) -> anyhow::Result<Value> {
    todo!()
}

/// `--sort` values (each may hold several comma-separated keys) → sort keys; the schema's default
/// when none are given.
pub fn parse_sort(specs: &[String], schema: &Schema) -> anyhow::Result<Vec<SortKey>> {
    todo!()
}

/// `--fields LIST` → selected field names in the given order; all fields in API order when `None`.
pub fn parse_fields(list: Option<&str>, schema: &Schema) -> anyhow::Result<Vec<&'static str>> {
    todo!()
}

/// The nearest candidate to a misspelt word, if it is near enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    todo!()
}
