//! A client user of an agent account (`get.customer_users`, API.md §6): the struct, its schema, its
//! cells and its key — everything that knows a user's field names.

use serde::{Deserialize, Serialize};

use super::record::{Cell, FieldSpec, Keyed, Kind, Order, Record, Schema, SortKey, unknown_field};

/// The field names of a client user, as the API spells them.
const ID: &str = "id";
const LOGIN: &str = "login";
const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const CUSTOMER_ID: &str = "customer_id";

/// `get.customer_users` (API.md §6, SPEC §4).
pub static USERS: Schema = Schema {
    method: "get.customer_users",
    noun: "users",
    fields: &[
        FieldSpec { name: ID, kind: Kind::Number, filterable: true, sortable: false },
        FieldSpec { name: LOGIN, kind: Kind::Text, filterable: false, sortable: false },
        FieldSpec { name: NAME, kind: Kind::Text, filterable: true, sortable: true },
        FieldSpec { name: DESCRIPTION, kind: Kind::Text, filterable: false, sortable: false },
        FieldSpec { name: CUSTOMER_ID, kind: Kind::Number, filterable: true, sortable: true },
    ],
    default_sort: &[SortKey { field: CUSTOMER_ID, order: Order::Asc }, SortKey { field: NAME, order: Order::Asc }],
    key: ID,
    filter_examples: ["'name ilike %shop%'", "'customer_id in 1,2,3'", "id=42"],
};

/// A client user of an agent account (`get.customer_users`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
pub struct CustomerUser {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub customer_id: Option<i64>,
}

impl Record for CustomerUser {
    fn cell(&self, field: &str) -> Cell<'_> {
        match field {
            ID => Cell::int(self.id),
            CUSTOMER_ID => Cell::int(self.customer_id),
            LOGIN => Cell::text(self.login.as_deref()),
            NAME => Cell::text(self.name.as_deref()),
            DESCRIPTION => Cell::text(self.description.as_deref()),
            _ => unknown_field(field),
        }
    }
}

impl Keyed for CustomerUser {
    type Key<'a> = i64;
    fn key(&self) -> Option<i64> {
        self.id
    }
}
