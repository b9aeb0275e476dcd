//! Tables: every row pre-serialized once, back to back, plus the columns that filters and sorts
//! read and a sort index per sortable field, so that a page is built by concatenating slices and the
//! sandbox is never what a benchmark measures.

use std::cmp::Ordering;
use std::fmt::Write as _;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueType {
    Str,
    Num,
    Json,
}

pub(crate) struct FieldDef {
    pub(crate) name: &'static str,
    pub(crate) kind: ValueType,
    pub(crate) filter: bool,
    pub(crate) sort: bool,
}

const fn def(name: &'static str, kind: ValueType, filter: bool, sort: bool) -> FieldDef {
    FieldDef { name, kind, filter, sort }
}

pub(crate) const FUNNEL_FIELDS: &[FieldDef] = &[
    def("ext_id", ValueType::Str, true, true),
    def("name", ValueType::Str, true, true),
    def("stages", ValueType::Json, false, false),
];

pub(crate) const USER_FIELDS: &[FieldDef] = &[
    def("id", ValueType::Num, true, false),
    def("login", ValueType::Str, false, false),
    def("name", ValueType::Str, true, true),
    def("description", ValueType::Str, false, false),
    def("customer_id", ValueType::Num, true, true),
];

pub(crate) enum Datum<'a> {
    Str(Option<&'a str>),
    Num(Option<i64>),
    /// Already serialized JSON.
    Json(&'a str),
}

pub(crate) enum Column {
    /// Values, and their lower-case forms for `ilike`.
    Str(Vec<Option<Box<str>>>, Vec<Option<Box<str>>>),
    Num(Vec<Option<i64>>),
    Json,
}

/// Rows sorted by one field, and each row's dense rank in that order (equal values, equal rank).
pub(crate) struct SortIndex {
    pub(crate) order: Vec<u32>,
    pub(crate) rank: Vec<u32>,
    pub(crate) unique: bool,
}

pub(crate) struct Table {
    pub(crate) fields: &'static [FieldDef],
    /// Every row's JSON object, back to back.
    pub(crate) json: String,
    /// Per row: object start, (start, end) of each field's `"key":value`, object end.
    pub(crate) spans: Vec<usize>,
    pub(crate) columns: Vec<Column>,
    pub(crate) sorts: Vec<Option<SortIndex>>,
    pub(crate) len: usize,
}

impl Table {
    pub(crate) fn new(fields: &'static [FieldDef]) -> Self {
        let columns = fields
            .iter()
            .map(|f| match f.kind {
                ValueType::Str => Column::Str(Vec::new(), Vec::new()),
                ValueType::Num => Column::Num(Vec::new()),
                ValueType::Json => Column::Json,
            })
            .collect();
        Table { fields, json: String::new(), spans: Vec::new(), columns, sorts: Vec::new(), len: 0 }
    }

    pub(crate) fn push(&mut self, cells: &[Datum<'_>]) {
        debug_assert_eq!(cells.len(), self.fields.len());
        self.spans.push(self.json.len());
        self.json.push('{');
        for (i, (field, cell)) in self.fields.iter().zip(cells).enumerate() {
            if i > 0 {
                self.json.push(',');
            }
            self.spans.push(self.json.len());
            push_json_str(&mut self.json, field.name);
            self.json.push(':');
            match (cell, &mut self.columns[i]) {
                (Datum::Str(s), Column::Str(values, lower)) => {
                    match s {
                        Some(s) => push_json_str(&mut self.json, s),
                        None => self.json.push_str("null"),
                    }
                    values.push(s.map(Box::from));
                    if field.filter {
                        lower.push(s.map(|s| s.to_lowercase().into_boxed_str()));
                    }
                }
                (Datum::Num(n), Column::Num(values)) => {
                    match n {
                        Some(n) => {
                            let _ = write!(self.json, "{n}");
                        }
                        None => self.json.push_str("null"),
                    }
                    values.push(*n);
                }
                (Datum::Json(raw), Column::Json) => self.json.push_str(raw),
                _ => unreachable!("cell kinds follow the field definitions"),
            }
            self.spans.push(self.json.len());
        }
        self.json.push('}');
        self.spans.push(self.json.len());
        self.len += 1;
    }

    /// Builds the sort indexes once all rows are in.
    pub(crate) fn finish(mut self) -> Self {
        let sorts = (0..self.fields.len())
            .map(|f| {
                if !self.fields[f].sort {
                    return None;
                }
                let mut order: Vec<u32> = (0..self.len as u32).collect();
                order.sort_by(|&a, &b| self.compare(f, a as usize, b as usize));
                let mut rank = vec![0; self.len];
                let mut unique = true;
                let mut current = 0;
                for k in 1..order.len() {
                    if self.compare(f, order[k - 1] as usize, order[k] as usize).is_ne() {
                        current += 1;
                    } else {
                        unique = false;
                    }
                    rank[order[k] as usize] = current;
                }
                Some(SortIndex { order, rank, unique })
            })
            .collect();
        self.sorts = sorts;
        self
    }

    /// Plain value order: strings by code point (so "10" < "2"), numbers numerically, nulls last.
    fn compare(&self, field: usize, a: usize, b: usize) -> Ordering {
        fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(&b),
                (a, b) => b.is_some().cmp(&a.is_some()),
            }
        }
        match &self.columns[field] {
            Column::Str(values, _) => nulls_last(values[a].as_deref(), values[b].as_deref()),
            Column::Num(values) => nulls_last(values[a], values[b]),
            Column::Json => Ordering::Equal,
        }
    }

    pub(crate) fn stride(&self) -> usize {
        2 + 2 * self.fields.len()
    }

    pub(crate) fn object(&self, row: usize) -> &str {
        let s = &self.spans[row * self.stride()..];
        &self.json[s[0]..s[self.stride() - 1]]
    }

    pub(crate) fn fragment(&self, row: usize, field: usize) -> &str {
        let s = &self.spans[row * self.stride() + 1 + 2 * field..];
        &self.json[s[0]..s[1]]
    }
}

pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
