//! `csv` (RFC 4180 through the `csv` crate) and `tsv` (tab-separated, backslash escapes).
//!
//! Both take flattened rows only: a delimited file has no way to nest a stage list. CSV keeps values
//! byte-exact, control characters included, because spreadsheets and `csv::Reader` must get back
//! what the server sent; the quoting makes that safe. TSV has no quoting, so the four characters
//! that would break its rows (tab, newline, CR) or make the escapes ambiguous (backslash) are
//! written as `\t \n \r \\`, the convention of `PostgreSQL`'s `COPY` and of `mlr --tsv`.
//!
//! Written to a terminal, both show control and disguising characters as visible escapes (SPEC §5):
//! a terminal is a reader, not a spreadsheet, and must not be driven by a name. Byte-exactness is
//! for files and pipes, which is where spreadsheets and scripts read from.

use std::io::{self, Write};

use super::sanitize::{visible, write_tsv_field};
use super::{Cell, int_bytes};

/// RFC 4180 rows with CRLF line ends.
pub(super) struct CsvWriter<W: Write> {
    w: csv::Writer<W>,
    columns: Vec<&'static str>,
    header_pending: bool,
    /// Stdout is a terminal: values through [`visible`].
    terminal: bool,
}

impl<W: Write> CsvWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, header: bool, terminal: bool) -> Self {
        let w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        CsvWriter { w, columns, header_pending: header, terminal }
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
            let field: &[u8] = match *cell {
                Cell::Text(text) if self.terminal => {
                    self.w.write_field(visible(text).as_bytes()).map_err(io_error)?;
                    continue;
                }
                Cell::Text(text) => text.as_bytes(),
                Cell::Int(n) => int_bytes(n, &mut digits),
                Cell::Null | Cell::Stages(_) => b"",
            };
            self.w.write_field(field).map_err(io_error)?;
        }
        self.w.write_record([b""; 0]).map_err(io_error)
    }

    /// Writes a pending header (an empty result still names its columns), flushes, returns `W`.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.header()?;
        self.w.flush()?;
        self.w.into_inner().map_err(csv::IntoInnerError::into_error)
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
}

impl<W: Write> TsvWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, header: bool, terminal: bool) -> Self {
        TsvWriter { w, columns, header_pending: header, terminal }
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
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.w.write_all(b"\t")?;
            }
            match *cell {
                Cell::Text(text) => write_tsv_field(&mut self.w, text, self.terminal)?,
                Cell::Int(n) => self.w.write_all(int_bytes(n, &mut [0; 20]))?,
                Cell::Null | Cell::Stages(_) => {}
            }
        }
        self.w.write_all(b"\n")
    }

    pub(super) fn finish(mut self) -> io::Result<W> {
        self.header()?;
        self.w.flush()?;
        Ok(self.w)
    }
}
