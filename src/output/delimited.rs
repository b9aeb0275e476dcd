//! `csv` (RFC 4180 through the `csv` crate) and `tsv` (tab-separated, backslash escapes).
//!
//! Both take flattened rows only: a delimited file has no way to nest a stage list. CSV keeps values
//! byte-exact, control characters included, because spreadsheets and `csv::Reader` must get back
//! what the server sent; the quoting makes that safe. TSV has no quoting, so the four characters
//! that would break its rows (tab, newline, CR) or make the escapes ambiguous (backslash) are
//! written as `\t \n \r \\`, the convention of `PostgreSQL`'s `COPY` and of `mlr --tsv`.
//!
//! `--excel` (csv only, SPEC §5) makes a file for spreadsheets rather than for programs: a UTF-8 BOM
//! first, without which Excel on Windows reads UTF-8 as the local code page (Cyrillic turns to
//! mojibake), and a `'` before every cell that starts with `=`, `+`, `-`, `@`, tab or CR, which a
//! spreadsheet would otherwise run as a formula (OWASP "CSV injection"). The `'` is shown by no
//! spreadsheet; it only makes the cell text. Without `--excel` nothing of this happens.
//!
//! Written to a terminal, both show control and disguising characters as visible escapes (SPEC §5):
//! a terminal is a reader, not a spreadsheet, and must not be driven by a name. Byte-exactness is
//! for files and pipes, which is where spreadsheets and scripts read from.

use std::io::{self, Write};

use super::sanitize::{visible, write_tsv_field};
use super::{Cell, int_bytes};

/// The UTF-8 byte order mark that `--excel` writes first.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// What a spreadsheet reads as the start of a formula (OWASP), so `--excel` puts `'` before it.
fn starts_formula(cell: &[u8]) -> bool {
    matches!(cell.first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// The writer under the csv writer: puts the BOM before the first byte (or at the first flush,
/// so that even an empty `--excel` file starts with it).
struct BomFirst<W: Write> {
    inner: W,
    pending: bool,
}

impl<W: Write> BomFirst<W> {
    fn bom(&mut self) -> io::Result<()> {
        if self.pending {
            self.inner.write_all(BOM)?;
            self.pending = false;
        }
        Ok(())
    }
}

impl<W: Write> Write for BomFirst<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bom()?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.bom()?;
        self.inner.flush()
    }
}

/// RFC 4180 rows with CRLF line ends.
pub(super) struct CsvWriter<W: Write> {
    w: csv::Writer<BomFirst<W>>,
    columns: Vec<&'static str>,
    header_pending: bool,
    /// Stdout is a terminal: values through [`visible`].
    terminal: bool,
    /// `--excel`: formula-like cells defused (and a BOM first, by [`BomFirst`]).
    excel: bool,
}

impl<W: Write> CsvWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, header: bool, terminal: bool, excel: bool) -> Self {
        let w = BomFirst { inner: w, pending: excel };
        let w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        CsvWriter { w, columns, header_pending: header, terminal, excel }
    }

    fn header(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.header_pending) {
            self.w.write_record(&self.columns).map_err(io_error)?;
        }
        Ok(())
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        self.header()?;
        let mut digits = [0; 20];
        for cell in cells {
            let shown;
            let field: &[u8] = match *cell {
                Cell::Text(text) if self.terminal => {
                    shown = visible(text);
                    // Whether a cell is formula-like is decided on the value itself, not on its
                    // escaped form (a tab shows as `\t`).
                    if self.excel && starts_formula(text.as_bytes()) {
                        self.w.write_field([b"'", shown.as_bytes()].concat()).map_err(io_error)?;
                        continue;
                    }
                    shown.as_bytes()
                }
                Cell::Text(text) => text.as_bytes(),
                Cell::Int(n) => int_bytes(n, &mut digits),
                Cell::Null | Cell::Stages(_) => b"",
            };
            if self.excel && starts_formula(field) {
                self.w.write_field([b"'", field].concat()).map_err(io_error)?;
            } else {
                self.w.write_field(field).map_err(io_error)?;
            }
        }
        self.w.write_record([b""; 0]).map_err(io_error)
    }

    /// Writes a pending header (an empty result still names its columns), flushes, returns `W`.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.header()?;
        self.w.flush()?;
        self.w.into_inner().map(|w| w.inner).map_err(csv::IntoInnerError::into_error)
    }
}

/// The `csv` crate wraps I/O failures in its own error; unwrap them so that `BrokenPipe` keeps its
/// kind all the way up to `main`.
fn io_error(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        // Unequal row lengths or bad UTF-8 cannot arise from rows built over one column list.
        kind => io::Error::other(format!("csv: {kind:?}")),
    }
}

/// Tab-separated rows with `\n` line ends and backslash escapes.
pub(super) struct TsvWriter<W: Write> {
    w: W,
    columns: Vec<&'static str>,
    header_pending: bool,
    /// Stdout is a terminal: control and disguising characters as visible escapes too.
    terminal: bool,
    /// One row's bytes, handed to `w` in one write (see the JSON writer's).
    scratch: Vec<u8>,
}

impl<W: Write> TsvWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, header: bool, terminal: bool) -> Self {
        TsvWriter { w, columns, header_pending: header, terminal, scratch: Vec::new() }
    }

    fn header(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.header_pending) {
            for (i, column) in self.columns.iter().enumerate() {
                if i > 0 {
                    self.w.write_all(b"\t")?;
                }
                write_tsv_field(&mut self.w, column, self.terminal)?;
            }
            self.w.write_all(b"\n")?;
        }
        Ok(())
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        self.header()?;
        let row = &mut self.scratch;
        row.clear();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                row.push(b'\t');
            }
            match *cell {
                Cell::Text(text) => write_tsv_field(row, text, self.terminal)?,
                Cell::Int(n) => row.extend_from_slice(int_bytes(n, &mut [0; 20])),
                Cell::Null | Cell::Stages(_) => {}
            }
        }
        row.push(b'\n');
        self.w.write_all(row)
    }

    pub(super) fn finish(mut self) -> io::Result<W> {
        self.header()?;
        self.w.flush()?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(cells: &[Cell<'_>], header: bool, terminal: bool, excel: bool) -> Vec<u8> {
        let columns = vec!["ext_id", "name", "stage_order"];
        let mut writer = CsvWriter::new(Vec::new(), columns, header, terminal, excel);
        writer.row(cells).unwrap();
        writer.finish().unwrap()
    }

    #[test]
    fn excel_csv_starts_with_a_bom_and_defuses_every_formula_like_cell() {
        let risky = [
            (Cell::Text("=1+1"), "'=1+1"),
            (Cell::Text("+7 495"), "'+7 495"),
            (Cell::Text("-5"), "'-5"),
            (Cell::Text("@SUM(A1)"), "'@SUM(A1)"),
            (Cell::Text("\tx"), "'\tx"),
            (Cell::Text("\rx"), "\"'\rx\""),
            (Cell::Int(-3), "'-3"),
        ];
        for (cell, written) in risky {
            let out = csv(&[Cell::Text("1"), cell, Cell::Int(10)], false, false, true);
            let expected = format!("\u{feff}1,{written},10\r\n");
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{cell:?}");
        }
        // Harmless cells, the header and Cyrillic text are written as they are, after the BOM.
        let out = csv(&[Cell::Text("a=b"), Cell::Text("Воронка"), Cell::Int(3)], true, false, true);
        assert_eq!(String::from_utf8(out).unwrap(), "\u{feff}ext_id,name,stage_order\r\na=b,Воронка,3\r\n");
    }

    #[test]
    fn an_empty_excel_csv_is_still_a_bom() {
        let writer = CsvWriter::new(Vec::new(), vec!["ext_id"], false, false, true);
        assert_eq!(writer.finish().unwrap(), "\u{feff}".as_bytes());
        let writer = CsvWriter::new(Vec::new(), vec!["ext_id"], true, false, true);
        assert_eq!(writer.finish().unwrap(), "\u{feff}ext_id\r\n".as_bytes());
    }

    #[test]
    fn without_excel_csv_stays_byte_exact() {
        let out = csv(&[Cell::Text("=1+1"), Cell::Text("-5"), Cell::Int(-3)], true, false, false);
        assert_eq!(out, b"ext_id,name,stage_order\r\n=1+1,-5,-3\r\n");
    }

    #[test]
    fn on_a_terminal_excel_decides_on_the_value_and_shows_it_escaped() {
        let out = csv(&[Cell::Text("\tx"), Cell::Text("a\tb"), Cell::Null], false, true, true);
        assert_eq!(String::from_utf8(out).unwrap(), "\u{feff}'\\tx,a\\tb,\r\n");
    }
}
