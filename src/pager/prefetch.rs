//! Fetching pages ahead with worker threads (`--parallel`), generic over the record type and blind
//! to HTTP: a [`Source`] brings pages, tells the minute budget and hands out independent workers;
//! this file decides whether to prefetch (the total is known and the budget covers every page),
//! runs the detached workers and cancels them. The paging rules stay in [`super::run`].

use std::hash::Hash;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::{Outcome, Page, Plan};
use crate::model::Keyed;

/// Where pages come from: the API for `list` and `users`, a closure in tests.
pub trait Source<T> {
    /// A fetcher a worker thread owns.
    type Worker: FnMut(u64, u64) -> anyhow::Result<Page<T>> + Send + 'static;
    /// One request, made on the calling thread.
    fn page(&mut self, offset: u64, limit: u64) -> anyhow::Result<Page<T>>;
    /// How many more requests this minute allows, as the last reply said (`None`: unknown).
    fn budget(&self) -> Option<u64>;
    /// `n` independent workers, and the `stop` that cuts short their retries and waits.
    fn workers(&mut self, n: usize) -> (Vec<Self::Worker>, Box<dyn Fn() + Send + Sync>);
    /// Hears of every page handed to the pager, in offset order, fetched ahead or not.
    fn arrived(&self, page: &Page<T>, limit: u64);
}

/// Runs the plan with `parallel` workers fetching ahead: the pages after the first are prefetched
/// when the first one told the total and the minute budget covers them; otherwise (and with
/// `parallel` ≤ 1) every page is fetched in turn. The order and rules are those of [`super::run`].
/// The workers are detached: a failed run returns without waiting for them.
pub fn run_ahead<T, S>(
    plan: &Plan,
    parallel: usize,
    source: &mut S,
    sink: impl FnMut(Vec<T>) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome>
where
    T: Keyed + Hash + Send + 'static,
    S: Source<T>,
{
    if parallel <= 1 {
        let fetch = |offset, limit| {
            let page = source.page(offset, limit)?;
            source.arrived(&page, limit);
            Ok(page)
        };
        return super::run(plan, fetch, sink);
    }
    let mut prefetch: Option<Prefetch<T>> = None;
    let mut first = true;
    let fetch = |offset: u64, limit: u64| {
        if let Some(result) = prefetch.as_mut().and_then(|p| p.take(offset, limit)) {
            let page = result?;
            source.arrived(&page, limit);
            return Ok(page);
        }
        let fetched = source.page(offset, limit)?;
        if std::mem::take(&mut first) {
            if let (Some(total), Some(budget)) = (fetched.total, source.budget()) {
                // `run` cuts a page to its limit; predict from what it will keep.
                let kept = (fetched.items.len() as u64).min(limit);
                let jobs = plan.pages_after(offset.saturating_add(kept), total);
                if !jobs.is_empty() && jobs.len() as u64 <= budget {
                    let (fetchers, stop) = source.workers(parallel);
                    prefetch = Some(Prefetch::start(jobs, fetchers, stop));
                }
            }
        }
        source.arrived(&fetched, limit);
        Ok(fetched)
    };
    super::run(plan, fetch, sink)
}

/// Pages fetched ahead by worker threads (`--parallel`) and handed to [`super::run`]'s `fetch` in offset
/// order. The paging rules stay in `super::run`: a request it makes that was not predicted (a short page
/// moved the offsets, a repeat was dropped) cancels the rest and is fetched directly.
///
/// The workers are detached and own what they need, so that nothing waits for them: the first
/// failure of any prefetched page is handed out at once (a run that fails fatally does not sit out
/// the requests still in flight, SPEC §7), no worker takes a new page after it, and dropping the
/// `Prefetch` calls `stop`, which the caller uses to cut short the workers' retries and waits.
pub struct Prefetch<T> {
    jobs: Vec<(u64, u64)>,
    next: usize,
    shared: Arc<Shared<T>>,
}

/// What the workers and the consumer share.
struct Shared<T> {
    state: Mutex<State<T>>,
    moved: Condvar,
    /// Jobs handed to workers so far.
    taken: AtomicUsize,
    stop: Box<dyn Fn() + Send + Sync>,
}

struct State<T> {
    /// The job the consumer waits for or will ask for next. Workers start only the jobs within
    /// one worker count of it, so a short page that moves the offsets throws away at most
    /// `--parallel` − 1 prefetched pages, and `--stream` memory stays bounded.
    asked: usize,
    /// Finished pages not yet handed out, by job.
    done: Vec<Option<Page<T>>>,
    /// The first failure of a prefetched page.
    failure: Option<anyhow::Error>,
    cancelled: bool,
}

impl<T: Send + 'static> Prefetch<T> {
    /// Starts one detached thread per fetcher, working through `jobs` in order.
    pub fn start<F>(jobs: Vec<(u64, u64)>, fetchers: Vec<F>, stop: impl Fn() + Send + Sync + 'static) -> Prefetch<T>
    where
        F: FnMut(u64, u64) -> anyhow::Result<Page<T>> + Send + 'static,
    {
        let window = fetchers.len();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                asked: 0,
                done: jobs.iter().map(|_| None).collect(),
                failure: None,
                cancelled: false,
            }),
            moved: Condvar::new(),
            taken: AtomicUsize::new(0),
            stop: Box::new(stop),
        });
        let jobs = Arc::new(jobs);
        let mut started = 0;
        for mut fetch in fetchers {
            let (shared, jobs) = (Arc::clone(&shared), Arc::clone(&jobs));
            let worker = std::thread::Builder::new().name("page".to_owned()).spawn(move || {
                loop {
                    let index = shared.taken.fetch_add(1, Ordering::SeqCst);
                    if index >= jobs.len() || !shared.wait_for_room(index, window) {
                        return;
                    }
                    let (offset, limit) = jobs[index];
                    let result = catch_unwind(AssertUnwindSafe(|| fetch(offset, limit)))
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a page worker failed unexpectedly")));
                    if !shared.finish(index, result) {
                        return;
                    }
                }
            });
            started += usize::from(worker.is_ok());
        }
        let mut prefetch = Prefetch { jobs: Arc::unwrap_or_clone(jobs), next: 0, shared };
        if started == 0 {
            // No worker could start: `super::run` fetches every page itself.
            prefetch.cancel();
        }
        prefetch
    }

    /// The prefetched result for this request, or `None` when it was not the predicted next one
    /// (which cancels all further prefetching). A failure of any prefetched page comes first.
    pub fn take(&mut self, offset: u64, limit: u64) -> Option<anyhow::Result<Page<T>>> {
        if self.jobs.get(self.next) != Some(&(offset, limit)) {
            self.cancel();
            return None;
        }
        let mut state = self.shared.lock();
        if state.asked != self.next {
            state.asked = self.next;
            self.shared.moved.notify_all();
        }
        loop {
            if let Some(err) = state.failure.take() {
                return Some(Err(err));
            }
            if state.cancelled {
                // Nothing more will arrive; never wait for it.
                drop(state);
                self.jobs.clear();
                return None;
            }
            if let Some(page) = state.done[self.next].take() {
                self.next += 1;
                return Some(Ok(page));
            }
            state = self.shared.moved.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T> Prefetch<T> {
    fn cancel(&mut self) {
        self.jobs.clear();
        self.shared.cancel();
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until job `index` is within `window` of the consumer; false when cancelled.
    fn wait_for_room(&self, index: usize, window: usize) -> bool {
        let mut state = self.lock();
        while index >= state.asked + window && !state.cancelled {
            state = self.moved.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        !state.cancelled
    }

    /// Stores a worker's result; false when the worker should stop (the run is cancelled or failed).
    fn finish(&self, index: usize, result: anyhow::Result<Page<T>>) -> bool {
        let mut state = self.lock();
        if state.cancelled {
            return false;
        }
        let going_on = match result {
            Ok(page) => {
                state.done[index] = Some(page);
                true
            }
            Err(err) => {
                state.failure = Some(err);
                state.cancelled = true;
                false
            }
        };
        drop(state);
        if !going_on {
            (self.stop)();
        }
        self.moved.notify_all();
        going_on
    }

    fn cancel(&self) {
        self.lock().cancelled = true;
        (self.stop)();
        self.moved.notify_all();
    }
}

impl<T> Drop for Prefetch<T> {
    fn drop(&mut self) {
        self.shared.cancel();
    }
}
