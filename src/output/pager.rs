//! The pager for table output on a terminal (SPEC §2): a table taller than the screen goes through
//! the command `config` settled (`FUNNELS_PAGER`, else `PAGER`, else `less -FRX`), run with `sh -c`
//! as git runs its pager, so that a command with arguments or a redirection works as typed.
//!
//! The table is rendered into memory first (it is held anyway: column widths depend on every row),
//! so its height is known before anything is shown; a short one goes straight to the terminal. While
//! the pager runs, Ctrl-C is the pager's (`signals::hand_interrupts_to_pager`), and when it ends the
//! run ends with it: a pager that quits before reading everything is a reader that closed the pipe,
//! which is success with nothing on stderr (SPEC §6).

use std::io::{self, Write};
use std::process::{Command, Stdio};

/// A pager to use, and the screen it pages for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// A shell command line (`sh -c`).
    pub command: String,
    /// Rows of the terminal (its reported height, else `LINES`, else 24).
    pub rows: u16,
}

impl Pager {
    /// Whether `text` needs paging: it and the shell prompt after it do not fit on the screen.
    fn needed_for(&self, text: &[u8]) -> bool {
        let lines = text.split(|&b| b == b'\n').count() - 1;
        lines >= usize::from(self.rows)
    }
}

/// Renders through `render`, then shows the result through `pager` when it is taller than the
/// screen, else writes it to `dest`. With no pager, `render` writes to `dest` directly.
pub fn write_through<W: Write>(
    pager: Option<&Pager>,
    dest: &mut W,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let Some(pager) = pager else { return render(dest) };
    let mut text = Vec::new();
    render(&mut text)?;
    if !pager.needed_for(&text) {
        return dest.write_all(&text);
    }
    dest.flush()?;
    crate::signals::hand_interrupts_to_pager();
    match run(&pager.command, &text) {
        Ok(Shown::Paged) => Ok(()),
        // No shell to run it with, or no such command (the shell said so): the table is still owed
        // to the terminal.
        Ok(Shown::NotFound) | Err(_) => dest.write_all(&text),
    }
}

/// How a pager run went.
#[derive(Debug, PartialEq, Eq)]
enum Shown {
    Paged,
    /// The shell found no such command (exit 127, POSIX's "command not found").
    NotFound,
}

/// Runs `command` with `text` on its standard input and waits for it to end. The pager's own exit
/// status is its business (it has told the user whatever went wrong), except the shell's "command
/// not found"; a pager that stopped reading early is not an error.
fn run(command: &str, text: &[u8]) -> io::Result<Shown> {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command).stdin(Stdio::piped());
    // As git does: `less` without options of its own quits on a short text, passes colour through
    // and leaves the screen as it was; `lv` too.
    if std::env::var_os("LESS").is_none() {
        shell.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        shell.env("LV", "-c");
    }
    let mut child = shell.spawn()?;
    let written = child.stdin.take().map_or(Ok(()), |mut stdin| stdin.write_all(text).and_then(|()| stdin.flush()));
    // Stdin is closed here (dropped above), so the pager sees the end of the text.
    let status = child.wait()?;
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
        _ if status.code() == Some(127) => Ok(Shown::NotFound),
        _ => Ok(Shown::Paged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_text_that_does_not_fit_with_the_prompt_is_paged() {
        let pager = Pager { command: "false".to_owned(), rows: 3 };
        assert!(!pager.needed_for(b"a\nb\n"));
        assert!(pager.needed_for(b"a\nb\nc\n"));
    }

    #[test]
    fn without_a_pager_or_for_a_short_text_the_destination_gets_the_bytes() {
        let mut dest = Vec::new();
        write_through(None, &mut dest, |w| w.write_all(b"one\n")).unwrap();
        let pager = Pager { command: "exit 3".to_owned(), rows: 10 };
        write_through(Some(&pager), &mut dest, |w| w.write_all(b"two\n")).unwrap();
        assert_eq!(dest, b"one\ntwo\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_tall_text_goes_to_the_pager_and_one_that_stops_reading_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("paged");
        let pager = Pager { command: format!("cat > '{}'", file.display()), rows: 2 };
        let text = "line\n".repeat(5);
        let mut dest = Vec::new();
        write_through(Some(&pager), &mut dest, |w| w.write_all(text.as_bytes())).unwrap();
        assert_eq!((std::fs::read_to_string(&file).unwrap(), dest.len()), (text.clone(), 0));

        // A pager that quits at once: 4 MiB cannot fit in the pipe, so the write meets a closed pipe.
        let quitter = Pager { command: "exit 0".to_owned(), rows: 2 };
        let big = vec![b'\n'; 4 << 20];
        write_through(Some(&quitter), &mut dest, |w| w.write_all(&big)).unwrap();
        assert!(dest.is_empty());

        // A pager the shell cannot find: the text goes to the terminal after all.
        let missing = Pager { command: "funnels-no-such-pager-here".to_owned(), rows: 2 };
        write_through(Some(&missing), &mut dest, |w| w.write_all(text.as_bytes())).unwrap();
        assert_eq!(dest, text.as_bytes());
    }
}
