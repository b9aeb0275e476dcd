//! Filter expressions, sort keys and field lists → the API's `filter`, `sort` and `fields` params
//! (SPEC §3, §3.1), checked against a [`Schema`] before any request, with "did you mean" suggestions;
//! and the per-platform review of filters (CallGear's operator set, text comparisons), so that a
//! filter the platform does not document costs no API point. The schemas are the record types'
//! own (`model`). The validated [`Query`] these parts make, and the params of every request a
//! command sends, are [`request`]'s.

mod request;
pub use request::{Context, GetParams, OneFunnel, Query, excel_needs_csv};

use std::path::Path;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::cli::Platform;
use crate::exit::{Exit, Failure, usage};
use crate::files::FileError;
use crate::model::{FieldSpec, Kind, Order, Schema, SortKey};

/// Symbolic operators, longest first so that `<=` is never read as `<` followed by `=…`.
const SYMBOLIC_OPS: [&str; 6] = ["<=", ">=", "!=", "=", "<", ">"];

/// Word operators; they need blanks around them because they could otherwise be part of a name.
const WORD_OPS: [&str; 9] =
    ["like", "ilike", "not_like", "not_ilike", "regexp", "in", "not_in", "is_null", "is_not_null"];

/// Every operator, in the order messages list them.
pub const OPERATOR_LIST: &str = "= != < > <= >= like ilike not_like not_ilike regexp in not_in is_null is_not_null";

/// Characters that end a field name even without a blank before them (`name=Main`).
const SYMBOL_CHARS: &[char] = &['=', '!', '<', '>'];

/// What follows an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    /// One value (`name = Main`).
    Scalar,
    /// A comma-separated list sent as an array (`ext_id in 1,2,3`).
    List,
    /// Nothing; `"value": null` is sent (`name is_null` goes out as `=` null).
    Absent,
}

fn operand(op: &str) -> Operand {
    match op {
        "in" | "not_in" => Operand::List,
        "is_null" | "is_not_null" => Operand::Absent,
        _ => Operand::Scalar,
    }
}

/// The operators CallGear's documentation does not list (API.md §4), each with the way out a
/// CallGear user has instead (SPEC §3.1).
const CALLGEAR_UNDOCUMENTED: [(&str, &str); 4] = [
    ("ilike", "use `like` (case-sensitive) or `regexp`"),
    ("not_like", "no CallGear equivalent; filter the output, e.g. with jq"),
    ("not_ilike", "no CallGear equivalent; filter the output, e.g. with jq"),
    ("not_in", "repeat `--filter 'F != V'` (AND-ed)"),
];

/// Operators that order their operands; on a text field they compare text (`"10"` < `"9"`).
const ORDERING_OPS: [&str; 4] = ["<", ">", "<=", ">="];

/// One parsed `FIELD OP [VALUE]` expression.
struct Condition<'e> {
    expr: &'e str,
    field: &'static FieldSpec,
    op: &'static str,
    value: Value,
}

impl Condition<'_> {
    /// `{"field","operator","value"}` as every platform documents it: the null tests go out as
    /// `=`/`!=` with a null value (API.md §4), since `is_null`/`is_not_null` are CoMagic/UIS
    /// extras "not for every method" that CallGear does not list at all.
    fn to_api(&self) -> Value {
        let op = match self.op {
            "is_null" => "=",
            "is_not_null" => "!=",
            op => op,
        };
        json!({ "field": self.field.name, "operator": op, "value": self.value })
    }
}

/// `--filter` expressions → one API filter object: a simple filter for one expression, an
/// `{"filters":[...],"condition":"and"|"or"}` tree for several (`or` when `any`). `None` for none.
/// Errors are usage errors (`exit::usage`) naming the bad part.
pub fn parse_filters(exprs: &[String], any: bool, schema: &Schema) -> anyhow::Result<Option<Value>> {
    let mut filters = parse_conditions(exprs, schema)?.iter().map(Condition::to_api).collect::<Vec<_>>();
    Ok(match filters.len() {
        0 => None,
        1 => filters.pop(),
        _ => Some(json!({ "filters": filters, "condition": if any { "or" } else { "and" } })),
    })
}

fn parse_conditions<'e>(exprs: &'e [String], schema: &Schema) -> anyhow::Result<Vec<Condition<'e>>> {
    exprs.iter().map(|e| parse_filter(e, schema)).collect()
}

/// Reviews `--filter` expressions for the platform in force (SPEC §3.1), before any request:
/// on CallGear an operator its documentation does not list is a usage error (exit 2) with the way
/// out as its hint. Returns the warnings to show (not with `-q`): an ordering operator with a
/// numeric-looking value on a text field, which the API compares as text. `--filter-json` is the
/// server's to judge and is not reviewed.
pub fn review_filters(exprs: &[String], schema: &Schema, platform: Platform) -> anyhow::Result<Vec<String>> {
    let conditions = parse_conditions(exprs, schema)?;
    if platform == Platform::Callgear {
        for c in &conditions {
            if let Some((op, way_out)) = CALLGEAR_UNDOCUMENTED.iter().find(|(op, _)| *op == c.op) {
                return Err(Failure::new(
                    Exit::Usage,
                    format!("CallGear does not document the operator `{op}` (filter `{}`)", shown(c.expr)),
                )
                .hint(*way_out)
                .into());
            }
        }
    }
    Ok(conditions
        .iter()
        .filter(|c| c.field.kind == Kind::Text && ORDERING_OPS.contains(&c.op))
        .filter(|c| c.value.as_str().is_some_and(looks_numeric))
        .map(|c| {
            format!(
                "warning: filter `{}` compares text, not numbers: `{}` is a string, so \"10\" < \"9\"",
                shown(c.expr.trim()),
                c.field.name
            )
        })
        .collect())
}

/// `10`, `-3`, `+2.5`, `007`: what a user would read as a number.
fn looks_numeric(text: &str) -> bool {
    let text = text.trim();
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !digits.ends_with('.')
}

/// One `FIELD OP [VALUE]` expression → its [`Condition`].
fn parse_filter<'e>(expr: &'e str, schema: &Schema) -> anyhow::Result<Condition<'e>> {
    let text = expr.trim_start();
    if text.trim_end().is_empty() {
        return Err(usage("empty --filter expression; expected FIELD OP [VALUE], e.g. `name like %Sales%`"));
    }
    // The name token runs to the first blank or symbolic operator character. Valid names are
    // [a-z0-9_] runs; anything longer (`name.first`, `имя`) is reported whole as an unknown field.
    let end = text.find(|c: char| c.is_whitespace() || SYMBOL_CHARS.contains(&c)).unwrap_or(text.len());
    let (name, rest) = text.split_at(end);
    if name.is_empty() {
        return Err(usage(format!("filter `{}` does not start with a field name", shown(expr))));
    }
    let field = filter_field(name, schema)?;
    let (op, rest) = split_operator(rest.trim_start(), name, expr)?;
    let value = operand_value(op, rest.trim_start(), field, expr)?;
    Ok(Condition { expr, field, op, value })
}

fn filter_field(name: &str, schema: &Schema) -> anyhow::Result<&'static FieldSpec> {
    match schema.field(name) {
        Some(f) if f.filterable => Ok(f),
        Some(f) => Err(usage(format!(
            "field `{}` cannot be filtered; filterable fields: {}",
            f.name,
            join(schema.filterable())
        ))),
        None => Err(unknown_field(name, schema.filterable(), schema, "filterable fields")),
    }
}

/// Splits `OP REST` off the text after the field name; `REST` still has its leading blanks.
fn split_operator<'t>(text: &'t str, field: &str, expr: &str) -> anyhow::Result<(&'static str, &'t str)> {
    if text.is_empty() {
        return Err(usage(format!(
            "missing operator after `{}` in filter `{}`; use one of {}",
            shown(field),
            shown(expr),
            OPERATOR_LIST
        )));
    }
    let symbols = text.find(|c: char| !SYMBOL_CHARS.contains(&c)).unwrap_or(text.len());
    if symbols > 0 {
        let (token, rest) = text.split_at(symbols);
        if let Some(op) = SYMBOLIC_OPS.iter().find(|op| **op == token) {
            return Ok((op, rest));
        }
        // `name==x` and `name<>x` are other languages' operators, not `=` and `<` with a value
        // of `=x` and `>x`: refuse them rather than silently match nothing. A value that really
        // starts with one of these characters goes after a blank (`name = =x`).
        let near = match token {
            "==" => Some("="),
            "<>" | "=!" => Some("!="),
            "=<" => Some("<="),
            "=>" => Some(">="),
            _ => did_you_mean(token, SYMBOLIC_OPS),
        };
        let near = near.map(|near| format!("; did you mean `{near}`?")).unwrap_or_default();
        let blank = if SYMBOLIC_OPS.iter().any(|op| token.starts_with(op)) {
            " (put a blank before a value that starts with =, !, < or >)"
        } else {
            ""
        };
        return Err(usage(format!("unknown operator `{token}` in filter `{}`{near}{blank}", shown(expr))));
    }
    let is_word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let starts_word = text.starts_with(is_word_char);
    let end = if starts_word {
        text.find(|c: char| !is_word_char(c))
    } else {
        text.find(|c: char| c.is_whitespace() || c.is_alphanumeric() || SYMBOL_CHARS.contains(&c))
    }
    .unwrap_or(text.len());
    let (token, rest) = text.split_at(end);
    // Operators are keywords, so `LIKE` is accepted like SQL would; field names stay exact.
    let lower = token.to_ascii_lowercase();
    if starts_word {
        if let Some(op) = WORD_OPS.iter().find(|op| **op == lower) {
            if rest.starts_with(|c: char| !c.is_whitespace()) {
                return Err(usage(format!("operator `{op}` needs a blank after it in filter `{}`", shown(expr))));
            }
            return Ok((op, rest));
        }
    }
    let hint = match did_you_mean(&lower, SYMBOLIC_OPS.iter().chain(&WORD_OPS).copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("use one of {OPERATOR_LIST}"),
    };
    Err(usage(format!("unknown operator `{}` in filter `{}`; {hint}", shown(token), shown(expr))))
}

/// The `value` member for `op`, from the text after it (leading blanks already removed).
fn operand_value(op: &str, text: &str, field: &FieldSpec, expr: &str) -> anyhow::Result<Value> {
    match operand(op) {
        Operand::Absent if text.trim_end().is_empty() => Ok(Value::Null),
        Operand::Absent => Err(usage(format!(
            "operator `{op}` takes no value, but `{}` follows it in filter `{}`",
            shown(text.trim_end()),
            shown(expr)
        ))),
        Operand::Scalar | Operand::List if text.is_empty() => {
            Err(usage(format!("missing value after `{op}` in filter `{}`", shown(expr))))
        }
        Operand::Scalar => scalar(text, field),
        Operand::List => text
            .split(',')
            .map(|item| match item.trim() {
                "" => Err(usage(format!("empty item in the list `{}` of filter `{}`", shown(text), shown(expr)))),
                item => scalar(item, field),
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Value::Array),
    }
}

/// A JSON string for text fields (kept byte-exact), a JSON number for numeric ones.
fn scalar(text: &str, field: &FieldSpec) -> anyhow::Result<Value> {
    match field.kind {
        Kind::Number => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| usage(format!("field `{}` takes a whole number, not `{}`", field.name, shown(text)))),
        Kind::Text | Kind::Nested => Ok(Value::String(text.to_owned())),
    }
}

/// The API's `filter` param.
#[derive(Debug)]
pub enum Filter {
    /// Built from `--filter` expressions (or by a command, like `show`'s `ext_id = …`).
    Built(Value),
    /// `--filter-json`: the bytes the user gave, sent unchanged (`1.0` stays `1.0`, a 30-digit
    /// integer keeps every digit, any depth).
    Raw(Box<RawValue>),
}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Filter::Built(value) => value.serialize(serializer),
            Filter::Raw(raw) => raw.serialize(serializer),
        }
    }
}

/// `--filter-json JSON|@FILE|-`: checked only for being one JSON object, then kept as the bytes
/// given. `read` reads standard input (`None`) or a file, bounded (`files`).
///
/// The check is serde_json's raw-value path: `Box<RawValue>` is deserialized by its `ignore_value`,
/// which walks nesting with an explicit stack of one byte per level (no recursion, so no depth
/// limit and no stack overflow: see `filter_json_depth_needs_no_stack`), validates strings and
/// numbers without converting them, and `from_str` refuses anything after the value.
pub fn parse_filter_json(
    arg: &str,
    read: impl FnOnce(Option<&Path>) -> Result<String, FileError>,
) -> anyhow::Result<Filter> {
    let (text, source) = if arg == "-" {
        let text = read(None).map_err(|e| usage(format!("could not read --filter-json from stdin: {e}")))?;
        (text, " (stdin)".to_owned())
    } else if let Some(path) = arg.strip_prefix('@') {
        let text = read(Some(Path::new(path)))
            .map_err(|e| usage(format!("could not read --filter-json file `{}`: {e}", shown(path))))?;
        (text, format!(" (file `{}`)", shown(path)))
    } else {
        (arg.to_owned(), String::new())
    };
    // Editors on Windows like to start files with a byte-order mark, which JSON does not allow.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let raw: Box<RawValue> =
        serde_json::from_str(text).map_err(|e| usage(format!("--filter-json{source} is not valid JSON: {e}")))?;
    if !raw.get().starts_with('{') {
        return Err(usage(format!("--filter-json{source} must be a JSON object")));
    }
    Ok(Filter::Raw(raw))
}

/// `--sort` values (each may hold several comma-separated keys) → sort keys; the schema's default
/// when none are given.
pub fn parse_sort(specs: &[String], schema: &Schema) -> anyhow::Result<Vec<SortKey>> {
    if specs.is_empty() {
        return Ok(schema.default_sort.to_vec());
    }
    let mut keys: Vec<SortKey> = Vec::new();
    for spec in specs {
        if spec.trim().is_empty() {
            return Err(usage("empty --sort value; expected FIELD[:asc|desc][,...]"));
        }
        for key in spec.split(',').map(str::trim) {
            if key.is_empty() {
                return Err(usage(format!("empty sort key in `{}`", shown(spec))));
            }
            let (name, order) = match key.split_once(':') {
                Some((name, order)) => (name.trim(), Some(order.trim())),
                None => (key, None),
            };
            if name.is_empty() {
                return Err(usage(format!("missing field name in sort key `{}`", shown(key))));
            }
            let field = match schema.field(name) {
                Some(f) if f.sortable => f,
                Some(f) => {
                    return Err(usage(format!(
                        "field `{}` cannot be sorted; sortable fields: {}",
                        f.name,
                        join(schema.sortable())
                    )));
                }
                None => {
                    return Err(unknown_field(name, schema.sortable(), schema, "sortable fields"));
                }
            };
            // `asc`/`desc` are keywords, accepted in any case like SQL's ASC/DESC.
            let order = match order.map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => Order::Asc,
                Some("desc") => Order::Desc,
                Some("") => {
                    return Err(usage(format!("missing sort order after `:` in `{}`; use asc or desc", shown(key))));
                }
                Some(_) => {
                    return Err(usage(format!(
                        "bad sort order `{}` in `{}`; use asc or desc",
                        shown(order.unwrap_or_default()),
                        shown(key)
                    )));
                }
            };
            if keys.iter().any(|k| k.field == field.name) {
                return Err(usage(format!("field `{}` appears twice in --sort", field.name)));
            }
            keys.push(SortKey { field: field.name, order });
        }
    }
    Ok(keys)
}

/// `--fields LIST` → selected field names in the given order; all fields in API order when `None`.
pub fn parse_fields(list: Option<&str>, schema: &Schema) -> anyhow::Result<Vec<&'static str>> {
    let Some(list) = list else {
        return Ok(schema.names().collect());
    };
    if list.trim().is_empty() {
        return Err(usage(format!("empty --fields list; fields: {}", join(schema.names()))));
    }
    let mut fields: Vec<&'static str> = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(usage(format!("empty field name in --fields `{}`", shown(list))));
        }
        let Some(field) = schema.field(name) else {
            return Err(unknown_field(name, schema.names(), schema, "fields"));
        };
        if fields.contains(&field.name) {
            return Err(usage(format!("field `{}` appears twice in --fields", field.name)));
        }
        fields.push(field.name);
    }
    Ok(fields)
}

/// The nearest candidate to a misspelt word, if it is near enough to be a plausible typo.
///
/// Near enough: a normalised Damerau-Levenshtein similarity of at least 0.7 (one slip in four
/// letters), or a single slip in a word of two or more letters (`di` → `id`, `!` → `!=`). Case is
/// ignored, so `Name` finds `name`. Ties go to the earlier candidate.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // No field or operator is longer than this; the bound also keeps the O(n·m) distance cheap
    // on hostile input.
    const LONGEST: usize = 64;
    let word = word.trim().to_lowercase();
    let word_len = word.chars().count();
    if word_len == 0 || word_len > LONGEST {
        return None;
    }
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let len = word_len.max(candidate.chars().count());
        let distance = strsim::damerau_levenshtein(&word, &candidate.to_lowercase());
        let similarity = 1.0 - distance as f64 / len as f64;
        let plausible = similarity >= 0.7 || (distance == 1 && len >= 2);
        if plausible && best.is_none_or(|(s, _)| similarity > s) {
            best = Some((similarity, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// "unknown field `nmae`; did you mean `name`?", or the valid names when nothing is near.
/// Suggestions come from the fields valid in this place first, then from every field.
fn unknown_field(
    name: &str,
    valid: impl Iterator<Item = &'static str> + Clone,
    schema: &Schema,
    label: &str,
) -> anyhow::Error {
    match did_you_mean(name, valid.clone()).or_else(|| did_you_mean(name, schema.names())) {
        Some(near) => usage(format!("unknown field `{}`; did you mean `{near}`?", shown(name))),
        None => usage(format!("unknown field `{}`; {label}: {}", shown(name), join(valid))),
    }
}

fn join(names: impl Iterator<Item = &'static str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

/// User text quoted in a message, with control characters escaped so the message stays one line
/// and cannot drive the terminal.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    crate::output::sanitize::visible(text)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::exit::{Exit, classify};
    use crate::model::{FUNNELS, USERS};

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn filter(expr: &str) -> Value {
        parse_filters(&strings(&[expr]), false, &FUNNELS).unwrap().unwrap()
    }

    fn user_filter(expr: &str) -> Value {
        parse_filters(&strings(&[expr]), false, &USERS).unwrap().unwrap()
    }

    /// The simple filter `{"field","operator","value"}` spelt out in full.
    fn simple(field: &str, op: &str, value: Value) -> Value {
        let mut filter = serde_json::Map::new();
        filter.insert("field".to_owned(), json!(field));
        filter.insert("operator".to_owned(), json!(op));
        filter.insert("value".to_owned(), value);
        Value::Object(filter)
    }

    /// The message of a usage error; fails the test for any other outcome or class.
    fn usage_message<T: std::fmt::Debug>(result: anyhow::Result<T>) -> String {
        let err = result.expect_err("expected a usage error");
        assert_eq!(classify(&err).exit, Exit::Usage, "not a usage error: {err}");
        err.to_string()
    }

    fn filter_error(expr: &str, schema: &Schema) -> String {
        usage_message(parse_filters(&strings(&[expr]), false, schema))
    }

    fn sort_error(specs: &[&str]) -> String {
        usage_message(parse_sort(&strings(specs), &FUNNELS))
    }

    fn fields_error(list: &str) -> String {
        usage_message(parse_fields(Some(list), &FUNNELS))
    }

    // ---- filters: every operator of SPEC §3.1 ----

    #[test]
    fn symbolic_operators_with_and_without_blanks() {
        for op in ["=", "!=", "<", ">", "<=", ">="] {
            let want = simple("name", op, json!("Main"));
            assert_eq!(filter(&format!("name{op}Main")), want, "no blanks: {op}");
            assert_eq!(filter(&format!("name {op} Main")), want, "blanks: {op}");
            assert_eq!(filter(&format!("name\t{op}   Main")), want, "tabs and runs: {op}");
            assert_eq!(filter(&format!("  name {op}Main")), want, "leading blanks: {op}");
        }
    }

    #[test]
    fn longest_symbolic_operator_wins() {
        assert_eq!(filter("ext_id<=10"), simple("ext_id", "<=", json!("10")));
        assert_eq!(filter("ext_id>=10"), simple("ext_id", ">=", json!("10")));
        assert_eq!(filter("name<=Main"), simple("name", "<=", json!("Main")));
        assert_eq!(filter("name!= =x"), simple("name", "!=", json!("=x")));
        assert_eq!(filter("name< >x"), simple("name", "<", json!(">x")));
    }

    #[test]
    fn word_operators() {
        assert_eq!(filter("name like %Sales%"), simple("name", "like", json!("%Sales%")));
        assert_eq!(filter("name ilike %sales%"), simple("name", "ilike", json!("%sales%")));
        assert_eq!(filter("name not_like %Test%"), simple("name", "not_like", json!("%Test%")));
        assert_eq!(filter("name not_ilike %test%"), simple("name", "not_ilike", json!("%test%")));
        assert_eq!(filter("name regexp ^(Main|Sales)$"), simple("name", "regexp", json!("^(Main|Sales)$")));
        assert_eq!(filter("ext_id in 1,2,3"), simple("ext_id", "in", json!(["1", "2", "3"])));
        assert_eq!(filter("ext_id not_in 1, 2 ,3"), simple("ext_id", "not_in", json!(["1", "2", "3"])));
        assert_eq!(filter("name is_null"), simple("name", "=", Value::Null));
        assert_eq!(filter("name is_not_null"), simple("name", "!=", Value::Null));
    }

    #[test]
    fn word_operators_take_any_blanks_and_any_case() {
        assert_eq!(filter("name\tlike\t%a%"), simple("name", "like", json!("%a%")));
        assert_eq!(filter("name   LIKE   %a%"), simple("name", "like", json!("%a%")));
        assert_eq!(filter("ext_id IN 1"), simple("ext_id", "in", json!(["1"])));
        assert_eq!(filter("name is_null   "), simple("name", "=", Value::Null));
        assert_eq!(filter("  name Is_Not_Null"), simple("name", "!=", Value::Null));
    }

    #[test]
    fn value_keeps_inner_and_trailing_spaces() {
        assert_eq!(filter("name = Sales  team "), simple("name", "=", json!("Sales  team ")));
        assert_eq!(filter("name like   % a %"), simple("name", "like", json!("% a %")));
        assert_eq!(filter("name in  New York , Paris"), simple("name", "in", json!(["New York", "Paris"])));
    }

    #[test]
    fn cyrillic_values() {
        assert_eq!(filter("name=Основная воронка"), simple("name", "=", json!("Основная воронка")));
        assert_eq!(filter("name ilike %продаж%"), simple("name", "ilike", json!("%продаж%")));
        assert_eq!(filter("name in Новая,Старая"), simple("name", "in", json!(["Новая", "Старая"])));
        assert_eq!(filter("name regexp ^Во.*$"), simple("name", "regexp", json!("^Во.*$")));
    }

    #[test]
    fn numeric_looking_text_stays_a_string() {
        assert_eq!(filter("ext_id = 0010"), simple("ext_id", "=", json!("0010")));
        assert_eq!(filter("ext_id in 1,1000"), simple("ext_id", "in", json!(["1", "1000"])));
    }

    #[test]
    fn numeric_fields_of_users_are_numbers() {
        assert_eq!(user_filter("id=12"), simple("id", "=", json!(12)));
        assert_eq!(user_filter("id != -3"), simple("id", "!=", json!(-3)));
        assert_eq!(user_filter("customer_id>=100 "), simple("customer_id", ">=", json!(100)));
        assert_eq!(user_filter("customer_id in 1, 2,3"), simple("customer_id", "in", json!([1, 2, 3])));
        assert_eq!(user_filter("id not_in -1"), simple("id", "not_in", json!([-1])));
        assert_eq!(user_filter("customer_id is_null"), simple("customer_id", "=", Value::Null));
        assert_eq!(user_filter("name like %Иван%"), simple("name", "like", json!("%Иван%")));
    }

    #[test]
    fn several_filters_make_an_and_tree_or_an_or_tree() {
        let exprs = strings(&["name like %Sales%", "ext_id>=10", "name is_not_null"]);
        let members = json!([
            simple("name", "like", json!("%Sales%")),
            simple("ext_id", ">=", json!("10")),
            simple("name", "!=", Value::Null),
        ]);
        assert_eq!(
            parse_filters(&exprs, false, &FUNNELS).unwrap(),
            Some(json!({ "filters": members, "condition": "and" }))
        );
        assert_eq!(
            parse_filters(&exprs, true, &FUNNELS).unwrap(),
            Some(json!({ "filters": members, "condition": "or" }))
        );
    }

    #[test]
    fn one_filter_is_simple_even_with_any_and_none_is_none() {
        let one = parse_filters(&strings(&["name=Main"]), true, &FUNNELS).unwrap();
        assert_eq!(one, Some(simple("name", "=", json!("Main"))));
        assert_eq!(parse_filters(&[], false, &FUNNELS).unwrap(), None);
        assert_eq!(parse_filters(&[], true, &USERS).unwrap(), None);
    }

    // ---- filters: errors ----

    #[test]
    fn filter_field_errors() {
        assert_eq!(filter_error("nmae=Main", &FUNNELS), "unknown field `nmae`; did you mean `name`?");
        assert_eq!(filter_error("extid in 1", &FUNNELS), "unknown field `extid`; did you mean `ext_id`?");
        assert_eq!(filter_error("Name=Main", &FUNNELS), "unknown field `Name`; did you mean `name`?");
        assert_eq!(filter_error("colour=red", &FUNNELS), "unknown field `colour`; filterable fields: ext_id, name");
        assert_eq!(filter_error("имя=x", &FUNNELS), "unknown field `имя`; filterable fields: ext_id, name");
        assert_eq!(
            filter_error("stages like %a%", &FUNNELS),
            "field `stages` cannot be filtered; filterable fields: ext_id, name"
        );
        assert_eq!(
            filter_error("login=bob", &USERS),
            "field `login` cannot be filtered; filterable fields: id, name, customer_id"
        );
        assert_eq!(filter_error("=Main", &FUNNELS), "filter `=Main` does not start with a field name");
    }

    #[test]
    fn filter_operator_errors() {
        assert_eq!(
            filter_error("name lik %a%", &FUNNELS),
            "unknown operator `lik` in filter `name lik %a%`; did you mean `like`?"
        );
        assert_eq!(
            filter_error("name is_nul", &FUNNELS),
            "unknown operator `is_nul` in filter `name is_nul`; did you mean `is_null`?"
        );
        assert_eq!(filter_error("name !x", &FUNNELS), "unknown operator `!` in filter `name !x`; did you mean `!=`?");
        assert_eq!(
            filter_error("name LIKEE x", &FUNNELS),
            "unknown operator `LIKEE` in filter `name LIKEE x`; did you mean `like`?"
        );
        assert_eq!(
            filter_error("name contains x", &FUNNELS),
            "unknown operator `contains` in filter `name contains x`; use one of = != < > <= >= like ilike \
             not_like not_ilike regexp in not_in is_null is_not_null"
        );
        assert_eq!(
            filter_error("name ~ x", &FUNNELS),
            "unknown operator `~` in filter `name ~ x`; use one of = != < > <= >= like ilike not_like \
             not_ilike regexp in not_in is_null is_not_null"
        );
        assert_eq!(filter_error("name !x", &FUNNELS), "unknown operator `!` in filter `name !x`; did you mean `!=`?");
        assert_eq!(
            filter_error("name like%a%", &FUNNELS),
            "operator `like` needs a blank after it in filter `name like%a%`"
        );
        assert_eq!(
            filter_error("name", &FUNNELS),
            "missing operator after `name` in filter `name`; use one of = != < > <= >= like ilike not_like \
             not_ilike regexp in not_in is_null is_not_null"
        );
    }

    #[test]
    fn glued_symbolic_operators_are_refused() {
        let hint = " (put a blank before a value that starts with =, !, < or >)";
        for (expr, token, near) in [
            ("name==Main", "==", "="),
            ("name<>Main", "<>", "!="),
            ("name =< 5", "=<", "<="),
            ("name=>5", "=>", ">="),
            ("name=!5", "=!", "!="),
            ("name<=>5", "<=>", "<="),
        ] {
            assert_eq!(
                filter_error(expr, &FUNNELS),
                format!("unknown operator `{token}` in filter `{expr}`; did you mean `{near}`?{hint}")
            );
        }
        // After a blank, such characters are the value.
        assert_eq!(filter("name = =x"), simple("name", "=", json!("=x")));
        assert_eq!(filter("name != <none>"), simple("name", "!=", json!("<none>")));
    }

    #[test]
    fn filter_value_errors() {
        assert_eq!(filter_error("name=", &FUNNELS), "missing value after `=` in filter `name=`");
        assert_eq!(filter_error("name >=   ", &FUNNELS), "missing value after `>=` in filter `name >=   `");
        assert_eq!(filter_error("name like", &FUNNELS), "missing value after `like` in filter `name like`");
        assert_eq!(filter_error("name regexp  ", &FUNNELS), "missing value after `regexp` in filter `name regexp  `");
        assert_eq!(filter_error("ext_id in", &FUNNELS), "missing value after `in` in filter `ext_id in`");
        assert_eq!(
            filter_error("ext_id in 1,,2", &FUNNELS),
            "empty item in the list `1,,2` of filter `ext_id in 1,,2`"
        );
        assert_eq!(
            filter_error("ext_id not_in 1, ,2", &FUNNELS),
            "empty item in the list `1, ,2` of filter `ext_id not_in 1, ,2`"
        );
        assert_eq!(filter_error("ext_id in 1,", &FUNNELS), "empty item in the list `1,` of filter `ext_id in 1,`");
        assert_eq!(
            filter_error("name is_null x", &FUNNELS),
            "operator `is_null` takes no value, but `x` follows it in filter `name is_null x`"
        );
        assert_eq!(
            filter_error("name is_not_null  a b ", &FUNNELS),
            "operator `is_not_null` takes no value, but `a b` follows it in filter `name is_not_null  a b `"
        );
    }

    #[test]
    fn numeric_field_errors() {
        assert_eq!(filter_error("id=abc", &USERS), "field `id` takes a whole number, not `abc`");
        assert_eq!(filter_error("id = 1.5", &USERS), "field `id` takes a whole number, not `1.5`");
        assert_eq!(filter_error("customer_id in 1,x", &USERS), "field `customer_id` takes a whole number, not `x`");
        assert_eq!(filter_error("id like 12%", &USERS), "field `id` takes a whole number, not `12%`");
        assert_eq!(
            filter_error("id=99999999999999999999", &USERS),
            "field `id` takes a whole number, not `99999999999999999999`"
        );
    }

    #[test]
    fn empty_expressions_and_control_characters() {
        let empty = "empty --filter expression; expected FIELD OP [VALUE], e.g. `name like %Sales%`";
        assert_eq!(filter_error("", &FUNNELS), empty);
        assert_eq!(filter_error(" \t ", &FUNNELS), empty);
        // A later bad expression fails the whole set.
        let err = parse_filters(&strings(&["name=Main", ""]), false, &FUNNELS);
        assert_eq!(usage_message(err), empty);
        // Control characters in user text are escaped so the error stays one harmless line.
        assert_eq!(
            filter_error("name\u{1b}[31m=x", &FUNNELS),
            "unknown field `name\\x1b[31m`; filterable fields: ext_id, name"
        );
        assert_eq!(
            filter_error("name is_null\nx", &FUNNELS),
            "operator `is_null` takes no value, but `x` follows it in filter `name is_null\\nx`"
        );
    }

    // ---- per platform (SPEC §3.1) ----

    fn review(exprs: &[&str], schema: &Schema, platform: Platform) -> anyhow::Result<Vec<String>> {
        review_filters(&strings(exprs), schema, platform)
    }

    #[test]
    fn callgear_refuses_the_operators_it_does_not_document_with_a_way_out() {
        let cases = [
            ("name ilike %a%", "ilike", "use `like` (case-sensitive) or `regexp`"),
            ("ext_id not_in 1,2", "not_in", "repeat `--filter 'F != V'` (AND-ed)"),
            ("name not_like a%", "not_like", "no CallGear equivalent; filter the output, e.g. with jq"),
            ("name NOT_ILIKE a%", "not_ilike", "no CallGear equivalent; filter the output, e.g. with jq"),
        ];
        for (expr, op, way_out) in cases {
            // A refused operator anywhere in the set refuses the set.
            let err = review(&["name=Main", expr], &FUNNELS, Platform::Callgear).unwrap_err();
            let verdict = classify(&err);
            assert_eq!(verdict.exit, Exit::Usage, "{expr}");
            assert_eq!(err.to_string(), format!("CallGear does not document the operator `{op}` (filter `{expr}`)"));
            assert_eq!(verdict.hint.as_deref(), Some(way_out), "{expr}");
            // The same expression is fine where CoMagic/UIS document it.
            for platform in [Platform::Comagic, Platform::Uis] {
                assert_eq!(review(&[expr], &FUNNELS, platform).unwrap(), Vec::<String>::new(), "{expr}");
            }
        }
        let err = review(&["customer_id not_in 1"], &USERS, Platform::Callgear).unwrap_err();
        assert_eq!(classify(&err).exit, Exit::Usage);
    }

    #[test]
    fn callgear_accepts_its_documented_operators_and_the_null_tests() {
        let exprs = [
            "name=a",
            "name!=a",
            "name<a",
            "name>a",
            "name<=a",
            "name>=a",
            "name like %a%",
            "name regexp ^a",
            "ext_id in 1,2",
            "name is_null",
            "name is_not_null",
        ];
        for expr in exprs {
            assert!(review(&[expr], &FUNNELS, Platform::Callgear).is_ok(), "{expr}");
        }
    }

    #[test]
    fn ordering_a_text_field_by_a_number_warns_that_it_compares_text() {
        let warned = |expr: &str, schema: &Schema| review(&[expr], schema, Platform::Comagic).unwrap();
        for expr in ["ext_id<10", "ext_id > 10", "ext_id <= -2.5", "name >= 007", "ext_id < +1"] {
            let field = expr.split([' ', '<', '>']).next().unwrap();
            assert_eq!(
                warned(expr, &FUNNELS),
                [format!(
                    "warning: filter `{expr}` compares text, not numbers: `{field}` is a string, so \"10\" < \"9\""
                )],
                "{expr}"
            );
        }
        assert_eq!(warned("name > 10", &USERS).len(), 1, "text fields of users too");
        for quiet in ["ext_id = 10", "ext_id in 1,2", "ext_id < abc", "ext_id < 1.", "ext_id < 1.2.3", "name like 1%"] {
            assert!(warned(quiet, &FUNNELS).is_empty(), "{quiet}");
        }
        // Numeric fields of users compare as numbers.
        assert!(warned("id > 10", &USERS).is_empty());
        assert!(warned("customer_id <= 10", &USERS).is_empty());
        // One warning per expression that needs it; CallGear warns too.
        let two = review(&["ext_id>1", "name=x", "ext_id<9"], &FUNNELS, Platform::Callgear).unwrap();
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn review_reports_a_bad_expression_like_parsing_does() {
        let err = review(&["nmae=x"], &FUNNELS, Platform::Callgear).unwrap_err();
        assert_eq!(usage_message::<()>(Err(err)), "unknown field `nmae`; did you mean `name`?");
    }

    // ---- --filter-json ----

    fn no_stdin(_: Option<&Path>) -> Result<String, FileError> {
        panic!("nothing must be read")
    }

    /// Reads what `parse_filter_json` asks for as `Listing` does: a file by path, stdin from `text`.
    fn stdin(text: &str) -> impl FnOnce(Option<&Path>) -> Result<String, FileError> + '_ {
        move |path| match path {
            None => Ok(text.to_owned()),
            Some(path) => crate::files::read_file(path, crate::files::PIPE_WAIT).map(|c| c.text),
        }
    }

    fn raw(filter: Filter) -> String {
        match filter {
            Filter::Raw(raw) => raw.get().to_owned(),
            Filter::Built(value) => panic!("built, not raw: {value}"),
        }
    }

    #[test]
    fn filter_json_inline_file_and_stdin() {
        let tree = json!({ "filters": [
            { "field": "name", "operator": "like", "value": "%Продажи%" },
            { "filters": [{ "field": "ext_id", "operator": "in", "value": ["1", "2"] }], "condition": "or" }
        ], "condition": "and" });
        assert_eq!(raw(parse_filter_json(&tree.to_string(), no_stdin).unwrap()), tree.to_string());

        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "\u{feff}{tree:#}").unwrap();
        let arg = format!("@{}", file.path().display());
        // The bytes of the file, without the BOM and the blanks around the object.
        assert_eq!(raw(parse_filter_json(&arg, stdin("")).unwrap()), format!("{tree:#}"));

        assert_eq!(raw(parse_filter_json("-", stdin(&tree.to_string())).unwrap()), tree.to_string());
        // Contents are the server's to judge.
        assert_eq!(raw(parse_filter_json(r#"{"anything": 1}"#, no_stdin).unwrap()), r#"{"anything": 1}"#);
    }

    #[test]
    fn filter_json_is_sent_as_the_bytes_given() {
        let text = r#"{"field":"ext_id","operator":"=","value":1.0,"big":123456789012345678901234567890,"e":1E400}"#;
        let filter = parse_filter_json(text, no_stdin).unwrap();
        let params = json!({"sort": []});
        let body = serde_json::to_string(&(&filter, &params)).unwrap();
        assert_eq!(body, format!("[{text},{{\"sort\":[]}}]"));
    }

    #[test]
    fn filter_json_depth_needs_no_stack() {
        // A million levels checked on a thread with a 128 KiB stack: a recursive check would overflow.
        let depth = 1_000_000;
        let text = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        let checked = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || parse_filter_json(&text, no_stdin).map(|f| raw(f).len()).map_err(|e| e.to_string()))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(checked, Ok(depth * 6 + 1));
        let unclosed = format!("{}1", r#"{"a":"#.repeat(depth));
        assert!(parse_filter_json(&unclosed, no_stdin).is_err());
    }

    #[test]
    fn filter_json_errors() {
        let not_object = "--filter-json must be a JSON object";
        assert_eq!(usage_message(parse_filter_json("[1, 2]", no_stdin)), not_object);
        assert_eq!(usage_message(parse_filter_json("\"name\"", no_stdin)), not_object);
        assert_eq!(usage_message(parse_filter_json("null", no_stdin)), not_object);
        assert_eq!(usage_message(parse_filter_json("1", no_stdin)), not_object);
        assert_eq!(usage_message(parse_filter_json("-", stdin("42"))), "--filter-json (stdin) must be a JSON object");
        assert_eq!(
            usage_message(parse_filter_json("{} {}", no_stdin)),
            "--filter-json is not valid JSON: trailing characters at line 1 column 4"
        );
        assert_eq!(
            usage_message(parse_filter_json("{\"field\": ", no_stdin)),
            "--filter-json is not valid JSON: EOF while parsing a value at line 1 column 10"
        );
        assert_eq!(
            usage_message(parse_filter_json("", no_stdin)),
            "--filter-json is not valid JSON: EOF while parsing a value at line 1 column 0"
        );
        assert_eq!(
            usage_message(parse_filter_json("-", stdin("{\n  \"a\": x\n}"))),
            "--filter-json (stdin) is not valid JSON: expected value at line 2 column 8"
        );
        assert_eq!(
            usage_message(parse_filter_json("-", |_| Err(FileError::Io(std::io::Error::other("boom"))))),
            "could not read --filter-json from stdin: boom"
        );

        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let message = usage_message(parse_filter_json(&format!("@{}", missing.display()), stdin("")));
        let os = std::io::Error::from(std::io::ErrorKind::NotFound).kind().to_string();
        assert!(
            message.starts_with(&format!("could not read --filter-json file `{}`: ", missing.display())),
            "{message}"
        );
        assert!(message.to_lowercase().contains(&os.to_lowercase()) || message.contains("No such file"), "{message}");

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "[]").unwrap();
        assert_eq!(
            usage_message(parse_filter_json(&format!("@{}", bad.display()), stdin(""))),
            format!("--filter-json (file `{}`) must be a JSON object", bad.display())
        );
    }

    // ---- --sort ----

    fn key(field: &'static str, order: Order) -> SortKey {
        SortKey { field, order }
    }

    #[test]
    fn sort_defaults_per_schema() {
        assert_eq!(parse_sort(&[], &FUNNELS).unwrap(), vec![key("ext_id", Order::Asc)]);
        assert_eq!(parse_sort(&[], &USERS).unwrap(), vec![key("customer_id", Order::Asc), key("name", Order::Asc)]);
    }

    #[test]
    fn sort_keys_in_the_order_given() {
        assert_eq!(parse_sort(&strings(&["name:asc"]), &FUNNELS).unwrap(), vec![key("name", Order::Asc)]);
        assert_eq!(parse_sort(&strings(&["name"]), &FUNNELS).unwrap(), vec![key("name", Order::Asc)]);
        assert_eq!(
            parse_sort(&strings(&["name:desc,ext_id"]), &FUNNELS).unwrap(),
            vec![key("name", Order::Desc), key("ext_id", Order::Asc)]
        );
        assert_eq!(
            parse_sort(&strings(&[" ext_id : DESC ", "name:Asc"]), &FUNNELS).unwrap(),
            vec![key("ext_id", Order::Desc), key("name", Order::Asc)]
        );
        assert_eq!(
            parse_sort(&strings(&["name:desc", "customer_id"]), &USERS).unwrap(),
            vec![key("name", Order::Desc), key("customer_id", Order::Asc)]
        );
        assert_eq!(
            serde_json::to_value(parse_sort(&strings(&["name:desc,ext_id"]), &FUNNELS).unwrap()).unwrap(),
            json!([{ "field": "name", "order": "desc" }, { "field": "ext_id", "order": "asc" }])
        );
    }

    #[test]
    fn sort_errors() {
        assert_eq!(sort_error(&["nmae"]), "unknown field `nmae`; did you mean `name`?");
        assert_eq!(sort_error(&["colour:asc"]), "unknown field `colour`; sortable fields: ext_id, name");
        assert_eq!(sort_error(&["stages"]), "field `stages` cannot be sorted; sortable fields: ext_id, name");
        assert_eq!(sort_error(&["name:up"]), "bad sort order `up` in `name:up`; use asc or desc");
        assert_eq!(sort_error(&["name:asc:desc"]), "bad sort order `asc:desc` in `name:asc:desc`; use asc or desc");
        assert_eq!(sort_error(&["name:"]), "missing sort order after `:` in `name:`; use asc or desc");
        assert_eq!(sort_error(&[":desc"]), "missing field name in sort key `:desc`");
        assert_eq!(sort_error(&["name,,ext_id"]), "empty sort key in `name,,ext_id`");
        assert_eq!(sort_error(&["name,"]), "empty sort key in `name,`");
        assert_eq!(sort_error(&[""]), "empty --sort value; expected FIELD[:asc|desc][,...]");
        assert_eq!(sort_error(&["name", "  "]), "empty --sort value; expected FIELD[:asc|desc][,...]");
        assert_eq!(sort_error(&["name:asc,name:desc"]), "field `name` appears twice in --sort");
        assert_eq!(sort_error(&["name", "ext_id,name"]), "field `name` appears twice in --sort");
        assert_eq!(
            usage_message(parse_sort(&strings(&["id"]), &USERS)),
            "field `id` cannot be sorted; sortable fields: name, customer_id"
        );
    }

    // ---- --fields ----

    #[test]
    fn fields_default_and_chosen_order() {
        assert_eq!(parse_fields(None, &FUNNELS).unwrap(), ["ext_id", "name", "stages"]);
        assert_eq!(parse_fields(None, &USERS).unwrap(), ["id", "login", "name", "description", "customer_id"]);
        assert_eq!(parse_fields(Some("name,ext_id"), &FUNNELS).unwrap(), ["name", "ext_id"]);
        assert_eq!(parse_fields(Some(" stages , name "), &FUNNELS).unwrap(), ["stages", "name"]);
        assert_eq!(parse_fields(Some("login"), &USERS).unwrap(), ["login"]);
    }

    #[test]
    fn fields_errors() {
        assert_eq!(fields_error("nmae"), "unknown field `nmae`; did you mean `name`?");
        assert_eq!(fields_error("ext_id,stage"), "unknown field `stage`; did you mean `stages`?");
        assert_eq!(fields_error("colour"), "unknown field `colour`; fields: ext_id, name, stages");
        assert_eq!(fields_error("name,,ext_id"), "empty field name in --fields `name,,ext_id`");
        assert_eq!(fields_error("name,"), "empty field name in --fields `name,`");
        assert_eq!(fields_error(""), "empty --fields list; fields: ext_id, name, stages");
        assert_eq!(fields_error(" "), "empty --fields list; fields: ext_id, name, stages");
        assert_eq!(fields_error("name, name"), "field `name` appears twice in --fields");
    }

    #[test]
    fn operator_list_names_every_operator() {
        let listed: Vec<&str> = OPERATOR_LIST.split(' ').collect();
        let mut all: Vec<&str> = SYMBOLIC_OPS.iter().chain(&WORD_OPS).copied().collect();
        all.sort_unstable();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, all);
    }

    // ---- did you mean ----

    #[test]
    fn did_you_mean_finds_typos_only() {
        let fields = ["ext_id", "name", "stages"];
        assert_eq!(did_you_mean("nmae", fields), Some("name"));
        assert_eq!(did_you_mean("nam", fields), Some("name"));
        assert_eq!(did_you_mean("NAME", fields), Some("name"));
        assert_eq!(did_you_mean("ext-id", fields), Some("ext_id"));
        assert_eq!(did_you_mean("extid", fields), Some("ext_id"));
        assert_eq!(did_you_mean("stage", fields), Some("stages"));
        assert_eq!(did_you_mean("di", ["id", "name"]), Some("id"));
        assert_eq!(did_you_mean("lik", WORD_OPS), Some("like"));
        assert_eq!(did_you_mean("notin", WORD_OPS), Some("not_in"));
        assert_eq!(did_you_mean("colour", fields), None);
        assert_eq!(did_you_mean("x", ["id"]), None);
        assert_eq!(did_you_mean("", fields), None);
        assert_eq!(did_you_mean("name", std::iter::empty()), None);
        assert_eq!(did_you_mean(&"n".repeat(10_000), fields), None);
    }

    // ---- never panic ----

    /// Text built from the pieces the grammar cares about, plus anything at all.
    fn fragments() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just(" ".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            prop::sample::select(SYMBOLIC_OPS.to_vec()).prop_map(str::to_owned),
            prop::sample::select(WORD_OPS.to_vec()).prop_map(str::to_owned),
            prop::sample::select(vec!["ext_id", "name", "stages", "id", "customer_id", "asc", "desc"])
                .prop_map(str::to_owned),
            "[0-9-]{1,4}",
            "\\PC{0,3}",
            any::<String>(),
        ];
        prop::collection::vec(piece, 0..8).prop_map(|parts| parts.concat())
    }

    // proptest's default of 256 cases keeps `cargo test` well under a second; run longer with
    // e.g. `PROPTEST_CASES=100000 cargo test --release --lib query::tests`.
    proptest! {
        #[test]
        fn never_panics(exprs in prop::collection::vec(fragments(), 0..4), any_ in any::<bool>()) {
            for schema in [&FUNNELS, &USERS] {
                let _ = parse_filters(&exprs, any_, schema);
                let _ = review_filters(&exprs, schema, Platform::Callgear);
                let _ = parse_sort(&exprs, schema);
                for e in &exprs {
                    let _ = parse_fields(Some(e), schema);
                    let _ = did_you_mean(e, schema.names());
                    let _ = parse_filter_json(e, |_| Ok(e.clone()));
                }
            }
        }

        #[test]
        fn errors_are_always_usage_errors(expr in fragments()) {
            for result in [
                parse_filters(std::slice::from_ref(&expr), false, &USERS).map(|_| ()),
                parse_sort(std::slice::from_ref(&expr), &USERS).map(|_| ()),
                parse_fields(Some(&expr), &FUNNELS).map(|_| ()),
            ] {
                if let Err(err) = result {
                    prop_assert_eq!(classify(&err).exit, Exit::Usage);
                    prop_assert!(!err.to_string().contains('\n'), "multi-line: {}", err);
                }
            }
        }
    }
}
