//! `csv` (RFC 4180 through the `csv` crate) and `tsv` (tab-separated, backslash escapes).
//!
//! Both take flattened rows only: a delimited file has no way to nest a stage list. CSV keeps values
//! byte-exact, control characters included, because spreadsheets and `csv::Reader` must get back
//! what the server sent; the quoting makes that safe. TSV has no quoting, so the four characters
//! that would break its rows (tab, newline, CR) or make the escapes ambiguous (backslash) are
//! written as `\t \n \r \\`, the convention of `PostgreSQL`'s `COPY` and of `mlr --tsv`.

use std::io::{self, Write};

use super::{Cell, int_bytes};

/// RFC 4180 rows with CRLF line ends.
pub(super) struct CsvWriter<W: Write> {
    w: csv::Writer<W>,
    columns: Vec<&'static str>,
    header_pending: bool,
}

impl<W: Write> CsvWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, header: bool) -> Self {
        let w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        CsvWriter { w, columns, header_pending: header }
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
}

impl<W: Write> TsvWriter<W> {
    pub(super) fn new(w: W, columns: Vec<&'static str>, header: bool) -> Self {
        TsvWriter { w, columns, header_pending: header }
    }

    fn header(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.header_pending) {
            for (i, column) in self.columns.iter().enumerate() {
                if i > 0 {
                    self.w.write_all(b"\t")?;
                }
                write_escaped(&mut self.w, column)?;
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
                Cell::Text(text) => write_escaped(&mut self.w, text)?,
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

/// `text` with tab, newline, CR and backslash as `\t \n \r \\`, written in runs.
fn write_escaped<W: Write>(w: &mut W, text: &str) -> io::Result<()> {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\\' => b"\\\\",
            _ => continue,
        };
        w.write_all(&bytes[start..i])?;
        w.write_all(escape)?;
        start = i + 1;
    }
    w.write_all(&bytes[start..])
}
