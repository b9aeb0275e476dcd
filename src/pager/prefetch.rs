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

/// How pages are fetched ahead: by how many workers (none: every page in turn), and how far ahead
/// of the page the consumer waits for a worker may start one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ahead {
    pub workers: usize,
    /// A worker starts job `i` only while `i` < the awaited job + `window`. A short page that moves
    /// the offsets throws away at most `window` − 1 prefetched pages.
    pub window: usize,
}

impl Ahead {
    /// `--parallel N` (N > 1): N workers, each free to run up to 2 × N jobs past the one awaited, so
    /// that one slow answer does not idle the others (a window of N did: at 100 ms latency, answers
    /// that took 146–203 ms held every fast worker until the slowest one's page was taken, and
    /// 110 000 funnels took 0.81 s instead of 0.62 s). `--parallel 1`: none, strictly in turn.
    ///
    /// With `stream`, whatever N > 1: one worker fetching the page after the one being written.
    /// A page held costs its body and its records (~16 MB at 10 000 funnels) and `--stream` is for
    /// memory that does not grow with the export: with N workers a 110 000-funnel stream peaked at
    /// 2.3× (N = 4) and 1.17× (N = 2) the memory of a 25 000-funnel one, which has only two pages
    /// to fetch ahead; with one, both runs hold the same two pages.
    pub fn new(parallel: usize, stream: bool) -> Ahead {
        match (parallel, stream) {
            (0 | 1, _) => Ahead { workers: 0, window: 0 },
            (_, true) => Ahead { workers: 1, window: 2 },
            (n, false) => Ahead { workers: n, window: n.saturating_mul(2) },
        }
    }
}

/// Runs the plan with `ahead.workers` workers fetching ahead: the pages after the first are
/// prefetched when the first one told the total and the minute budget covers them; otherwise (and
/// with no worker) every page is fetched in turn. The order and rules are those of
/// [`super::run`]. The workers are detached: a failed run returns without waiting for them.
pub fn run_ahead<T, S>(
    plan: &Plan,
    ahead: Ahead,
    source: &mut S,
    sink: impl FnMut(Vec<T>) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome>
where
    T: Keyed + Hash + Send + 'static,
    S: Source<T>,
{
    if ahead.workers == 0 {
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
                    let (fetchers, stop) = source.workers(ahead.workers.min(jobs.len()));
                    prefetch = Some(Prefetch::start(jobs, fetchers, ahead.window, stop));
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
    /// the window of it ([`Ahead`]), so a short page that moves the offsets throws away at most
    /// `window` − 1 prefetched pages, and `--stream` memory stays bounded.
    asked: usize,
    /// Finished pages not yet handed out, by job.
    done: Vec<Option<Page<T>>>,
    /// The first failure of a prefetched page.
    failure: Option<anyhow::Error>,
    cancelled: bool,
}

impl<T: Send + 'static> Prefetch<T> {
    /// Starts one detached thread per fetcher, working through `jobs` in order, none more than
    /// `window` jobs past the one the consumer awaits.
    pub fn start<F>(
        jobs: Vec<(u64, u64)>,
        fetchers: Vec<F>,
        window: usize,
        stop: impl Fn() + Send + Sync + 'static,
    ) -> Prefetch<T>
    where
        F: FnMut(u64, u64) -> anyhow::Result<Page<T>> + Send + 'static,
    {
        let window = window.max(1);
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::super::Want;
    use super::super::tests::Rec;
    use super::*;

    fn plan(want: Want, page_size: u64) -> Plan {
        Plan { offset: 0, want, page_size, noun: "records" }
    }

    type Serve = Arc<dyn Fn(u64, u64) -> anyhow::Result<Page<Rec>> + Send + Sync>;

    /// A server of `total` records behind a [`Source`] whose minute budget is `budget`; it counts
    /// the workers it hands out and hears of the pages handed to the pager.
    struct Server {
        serve: Serve,
        budget: Option<u64>,
        workers: usize,
        arrived: RefCell<Vec<(u64, u64)>>,
    }

    impl Server {
        fn new(total: u64, short_at: Option<u64>, budget: Option<u64>, calls: &Arc<Mutex<Vec<(u64, u64)>>>) -> Server {
            let calls = Arc::clone(calls);
            let serve: Serve = Arc::new(move |offset: u64, limit: u64| -> anyhow::Result<Page<Rec>> {
                calls.lock().unwrap().push((offset, limit));
                let end = if short_at == Some(offset) { offset + limit / 2 } else { offset + limit };
                Ok(Page { items: (offset..total.min(end)).map(Rec).collect(), total: Some(total) })
            });
            Server { serve, budget, workers: 0, arrived: RefCell::new(Vec::new()) }
        }
    }

    impl Source<Rec> for Server {
        type Worker = Box<dyn FnMut(u64, u64) -> anyhow::Result<Page<Rec>> + Send>;

        fn page(&mut self, offset: u64, limit: u64) -> anyhow::Result<Page<Rec>> {
            (self.serve)(offset, limit)
        }

        fn budget(&self) -> Option<u64> {
            self.budget
        }

        fn workers(&mut self, n: usize) -> (Vec<Self::Worker>, Box<dyn Fn() + Send + Sync>) {
            self.workers += n;
            let workers = (0..n)
                .map(|_| {
                    let serve = Arc::clone(&self.serve);
                    Box::new(move |offset, limit| serve(offset, limit)) as Self::Worker
                })
                .collect();
            (workers, Box::new(|| {}))
        }

        fn arrived(&self, page: &Page<Rec>, limit: u64) {
            self.arrived.borrow_mut().push((page.items.first().map_or(0, |r| r.0), limit));
        }
    }

    /// Runs `plan` with `workers` prefetching workers over a server of `total` records (the page at
    /// `short_at` comes back half full), the way `--parallel` does; returns the records and the
    /// requests the server got.
    fn parallel(plan: &Plan, total: u64, short_at: Option<u64>, ahead: Ahead) -> (Vec<Rec>, Vec<(u64, u64)>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(total, short_at, Some(u64::MAX), &calls);
        let mut got = Vec::new();
        run_ahead(plan, ahead, &mut server, |page| {
            got.extend(page);
            Ok(())
        })
        .unwrap();
        let calls = calls.lock().unwrap().clone();
        (got, calls)
    }

    #[test]
    fn prefetched_pages_arrive_in_offset_order() {
        let (got, calls) = parallel(&plan(Want::All, 10), 95, None, Ahead::new(4, false));
        assert_eq!(got, (0..95).map(Rec).collect::<Vec<_>>());
        assert_eq!(calls.len(), 10);
    }

    #[test]
    fn at_most_window_minus_one_prefetched_pages_are_thrown_away() {
        for stream in [false, true] {
            let ahead = Ahead::new(3, stream);
            // The page at 30 comes back short: sequential paging needs 10 requests from there on.
            let (got, calls) = parallel(&plan(Want::All, 10), 95, Some(30), ahead);
            assert_eq!(got, (0..95).map(Rec).collect::<Vec<_>>());
            assert!(calls.len() < 10 + ahead.window, "{ahead:?}: {} requests: {calls:?}", calls.len());
        }
    }

    #[test]
    fn workers_may_run_twice_their_number_ahead_and_stream_one_page_ahead() {
        assert_eq!(Ahead::new(4, false), Ahead { workers: 4, window: 8 });
        assert_eq!(Ahead::new(1, false), Ahead { workers: 0, window: 0 });
        assert_eq!(Ahead::new(8, true), Ahead { workers: 1, window: 2 });
        assert_eq!(Ahead::new(1, true), Ahead { workers: 0, window: 0 });
    }

    #[test]
    fn a_short_page_falls_back_to_sequential_paging() {
        let (got, _) = parallel(&plan(Want::All, 10), 95, Some(30), Ahead::new(3, false));
        assert_eq!(got, (0..95).map(Rec).collect::<Vec<_>>(), "nothing is skipped or repeated");
    }

    #[test]
    fn a_budget_too_small_for_the_pages_left_fetches_them_in_turn() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        // 95 records in pages of 10: nine more pages after the first, but eight requests left.
        let mut server = Server::new(95, None, Some(8), &calls);
        let outcome = run_ahead(&plan(Want::All, 10), Ahead::new(4, false), &mut server, |_| Ok(())).unwrap();
        assert_eq!(outcome.written, 95);
        assert_eq!(server.workers, 0, "no worker was started");
        let expected: Vec<(u64, u64)> = (0..10).map(|page| (page * 10, 10)).collect();
        assert_eq!(*calls.lock().unwrap(), expected);
    }

    #[test]
    fn an_unknown_budget_never_starts_workers() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(95, None, None, &calls);
        run_ahead(&plan(Want::All, 10), Ahead::new(4, false), &mut server, |_| Ok(())).unwrap();
        assert_eq!(server.workers, 0);
        assert_eq!(calls.lock().unwrap().len(), 10);
    }

    #[test]
    fn every_page_handed_to_the_pager_is_heard_of_in_offset_order() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(95, None, Some(100), &calls);
        run_ahead(&plan(Want::All, 10), Ahead::new(3, false), &mut server, |_| Ok(())).unwrap();
        assert_eq!(server.workers, 3, "the pages after the first were fetched ahead");
        let expected: Vec<(u64, u64)> = (0..10).map(|page| (page * 10, 10)).collect();
        assert_eq!(*server.arrived.borrow(), expected);
    }

    #[test]
    fn no_more_workers_start_than_there_are_pages_to_fetch_ahead() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        // 25 records in pages of 10: two pages after the first.
        let mut server = Server::new(25, None, Some(100), &calls);
        run_ahead(&plan(Want::All, 10), Ahead::new(4, false), &mut server, |_| Ok(())).unwrap();
        assert_eq!(server.workers, 2);
        assert_eq!(calls.lock().unwrap().len(), 3);
    }

    #[test]
    fn a_slow_page_does_not_hold_the_other_workers_within_the_window() {
        // Job 0 is held open; with two workers and a window of four, the free worker goes on to
        // jobs 1, 2 and 3 meanwhile (a window of one worker count stopped it after job 1).
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = Arc::new(Mutex::new(held));
        let fetched = Arc::new(Mutex::new(Vec::new()));
        let fetchers: Vec<_> = (0..2)
            .map(|_| {
                let (held, fetched) = (Arc::clone(&held), Arc::clone(&fetched));
                move |offset: u64, _| -> anyhow::Result<Page<Rec>> {
                    if offset == 10 {
                        let _ = held.lock().unwrap().recv();
                    }
                    fetched.lock().unwrap().push(offset);
                    Ok(Page { items: vec![Rec(offset)], total: None })
                }
            })
            .collect();
        let jobs: Vec<(u64, u64)> = (1..=6).map(|page| (page * 10, 10)).collect();
        let ahead = Ahead::new(2, false);
        let mut prefetch = Prefetch::start(jobs, fetchers, ahead.window, || {});
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while fetched.lock().unwrap().len() < 3 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(*fetched.lock().unwrap(), [20, 30, 40], "within the window of 4, and no further");
        release.send(()).unwrap();
        let first = prefetch.take(10, 10).expect("predicted").unwrap();
        assert_eq!(first.items, [Rec(10)]);
    }

    #[test]
    fn a_failed_prefetched_page_is_handed_out_at_once() {
        // Job 0 never answers (the server holds it open); job 1 fails.
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocked = Arc::new(Mutex::new(blocked));
        let stopped = Arc::new(AtomicUsize::new(0));
        let fetchers: Vec<_> = (0..2)
            .map(|_| {
                let blocked = Arc::clone(&blocked);
                move |offset: u64, _| -> anyhow::Result<Page<Rec>> {
                    if offset == 10 {
                        let _ = blocked.lock().unwrap().recv();
                        return Ok(Page { items: Vec::new(), total: None });
                    }
                    anyhow::bail!("page {offset} failed")
                }
            })
            .collect();
        let stop = Arc::clone(&stopped);
        let mut prefetch = Prefetch::start(vec![(10, 10), (20, 10), (30, 10)], fetchers, 2, move || {
            stop.fetch_add(1, Ordering::SeqCst);
        });
        let result = prefetch.take(10, 10).expect("the predicted page");
        assert_eq!(result.unwrap_err().to_string(), "page 20 failed");
        assert!(stopped.load(Ordering::SeqCst) >= 1, "the workers' clients were told to stop");
        drop(prefetch);
        drop(release);
    }
}
