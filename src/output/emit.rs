//! One listing run's output from start to end: the destination opened and committed only when
//! everything succeeded, the records written all or nothing (default) or page by page (`--stream`),
//! the progress line erased before the first byte of output, a tall table handed to the pager, and
//! the one-line summary of a run written to a `--out` file.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use super::destination::{Destination, Target};
use super::pager::{self, Pager};
use super::{Output, OutputOptions};
use crate::cli::Format;
use crate::model::Record;
use crate::pager::Outcome;
use crate::progress::{self, Progress};

/// How a run's records reach their destination.
#[derive(Debug)]
pub struct Emit<'a> {
    /// `--out`: `None` is standard output.
    pub out: Option<&'a Path>,
    pub stream: bool,
    /// Whether the progress line and the `--out` summary may show (settled by the caller).
    pub progress: bool,
    pub progress_after: Duration,
    pub pager: Option<&'a Pager>,
    /// Plural noun for the progress line and the summary ("funnels").
    pub noun: &'static str,
}

impl Emit<'_> {
    /// Runs `fetch` (which feeds pages of records to the sink it is given and tells the progress
    /// line of them) and writes the records with `options`. `notice` hears the summary line.
    pub fn run<T, F>(&self, options: OutputOptions, notice: impl Fn(&str), fetch: F) -> anyhow::Result<Outcome>
    where
        T: Record,
        F: FnOnce(&Progress, &mut dyn FnMut(Vec<T>) -> anyhow::Result<()>) -> anyhow::Result<Outcome>,
    {
        let mut dest = Destination::open(self.out)?;
        // Dropped on every way out of this function: the line never outlives the run.
        let progress = Progress::start(self.progress, self.progress_after, self.noun);
        let outcome = if self.stream {
            let mut output = Output::new(options, &mut dest);
            let result =
                fetch(&progress, &mut |page: Vec<T>| output.records(&page).context("could not write the output"));
            match result {
                Ok(outcome) => {
                    output.finish().context("could not write the output")?;
                    outcome
                }
                Err(err) => {
                    drop(output);
                    if self.out.is_none() {
                        // What was streamed stays; say that it is not all.
                        let _ = dest.flush();
                    }
                    return Err(err.context("the output is incomplete"));
                }
            }
        } else if written_on_arrival(options.format) {
            // All or nothing still, but each page is written (into memory) as it arrives, while
            // later pages are on the wire, rather than all of them after the last one.
            let mut held = Held::default();
            let mut output = Output::new(options, &mut held);
            let outcome =
                fetch(&progress, &mut |page: Vec<T>| output.records(&page).context("could not write the output"))?;
            output.finish().context("could not write the output")?;
            // Erased before the first byte of output can reach the terminal.
            progress.finish();
            pager::write_through(self.pager, &mut dest, |w| held.write_to(w)).context("could not write the output")?;
            outcome
        } else {
            let mut all: Vec<T> = Vec::new();
            let outcome = fetch(&progress, &mut |page: Vec<T>| {
                // Grown exactly, page by page: a list doubled from 10 000 to 40 000 places
                // for 25 000 funnels would hold a dozen percent of the run's memory empty.
                if all.is_empty() {
                    all = page;
                    all.shrink_to_fit();
                } else {
                    all.reserve_exact(page.len());
                    all.extend(page);
                }
                Ok(())
            })?;
            // Erased before the first byte of output can reach the terminal.
            progress.finish();
            pager::write_through(self.pager, &mut dest, |w| {
                let mut output = Output::new(options, w);
                output.records(&all)?;
                output.finish().map(drop)
            })
            .context("could not write the output")?;
            // The process ends right after this run: freeing hundreds of thousands of strings one
            // by one costs more than a tenth of the run (bench/profile.sh); the OS takes them back.
            std::mem::forget(all);
            outcome
        };
        progress.finish();
        dest.commit()?;
        // `--out -` and the names of standard output are the terminal itself: nothing to sum up.
        let to_file = || Target::resolve(self.out).is_ok_and(|target| target != Target::Stdout);
        if let Some(out) = self.out.filter(|_| self.progress && to_file()) {
            notice(&progress::summary(outcome.written, self.noun, out));
        }
        Ok(outcome)
    }
}

/// Formats whose bytes are held instead of the records until a run has succeeded: one line per
/// record, about the size of the records themselves. `json`'s indented layout is half as large again
/// as the records, and a table needs every row before its first line.
fn written_on_arrival(format: Format) -> bool {
    matches!(format, Format::Ndjson | Format::Csv | Format::Tsv)
}

/// Output held in memory until the run has succeeded, in chunks: growing never copies what is held
/// (a doubling `Vec` would for a moment hold twice the output).
#[derive(Default)]
struct Held {
    chunks: Vec<Vec<u8>>,
}

/// The size of each chunk of [`Held`].
const HELD_CHUNK: usize = 1024 * 1024;

impl Held {
    fn write_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        self.chunks.iter().try_for_each(|chunk| w.write_all(chunk))
    }
}

impl Write for Held {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, mut buf: &[u8]) -> std::io::Result<()> {
        while !buf.is_empty() {
            let chunk = match self.chunks.last_mut() {
                Some(chunk) if chunk.len() < chunk.capacity() => chunk,
                _ => {
                    self.chunks.push(Vec::with_capacity(HELD_CHUNK));
                    self.chunks.last_mut().expect("just pushed")
                }
            };
            let n = (chunk.capacity() - chunk.len()).min(buf.len());
            chunk.extend_from_slice(&buf[..n]);
            buf = &buf[n..];
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_output_is_written_back_byte_for_byte_across_chunks() {
        let mut held = Held::default();
        let mut expected = Vec::new();
        for i in 0..5000u32 {
            let piece = vec![(i % 251) as u8; (i as usize * 37) % 1500];
            held.write_all(&piece).unwrap();
            expected.extend_from_slice(&piece);
        }
        assert!(held.chunks.len() > 1, "the test crosses chunk boundaries");
        assert!(held.chunks.iter().all(|c| c.capacity() == HELD_CHUNK), "no chunk ever grew");
        let mut out = Vec::new();
        held.write_to(&mut out).unwrap();
        assert!(out == expected);
    }
}
