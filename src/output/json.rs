//! `json` (one pretty-printed array) and `ndjson` (one compact object per line).
//!
//! Written by hand rather than through `serde_json::Value`: records stream out as they arrive with no
//! tree per record, every string goes through [`write_json_string`] (so DEL and C1 are escaped, which
//! `serde_json` would leave raw), and the pretty layout is byte-for-byte that of
//! `serde_json::to_string_pretty` (two-space indent, `"key": value`, `[]` for an empty array).

use std::io::{self, Write};

use super::sanitize::write_json_string;
use super::{Cell, STAGE_COLUMNS, Stage, int_bytes, stage_cells};

/// Streams rows as JSON objects keyed by `columns`.
pub(super) struct JsonWriter<W: Write> {
    w: W,
    columns: Vec<&'static str>,
    /// `json` (an indented array) rather than `ndjson`.
    pretty: bool,
    rows: u64,
}

impl<W: Write> JsonWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, pretty: bool) -> Self {
        JsonWriter { w, columns, pretty, rows: 0 }
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        if self.pretty {
            self.w.write_all(if self.rows == 0 { b"[\n  " } else { b",\n  " })?;
            write_object(&mut self.w, &self.columns, cells, Some(1))?;
        } else {
            write_object(&mut self.w, &self.columns, cells, None)?;
            self.w.write_all(b"\n")?;
        }
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
pub(super) fn write_document<W: Write + ?Sized>(w: &mut W, columns: &[&str], cells: &[Cell<'_>]) -> io::Result<()> {
    write_object(w, columns, cells, Some(0))?;
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
        write_json_string(w, column)?;
        w.write_all(if level.is_some() { b": " } else { b":" })?;
        write_value(w, *cell, inner)?;
    }
    newline(w, level)?;
    w.write_all(b"}")
}

fn write_value<W: Write + ?Sized>(w: &mut W, cell: Cell<'_>, level: Option<usize>) -> io::Result<()> {
    match cell {
        Cell::Text(text) => write_json_string(w, text),
        Cell::Int(n) => w.write_all(int_bytes(n, &mut [0; 20])),
        Cell::Null | Cell::Stages(None) => w.write_all(b"null"),
        Cell::Stages(Some(stages)) => write_stages(w, stages, level),
    }
}

/// The stages as received: server order, each stage with all four keys (`null` where missing).
fn write_stages<W: Write + ?Sized>(w: &mut W, stages: &[Stage], level: Option<usize>) -> io::Result<()> {
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
        write_object(w, &STAGE_COLUMNS, &stage_cells(stage), inner)?;
    }
    newline(w, level)?;
    w.write_all(b"]")
}
