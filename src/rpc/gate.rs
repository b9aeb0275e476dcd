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
    /// The lowest minute budget seen since the minute began, and when that minute ends here.
    minute: Option<(u64, Instant)>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate { state: Mutex::new(State { limit: 1, in_flight: 0, minute: None }), released: Condvar::new() }
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

    /// Waits until one more attempt may start and counts it in; false when the run was cancelled
    /// first. An attempt with none in flight always starts: then the call loop's own quota rules
    /// (wait for the reset, or exit 6) decide, as they do for a sequential run.
    pub fn enter(&self, cancel: &Cancel) -> bool {
        let mut state = self.lock();
        loop {
            if cancel.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if state.minute.is_some_and(|(_, ends)| now >= ends) {
                state.minute = None;
            }
            let covered = state.minute.is_some_and(|(remaining, _)| remaining > state.in_flight as u64);
            if state.in_flight == 0 || (state.in_flight < state.limit && covered) {
                state.in_flight += 1;
                return true;
            }
            state = self.released.wait_timeout(state, CANCEL_POLL).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// An attempt ended; `minute` is the budget its answer told (points left, the reset as a
    /// duration here), if it told one.
    pub fn leave(&self, minute: Option<(u64, Duration)>) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some((remaining, reset)) = minute {
            let now = Instant::now();
            state.minute = match state.minute {
                // The same minute: an answer sent before another may arrive after it, so the
                // lowest count is the true one.
                Some((known, ends)) if now < ends => Some((known.min(remaining), ends)),
                _ => Some((remaining, now.checked_add(reset).unwrap_or(now))),
            };
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
        assert!(gate.enter(&cancel));
        let other = cancel.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(60));
            other.cancel();
        });
        assert!(!gate.enter(&cancel), "a second attempt waited until the run was cancelled");
        stopper.join().unwrap();
    }

    #[test]
    fn the_budget_less_attempts_in_flight_and_the_limit_bound_admission() {
        let (gate, cancel) = (Gate::default(), Cancel::default());
        gate.set_limit(3);
        assert!(gate.enter(&cancel));
        gate.leave(Some((2, Duration::from_secs(60))));
        assert!(gate.enter(&cancel));
        assert!(gate.enter(&cancel), "2 points left cover 2 attempts");
        assert_eq!(gate.lock().in_flight, 2);
        gate.leave(Some((5, Duration::from_secs(60))));
        assert_eq!(gate.lock().minute.unwrap().0, 2, "the lowest count of the minute stays");
        gate.leave(None);
        gate.leave(Some((9, Duration::ZERO)));
        assert_eq!(gate.lock().minute.unwrap().0, 2);
        // A new minute: the next answer's count replaces the old one.
        gate.lock().minute = Some((0, Instant::now()));
        gate.leave(Some((9, Duration::from_secs(60))));
        assert_eq!(gate.lock().minute.unwrap().0, 9);
        for _ in 0..3 {
            assert!(gate.enter(&cancel));
        }
        assert_eq!(gate.lock().in_flight, 3, "never more than --parallel");
    }
}
