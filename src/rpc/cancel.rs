//! A shared "stop now" for the clients fetching one run's pages (SPEC §7: after a fatal error no new
//! request starts).
//!
//! The call loop asks [`Cancel::is_cancelled`] before every attempt and sleeps through
//! [`Cancel::sleep`], which wakes as soon as the run is cancelled, so a worker that is backing off or
//! waiting for a quota stops at once instead of holding the process open.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Cloned handles share one flag; a fresh one is never cancelled.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    shared: Arc<(Mutex<bool>, Condvar)>,
}

impl Cancel {
    /// Stops every client holding this handle at its next check, and wakes their sleeps.
    pub fn cancel(&self) {
        let (flag, woken) = &*self.shared;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        woken.notify_all();
    }

    pub fn is_cancelled(&self) -> bool {
        *self.shared.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `duration` unless cancelled first; true when the whole sleep passed.
    pub fn sleep(&self, duration: Duration) -> bool {
        let (flag, woken) = &*self.shared;
        let Some(deadline) = Instant::now().checked_add(duration) else {
            // Longer than the clock can count: only a cancel ends it.
            let guard = flag.lock().unwrap_or_else(PoisonError::into_inner);
            drop(woken.wait_while(guard, |cancelled| !*cancelled).unwrap_or_else(PoisonError::into_inner));
            return false;
        };
        let mut cancelled = flag.lock().unwrap_or_else(PoisonError::into_inner);
        while !*cancelled {
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            cancelled = woken.wait_timeout(cancelled, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_ends_when_cancelled_from_another_thread() {
        let cancel = Cancel::default();
        let other = cancel.clone();
        let started = Instant::now();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
        });
        assert!(!cancel.sleep(Duration::from_secs(30)), "the sleep reports that it was cut short");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert!(cancel.is_cancelled());
        canceller.join().unwrap();
    }

    #[test]
    fn an_uncancelled_sleep_runs_its_course() {
        let cancel = Cancel::default();
        assert!(cancel.sleep(Duration::from_millis(5)));
        assert!(!cancel.is_cancelled());
        assert!(cancel.sleep(Duration::ZERO));
    }
}
