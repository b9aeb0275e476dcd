//! `table`: comfy-table for humans, and the `show` layout.
//!
//! It never asks the terminal anything: the width comes from the caller (`Some` only on a TTY) and
//! colour only when the caller allows it, so the same input always renders the same bytes. Every
//! value goes through [`visible`]: a name is never allowed to reach the terminal with a raw control
//! character or a character that disguises text. Fitted to a terminal, a word longer than the
//! terminal is broken before comfy-table sees it (see [`fit`]), which keeps rendering linear in the
//! input.
//!
//! A funnel's stages, when not exploded, are one cell with a line per stage in `stage_order`:
//! `N. name` for a stage in process (N = its position in the funnel), `✓ name` for the success
//! stage, `✗ name` for the failed one; a stage without a status is numbered like one in process.
//! Such tables rule a line between rows so that funnels stay apart; flat tables (exploded, users,
//! `show`) are condensed. With colour: a bold header, and `success` green and `failed` red wherever
//! a status is a cell of its own. The lines of a stage list carry their marks but no colour:
//! comfy-table (without its `custom_styling` feature) would count the escape codes as width.
//!
//! **Bounded memory.** Column widths depend on every row, so rows are collected; but one comfy-table
//! of every row holds each cell as a `String` per line, then each line padded, then each output line
//! — about five times the text (650 MiB for 110 000 funnels). So [`TableWriter`] keeps only each
//! cell's final text, one after another in one string ([`Cells`]), and each column's widest line as
//! rows arrive. `finish` settles the widths first — off a terminal the widest lines, on one
//! comfy-table's own arrangement ([`widths`]) — then renders the rows in batches, each a comfy-table
//! pinned to those widths whose top and bottom lines are what one table draws at that place. The
//! bytes are those of rendering everything at once (`table/tests.rs` compares the two).

mod widths;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use comfy_table::presets::{UTF8_FULL, UTF8_FULL_CONDENSED};
use comfy_table::{
    Attribute, CellAlignment, Color, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, Width,
};
use unicode_width::UnicodeWidthStr;

use super::OutputOptions;
use super::sanitize::visible;
use crate::model::{Cell, Funnel, STAGE_STATUS, Stage, StageStatus, for_each_stage_in_order};

/// Rows per rendered batch: enough that comfy-table's work per table is noise, few enough that a
/// batch's formatted lines stay at a few MiB.
const BATCH_ROWS: usize = 1024;

/// Lines handed to comfy-table at once for one trial split ([`Cells::split_longest`]).
const SPLIT_CHUNK: usize = 1024;

/// The widest content a comfy-table width constraint can pin: content plus padding is a `u16`.
const MAX_PINNED: u16 = u16::MAX - 2;

/// Collects rows compactly; renders them in `finish`.
pub(super) struct TableWriter<W: Write> {
    w: W,
    columns: Vec<&'static str>,
    header: bool,
    width: Option<u16>,
    color: bool,
    cells: Cells,
    /// Some row has a multi-line stage list: separate rows with a rule so funnels stay apart.
    stage_lists: bool,
    /// One stage list as it is built, reused from row to row.
    scratch: String,
    /// Rows per comfy-table in `finish` (tests make it small to put batch boundaries in the data).
    batch_rows: usize,
}

impl<W: Write> TableWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, options: &OutputOptions) -> Self {
        let mut cells = Cells { text: String::new(), columns: columns.len(), rows: 0, widest: vec![0; columns.len()] };
        if options.header {
            for (widest, column) in cells.widest.iter_mut().zip(&columns) {
                *widest = text_width(&visible(column));
            }
        }
        TableWriter {
            w,
            columns,
            header: options.header,
            width: options.width,
            color: options.color,
            cells,
            stage_lists: false,
            scratch: String::new(),
            batch_rows: BATCH_ROWS,
        }
    }

    /// Keeps one row: each cell's text exactly as comfy-table will be given it.
    pub(super) fn row(&mut self, cells: &[Cell<'_>]) {
        debug_assert_eq!(cells.len(), self.columns.len(), "a row has a cell for every column");
        for (index, (cell, column)) in cells.iter().zip(&self.columns).enumerate() {
            let start = self.cells.text.len();
            let text = &mut self.cells.text;
            let align = match *cell {
                Cell::Stages(stages) => {
                    let stages = stages.unwrap_or_default();
                    self.stage_lists |= !stages.is_empty();
                    self.scratch.clear();
                    stage_list(stages, &mut self.scratch);
                    text.push_str(&fit(&self.scratch, self.width));
                    Align::Left
                }
                // A status is one short word of the API's; it is coloured, never broken.
                Cell::Text(value) if *column == STAGE_STATUS => {
                    text.push_str(&visible(value));
                    Align::Left
                }
                Cell::Text(value) => {
                    text.push_str(&fit(&visible(value), self.width));
                    Align::Left
                }
                Cell::Int(n) => {
                    let _ = write!(text, "{n}");
                    Align::Right
                }
                Cell::Null => Align::Left,
            };
            self.cells.end(index, start, align);
        }
        self.cells.rows += 1;
    }

    /// Renders the table, or nothing at all for zero rows.
    pub(super) fn finish(mut self) -> io::Result<W> {
        if self.cells.rows > 0 {
            let widths = self.widths();
            self.render(&widths)?;
        }
        self.w.flush()?;
        Ok(self.w)
    }

    /// The content width of every column, as one comfy-table of every row would lay them out.
    fn widths(&self) -> Vec<u16> {
        match self.width {
            // `ContentArrangement::Disabled`: each column as wide as its widest line.
            None => self.cells.widest.clone(),
            Some(width) => widths::fitted(width, &self.cells.widest, |column, average| {
                let header = self.header.then(|| visible(self.columns[column]));
                self.cells.split_longest(column, header.as_deref(), average)
            }),
        }
    }

    /// Writes the rows in batches of `batch_rows`, each a comfy-table held to `widths`: the first
    /// with the table's top border and header, each later one with the rule one table draws between
    /// two rows in place of a top border (nothing, when condensed), and only the last with a bottom
    /// border.
    fn render(&mut self, widths: &[u16]) -> io::Result<()> {
        let style = if self.stage_lists { UTF8_FULL } else { UTF8_FULL_CONDENSED };
        // Widths are pinned with `Absolute` constraints, which include the padding in a `u16`. Only
        // off a terminal can a column be wider than that (a line of 65 534 columns or more); there
        // no cell is wider than its column, so a blank last row as wide as each column holds the
        // batch to the widths instead, and its line is left out of the output.
        let pinned = widths.iter().all(|&width| width <= MAX_PINNED);
        debug_assert!(pinned || self.width.is_none(), "a terminal's widths always fit a constraint");
        let mut header = self.header.then(|| header_row(&self.columns, self.color));
        let mut cells = self.cells.iter();
        let mut left = self.cells.rows;
        let mut first = true;
        while left > 0 {
            let rows = left.min(self.batch_rows.max(1));
            left -= rows;
            let mut batch_style = style;
            if !first {
                batch_style.top_border = style.row_separator;
            }
            if left > 0 {
                batch_style.bottom_border = LineStyle::none();
            }
            let mut table = Table::new();
            table.force_no_tty().load_style(batch_style).set_content_arrangement(ContentArrangement::Disabled);
            if self.color {
                table.enforce_styling();
            }
            if let Some(header) = header.take() {
                table.set_header(header);
            }
            for _ in 0..rows {
                table.add_row(comfy_row(&self.columns, self.color, &mut cells));
            }
            if pinned {
                table.set_constraints(widths.iter().map(|&width| ColumnConstraint::Absolute(Width::Fixed(width + 2))));
                write_table(&mut self.w, &table)?;
            } else {
                table.add_row(widths.iter().map(|&width| " ".repeat(usize::from(width))).collect::<Vec<_>>());
                let mut lines: Vec<String> = table.lines().collect();
                // The blank row's line is the last but the bottom border; a ruled table has a rule
                // before it.
                let blank = lines.len() - 1 - usize::from(left == 0);
                lines.remove(blank);
                if self.stage_lists {
                    lines.remove(blank - 1);
                }
                for line in lines {
                    self.w.write_all(line.as_bytes())?;
                    self.w.write_all(b"\n")?;
                }
            }
            first = false;
        }
        Ok(())
    }
}

/// How a cell's text is aligned in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    /// Numbers.
    Right,
}

/// Every cell of every row, compact: each cell's final text (sanitized, stage list built, fitted to
/// the terminal) one after another in one string, each ended by a marker that also says how it is
/// aligned. The markers are C0 controls, which [`visible`] never lets through, so no text holds
/// one. Beside it, each column's widest line so far, measured as comfy-table measures it
/// (`unicode-width`, at least 1, at most `u16::MAX`), the header's included.
struct Cells {
    text: String,
    columns: usize,
    rows: usize,
    widest: Vec<u16>,
}

/// Ends a cell aligned left.
const LEFT_END: u8 = 0x1f;
/// Ends a cell aligned right.
const RIGHT_END: u8 = 0x1e;

impl Cells {
    /// Ends the cell of `column` that starts at `start` in the text.
    fn end(&mut self, column: usize, start: usize, align: Align) {
        let width = text_width(&self.text[start..]);
        self.widest[column] = self.widest[column].max(width);
        self.text.push(char::from(if align == Align::Right { RIGHT_END } else { LEFT_END }));
    }

    /// Every cell in order, row by row.
    fn iter(&self) -> impl Iterator<Item = (&str, Align)> {
        let mut rest = self.text.as_str();
        std::iter::from_fn(move || {
            let end = rest.bytes().position(|b| b == LEFT_END || b == RIGHT_END)?;
            let align = if rest.as_bytes()[end] == RIGHT_END { Align::Right } else { Align::Left };
            let text = &rest[..end];
            // The marker is one ASCII byte: the next cell starts right after it.
            rest = &rest[end + 1..];
            Some((text, align))
        })
    }

    /// comfy-table's trial split of `column` (header first, when there is one) at `average`, as
    /// [`widths::fitted`] asks it: the widest line once every line wider than `average` is split
    /// at `average`, if that leaves [`widths::SPARE`] of it unused.
    ///
    /// Lines that fit count as they are; the others are split by comfy-table itself, a chunk at a
    /// time ([`trial_split`]), so only one chunk of them is ever held as comfy-table cells.
    fn split_longest(&self, column: usize, header: Option<&str>, average: usize) -> Option<usize> {
        if average < widths::SPARE {
            return None;
        }
        let texts = header.into_iter().chain(self.iter().skip(column).step_by(self.columns).map(|(text, _)| text));
        let mut longest = 0;
        let mut chunk = Vec::new();
        for line in texts.flat_map(|text| text.split('\n')) {
            let width = line.width();
            if width <= average {
                longest = longest.max(width);
                continue;
            }
            chunk.push(line);
            if chunk.len() == SPLIT_CHUNK {
                longest = longest.max(trial_split(&chunk, average)?);
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            longest = longest.max(trial_split(&chunk, average)?);
        }
        (longest + widths::SPARE <= average).then_some(longest)
    }
}

/// The widest of `lines` (each wider than `average`) once comfy-table splits them at `average`, if
/// that leaves [`widths::SPARE`] unused; `None` if it does not.
///
/// comfy-table answers this itself: a one-column table of these lines, fitted to `average` plus its
/// two borders and two columns of padding, has exactly `average` to share out. Nothing fits as it
/// is, so comfy-table tries the split and fixes the column to the longest split line when that saves
/// [`widths::SPARE`], else gives it all of `average`. The top border's length says which.
fn trial_split(lines: &[&str], average: usize) -> Option<usize> {
    let mut proxy = Table::new();
    proxy
        .force_no_tty()
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(average + 4).ok()?);
    proxy.add_rows(lines.iter().map(|line| Row::from([*line])));
    let top = proxy.lines().next()?;
    let width = top.chars().count().checked_sub(4)?;
    (width + widths::SPARE <= average).then_some(width)
}

/// The widest line of `text` as comfy-table counts a cell: at least 1, at most `u16::MAX`.
fn text_width(text: &str) -> u16 {
    let widest = text.split('\n').map(UnicodeWidthStr::width).max().unwrap_or(0);
    u16::try_from(widest).unwrap_or(u16::MAX).max(1)
}

/// The next row's cells from `cells`, as comfy-table cells.
fn comfy_row<'a>(columns: &[&str], color: bool, cells: &mut impl Iterator<Item = (&'a str, Align)>) -> Row {
    let row: Vec<comfy_table::Cell> = columns
        .iter()
        .zip(cells)
        .map(|(column, (text, align))| match align {
            Align::Right => comfy_table::Cell::new(text).set_alignment(CellAlignment::Right),
            Align::Left if *column == STAGE_STATUS => status_cell(text, color),
            Align::Left => comfy_table::Cell::new(text),
        })
        .collect();
    Row::from(row)
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
        let status = visible(stage.stage_status.map_or("", StageStatus::as_str));
        table.add_row(vec![
            comfy_table::Cell::new(order).set_alignment(CellAlignment::Right),
            text(stage.stage_ext_id.as_deref()),
            text(stage.stage_name.as_deref()),
            status_cell(&status, options.color),
        ]);
        Ok::<(), io::Error>(())
    })?;
    write_table(w, &table)
}

/// A table that never looks at the terminal: fitted to `width` when given, else laid out by its
/// content alone. `show` renders one at once (a funnel's stages are few); so do the tests, as the
/// reference batched rendering must equal.
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

/// A `stage_status` value (already [`visible`]): success green, failed red when colour is on.
fn status_cell(status: &str, color: bool) -> comfy_table::Cell {
    let cell = comfy_table::Cell::new(status);
    match status {
        "success" if color => cell.fg(Color::Green),
        "failed" if color => cell.fg(Color::Red),
        _ => cell,
    }
}

/// One line per stage in order, into `out`: `N. name` (in process, N its position), `✓ name`,
/// `✗ name`.
fn stage_list(stages: &[Stage], out: &mut String) {
    let _ = for_each_stage_in_order(stages, |i, stage| {
        if i > 0 {
            out.push('\n');
        }
        match stage.stage_status {
            Some(StageStatus::Success) => out.push('✓'),
            Some(StageStatus::Failed) => out.push('✗'),
            Some(StageStatus::InProcess) | None => {
                let _ = write!(out, "{}.", i + 1);
            }
        }
        if let Some(name) = stage.stage_name.as_deref() {
            out.push(' ');
            out.push_str(&visible(name));
        }
        Ok::<(), std::fmt::Error>(())
    });
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
