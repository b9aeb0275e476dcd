//! SIGINT, SIGTERM and SIGHUP (SPEC §6): whatever the run is doing, each one removes the temporary
//! `--out` file, restores the terminal (echo back on at a no-echo prompt) and ends the process with
//! 130, 143 or 129 — every time.
//!
//! The signals are received by `signal-hook`'s iterator on a thread of its own rather than handled
//! inside a signal handler: the cleanup takes locks, removes a file and calls `tcsetattr`, none of
//! which is safe in a handler, and `ctrlc` (which also runs a thread) does not say which signal
//! came. The one thing done inside the handler is setting an atomic, so that the main thread can
//! tell without a race that the process is ending and must not report an outcome of its own (a
//! prompt that sees Ctrl-C fails with "interrupted", which would otherwise race the exit code).
//!
//! Once a pager runs, SIGINT is the pager's (SPEC §6): Ctrl-C reaches the whole foreground process
//! group, and `less` uses it to stop a search, not to end. From then on SIGINT is ignored; the run
//! ends when the pager does, so there is nothing left that it could interrupt.

use crate::exit::Exit;

/// The exit code a signal ends the process with (SPEC §8).
pub fn exit_for(signal: i32) -> Option<Exit> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        match signal {
            SIGINT => Some(Exit::Interrupted),
            SIGTERM => Some(Exit::Terminated),
            SIGHUP => Some(Exit::Hangup),
            _ => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = signal;
        None
    }
}

#[cfg(unix)]
mod imp {
    use std::fs::File;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

    use rustix::termios::{OptionalActions, Termios, tcgetattr, tcsetattr};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    const HANDLED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

    /// The signal received, 0 before any; set inside the signal handler.
    static RECEIVED: LazyLock<Arc<AtomicUsize>> = LazyLock::new(|| Arc::new(AtomicUsize::new(0)));

    /// A pager has been started: SIGINT is its own from then on.
    static PAGED: AtomicBool = AtomicBool::new(false);

    /// The terminal and its state before a no-echo prompt changed it.
    static TERMINAL: Mutex<Option<(File, Termios)>> = Mutex::new(None);

    fn terminal() -> MutexGuard<'static, Option<(File, Termios)>> {
        TERMINAL.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn install(cleanup: fn()) -> std::io::Result<()> {
        // The iterator first: once it is registered, no signal can end the process uncleaned.
        let mut signals = Signals::new(HANDLED)?;
        std::thread::Builder::new().name("signals".to_owned()).spawn(move || {
            // A SIGINT meant for the pager is passed over; any other signal ends the process.
            if let Some(signal) = signals.forever().find(|&signal| !(signal == SIGINT && PAGED.load(Ordering::SeqCst)))
            {
                restore_terminal();
                cleanup();
                let code = super::exit_for(signal).map_or(1, |exit| i32::from(exit.code()));
                std::process::exit(code);
            }
        })?;
        for signal in HANDLED {
            signal_hook::flag::register_usize(signal, Arc::clone(&RECEIVED), signal as usize)?;
        }
        Ok(())
    }

    /// Puts the saved terminal state back and keeps the lock: the process is about to exit, and a
    /// prompt returning now must not clear the state first.
    fn restore_terminal() {
        let guard = terminal();
        if let Some((tty, saved)) = guard.as_ref() {
            let _ = tcsetattr(tty, OptionalActions::Now, saved);
        }
        std::mem::forget(guard);
    }

    pub fn received() -> bool {
        match RECEIVED.load(Ordering::SeqCst) {
            0 => false,
            signal => !(signal == SIGINT as usize && PAGED.load(Ordering::SeqCst)),
        }
    }

    pub fn hand_interrupts_to_pager() {
        PAGED.store(true, Ordering::SeqCst);
    }

    /// The longest answer read at a no-echo prompt (SPEC §2: `--token-stdin` reads at most 64 KiB).
    const MAX_ANSWER: u64 = 64 * 1024;

    /// Reads one line from the controlling terminal with echo off. Echo is turned off here, under
    /// the lock that the signal thread takes (and keeps) before it restores the saved state, so no
    /// signal can land between "echo off" and "state saved", and nothing can turn echo off again
    /// once the signal thread has turned it back on. (rpassword changed the terminal outside that
    /// lock, so a Ctrl-C typed just as the prompt appeared could leave echo off.)
    pub fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
        use std::io::{BufRead, BufReader, Read, Write};

        use rustix::termios::LocalModes;

        let tty = File::options().read(true).write(true).open("/dev/tty")?;
        (&tty).write_all(prompt.as_bytes())?;
        (&tty).flush()?;
        {
            let mut guard = terminal();
            let saved = tcgetattr(&tty)?;
            let mut hidden = saved.clone();
            hidden.local_modes.remove(LocalModes::ECHO);
            // The newline the user types still shows, so the next output starts on a line of its own.
            hidden.local_modes.insert(LocalModes::ECHONL);
            tcsetattr(&tty, OptionalActions::Now, &hidden)?;
            *guard = Some((tty.try_clone()?, saved));
        }
        let mut line = String::new();
        let read = BufReader::new((&tty).take(MAX_ANSWER + 1)).read_line(&mut line);
        if let Some((tty, saved)) = terminal().take() {
            let _ = tcsetattr(&tty, OptionalActions::Now, &saved);
        }
        read?;
        if !line.ends_with('\n') && line.len() as u64 > MAX_ANSWER {
            return Err(std::io::Error::other("the answer is longer than 64 KiB"));
        }
        let end = line.trim_end_matches(['\r', '\n']).len();
        line.truncate(end);
        Ok(line)
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn install(_cleanup: fn()) -> std::io::Result<()> {
        Ok(())
    }

    pub fn received() -> bool {
        false
    }

    pub fn hand_interrupts_to_pager() {}

    pub fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
        rpassword::prompt_password(prompt)
    }
}

/// Starts listening for SIGINT, SIGTERM and SIGHUP; `cleanup` runs on the listening thread before
/// the process exits. Call it first thing in `main`.
pub fn install(cleanup: fn()) -> std::io::Result<()> {
    imp::install(cleanup)
}

/// From now on SIGINT does not end the process: a pager on the same terminal takes Ctrl-C, and the
/// run ends (exit 0) when the pager does. Call it just before the pager starts.
pub fn hand_interrupts_to_pager() {
    imp::hand_interrupts_to_pager();
}

/// When a signal has arrived, the listening thread is ending the process with that signal's code:
/// this waits for it instead of letting the caller report an outcome that races it.
pub fn yield_to_signal() {
    if imp::received() {
        loop {
            std::thread::park();
        }
    }
}

/// A no-echo prompt on the terminal (password, `--token-stdin`) whose terminal state a signal
/// restores: the state is saved when echo goes off and forgotten when it is back on.
pub fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
    let answer = imp::prompt_hidden(prompt);
    // A signal that ended the read (or arrived while it ended) decides how the process ends, not
    // what the read returned.
    yield_to_signal();
    answer
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn each_signal_has_its_own_exit_code() {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
        assert_eq!(exit_for(SIGINT).map(Exit::code), Some(130));
        assert_eq!(exit_for(SIGTERM).map(Exit::code), Some(143));
        assert_eq!(exit_for(SIGHUP).map(Exit::code), Some(129));
        assert_eq!(exit_for(SIGQUIT), None);
    }
}
