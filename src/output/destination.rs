//! Where the bytes go: locked, buffered stdout, or `--out FILE` written to a temporary file in the
//! same folder and renamed over FILE only when the whole run succeeded (SPEC §6).
//!
//! A run that fails drops the destination without committing it: the temporary file is removed and
//! an existing FILE stays untouched. An interrupted run removes it too ([`abandon`]).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::Context;
use tempfile::NamedTempFile;

const BUFFER: usize = 256 * 1024;

/// The temporary file of the `--out` in progress, for [`abandon`].
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

fn pending(path: Option<PathBuf>) {
    *PENDING.lock().unwrap_or_else(PoisonError::into_inner) = path;
}

/// Removes the temporary file of an `--out` in progress (Ctrl-C: no destructor runs then).
pub fn abandon() {
    if let Some(path) = PENDING.lock().unwrap_or_else(PoisonError::into_inner).take() {
        let _ = fs::remove_file(path);
    }
}

/// An output target that is committed explicitly.
pub enum Destination {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File { file: BufWriter<NamedTempFile>, path: PathBuf },
}

impl Destination {
    /// Standard output, or a temporary file beside `out`.
    pub fn open(out: Option<&Path>) -> anyhow::Result<Destination> {
        let Some(path) = out else {
            return Ok(Destination::Stdout(BufWriter::with_capacity(BUFFER, io::stdout().lock())));
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".funnels-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("could not create a temporary file in {}", dir.display()))?;
        pending(Some(temp.path().to_owned()));
        Ok(Destination::File { file: BufWriter::with_capacity(BUFFER, temp), path: path.to_owned() })
    }

    /// Flushes, and for `--out` gives the file the mode of the one it replaces (or 0644) and renames
    /// it over FILE.
    pub fn commit(self) -> anyhow::Result<()> {
        match self {
            Destination::Stdout(mut w) => w.flush().context("could not write to standard output"),
            Destination::File { file, path } => {
                pending(None);
                let temp = file
                    .into_inner()
                    .map_err(std::io::IntoInnerError::into_error)
                    .with_context(|| format!("could not write {}", path.display()))?;
                temp.as_file().sync_all().with_context(|| format!("could not write {}", path.display()))?;
                set_mode(temp.path(), &path);
                temp.persist(&path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("could not replace {}", path.display()))?;
                Ok(())
            }
        }
    }
}

#[cfg(unix)]
fn set_mode(temp: &Path, target: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    let _ = fs::set_permissions(temp, fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_temp: &Path, _target: &Path) {}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Destination::Stdout(w) => w.write(buf),
            Destination::File { file, .. } => file.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Destination::Stdout(w) => w.write_all(buf),
            Destination::File { file, .. } => file.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Destination::Stdout(w) => w.flush(),
            Destination::File { file, .. } => file.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_is_replaced_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old").unwrap();
        let mut d = Destination::open(Some(&path)).unwrap();
        d.write_all(b"new").unwrap();
        drop(d);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "temporary file left behind");
        let mut d = Destination::open(Some(&path)).unwrap();
        d.write_all(b"new").unwrap();
        d.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }
}
