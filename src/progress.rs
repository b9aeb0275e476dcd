//! The one self-updating line on a terminal's stderr during a long run (SPEC §2): records fetched of
//! `total_items`, pages, time elapsed and an estimate of what is left, or a countdown while a quota
//! window resets.
//!
//! A run shorter than about a second shows nothing: the line appears only once a timer thread finds
//! the run still going (or at once for a quota wait, which is long by nature). `indicatif` draws
//! it — rate-limited, cut to the terminal's width, redrawn by its own ticker so that the countdown
//! and the elapsed time move while a request hangs — and erases it before the output reaches the
//! terminal and when the run ends, whichever way it ends ([`Progress`] erases it when dropped).
//! `config` settles whether it may be shown at all (a terminal stderr, neither `-q` nor `-v`);
//! nothing is drawn, and no thread started, when it may not.
//!
//! The line is rendered from this module's own counters, not indicatif's position: the pages come
//! from `listing` in offset order and the quota waits from `rpc` through its [`Observer`] hook,
//! which is all `rpc` knows of this.

use std::fmt::Write as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::rpc::Observer;

/// What the line starts with, like every notice.
const PREFIX: &str = "funnels: ";

/// How often the line is redrawn while nothing else happens (the countdown and the clock move).
const TICK: Duration = Duration::from_millis(250);

/// The progress of one run; inert when progress is not to be shown.
pub struct Progress(Option<Arc<Shared>>);

struct Shared {
    bar: ProgressBar,
    counts: Arc<Mutex<Counts>>,
    /// Wakes the timer thread when the run ends before the line was due.
    ended: Condvar,
    /// Held while the line is revealed or erased, so that the two cannot interleave (the counts'
    /// lock cannot be held then: drawing reads the counts).
    gate: Mutex<()>,
}

/// What the line says.
#[derive(Debug, Default)]
struct Counts {
    started: Option<Instant>,
    noun: &'static str,
    records: u64,
    total: Option<u64>,
    pages: u64,
    /// `(index, count, noun)` of the part under way when the run has parts (`--all-users`: users).
    part: Option<(u64, u64, &'static str)>,
    wait: Option<Wait>,
    shown: bool,
    ended: bool,
}

#[derive(Debug)]
struct Wait {
    window: String,
    seconds: u64,
    lasts: Duration,
    since: Instant,
}

/// The line on screen now, for [`erase_after_signal`]: a signal ends the process without running
/// any destructor, so the run's own [`Progress`] cannot erase it then.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Erases the progress line if one is on screen; the signal handler calls it before the process
/// exits, so that a Ctrl-C, SIGTERM or SIGHUP leaves the prompt on a clean line.
pub fn erase_after_signal() {
    if let Some(bar) = lock(&SHOWN).take() {
        bar.finish_and_clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Progress {
    /// Progress that shows nothing.
    pub fn off() -> Progress {
        Progress(None)
    }

    /// Starts the clock of a run fetching `noun` (plural); when `enabled`, the line appears once the
    /// run has taken `after`.
    pub fn start(enabled: bool, after: Duration, noun: &'static str) -> Progress {
        if !enabled {
            return Progress::off();
        }
        let counts = Arc::new(Mutex::new(Counts { started: Some(Instant::now()), noun, ..Counts::default() }));
        let shown = Arc::clone(&counts);
        let style = ProgressStyle::with_template(&format!("{PREFIX}{{line}}")).expect("a valid template").with_key(
            "line",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let line = lock(&shown).line(Instant::now());
                // One row, whatever the width: a line that wraps cannot be erased in place.
                let room = usize::from(stderr_columns()).saturating_sub(PREFIX.len() + 1);
                let _ = w.write_str(cut(&line, room));
            },
        );
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(style);
        let shared = Arc::new(Shared { bar, counts, ended: Condvar::new(), gate: Mutex::new(()) });
        let timer = Arc::clone(&shared);
        let spawned = std::thread::Builder::new().name("progress".to_owned()).spawn(move || {
            let counts = lock(&timer.counts);
            let (counts, _) = timer
                .ended
                .wait_timeout_while(counts, after, |counts| !counts.ended)
                .unwrap_or_else(PoisonError::into_inner);
            drop(counts);
            timer.reveal();
        });
        // Without a thread there is no line: the run itself is not affected.
        if spawned.is_err() { Progress::off() } else { Progress(Some(shared)) }
    }

    /// A page of `records` new records arrived; `total` is its `total_items`.
    pub fn page(&self, records: u64, total: Option<u64>) {
        if let Some(shared) = &self.0 {
            let mut counts = lock(&shared.counts);
            counts.records = counts.records.saturating_add(records);
            counts.pages = counts.pages.saturating_add(1);
            if total.is_some() {
                counts.total = total;
            }
        }
    }

    /// Part `index` (from 0) of `count` begins, e.g. the funnels of one user of many.
    pub fn part(&self, index: u64, count: u64, noun: &'static str) {
        if let Some(shared) = &self.0 {
            lock(&shared.counts).part = Some((index, count, noun));
        }
    }

    /// The hook for the client's quota waits (none when nothing is shown).
    pub fn observer(&self) -> Option<Arc<dyn Observer>> {
        self.0.as_ref().map(|shared| Arc::clone(shared) as Arc<dyn Observer>)
    }

    /// Erases the line (if it was shown) and stops it for good; later calls do nothing.
    pub fn finish(&self) {
        if let Some(shared) = &self.0 {
            let _gate = lock(&shared.gate);
            let shown = {
                let mut counts = lock(&shared.counts);
                counts.ended = true;
                counts.shown
            };
            shared.ended.notify_all();
            if shown {
                lock(&SHOWN).take();
                shared.bar.finish_and_clear();
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Shared {
    /// Draws the line from now on, unless the run has ended or it is already drawn.
    fn reveal(&self) {
        let _gate = lock(&self.gate);
        {
            let mut counts = lock(&self.counts);
            if counts.ended || counts.shown {
                return;
            }
            counts.shown = true;
        }
        self.bar.set_draw_target(ProgressDrawTarget::stderr());
        self.bar.enable_steady_tick(TICK);
        *lock(&SHOWN) = Some(self.bar.clone());
    }
}

impl Observer for Shared {
    fn quota_wait(&self, window: &str, seconds: u64, lasts: Duration) -> bool {
        {
            let mut counts = lock(&self.counts);
            if counts.ended {
                return false;
            }
            counts.wait = Some(Wait { window: window.to_owned(), seconds, lasts, since: Instant::now() });
        }
        self.reveal();
        true
    }

    fn quota_wait_over(&self) {
        lock(&self.counts).wait = None;
    }

    fn aside(&self, write: &mut dyn FnMut()) {
        let shown = {
            let counts = lock(&self.counts);
            counts.shown && !counts.ended
        };
        if shown { self.bar.suspend(write) } else { write() }
    }
}

impl Counts {
    /// `12000 of 30000 funnels, 6 pages, 0:04 elapsed, ~0:06 left`; with parts
    /// `user 3 of 40: 1200 funnels, 46 pages, …`. While a window resets, the countdown comes first
    /// (a narrow terminal cuts the end): `minute quota used up, resuming in 41 s; 2000 of …`.
    fn line(&self, now: Instant) -> String {
        let elapsed = self.started.map_or(Duration::ZERO, |started| now.saturating_duration_since(started));
        let mut line = String::new();
        if let Some(wait) = &self.wait {
            let _ = write!(line, "{} quota used up, resuming in {} s; ", wait.window, wait.seconds_left(now));
        }
        if let Some((index, count, noun)) = self.part {
            let _ = write!(line, "{} {} of {count}: ", noun.trim_end_matches('s'), index.saturating_add(1).min(count));
        }
        match self.total {
            Some(total) if self.part.is_none() => {
                let _ = write!(line, "{} of {total} {}", self.records, self.noun);
            }
            _ => {
                let _ = write!(line, "{} {}", self.records, self.noun);
            }
        }
        let pages = if self.pages == 1 { "page" } else { "pages" };
        let _ = write!(line, ", {} {pages}, {} elapsed", self.pages, clock(elapsed));
        if let Some(left) = self.left(elapsed).filter(|_| self.wait.is_none()) {
            let _ = write!(line, ", ~{} left", clock(left));
        }
        line
    }

    /// The time still needed at the pace so far: by records of the total, or by parts done.
    fn left(&self, elapsed: Duration) -> Option<Duration> {
        let (done, all) = match self.part {
            Some((index, count, _)) => (index, count),
            None => (self.records, self.total?),
        };
        if done == 0 || done >= all {
            return None;
        }
        Some(elapsed.mul_f64((all - done) as f64 / done as f64))
    }
}

impl Wait {
    /// The server's seconds still to wait, counting down from `seconds` over `lasts`.
    fn seconds_left(&self, now: Instant) -> u64 {
        if self.lasts.is_zero() {
            return 0;
        }
        let left = self.lasts.saturating_sub(now.saturating_duration_since(self.since));
        let left = left.as_nanos().saturating_mul(u128::from(self.seconds)).div_ceil(self.lasts.as_nanos());
        u64::try_from(left).unwrap_or(self.seconds)
    }
}

/// The width of the terminal behind stderr, now (it may be resized during a run); one that
/// reports 0 gets `COLUMNS`, then 80, like the table (`config`).
fn stderr_columns() -> u16 {
    #[cfg(unix)]
    let reported = rustix::termios::tcgetwinsize(std::io::stderr()).map_or(0, |size| size.ws_col);
    #[cfg(not(unix))]
    let reported = 0;
    match reported {
        0 => std::env::var("COLUMNS").ok().and_then(|v| v.trim().parse().ok()).filter(|&n| n > 0).unwrap_or(80),
        n => n,
    }
}

/// `line` cut to at most `room` characters.
fn cut(line: &str, room: usize) -> &str {
    line.char_indices().nth(room).map_or(line, |(at, _)| &line[..at])
}

/// `0:04`, `12:30`, `1:02:03`.
fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// The line printed after a run that wrote its output to `--out` on a terminal (SPEC §2).
pub fn summary(written: u64, noun: &'static str, path: &std::path::Path) -> String {
    format!("wrote {written} {noun} to {}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(records: u64, total: Option<u64>, pages: u64) -> (Counts, Instant) {
        let started = Instant::now();
        (Counts { started: Some(started), noun: "funnels", records, total, pages, ..Counts::default() }, started)
    }

    #[test]
    fn the_line_says_records_of_total_pages_elapsed_and_what_is_left() {
        let (c, started) = counts(12_000, Some(30_000), 6);
        let line = c.line(started + Duration::from_secs(4));
        assert_eq!(line, "12000 of 30000 funnels, 6 pages, 0:04 elapsed, ~0:06 left");
        let (c, started) = counts(0, None, 0);
        assert_eq!(c.line(started + Duration::from_millis(1500)), "0 funnels, 0 pages, 0:01 elapsed");
        let (c, started) = counts(10, Some(10), 1);
        assert_eq!(c.line(started + Duration::from_secs(3723)), "10 of 10 funnels, 1 page, 1:02:03 elapsed");
    }

    #[test]
    fn a_run_in_parts_counts_parts_and_estimates_by_them() {
        let (mut c, started) = counts(1200, Some(300), 46);
        c.part = Some((2, 40, "users"));
        let line = c.line(started + Duration::from_secs(10));
        assert_eq!(line, "user 3 of 40: 1200 funnels, 46 pages, 0:10 elapsed, ~3:10 left");
    }

    #[test]
    fn a_quota_wait_counts_down_in_the_servers_seconds() {
        let (mut c, started) = counts(200, Some(1000), 1);
        let since = started + Duration::from_secs(2);
        c.wait = Some(Wait { window: "minute".to_owned(), seconds: 41, lasts: Duration::from_millis(4100), since });
        let line = c.line(since + Duration::from_secs(1));
        assert_eq!(line, "minute quota used up, resuming in 31 s; 200 of 1000 funnels, 1 page, 0:03 elapsed");
        assert_eq!(c.wait.as_ref().unwrap().seconds_left(since + Duration::from_secs(60)), 0);
    }

    #[test]
    fn a_line_is_cut_to_the_room_on_the_terminal() {
        assert_eq!(cut("12000 of 30000 funnels", 5), "12000");
        assert_eq!(cut("Воронки", 3), "Вор");
        assert_eq!(cut("short", 80), "short");
    }

    #[test]
    fn progress_that_is_off_takes_pages_and_finishes_quietly() {
        let progress = Progress::start(false, Duration::ZERO, "funnels");
        progress.page(10, Some(20));
        progress.part(0, 2, "users");
        assert!(progress.observer().is_none());
        progress.finish();
    }
}
