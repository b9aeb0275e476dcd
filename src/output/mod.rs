//! Records → bytes in the five formats of SPEC §5, through any `Write`.
//!
//! A record exposes its fields as [`Cell`]s by name; the selected field list is the column order.
//! A `Stages` cell expands in place into the four stage columns wherever records are flattened
//! (`--explode`, csv/tsv), so every record type shares the same writers.
//!
//! INTERFACE STUB: bodies are filled in by the output work; the types and signatures are the contract.

pub mod destination;
pub mod sanitize;

use std::io::{self, Write};

use crate::cli::Format;
use crate::model::{CustomerUser, Funnel, Stage};

/// One field value of a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Null,
    /// A funnel's stages as received (`None` = `null`).
    Stages(Option<&'a [Stage]>),
}

/// A record the writers can print: a value for each selectable field name.
pub trait Record {
    fn cell(&self, field: &str) -> Cell<'_>;
}

impl Record for Funnel {
    fn cell(&self, field: &str) -> Cell<'_> {
        todo!()
    }
}

impl Record for CustomerUser {
    fn cell(&self, field: &str) -> Cell<'_> {
        todo!()
    }
}

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
}

/// A format writer fed record batches (pages) in order; `finish` completes the document.
pub struct Output<W: Write> {
    _w: W,
    _o: OutputOptions,
}

impl<W: Write> Output<W> {
    pub fn new(options: OutputOptions, writer: W) -> Self {
        todo!()
    }

    /// Writes (or, for `table`, collects) one batch of records.
    pub fn records<R: Record>(&mut self, records: &[R]) -> io::Result<()> {
        todo!()
    }

    /// Completes the document (json `]`, table rendering), flushes, and gives the writer back.
    /// Returns how many records were written.
    pub fn finish(self) -> io::Result<(W, u64)> {
        todo!()
    }
}

/// `funnels show` in table format: a title line with name and ext_id, then the stages table.
/// In json: the funnel object (selected fields). Other formats use [`Output`] with `explode`.
pub fn write_show<W: Write>(funnel: &Funnel, options: &OutputOptions, writer: &mut W) -> io::Result<()> {
    todo!()
}
