//! Records → bytes in the five formats of SPEC §5, through any `Write`.
//!
//! A record exposes its fields as [`Cell`]s by name (`model`: each record type answers for the
//! fields of its schema); the selected field list is the column order. A `Stages` cell expands in
//! place into the four stage columns wherever records are flattened (`--explode`, csv/tsv), so every
//! record type shares the same writers.
//!
//! This file owns the flattening and the choice of writer; each format lives in its own file and sees
//! only rows of cells under a fixed list of column names: `json.rs` (json, ndjson), `delimited.rs`
//! (csv, tsv), `table.rs` (comfy-table, and the `show` layout). `changes.rs` prints `diff`'s change
//! records: through these writers, or as its own one-line-per-change table. Streaming formats write each row as it
//! comes; the table collects, because column widths depend on every row.

pub mod changes;
mod delimited;
pub mod destination;
pub mod emit;
mod json;
pub mod pager;
pub mod sanitize;
mod table;
#[cfg(test)]
mod tests;

pub use json::write_serialized;

use std::io::{self, Write};

use crate::cli::Format;
use crate::model::{Cell, Funnel, Record, STAGE_COLUMNS, STAGES_FIELD, Stage, for_each_stage_in_order};

/// How to print, settled by `config` and the command.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    pub format: Format,
    /// Selected fields in output order (`stages` expands in place when flattened).
    pub fields: Vec<&'static str>,
    /// One record per stage.
    pub explode: bool,
    /// Header row in table, csv, tsv.
    pub header: bool,
    /// Table: fit this terminal width (`None` when stdout is not a terminal: no width dependence).
    pub width: Option<u16>,
    /// Table: colour allowed.
    pub color: bool,
    /// Stdout is a terminal (`Settings.stdout_tty`): csv and tsv show control and disguising
    /// characters as visible escapes, JSON `\u`-escapes the disguising ones too (SPEC §5).
    pub terminal: bool,
    /// `--excel`: csv for spreadsheets (a BOM first, formula-like cells defused; SPEC §5). The
    /// commands allow it with csv only.
    pub excel: bool,
}

impl OutputOptions {
    /// Whether records become one row per stage: with `--explode`, and always for csv and tsv,
    /// which have no way to nest.
    pub fn flattens(&self) -> bool {
        self.explode || matches!(self.format, Format::Csv | Format::Tsv)
    }

    /// The output's column names (JSON keys): the fields, with `stages` expanded in place when
    /// flattened.
    pub fn columns(&self) -> Vec<&'static str> {
        if self.flattens() { flat_columns(&self.fields) } else { self.fields.clone() }
    }
}

/// A format writer fed record batches (pages) in order; `finish` completes the document.
pub struct Output<W: Write> {
    sink: Sink<W>,
    fields: Vec<&'static str>,
    flatten: bool,
    records: u64,
}

/// The format-specific writer; each sees rows of cells aligned with its column list.
enum Sink<W: Write> {
    Json(json::JsonWriter<W>),
    // Boxed: the csv crate's writer keeps its state inline.
    Csv(Box<delimited::CsvWriter<W>>),
    Tsv(delimited::TsvWriter<W>),
    Table(table::TableWriter<W>),
}

impl<W: Write> Sink<W> {
    fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        match self {
            Sink::Json(s) => s.row(cells),
            Sink::Csv(s) => s.row(cells),
            Sink::Tsv(s) => s.row(cells),
            Sink::Table(s) => {
                s.row(cells);
                Ok(())
            }
        }
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Sink::Json(s) => s.finish(),
            Sink::Csv(s) => s.finish(),
            Sink::Tsv(s) => s.finish(),
            Sink::Table(s) => s.finish(),
        }
    }
}

impl<W: Write> Output<W> {
    pub fn new(options: OutputOptions, writer: W) -> Self {
        let columns = options.columns();
        let flatten = options.flattens();
        let sink = match options.format {
            Format::Json => Sink::Json(json::JsonWriter::new(writer, columns, true, options.terminal)),
            Format::Ndjson => Sink::Json(json::JsonWriter::new(writer, columns, false, options.terminal)),
            Format::Csv => Sink::Csv(Box::new(delimited::CsvWriter::new(
                writer,
                columns,
                options.header,
                options.terminal,
                options.excel,
            ))),
            Format::Tsv => Sink::Tsv(delimited::TsvWriter::new(writer, columns, options.header, options.terminal)),
            Format::Table => Sink::Table(table::TableWriter::new(writer, columns, &options)),
        };
        Output { sink, fields: options.fields, flatten, records: 0 }
    }

    /// Writes (or, for `table`, collects) one batch of records.
    pub fn records<R: Record>(&mut self, records: &[R]) -> io::Result<()> {
        let mut row = Vec::with_capacity(self.fields.len() + STAGE_COLUMNS.len());
        for record in records {
            if self.flatten {
                for_each_flat_row(record, &self.fields, &mut row, |cells| self.sink.row(cells))?;
            } else {
                row.clear();
                row.extend(self.fields.iter().map(|field| record.cell(field)));
                self.sink.row(&row)?;
            }
            self.records += 1;
        }
        Ok(())
    }

    /// Completes the document (json `]`, table rendering), flushes, and gives the writer back.
    /// Returns how many records were written.
    pub fn finish(self) -> io::Result<(W, u64)> {
        let writer = self.sink.finish()?;
        Ok((writer, self.records))
    }
}

/// `funnels show` in table format: a title line with name and `ext_id`, then the stages table.
/// In json: the funnel object (selected fields). Other formats use [`Output`] with `explode`.
pub fn write_show<W: Write>(funnel: &Funnel, options: &OutputOptions, writer: &mut W) -> io::Result<()> {
    match options.format {
        Format::Table => table::write_show(funnel, options, writer)?,
        Format::Json => {
            let cells: Vec<Cell<'_>> = options.fields.iter().map(|f| funnel.cell(f)).collect();
            json::write_document(writer, &options.fields, &cells, options.terminal)?;
        }
        Format::Ndjson | Format::Csv | Format::Tsv => {
            let options = OutputOptions { explode: true, ..options.clone() };
            let mut output = Output::new(options, &mut *writer);
            output.records(std::slice::from_ref(funnel))?;
            output.finish()?;
        }
    }
    writer.flush()
}

/// `fields` with `stages` replaced by the four stage columns.
fn flat_columns(fields: &[&'static str]) -> Vec<&'static str> {
    let mut columns = Vec::with_capacity(fields.len() + STAGE_COLUMNS.len());
    for &field in fields {
        if field == STAGES_FIELD {
            columns.extend(STAGE_COLUMNS);
        } else {
            columns.push(field);
        }
    }
    columns
}

/// Calls `emit` once per flattened row of `record`: one row per stage in order, or one row with
/// empty stage cells when the stages are `null`, `[]` or not a stage list at all. `row` is scratch
/// space reused across records so that rows cost no allocation.
fn for_each_flat_row<'r, R: Record + ?Sized>(
    record: &'r R,
    fields: &[&str],
    row: &mut Vec<Cell<'r>>,
    mut emit: impl FnMut(&[Cell<'r>]) -> io::Result<()>,
) -> io::Result<()> {
    row.clear();
    let mut stages: Option<(usize, &'r [Stage])> = None;
    for &field in fields {
        if field == STAGES_FIELD {
            if let Cell::Stages(Some(list)) = record.cell(field) {
                stages = Some((row.len(), list));
            }
            row.extend([Cell::Null; STAGE_COLUMNS.len()]);
        } else {
            row.push(record.cell(field));
        }
    }
    match stages {
        Some((at, list)) if !list.is_empty() => for_each_stage_in_order(list, |_, stage| {
            row[at..at + STAGE_COLUMNS.len()].copy_from_slice(&stage.cells());
            emit(row)
        }),
        _ => emit(row),
    }
}

/// `n` in decimal, written into `buf` without allocating.
fn int_bytes(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}
