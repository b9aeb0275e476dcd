//! A snapshot as `diff` reads it: the bytes `list -o json` or `list -o ndjson` wrote (with or
//! without `--all-users`), parsed where they lie (SPEC §4 `diff`).
//!
//! Speed and memory are the point here (issue 15: two 110 000-funnel snapshots in half a second, in
//! at most twice their size). So the file is read whole once and every string of a record borrows
//! from those bytes; records are deserialized by hand-written visitors straight into the few fields
//! a comparison needs, with no `Value` tree, and a funnel's stages into a slice of exactly their
//! number. A string with escapes in it (a quote in a name) is unescaped once into memory of its own
//! that is never freed ([`unescaped`]): a plain `&str` is 16 bytes where a `Cow` is 24, and over the
//! 900 000 strings of a big snapshot that is the difference between fitting the memory target and
//! not; the run ends right after the comparison anyway. Each record's byte offset is kept, so that
//! a problem found later (a funnel listed twice) can still name its line; the line itself is
//! counted only then.
//!
//! What counts as a snapshot: a JSON array of funnel objects, or funnel objects one after another
//! (ndjson); empty input is an empty snapshot. A funnel has `ext_id` (a string; an integer is read
//! as its decimal text), `name` and `stages` (each may be null), and with `--all-users` a leading
//! integer `user_id` — in every record or in none. A stage has `stage_ext_id`, `stage_name`,
//! `stage_status` (`in_process`, `success`, `failed` or null, as `list` writes it) and
//! `stage_order`. Other keys are ignored; a missing one is an error, because a
//! snapshot without names or stages (`list --fields ext_id`) would hide exactly the changes `diff`
//! is for.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::StageStatus;

/// Which of `list`'s formats a snapshot is in, kept so that `--update` writes the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One JSON array (`-o json`).
    Json,
    /// One object per line (`-o ndjson`).
    Ndjson,
    /// Nothing but white space: an empty `-o ndjson` snapshot.
    Empty,
}

/// A parsed snapshot.
#[derive(Debug)]
pub struct Snapshot<'a> {
    pub layout: Layout,
    pub funnels: Vec<SnapFunnel<'a>>,
}

impl Snapshot<'_> {
    /// Whether the records carry `user_id` (`list --all-users`); `None` for an empty snapshot,
    /// which fits either shape.
    pub fn per_user(&self) -> Option<bool> {
        self.funnels.first().map(|f| f.user_id.is_some())
    }
}

/// One funnel of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapFunnel<'a> {
    pub user_id: Option<i64>,
    pub ext_id: &'a str,
    pub name: Option<&'a str>,
    /// `None` for `"stages": null`.
    pub stages: Option<Box<[SnapStage<'a>]>>,
    /// Where the record starts in its file (for messages; 0 for live data).
    pub at: usize,
}

/// One stage of a snapshot's funnel (its fields named as in the file).
#[allow(clippy::struct_field_names)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapStage<'a> {
    pub stage_ext_id: &'a str,
    pub stage_name: Option<&'a str>,
    pub stage_status: Option<StageStatus>,
    pub stage_order: Option<i64>,
}

/// Why bytes are not a snapshot, and the 1-based line that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// The 1-based line of byte `at`.
pub fn line_of(bytes: &[u8], at: usize) -> usize {
    // Counted only for a message, once per run: no need for a faster count.
    #[allow(clippy::naive_bytecount)]
    let lines = bytes[..at.min(bytes.len())].iter().filter(|&&b| b == b'\n').count();
    1 + lines
}

/// Parses `bytes` as a snapshot.
pub fn parse(bytes: &[u8]) -> Result<Snapshot<'_>, Malformed> {
    // Checked once as a whole: serde_json then takes every string as it is, where from bytes it
    // would check each of the millions of short strings (and keys) on its own, a tenth of the run.
    let text = std::str::from_utf8(bytes).map_err(|err| Malformed {
        line: line_of(bytes, err.valid_up_to()),
        message: "not UTF-8 text (snapshots are what funnels list writes)".to_owned(),
    })?;
    let start = skip_space(bytes, 0);
    let mut funnels = Vec::new();
    let layout = match bytes.get(start) {
        None => Layout::Empty,
        Some(b'[') => {
            parse_array(text, start, &mut funnels)?;
            Layout::Json
        }
        Some(b'{') => {
            parse_lines(text, start, &mut funnels)?;
            Layout::Ndjson
        }
        Some(_) => {
            return Err(Malformed {
                line: line_of(bytes, start),
                message:
                    "not a snapshot: expected the JSON array of `funnels list -o json` or the objects of `-o ndjson`"
                        .to_owned(),
            });
        }
    };
    if let Some(first) = funnels.first() {
        let per_user = first.user_id.is_some();
        if let Some(odd) = funnels.iter().find(|f| f.user_id.is_some() != per_user) {
            let message = if per_user {
                format!("funnel `{}` has no `user_id`, unlike the records before it (list --all-users)", odd.ext_id)
            } else {
                format!("funnel `{}` has a `user_id`, unlike the records before it", odd.ext_id)
            };
            return Err(Malformed { line: line_of(bytes, odd.at), message });
        }
    }
    Ok(Snapshot { layout, funnels })
}

/// `[ funnel, funnel, ... ]` and nothing after it but white space.
fn parse_array<'a>(text: &'a str, open: usize, out: &mut Vec<SnapFunnel<'a>>) -> Result<(), Malformed> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, open + 1);
    if bytes.get(at) == Some(&b']') {
        return trailing(bytes, at + 1);
    }
    loop {
        at = skip_space(bytes, at);
        let (funnel, end) = one_funnel(text, at)?;
        out.push(funnel);
        at = skip_space(bytes, end);
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b']') => return trailing(bytes, at + 1),
            Some(_) => return Err(malformed(bytes, at, "expected `,` or `]` after a funnel")),
            None => return Err(malformed(bytes, at, "the array ends without `]` (a file cut short?)")),
        }
    }
}

/// Funnel objects one after another (one per line as `-o ndjson` writes them).
fn parse_lines<'a>(text: &'a str, mut at: usize, out: &mut Vec<SnapFunnel<'a>>) -> Result<(), Malformed> {
    let bytes = text.as_bytes();
    while at < bytes.len() {
        if bytes[at] != b'{' {
            return Err(malformed(
                bytes,
                at,
                "expected a funnel object (one per line, as `funnels list -o ndjson` writes)",
            ));
        }
        let (funnel, end) = one_funnel(text, at)?;
        out.push(funnel);
        at = skip_space(bytes, end);
    }
    Ok(())
}

/// The funnel object that starts at `at`, and where it ends.
fn one_funnel(text: &str, at: usize) -> Result<(SnapFunnel<'_>, usize), Malformed> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'{') {
        return Err(malformed(bytes, at, "expected a funnel object"));
    }
    let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<SnapFunnel<'_>>();
    match stream.next() {
        Some(Ok(mut funnel)) => {
            funnel.at = at;
            Ok((funnel, at + stream.byte_offset()))
        }
        Some(Err(err)) => {
            // serde_json counts lines and columns from the start of the slice it was given.
            let line = line_of(bytes, at) + err.line().saturating_sub(1);
            Err(Malformed { line, message: without_position(&err) })
        }
        None => Err(malformed(bytes, at, "expected a funnel object")),
    }
}

/// serde_json's message without its " at line L column C" (the caller names the line).
fn without_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

fn malformed(bytes: &[u8], at: usize, message: &str) -> Malformed {
    Malformed { line: line_of(bytes, at), message: message.to_owned() }
}

/// Nothing but white space after the array.
fn trailing(bytes: &[u8], at: usize) -> Result<(), Malformed> {
    let rest = skip_space(bytes, at);
    if rest < bytes.len() {
        return Err(malformed(bytes, rest, "something follows the array"));
    }
    Ok(())
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\n' | b'\r' | b'\t') {
        at += 1;
    }
    at
}

/// A string with escapes, unescaped into memory that lives as long as the run (see the header):
/// the snapshot's strings are all `&str`, borrowed from the file or from here.
fn unescaped(text: &str) -> &'static str {
    Box::leak(Box::from(text))
}

/// A string borrowed from the input, or [`unescaped`] when it has escapes.
struct Text<'a>(&'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_str(TextVisitor { integers: false })
    }
}

/// An ext_id: a string, or an integer read as its decimal text (as `list` reads a server's).
struct Id<'a>(&'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Id<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(TextVisitor { integers: true }).map(|t| Id(t.0))
    }
}

struct TextVisitor {
    integers: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.integers { "a string or an integer" } else { "a string" })
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(unescaped(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        if self.integers {
            Ok(Text(unescaped(&v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if self.integers {
            Ok(Text(unescaped(&v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Signed(v), &self))
        }
    }
}

/// A key of a funnel or stage object: only the names a snapshot has matter, so anything else
/// (even a key with escapes) is `Other` without being copied.
enum Key {
    UserId,
    ExtId,
    Name,
    Stages,
    StageExtId,
    StageName,
    StageStatus,
    StageOrder,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                // By length first: each comparison is then of a known size, which compiles to a
                // few integer compares instead of a `memcmp` call (8 million keys in a big file).
                let v = v.as_bytes();
                Ok(match v.len() {
                    4 if v == b"name" => Key::Name,
                    6 if v == b"ext_id" => Key::ExtId,
                    6 if v == b"stages" => Key::Stages,
                    7 if v == b"user_id" => Key::UserId,
                    10 if v == b"stage_name" => Key::StageName,
                    11 if v == b"stage_order" => Key::StageOrder,
                    12 if v == b"stage_ext_id" => Key::StageExtId,
                    12 if v == b"stage_status" => Key::StageStatus,
                    _ => Key::Other,
                })
            }
        }
        de.deserialize_identifier(KeyVisitor)
    }
}

/// A field seen twice in one object.
fn twice<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("the field `{name}` appears twice in one object"))
}

/// Sets `slot` from the map's next value, refusing a second one.
fn once<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    map: &mut A,
    name: &str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(twice(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for SnapFunnel<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct FunnelVisitor;
        impl<'de> Visitor<'de> for FunnelVisitor {
            type Value = SnapFunnel<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a funnel object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut user_id: Option<i64> = None;
                let mut ext_id: Option<Id<'de>> = None;
                let mut name: Option<Option<Text<'de>>> = None;
                let mut stages: Option<Option<Stages<'de>>> = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::UserId => once(&mut user_id, &mut map, "user_id")?,
                        Key::ExtId => once(&mut ext_id, &mut map, "ext_id")?,
                        Key::Name => once(&mut name, &mut map, "name")?,
                        Key::Stages => once(&mut stages, &mut map, "stages")?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let Some(Id(ext_id)) = ext_id else {
                    return Err(de::Error::custom(
                        "a funnel without `ext_id` (is this a snapshot written by `funnels list -o json`?)",
                    ));
                };
                let missing = |field: &str| {
                    de::Error::custom(format_args!(
                        "funnel `{ext_id}` has no `{field}`: a snapshot needs every field (list without --fields)"
                    ))
                };
                let Some(name) = name else { return Err(missing("name")) };
                let Some(stages) = stages else { return Err(missing("stages")) };
                Ok(SnapFunnel { user_id, ext_id, name: name.map(|t| t.0), stages: stages.map(|s| s.0), at: 0 })
            }
        }
        de.deserialize_map(FunnelVisitor)
    }
}

/// A funnel's stages in a slice of exactly their number (a `Vec` grown by doubling would hold a
/// third more on average).
struct Stages<'a>(Box<[SnapStage<'a>]>);

impl<'de: 'a, 'a> Deserialize<'de> for Stages<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct StagesVisitor;
        impl<'de> Visitor<'de> for StagesVisitor {
            type Value = Stages<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of stages")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // A funnel has at most 102 stages (API.md §3); 16 holds most without growing.
                let mut stages = Vec::with_capacity(16);
                while let Some(stage) = seq.next_element()? {
                    stages.push(stage);
                }
                Ok(Stages(stages.into_boxed_slice()))
            }
        }
        de.deserialize_seq(StagesVisitor)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for SnapStage<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct StageVisitor;
        impl<'de> Visitor<'de> for StageVisitor {
            type Value = SnapStage<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a stage object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut id: Option<Id<'de>> = None;
                let mut name: Option<Option<Text<'de>>> = None;
                let mut status: Option<Option<StageStatus>> = None;
                let mut order: Option<Option<i64>> = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::StageExtId => once(&mut id, &mut map, "stage_ext_id")?,
                        Key::StageName => once(&mut name, &mut map, "stage_name")?,
                        Key::StageStatus => once(&mut status, &mut map, "stage_status")?,
                        Key::StageOrder => once(&mut order, &mut map, "stage_order")?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let Some(Id(id)) = id else {
                    return Err(de::Error::custom("a stage without `stage_ext_id`: stages are matched by it"));
                };
                let missing = |field: &str| de::Error::custom(format_args!("stage `{id}` has no `{field}`"));
                let Some(name) = name else { return Err(missing("stage_name")) };
                let Some(status) = status else { return Err(missing("stage_status")) };
                let Some(order) = order else { return Err(missing("stage_order")) };
                Ok(SnapStage {
                    stage_ext_id: id,
                    stage_name: name.map(|t| t.0),
                    stage_status: status,
                    stage_order: order,
                })
            }
        }
        de.deserialize_map(StageVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRETTY: &str = r#"[
  {
    "ext_id": "1",
    "name": "Sales \"A\"",
    "stages": [
      {
        "stage_ext_id": "101",
        "stage_name": "New",
        "stage_status": "in_process",
        "stage_order": 1
      }
    ]
  },
  {
    "ext_id": "2",
    "name": null,
    "stages": null
  }
]
"#;

    #[test]
    fn a_pretty_json_snapshot_borrows_its_strings_and_unescapes_only_escaped_ones() {
        let text: &[u8] = PRETTY.as_bytes();
        let snap = parse(text).unwrap();
        assert_eq!(snap.layout, Layout::Json);
        assert_eq!(snap.per_user(), Some(false));
        assert_eq!(snap.funnels.len(), 2);
        let first = &snap.funnels[0];
        let within = |s: &str| text.as_ptr_range().contains(&s.as_ptr());
        assert!(first.ext_id == "1" && within(first.ext_id));
        assert!(first.name == Some("Sales \"A\"") && !within(first.name.unwrap()));
        let stage = &first.stages.as_ref().unwrap()[0];
        assert!(stage.stage_name == Some("New") && within(stage.stage_name.unwrap()));
        assert_eq!(stage.stage_status, Some(StageStatus::InProcess));
        assert_eq!(stage.stage_order, Some(1));
        assert_eq!((line_of(text, first.at), line_of(text, snap.funnels[1].at)), (2, 14));
        assert_eq!(snap.funnels[1].stages, None);
    }

    #[test]
    fn ndjson_and_empty_input_are_snapshots_too() {
        let text = "{\"user_id\":12,\"ext_id\":7,\"name\":\"A\",\"stages\":[]}\n{\"user_id\":13,\"ext_id\":\"7\",\"name\":\"B\",\"stages\":[],\"extra\":{\"x\":[1]}}\n";
        let snap = parse(text.as_bytes()).unwrap();
        assert_eq!(snap.layout, Layout::Ndjson);
        assert_eq!(snap.per_user(), Some(true));
        assert_eq!(snap.funnels[0].ext_id, "7");
        assert_eq!(snap.funnels[1].user_id, Some(13));
        for empty in ["", " \n", "[]", "[\n]\n"] {
            let snap = parse(empty.as_bytes()).unwrap();
            assert!(snap.funnels.is_empty());
            assert_eq!(snap.per_user(), None);
        }
    }

    #[test]
    fn what_is_not_a_snapshot_names_its_line() {
        let err = |text: &str| parse(text.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            err("[\n  {\"ext_id\": \"1\", \"name\": \"A\", \"stages\": []},\n  {\"ext_id\": \"2\",,\n]"),
            "3: key must be a string"
        );
        assert_eq!(
            err("[\n{\"ext_id\":\"1\",\"name\":\"A\"}\n]"),
            "2: funnel `1` has no `stages`: a snapshot needs every field (list without --fields)"
        );
        assert_eq!(
            err("{\"name\":\"A\",\"stages\":[]}"),
            "1: a funnel without `ext_id` (is this a snapshot written by `funnels list -o json`?)"
        );
        assert_eq!(
            err("\n\nhello"),
            "3: not a snapshot: expected the JSON array of `funnels list -o json` or the objects of `-o ndjson`"
        );
        assert_eq!(
            err("[{\"ext_id\":\"1\",\"name\":\"A\",\"stages\":[]}"),
            "1: the array ends without `]` (a file cut short?)"
        );
        assert_eq!(err("[]\n[]"), "2: something follows the array");
        assert_eq!(
            parse(b"[\n\xff]").unwrap_err().to_string(),
            "2: not UTF-8 text (snapshots are what funnels list writes)"
        );
        assert_eq!(
            err(
                "{\"user_id\":1,\"ext_id\":\"1\",\"name\":\"A\",\"stages\":[]}\n{\"ext_id\":\"2\",\"name\":\"A\",\"stages\":[]}\n"
            ),
            "2: funnel `2` has no `user_id`, unlike the records before it (list --all-users)"
        );
        assert_eq!(
            err(
                "{\"ext_id\":\"1\",\"name\":\"A\",\"stages\":[{\"stage_ext_id\":\"s\",\"stage_name\":\"x\",\"stage_order\":1}]}"
            ),
            "1: stage `s` has no `stage_status`"
        );
        assert_eq!(
            err("{\"ext_id\":\"1\",\"ext_id\":\"2\",\"name\":\"A\",\"stages\":[]}"),
            "1: the field `ext_id` appears twice in one object"
        );
        assert_eq!(
            err("{\"ext_id\":\"1\",\"name\":5,\"stages\":[]}"),
            "1: invalid type: integer `5`, expected a string"
        );
    }
}
