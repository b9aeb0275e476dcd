//! Typed shapes of what the Data API sends back (API.md §3, §4, §6).
//!
//! Pages are deserialized straight into these structs: a 10 000-funnel page parsed into
//! `serde_json::Value` would cost many times its size. Every field is optional because `fields` may
//! leave any of them out and the API sends `null` for empty values. ext_ids are client-chosen strings
//! that often look numeric; a server that sends them as JSON numbers is coped with, never trusted to
//! round-trip through a float.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Server text of funnels and stages: strings of up to 24 bytes (most ext_ids and stage names,
/// Cyrillic ones too) live inline, so a 10 000-funnel page is not ~180 000 separate allocations.
pub type Text = compact_str::CompactString;

/// One stage of a funnel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Funnel {
    #[serde(default, deserialize_with = "string_or_number")]
    pub ext_id: Option<Text>,
    #[serde(default)]
    pub name: Option<Text>,
    /// `None` when the API sent `null` or left the field out; kept as received for `-o json`.
    #[serde(default)]
    pub stages: Option<Vec<Stage>>,
}

impl Funnel {
    /// The stages ordered by `stage_order` (stages without an order last, otherwise stable).
    pub fn stages_in_order(&self) -> Vec<&Stage> {
        let mut stages: Vec<&Stage> = self.stages.iter().flatten().collect();
        stages.sort_by_key(|s| (s.stage_order.is_none(), s.stage_order));
        stages
    }
}

/// A client user of an agent account (`get.customer_users`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
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

/// `result.metadata` (and `error.data.metadata`). Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub total_items: Option<u64>,
    #[serde(default)]
    pub limits: Option<Limits>,
    #[serde(default)]
    pub api_version: Option<ApiVersion>,
}

/// The point budgets left; any key may be missing (`limits` can be `{}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct Limits {
    #[serde(default)]
    pub day_limit: Option<u64>,
    #[serde(default)]
    pub day_remaining: Option<u64>,
    /// Seconds until the day budget resets.
    #[serde(default)]
    pub day_reset: Option<u64>,
    #[serde(default)]
    pub minute_limit: Option<u64>,
    #[serde(default)]
    pub minute_remaining: Option<u64>,
    /// Seconds until the minute budget resets.
    #[serde(default)]
    pub minute_reset: Option<u64>,
}

/// Sent when the called API version is deprecated.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct ApiVersion {
    #[serde(default)]
    pub current_version_deprecated: Option<bool>,
    #[serde(default)]
    pub current_version: Option<String>,
    #[serde(default)]
    pub latest_version: Option<String>,
}

/// `login.user`'s `result.data`; one CoMagic example spells `expire_at` as `expire`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Session {
    pub access_token: String,
    #[serde(alias = "expire")]
    pub expire_at: Option<i64>,
    #[serde(default)]
    pub app_id: Option<serde_json::Value>,
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
    fn session_accepts_both_spellings() {
        let a: Session = serde_json::from_str(r#"{"access_token":"k","expire_at":5}"#).unwrap();
        let b: Session = serde_json::from_str(r#"{"access_token":"k","expire":5}"#).unwrap();
        assert_eq!(a.expire_at, b.expire_at);
    }
}
