//! What the API says about a call besides its data: `result.metadata` (and `error.data.metadata`),
//! the point windows of its `limits`, the deprecation notice, and the one reader of the numbers a
//! server hands the client to count or wait with (API.md §4, SPEC §3.2, §7).
//!
//! Numbers the server hands the client (`total_items`, window sizes, remainders, resets) go through
//! one reader, [`server_number`]: a whole number from 0 to 2^53 or nothing, so no arithmetic on them
//! can wrap (SPEC §3.2).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::Text;

/// `result.metadata` (and `error.data.metadata`). Unknown keys are ignored, and each part is read on
/// its own (API.md §4): an odd `limits` or `api_version` never costs the paging its total.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(from = "RawMetadata")]
pub struct Metadata {
    pub total_items: Option<u64>,
    /// `total_items` was there but not a whole number from 0 to 2^53: a page carrying it is a
    /// malformed response. Kept as a flag so that an error's metadata still yields its limits.
    pub odd_total: bool,
    /// Empty when `limits` was missing, `{}`, or not an object.
    pub limits: Limits,
    pub api_version: Option<ApiVersion>,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default, deserialize_with = "server_reading")]
    total_items: Reading,
    #[serde(default, deserialize_with = "lenient")]
    limits: Option<Limits>,
    #[serde(default, deserialize_with = "lenient")]
    api_version: Option<ApiVersion>,
}

impl From<RawMetadata> for Metadata {
    fn from(raw: RawMetadata) -> Metadata {
        let (total_items, odd_total) = match raw.total_items {
            Reading::Absent => (None, false),
            Reading::Number(n) => (Some(n), false),
            Reading::Odd => (None, true),
        };
        Metadata { total_items, odd_total, limits: raw.limits.unwrap_or_default(), api_version: raw.api_version }
    }
}

/// A point budget's name: the `<type>` of a `<type>_limit/_remaining/_reset` triple. The derived
/// order is the display order: day, hour, minute, then other types by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WindowType {
    Day,
    Hour,
    Minute,
    /// A type the API documents nowhere yet (`week`, …): shown and obeyed like the others.
    Other(Text),
}

impl WindowType {
    /// Longest `<type>` taken from a key; longer ones are not windows but noise.
    const MAX_NAME: usize = 32;

    /// The API's spelling (`day`, `hour`, `minute`, …).
    pub fn as_str(&self) -> &str {
        match self {
            WindowType::Day => "day",
            WindowType::Hour => "hour",
            WindowType::Minute => "minute",
            WindowType::Other(name) => name,
        }
    }

    /// The type named by a `limit_type` or a key's prefix, without regard to case: ASCII letters,
    /// digits and `_`, at most [`Self::MAX_NAME`] bytes. Anything else names no window, so server
    /// text never reaches a terminal or a JSON key through one.
    pub fn parse(name: &str) -> Option<WindowType> {
        let well_formed = !name.is_empty()
            && name.len() <= Self::MAX_NAME
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !well_formed {
            return None;
        }
        Some(match name.to_ascii_lowercase().as_str() {
            "day" => WindowType::Day,
            "hour" => WindowType::Hour,
            "minute" => WindowType::Minute,
            other => WindowType::Other(Text::from(other)),
        })
    }
}

impl fmt::Display for WindowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One point budget. Each part is read on its own; a part that is not a server number is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Seconds until the budget resets.
    pub reset: Option<u64>,
}

/// The point budgets of a `limits` object: every `<type>_limit/_remaining/_reset` triple, whatever
/// the type (API.md §4: funnels get day and minute windows, other methods hour windows). `{}` holds
/// none; a window appears once one of its parts is a readable number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Limits {
    windows: BTreeMap<WindowType, Window>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    pub fn get(&self, window: &WindowType) -> Option<&Window> {
        self.windows.get(window)
    }

    /// The windows in display order (day, hour, minute, others by name).
    pub fn iter(&self) -> impl Iterator<Item = (&WindowType, &Window)> {
        self.windows.iter()
    }

    /// The windows whose remaining points are 0, in display order.
    pub fn spent(&self) -> impl Iterator<Item = (&WindowType, &Window)> {
        self.iter().filter(|(_, w)| w.remaining == Some(0))
    }

    /// The points concurrent requests may spend: the minute window's remaining, no more than any
    /// other window's. `None` while the minute count is unknown (then requests stay sequential).
    pub fn minute_budget(&self) -> Option<u64> {
        let minute = self.get(&WindowType::Minute)?.remaining?;
        Some(self.iter().filter_map(|(_, w)| w.remaining).fold(minute, u64::min))
    }

    /// Takes in a newer answer's windows: each window it names replaces the known one, the others
    /// stay as they were, so `limits: {}` (or none) never erases what is known.
    pub fn update(&mut self, newer: &Limits) {
        for (window, budget) in &newer.windows {
            self.windows.insert(window.clone(), *budget);
        }
    }

    fn set(&mut self, window: WindowType, part: Part, value: u64) {
        let budget = self.windows.entry(window).or_default();
        *match part {
            Part::Limit => &mut budget.limit,
            Part::Remaining => &mut budget.remaining,
            Part::Reset => &mut budget.reset,
        } = Some(value);
    }
}

/// Which part of a window a `limits` key holds.
#[derive(Debug, Clone, Copy)]
enum Part {
    Limit,
    Remaining,
    Reset,
}

/// `hour_reset` → (hour, reset); `None` for a key that is no window part.
fn window_part(key: &str) -> Option<(WindowType, Part)> {
    [("_limit", Part::Limit), ("_remaining", Part::Remaining), ("_reset", Part::Reset)]
        .into_iter()
        .find_map(|(suffix, part)| Some((WindowType::parse(key.strip_suffix(suffix)?)?, part)))
}

impl<'de> Deserialize<'de> for Limits {
    /// Field by field: a key that is no window part is skipped, a part that is not a server number
    /// is left unknown, and neither costs the other parts anything.
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Limits, D::Error> {
        struct Parts;

        impl<'de> Visitor<'de> for Parts {
            type Value = Limits;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a limits object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Limits, A::Error> {
                let mut limits = Limits::default();
                while let Some(key) = map.next_key::<String>()? {
                    let Some((window, part)) = window_part(&key) else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    if let Reading::Number(n) = map.next_value::<ServerReading>()?.0 {
                        limits.set(window, part, n);
                    }
                }
                Ok(limits)
            }
        }

        de.deserialize_map(Parts)
    }
}

/// [`server_reading`] as a type, for places that take a `Deserialize` (map values).
struct ServerReading(Reading);

impl<'de> Deserialize<'de> for ServerReading {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<ServerReading, D::Error> {
        server_reading(de).map(ServerReading)
    }
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

/// The largest number the client takes from a server: 2^53, the largest integer every JSON reader
/// keeps exactly. Sums and `+ 1`s on such numbers cannot wrap a `u64`.
pub const MAX_SERVER_NUMBER: u64 = 1 << 53;

/// A server number given as text (`Retry-After`): digits only. Other text (an HTTP date) is not
/// read and counts as absent; digits beyond the range, even beyond a `u64`, are odd.
pub fn server_number_from_text(text: &str) -> Reading {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Reading::Absent;
    }
    text.parse::<u64>().map_or(Reading::Odd, Reading::of)
}

/// What a server number field held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reading {
    /// Missing or `null`.
    #[default]
    Absent,
    Number(u64),
    /// Anything else: negative, fractional, beyond 2^53, a string, a bool, an array, an object.
    Odd,
}

impl Reading {
    fn of(n: u64) -> Reading {
        if n <= MAX_SERVER_NUMBER { Reading::Number(n) } else { Reading::Odd }
    }
}

/// The one reader of server numbers (SPEC §3.2): it takes any JSON value and says what it was,
/// consuming arrays and objects whole so that the surrounding parse goes on.
pub fn server_reading<'de, D: Deserializer<'de>>(de: D) -> Result<Reading, D::Error> {
    struct Number;

    impl<'de> Visitor<'de> for Number {
        type Value = Reading;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number from 0 to 2^53, or null")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Reading, E> {
            Ok(Reading::of(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Reading, E> {
            Ok(u64::try_from(v).map_or(Reading::Odd, Reading::of))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Reading, E> {
            Ok(u64::try_from(v).map_or(Reading::Odd, Reading::of))
        }

        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Reading, E> {
            Ok(u64::try_from(v).map_or(Reading::Odd, Reading::of))
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Reading, E> {
            Ok(Reading::Odd)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Reading, E> {
            Ok(Reading::Odd)
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<Reading, E> {
            Ok(Reading::Odd)
        }

        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Reading, E> {
            Ok(Reading::Odd)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Reading, E> {
            Ok(Reading::Absent)
        }

        fn visit_none<E: de::Error>(self) -> Result<Reading, E> {
            Ok(Reading::Absent)
        }

        fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Reading, D::Error> {
            server_reading(de)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Reading, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Reading::Odd)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Reading, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Reading::Odd)
        }
    }

    de.deserialize_any(Number)
}

/// A server number where an odd value is as good as none (the fields of `limits`).
pub fn server_number<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    Ok(match server_reading(de)? {
        Reading::Number(n) => Some(n),
        Reading::Absent | Reading::Odd => None,
    })
}

/// A part of the metadata that is dropped, not fatal, when it has an unexpected shape. Metadata is
/// small, so going through a `Value` costs nothing that matters.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(de: D) -> Result<Option<T>, D::Error> {
    // Objects only: serde's derive would also read a struct from an array.
    Ok(match serde_json::Value::deserialize(de)? {
        object @ serde_json::Value::Object(_) => serde_json::from_value(object).ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(text: &str) -> Metadata {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn total_items_reads_only_whole_numbers_up_to_2_pow_53() {
        assert_eq!(metadata(r#"{"total_items":25000}"#).total_items, Some(25_000));
        assert_eq!(metadata(r#"{"total_items":9007199254740992}"#).total_items, Some(MAX_SERVER_NUMBER));
        for absent in [r"{}", r#"{"total_items":null}"#] {
            let m = metadata(absent);
            assert_eq!((m.total_items, m.odd_total), (None, false), "{absent}");
        }
        for odd in [
            "-1",
            "1.5",
            "1.0",
            "\"5\"",
            "true",
            "18446744073709551616",
            "18446744073709551615",
            "9007199254740993",
            "{\"n\":1}",
            "[1]",
        ] {
            let m = metadata(&format!(r#"{{"total_items":{odd},"limits":{{"day_limit":7}}}}"#));
            assert_eq!((m.total_items, m.odd_total), (None, true), "{odd}");
            assert_eq!(m.limits.get(&WindowType::Day).unwrap().limit, Some(7), "the rest is still read after {odd}");
        }
    }

    #[test]
    fn one_odd_limits_field_never_costs_the_others() {
        let m = metadata(
            r#"{"total_items":3,"limits":{"day_limit":"3500","day_remaining":-1,"day_reset":1.5,
                "minute_limit":200,"minute_remaining":{"x":[1]},"minute_reset":18446744073709551615},
                "api_version":{"current_version_deprecated":"yes"}}"#,
        );
        assert_eq!(m.total_items, Some(3));
        assert_eq!(m.limits.get(&WindowType::Day), None, "no part of the day window was readable");
        assert_eq!(m.limits.get(&WindowType::Minute), Some(&Window { limit: Some(200), remaining: None, reset: None }));
        assert_eq!(m.api_version, None, "a bad api_version is dropped alone");
        let m = metadata(r#"{"total_items":4,"limits":[1,2],"api_version":7}"#);
        assert_eq!((m.total_items, m.limits.is_empty(), m.api_version), (Some(4), true, None));
    }

    fn window(limit: u64, remaining: u64, reset: u64) -> Window {
        Window { limit: Some(limit), remaining: Some(remaining), reset: Some(reset) }
    }

    #[test]
    fn every_type_triple_is_a_window_in_display_order() {
        let m = metadata(
            r#"{"limits":{"minute_limit":200,"minute_remaining":199,"minute_reset":39,
                "week_limit":9,"week_remaining":8,"week_reset":7,
                "hour_limit":4000,"hour_remaining":88,"hour_reset":1200,
                "day_limit":3500,"day_remaining":3305,"day_reset":35139,
                "burst_remaining":0,"version":2,"_limit":5,"Bad-Type_limit":1,"limit":3,
                "a_very_long_window_name_of_forty_bytes_limit":1}}"#,
        );
        let windows: Vec<(&str, Window)> = m.limits.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        assert_eq!(
            windows,
            [
                ("day", window(3500, 3305, 35139)),
                ("hour", window(4000, 88, 1200)),
                ("minute", window(200, 199, 39)),
                ("burst", Window { remaining: Some(0), ..Window::default() }),
                ("week", window(9, 8, 7)),
            ]
        );
        let spent: Vec<&str> = m.limits.spent().map(|(t, _)| t.as_str()).collect();
        assert_eq!(spent, ["burst"]);
    }

    #[test]
    fn an_hour_window_alone_is_read_and_total_items_never_depends_on_limits() {
        let m =
            metadata(r#"{"total_items":12,"limits":{"hour_limit":100000,"hour_remaining":99999,"hour_reset":3599}}"#);
        assert_eq!(m.total_items, Some(12));
        let windows: Vec<&WindowType> = m.limits.iter().map(|(t, _)| t).collect();
        assert_eq!(windows, [&WindowType::Hour]);
        for odd in [r#""limits":"x""#, r#""limits":{"hour_limit":{"a":[1,{"b":2}]}}"#, r#""limits":null"#] {
            let m = metadata(&format!(r#"{{"total_items":12,{odd}}}"#));
            assert_eq!((m.total_items, m.limits.is_empty()), (Some(12), true), "{odd}");
        }
    }

    #[test]
    fn a_newer_answer_replaces_only_the_windows_it_names() {
        let mut known = metadata(r#"{"limits":{"day_limit":3500,"day_remaining":3305,"minute_remaining":199}}"#).limits;
        known.update(&metadata(r#"{"limits":{}}"#).limits);
        known.update(&metadata("{}").limits);
        assert_eq!(known.get(&WindowType::Day).and_then(|w| w.remaining), Some(3305), "{{}} erases nothing");
        known.update(&metadata(r#"{"limits":{"minute_reset":12,"hour_remaining":5}}"#).limits);
        assert_eq!(
            known.get(&WindowType::Minute),
            Some(&Window { reset: Some(12), ..Window::default() }),
            "a window the answer names is replaced whole"
        );
        assert_eq!(known.get(&WindowType::Day).and_then(|w| w.limit), Some(3500));
        assert_eq!(known.get(&WindowType::Hour).and_then(|w| w.remaining), Some(5));
    }

    #[test]
    fn the_minute_budget_is_capped_by_every_other_window() {
        let budget = |limits: &str| metadata(&format!(r#"{{"limits":{limits}}}"#)).limits.minute_budget();
        assert_eq!(budget(r#"{"day_remaining":3305,"minute_remaining":199}"#), Some(199));
        assert_eq!(budget(r#"{"hour_remaining":0,"minute_remaining":199}"#), Some(0), "a spent hour stops prefetch");
        assert_eq!(budget(r#"{"hour_remaining":3,"day_remaining":"x","minute_remaining":199}"#), Some(3));
        assert_eq!(budget(r#"{"hour_remaining":99999}"#), None, "no minute count, no concurrency");
    }

    #[test]
    fn window_types_are_names_not_text() {
        assert_eq!(WindowType::parse("Minute"), Some(WindowType::Minute));
        assert_eq!(WindowType::parse("week_2"), Some(WindowType::Other("week_2".into())));
        for not_a_name in ["", "per minute", "day\u{1b}[31m", "день", &"x".repeat(33)] {
            assert_eq!(WindowType::parse(not_a_name), None, "{not_a_name:?}");
        }
    }

    #[test]
    fn retry_after_text_is_read_as_a_server_number() {
        assert_eq!(server_number_from_text("120"), Reading::Number(120));
        assert_eq!(server_number_from_text("9007199254740993"), Reading::Odd);
        assert_eq!(server_number_from_text("18446744073709551616"), Reading::Odd);
        for not_a_number in ["", "-1", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", " 5"] {
            assert_eq!(server_number_from_text(not_a_number), Reading::Absent, "{not_a_number:?}");
        }
    }
}
