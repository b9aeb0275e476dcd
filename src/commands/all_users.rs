//! `funnels list --all-users`: the funnels of every client user of an agent account, each record
//! led by its `user_id` (SPEC §4). The user list comes first (ids only); then each user's funnels,
//! counted or listed, with `--keep-going` turning a user's failure into a warning and exit 9. With
//! `--parallel` above 1 up to that many users are fetched (or counted) at once by detached workers,
//! and written in the order `users` lists them, byte for byte as one after another.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::listing::{self, ApiPages};
use super::notice;
use crate::config::Settings;
use crate::exit::{Exit, Failure, Scope};
use crate::model::{CustomerUser, Funnel, USERS, UserFunnel};
use crate::pager::{self, Outcome};
use crate::progress::Progress;
use crate::query::Query;
use crate::redact;
use crate::rpc::{self, Cancel, Client};

/// `users --all` with the default sort, asking only for the ids.
pub fn users_query(settings: &Settings) -> Query {
    Query::ids_only(&USERS, settings.page_size)
}

/// One `--all-users` run: the funnel query applied to every client user.
pub struct AllUsers<'a> {
    pub settings: &'a Settings,
    pub query: &'a Arc<Query>,
    pub parallel: usize,
    pub explode: bool,
    pub keep_going: bool,
    /// The token came from the session store (`Scope::session_key`).
    pub session_key: bool,
}

impl AllUsers<'_> {
    pub fn run(&self, client: &mut Client) -> anyhow::Result<Exit> {
        let (ids, listed) = self.user_ids(client)?;
        let mut skipped: Vec<(i64, String)> = Vec::new();
        let outcome = if self.query.count {
            self.count(client, &ids, &mut skipped)?;
            None
        } else {
            Some(self.list(client, &ids, &mut skipped)?)
        };
        if self.settings.verbose > 0 {
            let mut line = format!("{} users; {} calls to the API", ids.len(), client.requests_sent());
            if let Some(points) = rpc::points_left(client.last_limits()) {
                let _ = write!(line, "; points left {points}");
            }
            notice(self.settings, &line);
        }
        if skipped.is_empty() {
            return match outcome {
                Some(outcome) => listing::report(self.settings, self.query, &outcome),
                None => Ok(Exit::Success),
            };
        }
        for (id, err) in &skipped {
            notice(self.settings, &format!("warning: skipped user {id}: {}", redact::scrub(err)));
        }
        let ids: Vec<String> = skipped.iter().map(|(id, _)| id.to_string()).collect();
        Err(Failure::new(
            Exit::Incomplete,
            format!("skipped {} of {listed} users ({}); the output lacks their funnels", skipped.len(), ids.join(", ")),
        )
        .into())
    }

    /// The ids of the client users (`users --all`), and how many users were listed: users without
    /// an id are listed but cannot be asked for, and count in the messages.
    pub fn user_ids(&self, client: &mut Client) -> anyhow::Result<(Vec<i64>, usize)> {
        let users = Arc::new(users_query(self.settings));
        let mut ids: Vec<i64> = Vec::new();
        let mut listed = 0;
        listing::fetch::<CustomerUser>(client, &users, 1, None, &Progress::off(), |page| {
            listed += page.len();
            ids.extend(page.iter().filter_map(|u| u.id));
            Ok(())
        })
        .map_err(|e| Scope::agents_only().session_key(self.session_key).attach(e))?;
        Ok((ids, listed))
    }

    /// `--count`: the sum of every user's count, up to `--parallel` users at a time.
    fn count(&self, client: &mut Client, ids: &[i64], skipped: &mut Vec<(i64, String)>) -> anyhow::Result<()> {
        let mut sum: u64 = 0;
        if self.parallel > 1
            && ids.len() > 1
            && let Some(users) = Users::start(self, client, ids, count_job)
        {
            for (index, &id) in ids.iter().enumerate() {
                let done = users.next(index).map_err(|(failed, err)| self.failed(ids[failed], err))?;
                match done.result {
                    Ok(outcome) => sum = sum.saturating_add(outcome.total.unwrap_or(0)),
                    // Only with --keep-going does a worker hand a failure here.
                    Err(err) => skipped.push((id, format!("{err:#}"))),
                }
            }
            drop(users);
            return super::print_count(self.settings, sum).map(drop);
        }
        for &id in ids {
            match user_param(id).and_then(|user| listing::count::<Funnel>(client, self.query, Some(user))) {
                Ok(n) => sum = u64::saturating_add(sum, n),
                Err(err) if self.keep_going => skipped.push((id, format!("{err:#}"))),
                Err(err) => return Err(self.failed(id, err)),
            }
        }
        super::print_count(self.settings, sum).map(drop)
    }

    /// Every user's funnels, each led by its `user_id`, through one output: one user after another
    /// with `--parallel 1`, else up to `--parallel` users at a time ([`Users`]), in the same order.
    fn list(&self, client: &mut Client, ids: &[i64], skipped: &mut Vec<(i64, String)>) -> anyhow::Result<Outcome> {
        let (settings, query) = (self.settings, self.query);
        let options = listing::output_options(settings, query, self.explode, &[UserFunnel::USER_ID]);
        listing::emit(settings, query).run::<UserFunnel, _>(
            options,
            |line| notice(settings, line),
            |progress, sink| self.fetch(client, ids, progress, sink, skipped),
        )
    }

    /// The funnels of the users `ids`, each led by its `user_id`, handed to `sink` in that order
    /// (also `diff`'s live snapshot): one user after another with `--parallel 1`, else up to
    /// `--parallel` users at a time ([`Users`]), in the same order and chunks.
    pub fn fetch(
        &self,
        client: &mut Client,
        ids: &[i64],
        progress: &Progress,
        sink: impl FnMut(Vec<UserFunnel>) -> anyhow::Result<()>,
        skipped: &mut Vec<(i64, String)>,
    ) -> anyhow::Result<Outcome> {
        if self.parallel > 1 && ids.len() > 1 {
            client.set_observer(progress.observer());
            if let Some(users) = Users::start(self, client, ids, funnels_job(self.parallel)) {
                return self.collect(users, ids, progress, sink, skipped);
            }
        }
        self.in_turn(client, ids, progress, sink, skipped)
    }

    /// `--parallel 1`: each user's funnels in turn.
    fn in_turn(
        &self,
        client: &mut Client,
        ids: &[i64],
        progress: &Progress,
        mut sink: impl FnMut(Vec<UserFunnel>) -> anyhow::Result<()>,
        skipped: &mut Vec<(i64, String)>,
    ) -> anyhow::Result<Outcome> {
        let query = self.query;
        let mut total = Outcome::default();
        for (index, &id) in ids.iter().enumerate() {
            progress.part(index as u64, ids.len() as u64, "users");
            // Without --stream a user's funnels are held back until all its pages arrived,
            // so that a skipped user leaves nothing behind.
            let mut held: Vec<UserFunnel> = Vec::new();
            let result = user_param(id).and_then(|user| {
                listing::fetch::<Funnel>(client, query, self.parallel, Some(user), progress, |page| {
                    let page = page.into_iter().map(|funnel| UserFunnel { user_id: id, funnel });
                    if query.stream {
                        sink(page.collect())
                    } else {
                        held.extend(page);
                        Ok(())
                    }
                })
            });
            self.settle(id, result, held, &mut sink, &mut total, skipped)?;
        }
        Ok(total)
    }

    /// One user's end, the same whichever way it was fetched: its held funnels written and its
    /// outcome added, or — with `--keep-going` — the user skipped with its reason, or the run ended.
    fn settle(
        &self,
        id: i64,
        result: anyhow::Result<Outcome>,
        held: Vec<UserFunnel>,
        sink: &mut impl FnMut(Vec<UserFunnel>) -> anyhow::Result<()>,
        total: &mut Outcome,
        skipped: &mut Vec<(i64, String)>,
    ) -> anyhow::Result<()> {
        match result {
            Ok(outcome) => {
                if !held.is_empty() {
                    sink(held)?;
                }
                add(total, &outcome);
                Ok(())
            }
            Err(err) if self.keep_going => {
                let partial = if self.query.stream { " (its funnels so far were written)" } else { "" };
                skipped.push((id, format!("{err:#}{partial}")));
                Ok(())
            }
            Err(err) => Err(self.failed(id, err)),
        }
    }

    /// The users fetched by [`Users`]' workers, handed to `sink` in the order `users` lists them and
    /// with the same chunks, skips and notes as [`Self::in_turn`], so the bytes are the same. The
    /// first fatal failure of any user ends the run at once (the workers are not waited for).
    fn collect(
        &self,
        users: Users,
        ids: &[i64],
        progress: &Progress,
        mut sink: impl FnMut(Vec<UserFunnel>) -> anyhow::Result<()>,
        skipped: &mut Vec<(i64, String)>,
    ) -> anyhow::Result<Outcome> {
        let query = self.query;
        let mut total = Outcome::default();
        for (index, &id) in ids.iter().enumerate() {
            progress.part(index as u64, ids.len() as u64, "users");
            let done = match users.next(index) {
                Ok(done) => done,
                Err((failed, err)) => return Err(self.failed(ids[failed], err)),
            };
            let reachable = |outcome: &Outcome| outcome.total.map(|t| query.plan.reachable(t));
            let told = done.result.as_ref().ok().and_then(reachable);
            for page in &done.pages {
                progress.page(page.len() as u64, told);
            }
            // With --stream the pages go out as they came (a failed user's so far too); without,
            // a user's funnels go out whole or, skipped, not at all.
            let held: Vec<UserFunnel> = if query.stream {
                for page in done.pages {
                    sink(page)?;
                }
                Vec::new()
            } else {
                done.pages.concat()
            };
            // Only with --keep-going does a worker hand a failure here.
            self.settle(id, done.result, held, &mut sink, &mut total, skipped)?;
        }
        // Every user is written: the workers have nothing left to do.
        drop(users);
        Ok(total)
    }

    /// A user's failure that ends the run, explained for that user.
    fn failed(&self, id: i64, err: anyhow::Error) -> anyhow::Error {
        Scope::acting_for(Some(id as u64)).session_key(self.session_key).attach(err).context(format!("user {id}"))
    }
}

/// One user's outcome added to the run's: a user without `total_items` counts what it wrote.
fn add(total: &mut Outcome, outcome: &Outcome) {
    total.written = total.written.saturating_add(outcome.written);
    let this = outcome.total.unwrap_or(outcome.written);
    total.total = Some(total.total.unwrap_or(0).saturating_add(this));
    total.unreachable |= outcome.unreachable;
    total.more |= outcome.more;
}

/// A user id from `get.customer_users` as `user_id` param: a negative one is the server's error,
/// never wrapped into a huge number.
fn user_param(id: i64) -> anyhow::Result<u64> {
    u64::try_from(id).map_err(|_| {
        Failure::new(Exit::Network, format!("malformed response: get.customer_users listed the user id {id}")).into()
    })
}

/// A user's funnels, page by page, as a [`Users`] job.
fn funnels_job(parallel: usize) -> impl Fn(&mut Client, &Arc<Query>, i64) -> Done + Clone + Send + 'static {
    move |client, query, id| {
        let mut pages = Vec::new();
        let result = user_param(id).and_then(|user| {
            let progress = Progress::off();
            let mut source = ApiPages { client, query, user_id: Some(user), progress: &progress };
            let ahead = pager::Ahead::new(parallel, query.stream);
            pager::run_ahead(&query.plan, ahead, &mut source, |page: Vec<Funnel>| {
                pages.push(page.into_iter().map(|funnel| UserFunnel { user_id: id, funnel }).collect());
                Ok(())
            })
        });
        Done { pages, result }
    }
}

/// A user's `--count` as a [`Users`] job: one request, the number in the outcome's total.
fn count_job(client: &mut Client, query: &Arc<Query>, id: i64) -> Done {
    let result = user_param(id).and_then(|user| listing::count::<Funnel>(client, query, Some(user)));
    Done { pages: Vec::new(), result: result.map(|n| Outcome { total: Some(n), ..Outcome::default() }) }
}

/// One user's funnels as a worker fetched them: its pages (those before a failure too) and how the
/// fetch ended.
struct Done {
    pages: Vec<Vec<UserFunnel>>,
    result: anyhow::Result<Outcome>,
}

/// Detached workers fetching users' funnels, up to `--parallel` users ahead of the one being
/// written, each on a fork of the client (so every request passes the run's one gate). Dropping it
/// cancels them: no new request starts, and nothing waits for those in flight (SPEC §7).
struct Users {
    shared: Arc<Shared>,
    cancel: Cancel,
}

struct Shared {
    state: Mutex<State>,
    moved: Condvar,
}

struct State {
    /// The next user a worker takes.
    next: usize,
    /// The user being written; workers take users only within `window` of it.
    writing: usize,
    done: Vec<Option<Done>>,
    /// Without --keep-going: the first failure of any user, which ends the run.
    fatal: Option<(usize, anyhow::Error)>,
    stopped: bool,
}

impl Users {
    /// Starts `--parallel` workers, each doing `job` for one user after another; `None` when no
    /// thread could start (the run goes in turn).
    fn start<J>(run: &AllUsers<'_>, client: &Client, ids: &[i64], job: J) -> Option<Users>
    where
        J: Fn(&mut Client, &Arc<Query>, i64) -> Done + Clone + Send + 'static,
    {
        let window = run.parallel;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                next: 0,
                writing: 0,
                done: ids.iter().map(|_| None).collect(),
                fatal: None,
                stopped: false,
            }),
            moved: Condvar::new(),
        });
        let cancel = Cancel::default();
        let ids: Arc<[i64]> = ids.into();
        let mut started = 0;
        for _ in 0..window.min(ids.len()) {
            let (shared, ids, cancel_all) = (Arc::clone(&shared), Arc::clone(&ids), cancel.clone());
            let mut client = client.fork(&cancel);
            let query = Arc::clone(run.query);
            let (keep_going, job) = (run.keep_going, job.clone());
            let worker = std::thread::Builder::new().name("user".to_owned()).spawn(move || {
                while let Some(index) = shared.take(window) {
                    let id = ids[index];
                    let done = catch_unwind(AssertUnwindSafe(|| job(&mut client, &query, id))).unwrap_or_else(|_| {
                        Done { pages: Vec::new(), result: Err(anyhow::anyhow!("a user worker failed unexpectedly")) }
                    });
                    if !shared.finish(index, done, keep_going, &cancel_all) {
                        return;
                    }
                }
            });
            started += usize::from(worker.is_ok());
        }
        let users = Users { shared, cancel };
        (started > 0).then_some(users)
    }

    /// User `index`'s funnels once fetched, or the run's fatal failure (with its user's index) as
    /// soon as there is one.
    fn next(&self, index: usize) -> Result<Done, (usize, anyhow::Error)> {
        let mut state = self.shared.lock();
        state.writing = index;
        self.shared.moved.notify_all();
        loop {
            if let Some(fatal) = state.fatal.take() {
                return Err(fatal);
            }
            if let Some(done) = state.done[index].take() {
                return Ok(done);
            }
            state = self.shared.moved.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for Users {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        self.cancel.cancel();
        self.shared.moved.notify_all();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next user to fetch, once it is within `window` of the one being written; `None` when
    /// none is left or the run stopped.
    fn take(&self, window: usize) -> Option<usize> {
        let mut state = self.lock();
        loop {
            if state.stopped || state.fatal.is_some() || state.next >= state.done.len() {
                return None;
            }
            if state.next < state.writing + window {
                state.next += 1;
                return Some(state.next - 1);
            }
            state = self.moved.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stores a user's funnels; without `keep_going` a failure (the first one only) stops every
    /// worker instead. False when the worker should stop.
    fn finish(&self, index: usize, done: Done, keep_going: bool, cancel: &Cancel) -> bool {
        let mut state = self.lock();
        if state.stopped {
            return false;
        }
        let going_on = match done.result {
            Err(err) if !keep_going => {
                if state.fatal.is_none() {
                    state.fatal = Some((index, err));
                }
                state.stopped = true;
                false
            }
            _ => {
                state.done[index] = Some(done);
                true
            }
        };
        drop(state);
        if !going_on {
            cancel.cancel();
        }
        self.moved.notify_all();
        going_on
    }
}
