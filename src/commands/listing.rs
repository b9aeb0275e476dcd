//! What `list`, `users` and `--all-users` share, as composition: a [`Query`]'s pages from the API
//! (the [`ApiPages`] source the pager runs on), `--count`, `--dry-run`, the output of one account's
//! records, and the notices after a run.

use std::hash::Hash;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::notice;
use crate::cli::Format;
use crate::config::Settings;
use crate::exit::{Exit, Failure};
use crate::model::{Keyed, Record};
use crate::output::OutputOptions;
use crate::output::emit::Emit;
use crate::pager::{self, Outcome, Page, Source};
use crate::progress::Progress;
use crate::query::Query;
use crate::rpc::{self, Cancel, Client};

/// A query's pages for one account (`user_id`), as the pager asks for them. Every page handed to
/// the pager is told to `progress`.
pub struct ApiPages<'a> {
    pub client: &'a mut Client,
    pub query: &'a Arc<Query>,
    pub user_id: Option<u64>,
    pub progress: &'a Progress,
}

/// One page request.
fn page<T: DeserializeOwned>(
    client: &mut Client,
    query: &Query,
    user_id: Option<u64>,
    offset: u64,
    limit: u64,
) -> anyhow::Result<Page<T>> {
    let reply = client.call::<_, Vec<T>>(query.schema.method, &query.page_params(user_id, offset, limit))?;
    Ok(Page { items: reply.data, total: reply.metadata.total_items })
}

impl<T: DeserializeOwned + Send + 'static> Source<T> for ApiPages<'_> {
    type Worker = Box<dyn FnMut(u64, u64) -> anyhow::Result<Page<T>> + Send>;

    fn page(&mut self, offset: u64, limit: u64) -> anyhow::Result<Page<T>> {
        page(self.client, self.query, self.user_id, offset, limit)
    }

    fn budget(&self) -> Option<u64> {
        self.client.last_limits().minute_budget()
    }

    /// Each worker owns a fork of the client and the query (through the `Arc`), so a failed run
    /// returns without waiting for them.
    fn workers(&mut self, n: usize) -> (Vec<Self::Worker>, Box<dyn Fn() + Send + Sync>) {
        let cancel = Cancel::default();
        let workers = (0..n)
            .map(|_| {
                let mut client = self.client.fork(&cancel);
                let query = Arc::clone(self.query);
                let user_id = self.user_id;
                Box::new(move |offset, limit| page(&mut client, &query, user_id, offset, limit)) as Self::Worker
            })
            .collect();
        (workers, Box::new(move || cancel.cancel()))
    }

    /// The records the pager will keep of the page (a page longer than its limit is cut) and how
    /// many of its `total_items` the plan will fetch (`--limit`, `--offset` and the offset ceiling
    /// leave out the rest).
    fn arrived(&self, page: &Page<T>, limit: u64) {
        let plan = &self.query.plan;
        self.progress.page((page.items.len() as u64).min(limit), page.total.map(|total| plan.reachable(total)));
    }
}

/// Fetches the pages of the query for one user, handing each page's new records to `sink`, with
/// `parallel` workers fetching ahead (`--parallel`). `progress` hears of every page, in offset
/// order, and of the client's quota waits.
pub fn fetch<T>(
    client: &mut Client,
    query: &Arc<Query>,
    parallel: usize,
    user_id: Option<u64>,
    progress: &Progress,
    sink: impl FnMut(Vec<T>) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome>
where
    T: Keyed + Hash + DeserializeOwned + Send + 'static,
{
    client.set_observer(progress.observer());
    let mut source = ApiPages { client, query, user_id, progress };
    pager::run_ahead(&query.plan, pager::Ahead::new(parallel, query.stream), &mut source, sink)
}

/// `--count`: one request, the number of matching records. Only the server's `total_items`
/// answers it: a reply without one is malformed (exit 7), never a guess from the page.
pub fn count<T: DeserializeOwned>(client: &mut Client, query: &Query, user_id: Option<u64>) -> anyhow::Result<u64> {
    let reply = client.call::<_, Vec<T>>(query.schema.method, &query.count_params(user_id))?;
    reply.metadata.total_items.ok_or_else(|| {
        Failure::new(
            Exit::Network,
            format!(
                "malformed response (no total_items in its metadata): the API did not say how many {} match",
                query.schema.noun
            ),
        )
        .into()
    })
}

/// `--dry-run`: the first request's body.
pub fn dry_run(settings: &Settings, query: &Query, user_id: Option<u64>) -> anyhow::Result<Exit> {
    super::print_json_text(settings, &rpc::dry_run_body(query.schema.method, &query.first_params(user_id)))
}

/// Output options for these records; `lead` fields (e.g. `user_id`) come first.
pub fn output_options(settings: &Settings, query: &Query, explode: bool, lead: &[&'static str]) -> OutputOptions {
    OutputOptions {
        format: settings.format,
        fields: lead.iter().chain(&query.fields).copied().collect(),
        explode,
        header: query.header,
        width: settings.width,
        color: settings.color,
        terminal: settings.stdout_tty,
        excel: query.excel,
    }
}

/// How the records reach their destination. The progress line and the `--out` summary show as
/// settled (SPEC §2), except while `--stream` writes to the terminal, where the line would tear
/// the records.
pub fn emit<'a>(settings: &'a Settings, query: &Query) -> Emit<'a> {
    Emit {
        out: settings.out.as_deref(),
        stream: query.stream,
        progress: settings.progress && !(query.stream && settings.stdout_tty),
        progress_after: settings.progress_after,
        pager: settings.pager.as_ref(),
        noun: query.schema.noun,
    }
}

/// The whole run for one account: pages → output → notices.
pub fn print<T>(
    settings: &Settings,
    query: &Arc<Query>,
    parallel: usize,
    client: &mut Client,
    user_id: Option<u64>,
    explode: bool,
) -> anyhow::Result<Exit>
where
    T: Keyed + Hash + DeserializeOwned + Record + Send + 'static,
{
    let options = output_options(settings, query, explode, &[]);
    let outcome = emit(settings, query).run::<T, _>(
        options,
        |line| notice(settings, line),
        |progress, sink| fetch(client, query, parallel, user_id, progress, sink),
    )?;
    report(settings, query, &outcome)
}

/// Notices after a successful run, and exit 9 when the API could not reach everything.
pub fn report(settings: &Settings, query: &Query, outcome: &Outcome) -> anyhow::Result<Exit> {
    let noun = query.schema.noun;
    if outcome.unreachable {
        let total = outcome.total.map_or_else(|| "more".to_owned(), |t| t.to_string());
        return Err(Failure::new(
            Exit::Incomplete,
            format!(
                "only {} of {total} {noun} are reachable through the API's offset limit; the output is incomplete",
                outcome.written
            ),
        )
        .hint("narrow the query with --filter")
        .into());
    }
    if outcome.more {
        let total = outcome.total.unwrap_or_default();
        notice(settings, &format!("showing {} of {total} {noun}; use --all", outcome.written));
    }
    if outcome.written == 0 && settings.format == Format::Table && settings.stdout_tty {
        notice(settings, &format!("no {noun}"));
    }
    Ok(Exit::Success)
}
