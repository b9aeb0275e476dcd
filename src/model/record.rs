//! What every record type provides, and what the stages after it ask of one: a [`Schema`] (the API
//! method, its fields and what each allows), a [`Cell`] for each of those fields ([`Record`]), and a
//! key that identifies a record ([`Keyed`]).
//!
//! The traits live here, beside the data, rather than with `query`, `output` or `pager`, so that a
//! record type's file (`funnel.rs`, `user.rs`) holds everything that knows its field names and no
//! module below the model has to import one above it.

use std::hash::Hash;

use serde::Serialize;

use super::Stage;

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
    /// `--filter` expressions the help shows as examples, first the one of the short help.
    pub filter_examples: [&'static str; 3],
}

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

impl Schema {
    /// The field called exactly `name` (field names are lower-case and matched as typed).
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Names of the fields `--filter` accepts, in API order.
    pub fn filterable(&self) -> impl Iterator<Item = &'static str> + Clone + use<> {
        self.fields.iter().filter(|f| f.filterable).map(|f| f.name)
    }

    /// Names of the fields `--sort` accepts, in API order.
    pub fn sortable(&self) -> impl Iterator<Item = &'static str> + Clone + use<> {
        self.fields.iter().filter(|f| f.sortable).map(|f| f.name)
    }

    /// Names of every selectable field, in API order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + Clone + use<> {
        self.fields.iter().map(|f| f.name)
    }
}

/// One field value of a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Null,
    /// A funnel's stages as received (`None` = `null`).
    Stages(Option<&'a [Stage]>),
}

impl<'a> Cell<'a> {
    /// Text, or null when the API sent none.
    pub fn text(value: Option<&'a str>) -> Self {
        value.map_or(Cell::Null, Cell::Text)
    }

    /// A number, or null when the API sent none.
    pub fn int(value: Option<i64>) -> Self {
        value.map_or(Cell::Null, Cell::Int)
    }
}

/// A record the writers can print: a value for each field of its schema.
///
/// Field names come from the schema (`query` accepts no other), so a name the record does not know
/// is a bug, never data: [`unknown_field`] says so in debug builds instead of printing an empty
/// column, and a test holds every record type to a cell for each of its schema's fields.
pub trait Record {
    fn cell(&self, field: &str) -> Cell<'_>;
}

/// The answer of [`Record::cell`] to a name its record type does not have: a panic in debug builds
/// (and tests), an empty cell in a release build rather than a crash halfway through an export.
pub fn unknown_field(field: &str) -> Cell<'static> {
    debug_assert!(false, "no field `{field}` in this record type");
    Cell::Null
}

/// A record with an identity, for de-duplication and the no-progress guard of paging.
pub trait Keyed {
    type Key<'a>: Hash
    where
        Self: 'a;
    /// `None` when the key field was not returned: such records are never treated as repeats.
    fn key(&self) -> Option<Self::Key<'_>>;
}
