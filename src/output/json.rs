//! `json` (one pretty-printed array) and `ndjson` (one compact object per line).
//!
//! Written by hand rather than through `serde_json::Value`: records stream out as they arrive with no
//! tree per record, every string goes through [`write_json_string`] (so DEL and C1 are escaped, which
//! `serde_json` would leave raw), and the pretty layout is byte-for-byte that of
//! `serde_json::to_string_pretty` (two-space indent, `"key": value`, `[]` for an empty array).
//! JSON written to a terminal also `\u`-escapes the characters that disguise text (SPEC §5); the
//! strings decode the same either way. [`write_serialized`] gives the same guarantees to JSON built
//! from a `Serialize` type.

use std::io::{self, Write};

use serde::Serialize;

use super::int_bytes;
use super::sanitize::{JsonFormatter, write_json_string};
use crate::model::{Cell, STAGE_COLUMNS, Stage};

/// Streams rows as JSON objects keyed by `columns`.
pub(super) struct JsonWriter<W: Write> {
    w: W,
    columns: Vec<&'static str>,
    /// `json` (an indented array) rather than `ndjson`.
    pretty: bool,
    /// Stdout is a terminal: escape the disguising characters too.
    terminal: bool,
    rows: u64,
    /// One row's bytes, handed to `w` in one write: a row is dozens of small pieces, and `w` is
    /// often a `dyn Write` (a destination, a pager's buffer) that would be called for each.
    scratch: Vec<u8>,
}

impl<W: Write> JsonWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, pretty: bool, terminal: bool) -> Self {
        JsonWriter { w, columns, pretty, terminal, rows: 0, scratch: Vec::new() }
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        let row = &mut self.scratch;
        row.clear();
        if self.pretty {
            row.extend_from_slice(if self.rows == 0 { b"[\n  " } else { b",\n  " });
            write_object(row, &self.columns, cells, Some(1), self.terminal)?;
        } else {
            write_object(row, &self.columns, cells, None, self.terminal)?;
            row.push(b'\n');
        }
        self.w.write_all(row)?;
        self.rows += 1;
        Ok(())
    }

    pub(super) fn finish(mut self) -> io::Result<W> {
        if self.pretty {
            self.w.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.w.flush()?;
        Ok(self.w)
    }
}

/// One pretty-printed object as a whole document (`show -o json`), with a trailing newline.
pub(super) fn write_document<W: Write + ?Sized>(
    w: &mut W,
    columns: &[&str],
    cells: &[Cell<'_>],
    terminal: bool,
) -> io::Result<()> {
    write_object(w, columns, cells, Some(0), terminal)?;
    w.write_all(b"\n")
}

/// `value` as one JSON document and a newline, pretty or compact, with the strings escaped as
/// everywhere else: no raw C0, DEL or C1, and for a `terminal` no raw disguising character.
pub fn write_serialized<W: Write + ?Sized, T: Serialize + ?Sized>(
    w: &mut W,
    value: &T,
    pretty: bool,
    terminal: bool,
) -> io::Result<()> {
    let result = if pretty {
        let formatter = JsonFormatter { inner: serde_json::ser::PrettyFormatter::new(), terminal };
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut *w, formatter))
    } else {
        let formatter = JsonFormatter { inner: serde_json::ser::CompactFormatter, terminal };
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut *w, formatter))
    };
    result.map_err(io::Error::from)?;
    w.write_all(b"\n")
}

/// A newline and indentation for levels 0–7, the deepest being 3 (a stage inside a record inside
/// the array); deeper levels are written in chunks.
const NEWLINE_INDENT: &[u8] = b"\n                ";

/// A newline and the indentation of `level` (two spaces each) when pretty; nothing when compact.
fn newline<W: Write + ?Sized>(w: &mut W, level: Option<usize>) -> io::Result<()> {
    let Some(level) = level else { return Ok(()) };
    let mut width = level * 2;
    let first = width.min(NEWLINE_INDENT.len() - 1);
    w.write_all(&NEWLINE_INDENT[..=first])?;
    width -= first;
    while width > 0 {
        let n = width.min(NEWLINE_INDENT.len() - 1);
        w.write_all(&NEWLINE_INDENT[1..=n])?;
        width -= n;
    }
    Ok(())
}

/// `{"column": cell, ...}`; `level` is the indentation of the opening brace's line, `None` for
/// compact output.
fn write_object<W: Write + ?Sized>(
    w: &mut W,
    columns: &[&str],
    cells: &[Cell<'_>],
    level: Option<usize>,
    terminal: bool,
) -> io::Result<()> {
    debug_assert_eq!(columns.len(), cells.len());
    if columns.is_empty() {
        return w.write_all(b"{}");
    }
    let inner = level.map(|l| l + 1);
    w.write_all(b"{")?;
    for (i, (column, cell)) in columns.iter().zip(cells).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        newline(w, inner)?;
        write_key(w, column, level.is_some())?;
        write_value(w, *cell, inner, terminal)?;
    }
    newline(w, level)?;
    w.write_all(b"}")
}

/// `"column":` (`"column": ` when pretty). Column names are the model's field names, plain ASCII
/// that needs no escaping (checked in debug builds), so they skip the sanitizer.
fn write_key<W: Write + ?Sized>(w: &mut W, column: &str, pretty: bool) -> io::Result<()> {
    debug_assert!(column.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{column:?}");
    w.write_all(b"\"")?;
    w.write_all(column.as_bytes())?;
    w.write_all(if pretty { b"\": " } else { b"\":" })
}

fn write_value<W: Write + ?Sized>(w: &mut W, cell: Cell<'_>, level: Option<usize>, terminal: bool) -> io::Result<()> {
    match cell {
        Cell::Text(text) => write_json_string(w, text, terminal),
        Cell::Int(n) => w.write_all(int_bytes(n, &mut [0; 20])),
        Cell::Null | Cell::Stages(None) => w.write_all(b"null"),
        Cell::Stages(Some(stages)) => write_stages(w, stages, level, terminal),
    }
}

/// The stages as received: server order, each stage with all four keys (`null` where missing).
fn write_stages<W: Write + ?Sized>(
    w: &mut W,
    stages: &[Stage],
    level: Option<usize>,
    terminal: bool,
) -> io::Result<()> {
    if stages.is_empty() {
        return w.write_all(b"[]");
    }
    let inner = level.map(|l| l + 1);
    w.write_all(b"[")?;
    for (i, stage) in stages.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        newline(w, inner)?;
        write_object(w, &STAGE_COLUMNS, &stage.cells(), inner, terminal)?;
    }
    newline(w, level)?;
    w.write_all(b"]")
}
