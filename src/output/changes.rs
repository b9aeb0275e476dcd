//! `diff`'s change records in the five formats (SPEC §4, §5).
//!
//! json, ndjson, csv and tsv are the record writers every command shares ([`Output`]), fed change
//! records instead of funnels, so the escaping, the `[]` of an empty json, the header of an empty
//! csv and `--excel` are theirs. The table is this file's own: one line per change, `old → new`,
//! the way a reader of `git diff --stat` scans it — aligned columns under a header, and on a
//! terminal with colour allowed the old value in red and the new one in green (the kind too, for
//! additions and removals). Every value goes through the one sanitizer ([`visible`]) first.

use std::io::{self, Write};

use super::sanitize::visible;
use super::{Output, OutputOptions};
use crate::cli::Format;
use crate::model::{Cell, Change};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";
/// Between the old and the new value.
const ARROW: &str = "→";

/// Writes `changes` (already in SPEC order) as `options.format` says; `options.fields` are the
/// change record's fields ([`Change::fields`]).
pub fn write_changes<W: Write + ?Sized>(changes: &[Change<'_>], options: &OutputOptions, w: &mut W) -> io::Result<()> {
    if options.format == Format::Table {
        write_table(changes, options, w)?;
    } else {
        let mut output = Output::new(options.clone(), &mut *w);
        output.records(changes)?;
        output.finish()?;
    }
    w.flush()
}

/// The table: nothing at all when nothing changed (the command says "no changes" on stderr).
fn write_table<W: Write + ?Sized>(changes: &[Change<'_>], options: &OutputOptions, w: &mut W) -> io::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    // The columns before `old → new`, every field but those two.
    let lead: Vec<&'static str> =
        options.fields.iter().copied().filter(|f| *f != Change::OLD && *f != Change::NEW).collect();
    let rows: Vec<Row> = changes.iter().map(|change| Row::new(change, &lead)).collect();
    let mut widths: Vec<usize> = lead.iter().map(|f| f.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(&row.lead) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let paint = |color: &'static str, text: &str| {
        if options.color && !text.is_empty() { format!("{color}{text}{RESET}") } else { text.to_owned() }
    };
    let mut line = String::new();
    for (i, name) in lead.iter().enumerate() {
        line.push_str(&pad(name, widths[i]));
        line.push_str("  ");
    }
    line.push_str(Change::OLD);
    line.push_str(" → ");
    line.push_str(Change::NEW);
    writeln!(w, "{}", paint(BOLD, &line))?;
    for (row, change) in rows.iter().zip(changes) {
        let mut line = String::new();
        for (i, cell) in row.lead.iter().enumerate() {
            // The kind is the first column: an addition reads green, a removal red (the padding
            // after it stays uncoloured).
            let shown = match i {
                0 if change.kind.is_addition() => paint(GREEN, cell),
                0 if change.kind.is_removal() => paint(RED, cell),
                _ => cell.clone(),
            };
            line.push_str(&shown);
            line.extend(std::iter::repeat_n(' ', widths[i].saturating_sub(cell.chars().count()) + 2));
        }
        let (old, new) = (paint(RED, &row.old), paint(GREEN, &row.new));
        let joined = match (row.old.is_empty(), row.new.is_empty()) {
            (true, true) => ARROW.to_owned(),
            (true, false) => format!("{ARROW} {new}"),
            (false, true) => format!("{old} {ARROW}"),
            (false, false) => format!("{old} {ARROW} {new}"),
        };
        line.push_str(&joined);
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// One change's cells as the table shows them: made visible, numbers in decimal, null empty.
struct Row {
    lead: Vec<String>,
    old: String,
    new: String,
}

impl Row {
    fn new(change: &Change<'_>, lead: &[&str]) -> Row {
        use crate::model::Record;
        Row {
            lead: lead.iter().map(|f| shown(change.cell(f))).collect(),
            old: shown(change.old),
            new: shown(change.new),
        }
    }
}

fn shown(cell: Cell<'_>) -> String {
    match cell {
        Cell::Text(text) => visible(text).into_owned(),
        Cell::Int(n) => n.to_string(),
        Cell::Null | Cell::Stages(_) => String::new(),
    }
}

/// `text` padded with spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    let mut padded = String::with_capacity(text.len() + width.saturating_sub(len));
    padded.push_str(text);
    padded.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
    padded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChangeKind;

    fn options(format: Format, per_user: bool, color: bool) -> OutputOptions {
        OutputOptions {
            format,
            fields: Change::fields(per_user),
            explode: false,
            header: true,
            width: None,
            color,
            terminal: false,
            excel: false,
        }
    }

    fn sample() -> Vec<Change<'static>> {
        vec![
            Change {
                kind: ChangeKind::FunnelRenamed,
                user_id: None,
                ext_id: "1",
                stage_ext_id: None,
                old: Cell::Text("Sales"),
                new: Cell::Text("Sales\x1b[2J EU"),
            },
            Change {
                kind: ChangeKind::StageMoved,
                user_id: None,
                ext_id: "1",
                stage_ext_id: Some("101"),
                old: Cell::Int(2),
                new: Cell::Int(3),
            },
            Change {
                kind: ChangeKind::FunnelAdded,
                user_id: None,
                ext_id: "42",
                stage_ext_id: None,
                old: Cell::Null,
                new: Cell::Text("Новая"),
            },
        ]
    }

    fn render(changes: &[Change<'_>], options: &OutputOptions) -> String {
        let mut out = Vec::new();
        write_changes(changes, options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_table_is_one_aligned_line_per_change_with_old_arrow_new_and_no_raw_escapes() {
        let text = render(&sample(), &options(Format::Table, false, false));
        assert_eq!(
            text,
            "change          ext_id  stage_ext_id  old → new\n\
             funnel_renamed  1                     Sales → Sales\\x1b[2J EU\n\
             stage_moved     1       101           2 → 3\n\
             funnel_added    42                    → Новая\n"
        );
        assert_eq!(render(&[], &options(Format::Table, false, false)), "");
    }

    #[test]
    fn a_coloured_table_paints_old_red_and_new_green() {
        let text = render(&sample()[2..], &options(Format::Table, false, true));
        assert_eq!(
            text,
            "\x1b[1mchange        ext_id  stage_ext_id  old → new\x1b[0m\n\
             \x1b[32mfunnel_added\x1b[0m  42                    → \x1b[32mНовая\x1b[0m\n"
        );
        let moved = render(&sample()[1..2], &options(Format::Table, false, true));
        assert!(moved.ends_with("\x1b[31m2\x1b[0m → \x1b[32m3\x1b[0m\n"), "{moved:?}");
    }

    #[test]
    fn machine_formats_are_the_shared_writers_with_empty_forms() {
        assert_eq!(render(&[], &options(Format::Json, false, false)), "[]\n");
        assert_eq!(render(&[], &options(Format::Csv, true, false)), "change,user_id,ext_id,stage_ext_id,old,new\r\n");
        assert_eq!(render(&[], &options(Format::Tsv, false, false)), "change\text_id\tstage_ext_id\told\tnew\n");
        assert_eq!(render(&[], &options(Format::Ndjson, false, false)), "");
        assert_eq!(
            render(&sample()[1..2], &options(Format::Ndjson, false, false)),
            "{\"change\":\"stage_moved\",\"ext_id\":\"1\",\"stage_ext_id\":\"101\",\"old\":2,\"new\":3}\n"
        );
    }
}
