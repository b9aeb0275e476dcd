//! The one admission rule for concurrent requests (SPEC §7 "Concurrency"), shared by a run's client
//! and all its forks, pages and users alike: at most `--parallel` HTTP attempts in flight in total,
//! and a new one only while the lowest `minute_remaining` seen in the current minute, less the
//! attempts in flight, covers it. Without a known `minute_remaining` attempts go one at a time.
//!
//! It lives apart from the call loop because it is the only state every worker of a run shares
//! besides the quota-wait budget, and because a single lock here is what makes the count exact.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::cancel::Cancel;
use crate::model::WindowType;

/// How often a waiting attempt looks at the run's cancel (the gate's own wakeups come on release).
const CANCEL_POLL: Duration = Duration::from_millis(20);

#[derive(Debug)]
pub struct Gate {
    state: Mutex<State>,
    released: Condvar,
}

#[derive(Debug)]
struct State {
    /// `--parallel`.
    limit: usize,
    in_flight: usize,
    /// The lowest minute budget seen since the minute began, when that minute ends here, and its
    /// reset in the server's seconds as the answer that began it told, lasting `lasts` here.
    minute: Option<(u64, Instant)>,
    reset: u64,
    lasts: Duration,
    /// The windows an answer of this minute said were used up, when one brought the budget to 0: a
    /// day or hour window at 0 caps the minute budget too, and must be waited for (or end the run)
    /// by its own reset, not the minute's.
    spent: Vec<Spent>,
}

/// A used-up point window and the seconds until it resets, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spent {
    pub window: WindowType,
    pub reset: Option<u64>,
}

impl State {
    /// The server seconds left of the minute when `left` of it is left here (rounded up).
    fn reset_left(&self, left: Duration) -> u64 {
        if self.lasts.is_zero() {
            return 0;
        }
        let part = left.as_secs_f64() / self.lasts.as_secs_f64();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let seconds = (part * self.reset as f64).ceil() as u64;
        seconds.min(self.reset)
    }
}

/// What [`Gate::enter`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Admit {
    /// The attempt is counted in; it must [`Gate::leave`].
    Go,
    /// Another attempt's answer left no points: wait for these windows to reset (the call loop's
    /// quota rule; the minute's reset is what is left of it) before asking again.
    Spent(Vec<Spent>),
    Cancelled,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            state: Mutex::new(State {
                limit: 1,
                in_flight: 0,
                minute: None,
                reset: 0,
                lasts: Duration::ZERO,
                spent: Vec::new(),
            }),
            released: Condvar::new(),
        }
    }
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// At most `limit` attempts in flight from now on (at least one).
    pub fn set_limit(&self, limit: usize) {
        self.lock().limit = limit.max(1);
        self.released.notify_all();
    }

    /// Waits until one more attempt may start and counts it in. With none in flight an attempt
    /// starts unless an answer this minute left no points: then the caller waits for the reset by
    /// the call loop's quota rule (within `--max-wait`), as a sequential run does.
    pub fn enter(&self, cancel: &Cancel) -> Admit {
        let mut state = self.lock();
        loop {
            if cancel.is_cancelled() {
                return Admit::Cancelled;
            }
            let now = Instant::now();
            if state.minute.is_some_and(|(_, ends)| now >= ends) {
                state.minute = None;
            }
            if let Some((0, ends)) = state.minute {
                if state.in_flight == 0 {
                    let minute = Spent { window: WindowType::Minute, reset: Some(state.reset_left(ends - now)) };
                    let mut spent: Vec<Spent> =
                        state.spent.iter().filter(|s| s.window != WindowType::Minute).cloned().collect();
                    if spent.is_empty() || state.spent.iter().any(|s| s.window == WindowType::Minute) {
                        spent.push(minute);
                    }
                    return Admit::Spent(spent);
                }
            }
            let covered = state.minute.is_some_and(|(remaining, _)| remaining > state.in_flight as u64);
            if state.in_flight == 0 || (state.in_flight < state.limit && covered) {
                state.in_flight += 1;
                return Admit::Go;
            }
            state = self.released.wait_timeout(state, CANCEL_POLL).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// An attempt ended; `minute` is the budget its answer told (points left, the reset in server
    /// seconds and as a duration here), if it told one, and `spent` the windows it said are used up.
    pub fn leave(&self, minute: Option<(u64, u64, Duration)>, spent: &[Spent]) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some((remaining, reset, lasts)) = minute {
            let now = Instant::now();
            match state.minute {
                // The same minute: an answer sent before another may arrive after it, so the
                // lowest count is the true one.
                Some((known, ends)) if now < ends => state.minute = Some((known.min(remaining), ends)),
                _ => {
                    state.minute = Some((remaining, now.checked_add(lasts).unwrap_or(now)));
                    state.reset = reset;
                    state.lasts = lasts;
                    state.spent.clear();
                }
            }
            if remaining == 0 {
                for window in spent {
                    if !state.spent.iter().any(|s| s.window == window.window) {
                        state.spent.push(window.clone());
                    }
                }
            }
        }
        drop(state);
        self.released.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_known_minute_budget_attempts_go_one_at_a_time() {
        let (gate, cancel) = (Gate::default(), Cancel::default());
        gate.set_limit(4);
        assert_eq!(gate.enter(&cancel), Admit::Go);
        let other = cancel.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(60));
            other.cancel();
        });
        assert_eq!(gate.enter(&cancel), Admit::Cancelled, "a second attempt waited until the run was cancelled");
        stopper.join().unwrap();
    }

    #[test]
    fn the_budget_less_attempts_in_flight_and_the_limit_bound_admission() {
        let (gate, cancel) = (Gate::default(), Cancel::default());
        let minute = |n| Some((n, 60, Duration::from_secs(60)));
        gate.set_limit(3);
        assert_eq!(gate.enter(&cancel), Admit::Go);
        gate.leave(minute(2), &[]);
        assert_eq!(gate.enter(&cancel), Admit::Go);
        assert_eq!(gate.enter(&cancel), Admit::Go, "2 points left cover 2 attempts");
        assert_eq!(gate.lock().in_flight, 2);
        gate.leave(minute(5), &[]);
        assert_eq!(gate.lock().minute.unwrap().0, 2, "the lowest count of the minute stays");
        gate.leave(None, &[]);
        assert_eq!(gate.lock().minute.unwrap().0, 2);
        // A new minute: the next answer's count replaces the old one.
        gate.lock().minute = Some((0, Instant::now()));
        gate.leave(minute(9), &[]);
        assert_eq!(gate.lock().minute.unwrap().0, 9);
        for _ in 0..3 {
            assert_eq!(gate.enter(&cancel), Admit::Go);
        }
        assert_eq!(gate.lock().in_flight, 3, "never more than --parallel");
    }

    #[test]
    fn a_spent_minute_sends_the_next_attempt_to_wait_for_the_reset() {
        let (gate, cancel) = (Gate::default(), Cancel::default());
        gate.set_limit(4);
        assert_eq!(gate.enter(&cancel), Admit::Go);
        gate.leave(Some((0, 17, Duration::from_secs(60))), &[Spent { window: WindowType::Minute, reset: Some(17) }]);
        match gate.enter(&cancel) {
            Admit::Spent(spent) => {
                assert_eq!(spent.len(), 1, "{spent:?}");
                assert!(matches!(spent[0].reset, Some(16 | 17)), "what is left of the minute's 17 s: {spent:?}");
            }
            other => panic!("{other:?}"),
        }
        gate.lock().minute = Some((0, Instant::now()));
        assert_eq!(gate.enter(&cancel), Admit::Go, "after the reset the minute is unknown: one at a time");
    }

    #[test]
    fn a_day_window_at_0_is_what_the_next_attempt_waits_for_not_the_minute() {
        let (gate, cancel) = (Gate::default(), Cancel::default());
        gate.set_limit(4);
        assert_eq!(gate.enter(&cancel), Admit::Go);
        let day = Spent { window: WindowType::Day, reset: Some(30_000) };
        // 88 minute points left, but the day's are gone: the budget the answer told is 0.
        gate.leave(Some((0, 40, Duration::from_secs(40))), std::slice::from_ref(&day));
        assert_eq!(gate.enter(&cancel), Admit::Spent(vec![day]), "the day's reset, not a wait for the minute's");
    }
}
