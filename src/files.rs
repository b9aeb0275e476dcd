//! The one bounded reader for every local file funnels reads: the token file, the config file, the
//! session file, `--filter-json @FILE` and `-`, `--token-stdin` and `login --password-stdin`, and
//! the snapshots of `diff`, bounded only by memory (SPEC §2, "Local files").
//!
//! Why one place: a device such as `/dev/zero` or a directory must be refused before a byte is read,
//! a file larger than the bound must never be slurped, and a pipe or FIFO (`--token-file <(pass show
//! api)`) must never hang a cron job. Opening a FIFO that has no writer blocks inside `open(2)`, and
//! the crate forbids `unsafe` (so no non-blocking open), hence the open and every read happen on a
//! helper thread that hands chunks over a channel while the caller waits for each at most the pipe
//! wait. A helper still blocked when the wait runs out is abandoned: the run ends with an error
//! moments later, and the process takes the thread with it.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// The bound on every local file (SPEC §2).
pub const MAX_FILE: usize = 1 << 20;
/// The bound on the first line of standard input (`--token-stdin`, `--password-stdin`).
pub const MAX_LINE: usize = 64 << 10;
/// How long a pipe may send nothing before the read fails (`FUNNELS_PIPE_WAIT_MS` shortens it).
pub const PIPE_WAIT: Duration = Duration::from_secs(10);

/// Why a local file could not be read. Callers put the path (or "standard input") in front of it
/// and choose the exit class: 3 for credentials and config, 2 for `--filter-json`.
#[derive(Debug)]
pub enum FileError {
    /// Nothing at that path (a missing default config file or session is not an error); the
    /// system's own words are kept for the message.
    NotFound(io::Error),
    Directory,
    /// A character or block device, or a socket: never read (it may never end, like `/dev/zero`).
    Device,
    /// More than the bound, in bytes.
    TooLarge(usize),
    /// A pipe that sent nothing for this long.
    Silent(Duration),
    /// Not UTF-8 text.
    NotText,
    Io(io::Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotFound(e) | FileError::Io(e) => write!(f, "{e}"),
            FileError::Directory => f.write_str("is a directory, not a file"),
            FileError::Device => f.write_str("is a device or socket, not a file or pipe; refused"),
            FileError::TooLarge(max) => write!(f, "is larger than {}; refused", size(*max)),
            FileError::Silent(wait) => write!(f, "sent nothing for {}; gave up", duration(*wait)),
            FileError::NotText => f.write_str("is not UTF-8 text"),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::NotFound { FileError::NotFound(e) } else { FileError::Io(e) }
    }
}

/// What was read.
#[derive(Debug)]
pub struct Contents {
    pub text: String,
    /// A regular file readable by group or others (worth a warning when it holds a secret).
    pub shared: bool,
}

/// Reads a whole file (regular file, pipe or FIFO) of at most [`MAX_FILE`] bytes.
pub fn read_file(path: &Path, wait: Duration) -> Result<Contents, FileError> {
    // Refuse at once what can be refused without opening (opening a FIFO may block).
    admit(&std::fs::metadata(path)?, MAX_FILE, false)?;
    let path = path.to_owned();
    let (bytes, shared) = pump(move || File::open(&path), Until::End(MAX_FILE), Some(wait))?;
    Ok(Contents { text: String::from_utf8(bytes).map_err(|_| FileError::NotText)?, shared })
}

/// Reads a whole `diff` snapshot — a regular file, a pipe or FIFO, or standard input for `None` —
/// with no bound but memory (SPEC §2). A regular file is read in one piece into a buffer of its
/// size, so the bytes are never copied or over-allocated: `diff` parses them where they lie.
pub fn read_unbounded(path: Option<&Path>, wait: Duration) -> Result<Vec<u8>, FileError> {
    let (bytes, _) = if let Some(path) = path {
        admit(&std::fs::metadata(path)?, usize::MAX, false)?;
        let path = path.to_owned();
        pump(move || File::open(&path), Until::End(usize::MAX), Some(wait))?
    } else {
        let (file, tty) = stdin_file()?;
        pump(move || Ok(file), Until::End(usize::MAX), (!tty).then_some(wait))?
    };
    Ok(bytes)
}

/// Reads all of standard input (`--filter-json -`), at most [`MAX_FILE`] bytes. A terminal is
/// read without the pipe wait: a person is typing.
pub fn read_stdin(wait: Duration) -> Result<String, FileError> {
    let (file, tty) = stdin_file()?;
    let (bytes, _) = pump(move || Ok(file), Until::End(MAX_FILE), (!tty).then_some(wait))?;
    String::from_utf8(bytes).map_err(|_| FileError::NotText)
}

/// Reads the first line of standard input, at most [`MAX_LINE`] bytes, without its line ending.
/// Stops at the first newline: a writer that keeps the pipe open after it is not waited for.
pub fn read_stdin_line(wait: Duration) -> Result<String, FileError> {
    let (file, tty) = stdin_file()?;
    let (bytes, _) = pump(move || Ok(file), Until::Newline(MAX_LINE), (!tty).then_some(wait))?;
    let line = String::from_utf8(bytes).map_err(|_| FileError::NotText)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// A handle on standard input of its own (so that what is read is exactly what the helper reads),
/// and whether it is a terminal.
fn stdin_file() -> Result<(File, bool), FileError> {
    #[cfg(unix)]
    let file = {
        use std::os::fd::AsFd;
        File::from(io::stdin().as_fd().try_clone_to_owned()?)
    };
    #[cfg(windows)]
    let file = {
        use std::os::windows::io::AsHandle;
        File::from(io::stdin().as_handle().try_clone_to_owned()?)
    };
    let tty = file.is_terminal();
    admit(&file.metadata()?, usize::MAX, tty)?;
    Ok((file, tty))
}

/// Whether a file of this kind may be read at all: a regular file within `max`, a pipe/FIFO, or
/// (for standard input only) a terminal.
fn admit(meta: &Metadata, max: usize, terminal_ok: bool) -> Result<(), FileError> {
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(FileError::Directory);
    }
    if kind.is_file() {
        return if usize::try_from(meta.len()).map_or(true, |len| len > max) {
            Err(FileError::TooLarge(max))
        } else {
            Ok(())
        };
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Ok(());
        }
    }
    if terminal_ok { Ok(()) } else { Err(FileError::Device) }
}

/// How much to read, and the bound on it.
#[derive(Debug, Clone, Copy)]
enum Until {
    /// The whole file, at most this many bytes.
    End(usize),
    /// The first line, at most this many bytes before its newline.
    Newline(usize),
}

/// One message from the helper thread.
enum Chunk {
    Bytes(Vec<u8>),
    /// The file was opened; is it shared with group or others?
    Opened(bool),
    End,
    Failed(FileError),
}

/// Opens and reads on a helper thread, waiting at most `wait` for each step (`None`: a terminal,
/// where a person is typing). Returns the bytes (for a first line, its newline included) and
/// whether the file is shared with group or others.
fn pump(
    open: impl FnOnce() -> io::Result<File> + Send + 'static,
    until: Until,
    wait: Option<Duration>,
) -> Result<(Vec<u8>, bool), FileError> {
    let (max, line) = match until {
        Until::End(max) => (max, false),
        Until::Newline(max) => (max, true),
    };
    let terminal_ok = wait.is_none();
    let (tx, rx) = mpsc::sync_channel::<Chunk>(4);
    std::thread::spawn(move || {
        let mut file = match open().map_err(FileError::from).and_then(|file| {
            // The path may have been swapped between the check and the open: check the handle too.
            // (A first line is bounded as it is read: a long file behind it does not matter.)
            let meta = file.metadata()?;
            admit(&meta, if line { usize::MAX } else { max }, terminal_ok)?;
            Ok((file, shared(&meta), meta.is_file().then_some(meta.len())))
        }) {
            Ok((file, shared, len)) => {
                if tx.send(Chunk::Opened(shared)).is_err() {
                    return;
                }
                // A whole regular file in one piece, into a buffer of its size (a file that grew
                // meanwhile is still read to its end, and a bound still applies on arrival).
                if let Some(len) = len.and_then(|len| usize::try_from(len).ok()).filter(|_| !line) {
                    let mut file = file;
                    let mut whole = Vec::with_capacity(len.min(max).saturating_add(1));
                    let chunk = match (&mut file)
                        .take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
                        .read_to_end(&mut whole)
                    {
                        Ok(_) => Chunk::Bytes(whole),
                        Err(e) => Chunk::Failed(FileError::Io(e)),
                    };
                    if tx.send(chunk).is_ok() {
                        let _ = tx.send(Chunk::End);
                    }
                    return;
                }
                file
            }
            Err(e) => {
                let _ = tx.send(Chunk::Failed(e));
                return;
            }
        };
        let mut buf = vec![0; 16 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => {
                    let _ = tx.send(Chunk::End);
                    return;
                }
                Ok(n) => {
                    if tx.send(Chunk::Bytes(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Chunk::Failed(FileError::Io(e)));
                    return;
                }
            }
        }
    });
    let next = || match wait {
        Some(wait) => rx.recv_timeout(wait).map_err(|_| FileError::Silent(wait)),
        // Only a helper that vanished without a word ends this wait, which cannot happen.
        None => rx.recv().map_err(|_| FileError::Io(io::Error::other("the reader stopped"))),
    };
    let mut bytes = Vec::new();
    let mut is_shared = false;
    loop {
        match next()? {
            Chunk::Opened(flag) => is_shared = flag,
            Chunk::Bytes(chunk) => {
                let start = bytes.len();
                if bytes.is_empty() {
                    bytes = chunk;
                } else {
                    bytes.extend_from_slice(&chunk);
                }
                if let Some(at) = bytes[start..].iter().position(|&b| b == b'\n').filter(|_| line) {
                    let end = start + at;
                    bytes.truncate(end + 1);
                    return if end > max { Err(FileError::TooLarge(max)) } else { Ok((bytes, false)) };
                }
                if bytes.len() > max {
                    return Err(FileError::TooLarge(max));
                }
            }
            Chunk::End => return Ok((bytes, is_shared)),
            Chunk::Failed(e) => return Err(e),
        }
    }
}

/// A regular file readable by group or others.
fn shared(meta: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o044 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// "1 MiB", "64 KiB".
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// "10 s", "200 ms".
fn duration(wait: Duration) -> String {
    if wait.subsec_millis() == 0 && wait.as_secs() > 0 {
        format!("{} s", wait.as_secs())
    } else {
        format!("{} ms", wait.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const SHORT: Duration = Duration::from_millis(200);

    #[test]
    fn regular_files_within_the_bound_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "x".repeat(MAX_FILE)).unwrap();
        assert_eq!(read_file(&path, SHORT).unwrap().text.len(), MAX_FILE);
        std::fs::write(&path, "x".repeat(MAX_FILE + 1)).unwrap();
        assert!(matches!(read_file(&path, SHORT), Err(FileError::TooLarge(MAX_FILE))));
        assert!(matches!(read_file(&dir.path().join("missing"), SHORT), Err(FileError::NotFound(_))));
        assert!(matches!(read_file(dir.path(), SHORT), Err(FileError::Directory)));
        std::fs::write(&path, b"\xff\xfe").unwrap();
        assert!(matches!(read_file(&path, SHORT), Err(FileError::NotText)));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_before_a_byte_is_read() {
        let started = Instant::now();
        assert!(matches!(read_file(Path::new("/dev/zero"), SHORT), Err(FileError::Device)));
        assert!(matches!(read_file(Path::new("/dev/null"), SHORT), Err(FileError::Device)));
        assert!(started.elapsed() < SHORT);
    }

    #[cfg(unix)]
    #[test]
    fn modes_say_whether_a_file_is_shared() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "t").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(!read_file(&path, SHORT).unwrap().shared);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(read_file(&path, SHORT).unwrap().shared);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_without_a_writer_times_out_instead_of_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let started = Instant::now();
        let err = read_file(&fifo, SHORT).unwrap_err();
        assert!(matches!(err, FileError::Silent(_)), "{err}");
        assert_eq!(err.to_string(), "sent nothing for 200 ms; gave up");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_with_a_writer_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, "secret\n").unwrap())
        };
        assert_eq!(read_file(&fifo, Duration::from_secs(5)).unwrap().text, "secret\n");
        writer.join().unwrap();
    }

    #[test]
    fn a_first_line_stops_at_its_newline_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let first = |max| {
            let path = path.clone();
            pump(move || File::open(path), Until::Newline(max), Some(SHORT)).map(|(bytes, _)| bytes)
        };
        std::fs::write(&path, "token\nrest of a long file").unwrap();
        assert_eq!(first(5).unwrap(), b"token\n");
        std::fs::write(&path, "token").unwrap();
        assert_eq!(first(5).unwrap(), b"token");
        std::fs::write(&path, "token!\n").unwrap();
        assert!(matches!(first(5), Err(FileError::TooLarge(5))));
        std::fs::write(&path, "x".repeat(100_000)).unwrap();
        assert!(matches!(first(MAX_LINE), Err(FileError::TooLarge(MAX_LINE))));
    }

    #[test]
    fn sizes_and_waits_read_well() {
        assert_eq!(size(MAX_FILE), "1 MiB");
        assert_eq!(size(MAX_LINE), "64 KiB");
        assert_eq!(size(10), "10 bytes");
        assert_eq!(duration(PIPE_WAIT), "10 s");
        assert_eq!(duration(Duration::from_millis(1500)), "1500 ms");
    }
}
