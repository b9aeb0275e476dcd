//! Where the bytes go, decided in one place for every command that prints (SPEC §6): standard output
//! (no `--out`, `--out -`), a special file written in place, or a regular file replaced atomically.
//!
//! [`Target::resolve`] classifies the `--out` path by what it resolves to; [`preflight`] runs that
//! same decision before any request, so that a folder, a missing folder, an unwritable folder or a
//! path that is the token, config or session file fails at once; [`Destination::open`] runs it again
//! when the output is written. A regular file is written to a temporary file beside the file the
//! path resolves to (so a symlink stays a link) and renamed over it only when the whole run
//! succeeded; a run that fails drops the destination, which removes the temporary file and leaves
//! FILE untouched. A device, FIFO or socket is never renamed over: renaming a temporary file over
//! `/dev/stdout` as root destroyed the device node. A signal removes the temporary file too
//! ([`abandon`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use anyhow::Context;
use tempfile::NamedTempFile;

use crate::exit;

const BUFFER: usize = 256 * 1024;

/// Symlinks followed by hand for a path whose final target does not exist yet (the kernel's limit).
const MAX_LINKS: usize = 40;

/// How `--out` is written, from what its path resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// No `--out`, `--out -`, or a name of this process's own standard output (`/dev/stdout`,
    /// `/dev/fd/1`, `/proc/self/fd/1`), whatever it is connected to.
    Stdout,
    /// A device, FIFO or socket (or the terminal or pipe behind `/proc/self/fd/N`): opened and
    /// written in place, no temporary file, no rename.
    Direct(PathBuf),
    /// A regular file, existing or new, with every symlink resolved: a temporary file beside it is
    /// renamed over it.
    Replace(PathBuf),
}

impl Target {
    /// Decides how `out` is written. A folder, or a path whose folder does not exist, is a usage
    /// error (exit 2).
    pub fn resolve(out: Option<&Path>) -> anyhow::Result<Target> {
        let Some(path) = out else { return Ok(Target::Stdout) };
        if path.as_os_str() == "-" {
            return Ok(Target::Stdout);
        }
        let shown = path.display();
        if path.as_os_str().to_string_lossy().ends_with('/') {
            return Err(exit::usage(format!("--out {shown} names a folder; name a file in it")));
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(exit::usage(format!("--out {shown} is a folder; name a file in it"))),
            // A name for "my standard output" means just that: a socket cannot be opened by name,
            // and a log that cron opened for appending must not be replaced by this run's output.
            Ok(_) if is_own_stdout(path) => Ok(Target::Stdout),
            Ok(meta) if meta.is_file() => {
                let file = fs::canonicalize(path).map_err(|e| exit::usage(format!("--out {shown}: {e}")))?;
                Ok(Target::Replace(file))
            }
            Ok(_) => Ok(Target::Direct(path.to_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::Replace(new_file(path)?)),
            Err(e) => Err(exit::usage(format!("--out {shown}: {e}"))),
        }
    }
}

/// `/dev/stdout` and its aliases for file descriptor 1.
fn is_own_stdout(path: &Path) -> bool {
    ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].iter().any(|name| path == Path::new(name))
}

/// The file a path that does not exist yet will create: dangling symlinks followed, the folder
/// resolved. The folder must exist.
fn new_file(path: &Path) -> anyhow::Result<PathBuf> {
    let shown = path.display();
    let mut path = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::read_link(&path) {
            // A relative link target is relative to the link's folder; an absolute one replaces it.
            Ok(target) => path = folder_of(&path).join(target),
            Err(_) => break,
        }
    }
    let Some(name) = path.file_name() else {
        return Err(exit::usage(format!("--out {shown} does not name a file")));
    };
    let folder = folder_of(&path);
    match fs::canonicalize(folder) {
        Ok(dir) if dir.is_dir() => Ok(dir.join(name)),
        Ok(dir) => Err(exit::usage(format!("--out {shown}: {} is not a folder", dir.display()))),
        Err(e) => Err(exit::usage(format!("--out {shown}: folder {}: {e}", folder.display()))),
    }
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Checks `--out` before any request: it resolves (see [`Target::resolve`]), it is none of the
/// `protected` files (compared after resolving symlinks, hard links too), and a temporary file can
/// be created beside the file it resolves to. Every failure is a usage error (exit 2).
pub fn preflight(out: Option<&Path>, protected: &[(&str, PathBuf)]) -> anyhow::Result<()> {
    let target = Target::resolve(out)?;
    let (Some(path), false) = (out, target == Target::Stdout) else { return Ok(()) };
    for (what, file) in protected {
        if same_file(path, &target, file) {
            return Err(exit::usage(format!(
                "--out {} is the {what} ({}); writing there would destroy it",
                path.display(),
                file.display()
            )));
        }
    }
    if let Target::Replace(file) = &target {
        // The same call the run makes: proves the folder is writable, and leaves nothing behind.
        drop(Staged::create(file).map_err(|e| exit::usage(format!("--out {}: {e:#}", path.display())))?);
    }
    Ok(())
}

/// Whether `--out` (given as `out`, resolved to `target`) is `file`.
fn same_file(out: &Path, target: &Target, file: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (fs::metadata(out), fs::metadata(file)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    // One of them does not exist yet (e.g. no session stored): compare where they would be.
    let resolved = match target {
        Target::Replace(path) | Target::Direct(path) => path.clone(),
        Target::Stdout => return false,
    };
    fs::canonicalize(file).ok().or_else(|| new_file(file).ok()).is_some_and(|f| f == resolved)
}

/// The temporary file of the `--out` in progress, for [`abandon`].
static PENDING: Mutex<Option<PathBuf>> = Mutex::new(None);

fn pending() -> MutexGuard<'static, Option<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A signal ends the process: removes the temporary file of an `--out` in progress (no destructor
/// runs then) and keeps the lock, so that no commit can rename it into place afterwards.
pub fn abandon() {
    let mut guard = pending();
    if let Some(path) = guard.take() {
        let _ = fs::remove_file(path);
    }
    std::mem::forget(guard);
}

/// A temporary file beside the target, registered for [`abandon`] while it exists.
struct Staged {
    file: BufWriter<NamedTempFile>,
    target: PathBuf,
    /// The target existed when the run started: its mode and owner are copied at commit.
    replaces: bool,
    /// Dropped after `file` (which removes the temporary file): unregisters it.
    _registered: Registered,
}

struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        let mut guard = pending();
        if guard.as_ref() == Some(&self.0) {
            *guard = None;
        }
    }
}

impl Staged {
    fn create(target: &Path) -> anyhow::Result<Staged> {
        let dir = folder_of(target);
        let replaces = target.exists();
        let mut builder = tempfile::Builder::new();
        builder.prefix(".funnels-").suffix(".tmp");
        // A new file gets 0666 less the umask, applied by the kernel at creation. A file being
        // replaced keeps its own mode, set at commit; until then the partial output is private.
        #[cfg(unix)]
        if !replaces {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        // Locked from before the file exists until it is registered: a signal in between waits,
        // then removes it.
        let mut guard = pending();
        let temp = builder
            .tempfile_in(dir)
            .with_context(|| format!("could not create a temporary file in {}", dir.display()))?;
        *guard = Some(temp.path().to_owned());
        drop(guard);
        let registered = Registered(temp.path().to_owned());
        Ok(Staged {
            file: BufWriter::with_capacity(BUFFER, temp),
            target: target.to_owned(),
            replaces,
            _registered: registered,
        })
    }

    fn commit(self) -> anyhow::Result<()> {
        // `_registered` is dropped last, after the lock below is released.
        let Staged { file, target, replaces, _registered } = self;
        let failed = || format!("could not write {}", target.display());
        let temp = file.into_inner().map_err(io::IntoInnerError::into_error).with_context(failed)?;
        temp.as_file().sync_all().with_context(failed)?;
        if replaces {
            keep_mode_and_owner(temp.as_file(), &target).with_context(failed)?;
        }
        // Held across the rename: a signal either removes the temporary file first or finds the
        // rename done.
        let mut guard = pending();
        guard.take();
        temp.persist(&target)
            .map_err(|e| e.error)
            .with_context(|| format!("could not replace {}", target.display()))?;
        Ok(())
    }
}

/// The replaced file's mode, and its owner where permitted (root replacing another user's file).
#[cfg(unix)]
fn keep_mode_and_owner(temp: &File, target: &Path) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(old) = fs::metadata(target) else { return Ok(()) };
    temp.set_permissions(fs::Permissions::from_mode(old.mode() & 0o7777))?;
    let new = temp.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
        // Only root may give a file away; anyone else keeps the file as their own, like an editor.
        let _ = std::os::unix::fs::fchown(temp, Some(old.uid()), Some(old.gid()));
        // chown clears set-id bits: put the mode back.
        temp.set_permissions(fs::Permissions::from_mode(old.mode() & 0o7777))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_mode_and_owner(_temp: &File, _target: &Path) -> io::Result<()> {
    Ok(())
}

/// An output target that is committed explicitly.
pub struct Destination(Sink);

enum Sink {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    Direct { file: BufWriter<File>, path: PathBuf },
    Replace(Staged),
}

impl Destination {
    /// Opens `--out` (or standard output) as [`Target::resolve`] decides.
    pub fn open(out: Option<&Path>) -> anyhow::Result<Destination> {
        Ok(Destination(match Target::resolve(out)? {
            Target::Stdout => Sink::Stdout(BufWriter::with_capacity(BUFFER, io::stdout().lock())),
            Target::Direct(path) => {
                // No truncation: a device or FIFO has nothing to truncate. A FIFO waits here for
                // its reader, as `> fifo` does in a shell.
                let file = File::options()
                    .write(true)
                    .open(&path)
                    .with_context(|| format!("could not open {}", path.display()))?;
                Sink::Direct { file: BufWriter::with_capacity(BUFFER, file), path }
            }
            Target::Replace(file) => Sink::Replace(Staged::create(&file)?),
        }))
    }

    /// Flushes; for a regular file, gives it the mode (and owner) of the one it replaces and
    /// renames it into place.
    pub fn commit(self) -> anyhow::Result<()> {
        match self.0 {
            Sink::Stdout(mut w) => w.flush().context("could not write to standard output"),
            Sink::Direct { mut file, path } => {
                file.flush().with_context(|| format!("could not write {}", path.display()))
            }
            Sink::Replace(staged) => staged.commit(),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.0 {
            Sink::Stdout(w) => w,
            Sink::Direct { file, .. } => file,
            Sink::Replace(staged) => &mut staged.file,
        }
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
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

    #[test]
    fn targets_are_decided_by_what_the_path_resolves_to() {
        let dir = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(Target::resolve(None).unwrap(), Target::Stdout);
        assert_eq!(Target::resolve(Some(Path::new("-"))).unwrap(), Target::Stdout);
        assert_eq!(Target::resolve(Some(Path::new("/dev/null"))).unwrap(), Target::Direct("/dev/null".into()));
        let new = dir.path().join("new.csv");
        assert_eq!(Target::resolve(Some(&new)).unwrap(), Target::Replace(real.join("new.csv")));
        let folder = Target::resolve(Some(dir.path())).unwrap_err();
        assert_eq!(exit::classify(&folder).exit, exit::Exit::Usage);
        assert!(Target::resolve(Some(&dir.path().join("missing/x.csv"))).is_err());
        assert!(Target::resolve(Some(&dir.path().join("x/"))).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_resolve_to_their_final_target_even_when_it_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("sub/real.csv"), "old").unwrap();
        std::os::unix::fs::symlink("sub/real.csv", dir.path().join("link.csv")).unwrap();
        std::os::unix::fs::symlink("sub/later.csv", dir.path().join("dangling.csv")).unwrap();
        let link = Target::resolve(Some(&dir.path().join("link.csv"))).unwrap();
        assert_eq!(link, Target::Replace(real.join("sub/real.csv")));
        let dangling = Target::resolve(Some(&dir.path().join("dangling.csv"))).unwrap();
        assert_eq!(dangling, Target::Replace(real.join("sub/later.csv")));
    }

    #[test]
    fn preflight_refuses_protected_files_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        fs::write(&token, "secret").unwrap();
        let protected = [("token file", token.clone()), ("session file", dir.path().join("state/s.json"))];
        let err = preflight(Some(&token), &protected).unwrap_err();
        assert!(err.to_string().contains("is the token file"), "{err}");
        preflight(Some(&dir.path().join("out.csv")), &protected).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "preflight left a file behind");
        preflight(Some(Path::new("-")), &protected).unwrap();
    }
}
