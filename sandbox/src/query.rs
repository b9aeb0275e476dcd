//! The query parameters of the `get.*` methods (limit, offset, fields, filter, sort), checked as the
//! API checks them, and run over a [`Table`]: filters with every documented operator (LIKE globs,
//! `in`, null tests, POSIX-like `regexp`) and multi-key sorts.

use std::cmp::Ordering::{self, Equal, Greater, Less};

use serde_json::{Map, Value};

use crate::options::Brand;
use crate::refusal::Refusal;
use crate::table::{Column, FieldDef, Table, ValueType};

const MAX_LIMIT: u64 = 10_000;
const MAX_OFFSET: u64 = 100_000;
const DEFAULT_LIMIT: u64 = 1000;

/// A present, non-null parameter.
pub(crate) fn param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    params.get(key).filter(|v| !v.is_null())
}

/// One call's page request, checked.
pub(crate) struct Query {
    limit: usize,
    offset: usize,
    /// Selected field indexes in API order; `None` = all.
    fields: Option<Vec<usize>>,
    filter: Option<Predicate>,
    /// (field, descending) in priority order.
    sort: Vec<(usize, bool)>,
}

impl Query {
    pub(crate) fn parse(defs: &'static [FieldDef], brand: Brand, params: &Map<String, Value>) -> Result<Self, Refusal> {
        let bounded = |key: &str, min: u64, max: u64, default: u64| -> Result<usize, Refusal> {
            match param(params, key) {
                None => Ok(default as usize),
                Some(v @ Value::Number(n)) => match n.as_u64() {
                    Some(n) if (min..=max).contains(&n) => Ok(n as usize),
                    _ => Err(Refusal::invalid(key, v, &format!("must be an integer from {min} to {max}"))),
                },
                Some(v) => Err(Refusal::data_type(key, v, "an integer")),
            }
        };
        let limit = bounded("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
        let offset = bounded("offset", 0, MAX_OFFSET, 0)?;

        let fields = match param(params, "fields") {
            None => None,
            Some(Value::Array(names)) if names.is_empty() => None,
            Some(Value::Array(names)) => {
                let mut selected = vec![false; defs.len()];
                for name in names {
                    let Some(text) = name.as_str() else {
                        return Err(Refusal::data_type("fields", name, "an array of strings"));
                    };
                    let Some(i) = defs.iter().position(|f| f.name == text) else {
                        return Err(Refusal::unexpected("fields", text));
                    };
                    selected[i] = true;
                }
                Some((0..defs.len()).filter(|&i| selected[i]).collect())
            }
            Some(other) => return Err(Refusal::data_type("fields", other, "an array of strings")),
        };

        let filter = param(params, "filter").map(|f| Predicate::parse(defs, brand, f)).transpose()?;

        let mut sort = Vec::new();
        match param(params, "sort") {
            None => {}
            Some(Value::Array(keys)) => {
                for key in keys {
                    let Value::Object(key) = key else {
                        return Err(Refusal::data_type("sort", key, "an array of {field, order} objects"));
                    };
                    if let Some(extra) = key.keys().find(|k| *k != "field" && *k != "order") {
                        return Err(Refusal::unexpected("sort", extra));
                    }
                    let field = match param(key, "field") {
                        None => return Err(Refusal::required("sort.field")),
                        Some(Value::String(s)) => s,
                        Some(other) => {
                            return Err(Refusal::data_type("sort.field", other, "a string"));
                        }
                    };
                    let Some(i) = defs.iter().position(|f| f.name == field) else {
                        return Err(Refusal::unexpected("sort.field", field));
                    };
                    if !defs[i].sort {
                        return Err(Refusal::new(
                            -32602,
                            "sort_prohibited",
                            format!("Sorting by the field \"{field}\" is prohibited"),
                        )
                        .at("sort.field", key.get("field")));
                    }
                    let desc = match param(key, "order") {
                        None => false,
                        Some(Value::String(s)) if s == "asc" => false,
                        Some(Value::String(s)) if s == "desc" => true,
                        Some(other) => {
                            return Err(Refusal::invalid("sort.order", other, "must be \"asc\" or \"desc\""));
                        }
                    };
                    sort.push((i, desc));
                }
            }
            Some(other) => {
                return Err(Refusal::data_type("sort", other, "an array of {field, order} objects"));
            }
        }
        Ok(Query { limit, offset, fields, filter, sort })
    }

    /// Appends the page as a JSON array to `out`; returns the number of matching rows.
    pub(crate) fn run(&self, table: &Table, out: &mut String) -> usize {
        let filter = self.filter.as_ref();
        // A leading key whose values are all distinct decides the whole order: walk its index.
        let lead = self.sort.first().and_then(|&(f, desc)| {
            let index = table.sorts[f].as_ref()?;
            (index.unique || (!desc && self.sort.len() == 1)).then_some((index, desc))
        });
        let (rows, total) = match lead {
            _ if self.sort.is_empty() => self.scan(table, 0..table.len),
            Some((index, false)) => self.scan(table, index.order.iter().map(|&r| r as usize)),
            Some((index, true)) => self.scan(table, index.order.iter().rev().map(|&r| r as usize)),
            None => {
                let mut rows: Vec<usize> =
                    (0..table.len).filter(|&r| filter.is_none_or(|f| f.matches(table, r))).collect();
                let keys: Vec<(&[u32], bool)> = self
                    .sort
                    .iter()
                    .filter_map(|&(f, desc)| Some((table.sorts[f].as_ref()?.rank.as_slice(), desc)))
                    .collect();
                rows.sort_unstable_by(|&a, &b| {
                    keys.iter()
                        .map(|&(rank, desc)| if desc { rank[b].cmp(&rank[a]) } else { rank[a].cmp(&rank[b]) })
                        .find(|o| o.is_ne())
                        .unwrap_or_else(|| a.cmp(&b))
                });
                let total = rows.len();
                let start = self.offset.min(total);
                let end = start.saturating_add(self.limit).min(total);
                (rows[start..end].to_vec(), total)
            }
        };

        let average = table.json.len() / table.len.max(1) + 1;
        out.reserve(rows.len() * average + 2);
        out.push('[');
        for (k, &row) in rows.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            match &self.fields {
                None => out.push_str(table.object(row)),
                Some(fields) => {
                    out.push('{');
                    for (j, &f) in fields.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        out.push_str(table.fragment(row, f));
                    }
                    out.push('}');
                }
            }
        }
        out.push(']');
        total
    }

    /// The page and the match count of rows visited in `order`.
    fn scan(&self, table: &Table, order: impl Iterator<Item = usize>) -> (Vec<usize>, usize) {
        match &self.filter {
            None => (order.skip(self.offset).take(self.limit).collect(), table.len),
            Some(filter) => {
                let mut page = Vec::new();
                let mut total = 0;
                for row in order {
                    if filter.matches(table, row) {
                        if total >= self.offset && page.len() < self.limit {
                            page.push(row);
                        }
                        total += 1;
                    }
                }
                (page, total)
            }
        }
    }
}

enum Predicate {
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Test { field: usize, test: Test },
}

enum Scalar {
    Str(String),
    Num(f64),
}

enum Test {
    /// Which orderings of (row value, filter value) pass: `=` is [Equal], `<=` is [Less, Equal]...
    Compare(&'static [Ordering], Scalar),
    Like {
        pattern: Vec<LikePiece>,
        lower: bool,
        negate: bool,
    },
    In {
        set: Vec<Scalar>,
        negate: bool,
    },
    /// `regexp`: case-sensitive, anywhere in the value (POSIX `~`).
    Regexp(regex::Regex),
    /// `true`: the value is null (`= null`, `is_null`); `false`: it is not.
    IsNull(bool),
}

/// The operators CoMagic/UIS list and CallGear's documentation does not (API.md §4).
const NOT_ON_CALLGEAR: [&str; 8] =
    ["ilike", "not_like", "not_ilike", "not_in", "is_null", "is_not_null", "overlap", "not_overlap"];

/// `regexp` patterns compile within this much memory; a larger one is refused like a malformed one.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Clone, Copy)]
enum LikePiece {
    /// `%`
    Many,
    /// `_`
    One,
    Char(char),
}

impl Predicate {
    fn parse(defs: &'static [FieldDef], brand: Brand, v: &Value) -> Result<Self, Refusal> {
        let Value::Object(obj) = v else {
            return Err(Refusal::data_type("filter", v, "an object"));
        };
        if obj.contains_key("filters") {
            if let Some(extra) = obj.keys().find(|k| *k != "filters" && *k != "condition") {
                return Err(Refusal::unexpected("filter", extra));
            }
            let members = match &obj["filters"] {
                Value::Array(members) => members,
                other => return Err(Refusal::data_type("filter.filters", other, "an array")),
            };
            let members = members.iter().map(|m| Predicate::parse(defs, brand, m)).collect::<Result<Vec<_>, _>>()?;
            return match param(obj, "condition") {
                None => Ok(Predicate::All(members)),
                Some(Value::String(c)) if c == "and" => Ok(Predicate::All(members)),
                Some(Value::String(c)) if c == "or" => Ok(Predicate::Any(members)),
                Some(other) => Err(Refusal::invalid("filter.condition", other, "must be \"and\" or \"or\"")),
            };
        }
        if let Some(extra) = obj.keys().find(|k| !["field", "operator", "value"].contains(&k.as_str())) {
            return Err(Refusal::unexpected("filter", extra));
        }
        let name = match param(obj, "field") {
            None => return Err(Refusal::required("filter.field")),
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(Refusal::data_type("filter.field", other, "a string")),
        };
        let Some(field) = defs.iter().position(|f| f.name == name) else {
            return Err(Refusal::unexpected("filter.field", name));
        };
        let def = &defs[field];
        if !def.filter {
            return Err(Refusal::new(
                -32602,
                "filter_prohibited",
                format!("Filtering by the field \"{name}\" is prohibited"),
            )
            .at("filter.field", obj.get("field")));
        }
        let operator = match param(obj, "operator") {
            None => return Err(Refusal::required("filter.operator")),
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(Refusal::data_type("filter.operator", other, "a string")),
        };
        // The answer an operator gets that the server does not take; CallGear's server does not
        // take the operators its documentation leaves out.
        let unsupported = || {
            Refusal::invalid(
                "filter.operator",
                &Value::String(operator.into()),
                &format!("operator not supported for the field \"{name}\""),
            )
        };
        if brand == Brand::CallGear && NOT_ON_CALLGEAR.contains(&operator) {
            return Err(unsupported());
        }
        let text_only = || {
            if def.kind == ValueType::Str {
                return Ok(());
            }
            Err(Refusal::invalid(
                "filter.operator",
                &Value::String(operator.into()),
                &format!("not applicable to the numeric field \"{name}\""),
            ))
        };
        // Absent and `null` alike: "an absent `value` counts as empty" (API.md §4).
        let value = param(obj, "value");
        let needed = || value.ok_or_else(|| Refusal::required("filter.value"));
        let scalar = |v: &Value| -> Result<Scalar, Refusal> {
            match (def.kind, v) {
                (ValueType::Str, Value::String(s)) => Ok(Scalar::Str(s.clone())),
                (ValueType::Num, Value::Number(n)) => Ok(Scalar::Num(n.as_f64().unwrap_or(f64::NAN))),
                (ValueType::Num, _) => Err(Refusal::data_type("filter.value", v, "a number")),
                _ => Err(Refusal::data_type("filter.value", v, "a string")),
            }
        };
        let compare =
            |passing: &'static [Ordering]| -> Result<Test, Refusal> { Ok(Test::Compare(passing, scalar(needed()?)?)) };
        let test = match operator {
            // The documented null tests: `=`/`!=` with a null (or no) value.
            "=" if value.is_none() => Test::IsNull(true),
            "!=" if value.is_none() => Test::IsNull(false),
            "=" => compare(&[Equal])?,
            "!=" => compare(&[Less, Greater])?,
            "<" => compare(&[Less])?,
            ">" => compare(&[Greater])?,
            "<=" => compare(&[Less, Equal])?,
            ">=" => compare(&[Greater, Equal])?,
            "like" | "ilike" | "not_like" | "not_ilike" => {
                text_only()?;
                let Scalar::Str(pattern) = scalar(needed()?)? else {
                    unreachable!("string fields give string scalars")
                };
                let lower = operator.contains("ilike");
                let pattern = if lower { pattern.to_lowercase() } else { pattern };
                Test::Like { pattern: compile_like(&pattern), lower, negate: operator.starts_with("not_") }
            }
            "in" | "not_in" => {
                let set = match needed()? {
                    Value::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                    other => return Err(Refusal::data_type("filter.value", other, "an array")),
                };
                Test::In { set, negate: operator == "not_in" }
            }
            "is_null" => Test::IsNull(true),
            "is_not_null" => Test::IsNull(false),
            "regexp" => {
                text_only()?;
                let raw = needed()?;
                let Scalar::Str(pattern) = scalar(raw)? else { unreachable!("string fields give string scalars") };
                let regex = regex::RegexBuilder::new(&pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| Refusal::invalid("filter.value", raw, &regex_problem(&e)))?;
                Test::Regexp(regex)
            }
            _ => return Err(unsupported()),
        };
        Ok(Predicate::Test { field, test })
    }

    fn matches(&self, table: &Table, row: usize) -> bool {
        match self {
            Predicate::All(members) => members.iter().all(|m| m.matches(table, row)),
            Predicate::Any(members) => members.iter().any(|m| m.matches(table, row)),
            Predicate::Test { field, test } => test.passes(table, *field, row),
        }
    }
}

impl Test {
    /// SQL-like: every test but a null test fails on a null value.
    fn passes(&self, table: &Table, field: usize, row: usize) -> bool {
        let (text, lower, number) = match &table.columns[field] {
            Column::Str(values, lower) => (values[row].as_deref(), lower.get(row).and_then(|l| l.as_deref()), None),
            Column::Num(values) => (None, None, values[row]),
            Column::Json => (None, None, None),
        };
        let present = text.is_some() || number.is_some();
        let cmp = |s: &Scalar| match (s, text, number) {
            (Scalar::Str(s), Some(t), _) => Some(t.cmp(s.as_str())),
            (Scalar::Num(x), _, Some(n)) => (n as f64).partial_cmp(x),
            _ => None,
        };
        match self {
            Test::IsNull(want_null) => present != *want_null,
            _ if !present => false,
            Test::Compare(passing, s) => cmp(s).is_some_and(|o| passing.contains(&o)),
            Test::In { set, negate } => set.iter().any(|s| cmp(s).is_some_and(Ordering::is_eq)) != *negate,
            Test::Like { pattern, lower: ci, negate } => {
                let subject = if *ci { lower } else { text };
                subject.is_some_and(|t| like_match(pattern, t)) != *negate
            }
            Test::Regexp(regex) => text.is_some_and(|t| regex.is_match(t)),
        }
    }
}

/// The one-line reason of a pattern the `regex` crate refuses, worded as PostgreSQL words it
/// ("invalid regular expression: ..."); the crate's own text spans lines, with a caret under the spot.
fn regex_problem(err: &regex::Error) -> String {
    let text = err.to_string();
    let reason = match err {
        regex::Error::CompiledTooBig(_) => "pattern too large",
        _ => text.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or("malformed pattern"),
    };
    format!("invalid regular expression: {reason}")
}

/// `%` any run, `_` one character, `\` makes the next character literal (as in `PostgreSQL`).
fn compile_like(pattern: &str) -> Vec<LikePiece> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => LikePiece::Many,
            '_' => LikePiece::One,
            '\\' => LikePiece::Char(chars.next().unwrap_or('\\')),
            c => LikePiece::Char(c),
        });
    }
    tokens
}

/// Glob matching with one backtrack point: linear for patterns without `%`, never exponential.
fn like_match(pattern: &[LikePiece], text: &str) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let next = text[t..].chars().next();
        match (pattern.get(p), next) {
            (Some(LikePiece::Many), _) => {
                backtrack = Some((p, t));
                p += 1;
                continue;
            }
            (Some(LikePiece::One), Some(c)) => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            (Some(LikePiece::Char(want)), Some(c)) if *want == c => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        let Some((star, from)) = backtrack else {
            return false;
        };
        let Some(c) = text[from..].chars().next() else {
            return false;
        };
        backtrack = Some((star, from + c.len_utf8()));
        p = star + 1;
        t = from + c.len_utf8();
    }
}
