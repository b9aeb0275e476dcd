//! `table`: comfy-table for humans, and the `show` layout.
//!
//! The table collects every row before rendering (column widths depend on all of them). It never
//! asks the terminal anything: the width comes from the caller (`Some` only on a TTY) and colour
//! only when the caller allows it, so the same input always renders the same bytes. Every value goes
//! through [`visible`]: a name is never allowed to reach the terminal with a raw control character
//! or a character that disguises text. Fitted to a terminal, a word longer than the terminal is
//! broken before comfy-table sees it (see [`fit`]), which keeps rendering linear in the input.
//!
//! A funnel's stages, when not exploded, are one cell with a line per stage in `stage_order`:
//! `N. name` for a stage in process (N = its position in the funnel), `✓ name` for the success
//! stage, `✗ name` for the failed one; a stage without a status is numbered like one in process.
//! Such tables rule a line between rows so that funnels stay apart; flat tables (exploded, users,
//! `show`) are condensed. With colour: a bold header, and `success` green and `failed` red wherever
//! a status is a cell of its own. The lines of a stage list carry their marks but no colour:
//! comfy-table (without its `custom_styling` feature) would count the escape codes as width.

use std::borrow::Cow;
use std::io::{self, Write};

use comfy_table::presets::{UTF8_FULL, UTF8_FULL_CONDENSED};
use comfy_table::{Attribute, CellAlignment, Color, ContentArrangement, Row, Table};

use super::OutputOptions;
use super::sanitize::visible;
use crate::model::{Cell, Funnel, STAGE_STATUS, Stage, StageStatus, for_each_stage_in_order};

/// Collects rows; renders them in `finish`.
pub(super) struct TableWriter<W: Write> {
    w: W,
    columns: Vec<&'static str>,
    header: bool,
    width: Option<u16>,
    color: bool,
    rows: Vec<Row>,
    /// Some row has a multi-line stage list: separate rows with a rule so funnels stay apart.
    stage_lists: bool,
}

impl<W: Write> TableWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, options: &OutputOptions) -> Self {
        TableWriter {
            w,
            columns,
            header: options.header,
            width: options.width,
            color: options.color,
            rows: Vec::new(),
            stage_lists: false,
        }
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>]) {
        let mut row = Vec::with_capacity(cells.len());
        for (cell, column) in cells.iter().zip(&self.columns) {
            row.push(match *cell {
                Cell::Stages(stages) => {
                    let stages = stages.unwrap_or_default();
                    self.stage_lists |= !stages.is_empty();
                    comfy_table::Cell::new(fit(&stage_list(stages), self.width))
                }
                Cell::Text(text) if *column == STAGE_STATUS => status_cell(text, self.color),
                Cell::Text(text) => comfy_table::Cell::new(fit(&visible(text), self.width)),
                Cell::Int(n) => comfy_table::Cell::new(n).set_alignment(CellAlignment::Right),
                Cell::Null => comfy_table::Cell::new(""),
            });
        }
        self.rows.push(Row::from(row));
    }

    /// Renders the table, or nothing at all for zero rows.
    pub(super) fn finish(mut self) -> io::Result<W> {
        if !self.rows.is_empty() {
            let mut table = new_table(self.width, self.color, self.stage_lists);
            if self.header {
                table.set_header(header_row(&self.columns, self.color));
            }
            table.add_rows(std::mem::take(&mut self.rows));
            write_table(&mut self.w, &table)?;
        }
        self.w.flush()?;
        Ok(self.w)
    }
}

/// `funnels show`: `NAME (ext_id EXT_ID)`, then `order, stage_ext_id, name, status` by
/// `stage_order`, or `no stages`.
pub(super) fn write_show<W: Write>(funnel: &Funnel, options: &OutputOptions, w: &mut W) -> io::Result<()> {
    let name = visible(funnel.name.as_deref().unwrap_or("(no name)"));
    let title = match funnel.ext_id.as_deref() {
        Some(ext_id) => format!("{name} (ext_id {})", visible(ext_id)),
        None => name.into_owned(),
    };
    if options.color {
        writeln!(w, "\x1b[1m{title}\x1b[0m")?;
    } else {
        writeln!(w, "{title}")?;
    }
    let stages = funnel.stages.as_deref().unwrap_or_default();
    if stages.is_empty() {
        return writeln!(w, "no stages");
    }
    let mut table = new_table(options.width, options.color, false);
    if options.header {
        table.set_header(header_row(&["order", "stage_ext_id", "name", "status"], options.color));
    }
    let text = |value: Option<&str>| comfy_table::Cell::new(fit(&visible(value.unwrap_or_default()), options.width));
    for_each_stage_in_order(stages, |_, stage: &Stage| {
        let order = stage.stage_order.map(|n| n.to_string()).unwrap_or_default();
        let status = stage.stage_status.map_or("", StageStatus::as_str);
        table.add_row(vec![
            comfy_table::Cell::new(order).set_alignment(CellAlignment::Right),
            text(stage.stage_ext_id.as_deref()),
            text(stage.stage_name.as_deref()),
            status_cell(status, options.color),
        ]);
        Ok::<(), io::Error>(())
    })?;
    write_table(w, &table)
}

/// A table that never looks at the terminal: fitted to `width` when given, else laid out by its
/// content alone.
fn new_table(width: Option<u16>, color: bool, row_rules: bool) -> Table {
    let mut table = Table::new();
    table.force_no_tty().load_style(if row_rules { UTF8_FULL } else { UTF8_FULL_CONDENSED });
    if color {
        table.enforce_styling();
    }
    match width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic).set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table
}

fn header_row(columns: &[&str], color: bool) -> Row {
    let cells: Vec<comfy_table::Cell> = columns
        .iter()
        .map(|column| {
            let cell = comfy_table::Cell::new(visible(column));
            if color { cell.add_attribute(Attribute::Bold) } else { cell }
        })
        .collect();
    Row::from(cells)
}

fn write_table<W: Write + ?Sized>(w: &mut W, table: &Table) -> io::Result<()> {
    for line in table.lines() {
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// A `stage_status` value: success green, failed red when colour is on.
fn status_cell(status: &str, color: bool) -> comfy_table::Cell {
    let cell = comfy_table::Cell::new(visible(status));
    match status {
        "success" if color => cell.fg(Color::Green),
        "failed" if color => cell.fg(Color::Red),
        _ => cell,
    }
}

/// One line per stage in order: `N. name` (in process, N its position), `✓ name`, `✗ name`.
fn stage_list(stages: &[Stage]) -> String {
    let mut out = String::new();
    let _ = for_each_stage_in_order(stages, |i, stage| {
        if i > 0 {
            out.push('\n');
        }
        match stage.stage_status {
            Some(StageStatus::Success) => out.push('✓'),
            Some(StageStatus::Failed) => out.push('✗'),
            Some(StageStatus::InProcess) | None => {
                use std::fmt::Write as _;
                let _ = write!(out, "{}.", i + 1);
            }
        }
        if let Some(name) = stage.stage_name.as_deref() {
            out.push(' ');
            out.push_str(&visible(name));
        }
        Ok::<(), std::fmt::Error>(())
    });
    out
}

/// `text` (already [`visible`]) with every word longer than the terminal's `width` broken into
/// lines of `width` characters; unchanged when the table is not fitted to a terminal.
///
/// comfy-table wraps a word wider than its column one line at a time, and for every line it
/// measures (and, for ASCII, scans) the whole rest of the word, so one long word costs time
/// quadratic in its length: a 64 K-character Cyrillic name took 12 s on a 20-column terminal, and
/// 1 MB would take most of an hour. Given pieces no longer than the terminal, each of its lines
/// costs at most a terminal width, so a table renders in time linear in its text. Words that fit
/// the terminal — every real name — reach comfy-table untouched and keep its layout byte for byte;
/// a longer one is wrapped at the piece boundaries as well as at the column's, with nothing lost.
fn fit(text: &str, width: Option<u16>) -> Cow<'_, str> {
    let Some(limit) = width.map(|w| usize::from(w.max(1))) else {
        return Cow::Borrowed(text);
    };
    let mut out: Option<String> = None;
    let mut word = 0;
    for (i, c) in text.char_indices() {
        if c == ' ' || c == '\n' {
            word = 0;
        } else {
            if word == limit {
                out.get_or_insert_with(|| {
                    let mut out = String::with_capacity(text.len() + text.len() / limit + 1);
                    out.push_str(&text[..i]);
                    out
                })
                .push('\n');
                word = 0;
            }
            word += 1;
        }
        if let Some(out) = &mut out {
            out.push(c);
        }
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}
