//! A sales funnel and its stages (`get.sales_funnel`, API.md §3): the struct, its schema, its
//! cells, its key and the order of its stages — everything that knows a funnel's field names — and
//! the record of `list --all-users`, a funnel led by its client user's id (SPEC §4).
//!
//! ext_ids are client-chosen strings that often look numeric; a server that sends them as JSON
//! numbers is coped with, never trusted to round-trip through a float.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::Text;
use super::record::{Cell, FieldSpec, Keyed, Kind, Order, Record, Schema, SortKey, unknown_field};

/// The field names of a funnel, as the API spells them.
const EXT_ID: &str = "ext_id";
/// A funnel's name (`show`'s title line names it).
pub const FUNNEL_NAME: &str = "name";
/// The field whose [`Cell::Stages`] expands into [`STAGE_COLUMNS`] when records are flattened.
pub const STAGES_FIELD: &str = "stages";

/// The field names of a [`Stage`].
pub const STAGE_EXT_ID: &str = "stage_ext_id";
/// The column a table colours by a stage's status.
pub const STAGE_STATUS: &str = "stage_status";
/// The field stages are ordered by.
pub const STAGE_ORDER: &str = "stage_order";

/// The columns one stage contributes to a flattened row, in this order (also the keys of a stage
/// object in JSON): the field names of [`Stage`].
pub const STAGE_COLUMNS: [&str; 4] = [STAGE_EXT_ID, "stage_name", STAGE_STATUS, STAGE_ORDER];

/// `get.sales_funnel` (API.md §3).
pub static FUNNELS: Schema = Schema {
    method: "get.sales_funnel",
    noun: "funnels",
    fields: &[
        FieldSpec { name: EXT_ID, kind: Kind::Text, filterable: true, sortable: true },
        FieldSpec { name: FUNNEL_NAME, kind: Kind::Text, filterable: true, sortable: true },
        FieldSpec { name: STAGES_FIELD, kind: Kind::Nested, filterable: false, sortable: false },
    ],
    default_sort: &[SortKey { field: EXT_ID, order: Order::Asc }],
    key: EXT_ID,
    filter_examples: ["name=Main", "'name like %Sales%'", "'ext_id in 1,2,3'"],
};

/// One stage of a funnel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct Stage {
    #[serde(default, deserialize_with = "string_or_number")]
    pub stage_ext_id: Option<Text>,
    #[serde(default)]
    pub stage_name: Option<Text>,
    #[serde(default)]
    pub stage_status: Option<StageStatus>,
    #[serde(default)]
    pub stage_order: Option<i64>,
}

/// The three kinds of stage the API knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    InProcess,
    Success,
    Failed,
}

impl StageStatus {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::InProcess => "in_process",
            StageStatus::Success => "success",
            StageStatus::Failed => "failed",
        }
    }
}

/// A sales funnel as `get.sales_funnel` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
pub struct Funnel {
    #[serde(default, deserialize_with = "string_or_number")]
    pub ext_id: Option<Text>,
    #[serde(default)]
    pub name: Option<Text>,
    /// `None` when the API sent `null` or left the field out; kept as received for `-o json`.
    #[serde(default, deserialize_with = "exact_stages")]
    pub stages: Option<Vec<Stage>>,
}

/// The stages with no room to spare: a list grown one stage at a time holds up to twice its length,
/// and the stage lists are most of what a long run keeps (a third of its memory at 25 000 funnels
/// of 3–12 stages, BENCHMARKS.md).
fn exact_stages<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Vec<Stage>>, D::Error> {
    let mut stages = Option::<Vec<Stage>>::deserialize(de)?;
    if let Some(stages) = &mut stages {
        stages.shrink_to_fit();
    }
    Ok(stages)
}

impl Funnel {
    /// The stages ordered by `stage_order` (stages without an order last, otherwise as received).
    pub fn stages_in_order(&self) -> Vec<&Stage> {
        let mut stages: Vec<&Stage> = self.stages.iter().flatten().collect();
        stages.sort_by_key(|s| s.order_key());
        stages
    }
}

impl Stage {
    /// The one rule of stage order: by `stage_order`, stages without an order last, otherwise in
    /// the order received (sorts using this key are stable).
    fn order_key(&self) -> (bool, Option<i64>) {
        (self.stage_order.is_none(), self.stage_order)
    }

    /// The four cells of a stage, in [`STAGE_COLUMNS`] order.
    pub fn cells(&self) -> [Cell<'_>; 4] {
        [
            Cell::text(self.stage_ext_id.as_deref()),
            Cell::text(self.stage_name.as_deref()),
            Cell::text(self.stage_status.map(StageStatus::as_str)),
            Cell::int(self.stage_order),
        ]
    }
}

/// Calls `f` with each stage in order (the rule of `Stage::order_key`, as
/// [`Funnel::stages_in_order`]). Allocates only when the server's order differs.
pub fn for_each_stage_in_order<'s, E>(
    stages: &'s [Stage],
    mut f: impl FnMut(usize, &'s Stage) -> Result<(), E>,
) -> Result<(), E> {
    if stages.windows(2).all(|w| w[0].order_key() <= w[1].order_key()) {
        stages.iter().enumerate().try_for_each(|(i, s)| f(i, s))
    } else {
        let mut sorted: Vec<&Stage> = stages.iter().collect();
        sorted.sort_by_key(|s| s.order_key());
        sorted.into_iter().enumerate().try_for_each(|(i, s)| f(i, s))
    }
}

impl Record for Funnel {
    fn cell(&self, field: &str) -> Cell<'_> {
        match field {
            EXT_ID => Cell::text(self.ext_id.as_deref()),
            FUNNEL_NAME => Cell::text(self.name.as_deref()),
            STAGES_FIELD => Cell::Stages(self.stages.as_deref()),
            _ => unknown_field(field),
        }
    }
}

impl Keyed for Funnel {
    type Key<'a> = &'a str;
    fn key(&self) -> Option<&str> {
        self.ext_id.as_deref()
    }
}

/// A funnel of one client user: the record of `list --all-users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFunnel {
    pub user_id: i64,
    pub funnel: Funnel,
}

impl UserFunnel {
    /// The field that leads each record, before the funnel's own.
    pub const USER_ID: &str = "user_id";
}

impl Record for UserFunnel {
    fn cell(&self, field: &str) -> Cell<'_> {
        match field {
            Self::USER_ID => Cell::Int(self.user_id),
            _ => self.funnel.cell(field),
        }
    }
}

/// Accepts a JSON string or integer (kept as its decimal text), or null. A visitor rather than an
/// untagged enum, which would buffer every value before trying its variants.
fn string_or_number<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Text>, D::Error> {
    struct Id;

    impl<'de> Visitor<'de> for Id {
        type Value = Option<Text>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, an integer or null")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Text::from(v)))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(compact_str::format_compact!("{v}")))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(compact_str::format_compact!("{v}")))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
            de.deserialize_any(Id)
        }
    }

    de.deserialize_any(Id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_parses_documented_shape_and_null_stages() {
        let f: Funnel = serde_json::from_str(
            r#"{"ext_id":"1","name":"Основная","stages":[
              {"stage_ext_id":"11","stage_name":"Успех","stage_status":"success","stage_order":10010},
              {"stage_ext_id":"10","stage_name":"Новая","stage_status":"in_process","stage_order":1}]}"#,
        )
        .unwrap();
        let order: Vec<_> = f.stages_in_order().iter().map(|s| s.stage_order).collect();
        assert_eq!(order, [Some(1), Some(10010)]);
        let g: Funnel = serde_json::from_str(r#"{"ext_id":7,"name":null,"stages":null}"#).unwrap();
        assert_eq!(g.ext_id.as_deref(), Some("7"));
        assert_eq!(g.stages, None);
        assert!(serde_json::from_str::<Funnel>(r#"{"ext_id":[1]}"#).is_err());
    }

    #[test]
    fn a_stage_list_keeps_no_room_to_spare() {
        for n in [1, 3, 5, 9, 12] {
            let stages: Vec<String> = (0..n).map(|i| format!(r#"{{"stage_ext_id":"{i}"}}"#)).collect();
            let f: Funnel = serde_json::from_str(&format!(r#"{{"stages":[{}]}}"#, stages.join(","))).unwrap();
            let stages = f.stages.unwrap();
            assert_eq!((stages.len(), stages.capacity()), (n, n));
        }
    }
}
