//! The machinery every paged listing shares (`list`, `users`): validated query options → API params
//! → pages → output, generic over the record type and its [`Schema`].

use std::hash::Hash;
use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::notice;
use crate::cli::{Format, QueryArgs};
use crate::config::Settings;
use crate::exit::{self, Exit, Failure};
use crate::files;
use crate::model::{Keyed, Record, Schema, SortKey};
use crate::output::destination::{Destination, Target};
use crate::output::{Output, OutputOptions, pager as screen_pager};
use crate::pager::{self, MAX_OFFSET, MAX_PAGE, Outcome, Page, Plan, Prefetch, Want};
use crate::progress::{self, Progress};
use crate::query::{self, Filter};
use crate::rpc::{self, Cancel, Client};

/// A listing request, validated before any request is made.
#[derive(Debug)]
pub struct Listing {
    pub schema: &'static Schema,
    pub filter: Option<Filter>,
    pub sort: Vec<SortKey>,
    /// Fields to print, in order.
    pub fields: Vec<&'static str>,
    /// Fields to request: the printed ones plus the key that de-duplication needs.
    pub request_fields: Vec<&'static str>,
    pub plan: Plan,
    pub count: bool,
    pub stream: bool,
    pub header: bool,
    /// `--excel`: csv for spreadsheets.
    pub excel: bool,
    /// Workers fetching pages ahead (`--parallel`); 1 = strictly sequential.
    pub parallel: usize,
}

/// `--excel` shapes csv for spreadsheets; with any other format it would silently do nothing, so it
/// is a usage error (SPEC §5).
pub fn excel_needs_csv(excel: bool, format: Format) -> anyhow::Result<()> {
    if excel && format != Format::Csv {
        return Err(exit::usage("--excel makes a csv file for spreadsheets; it works with -o csv only"));
    }
    Ok(())
}

/// `params` of a get method, in the order the API documents them.
#[derive(Debug, Serialize)]
pub struct GetParams<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    pub limit: u64,
    pub offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<&'a Filter>,
    pub fields: &'a [&'static str],
    #[serde(skip_serializing_if = "<[SortKey]>::is_empty")]
    pub sort: &'a [SortKey],
}

impl Listing {
    /// Checks every query option against `schema` and SPEC §3 (exit 2 on any violation).
    pub fn new(args: &QueryArgs, schema: &'static Schema, settings: &Settings) -> anyhow::Result<Listing> {
        let filter = match &args.filter_json {
            Some(arg) => {
                if arg == "-" && settings.token.stdin {
                    return Err(exit::usage("--filter-json - and --token-stdin both want standard input"));
                }
                Some(query::parse_filter_json(arg, |path| match path {
                    None => files::read_stdin(settings.pipe_wait),
                    Some(path) => files::read_file(path, settings.pipe_wait).map(|contents| contents.text),
                })?)
            }
            None => query::parse_filters(&args.filter, args.any, schema)?.map(Filter::Built),
        };
        let sort = query::parse_sort(&args.sort, schema)?;
        let fields = query::parse_fields(args.fields.as_deref(), schema)?;
        let mut request_fields = fields.clone();
        if !request_fields.contains(&schema.key) {
            request_fields.insert(0, schema.key);
        }
        if args.limit == Some(0) {
            return Err(exit::usage("--limit must be at least 1"));
        }
        let page_size = args.page_size.or(settings.page_size).unwrap_or(MAX_PAGE);
        if !(1..=MAX_PAGE).contains(&page_size) {
            return Err(exit::usage(format!("--page-size must be 1..={MAX_PAGE}, not {page_size}")));
        }
        let offset = args.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(exit::usage(format!("--offset must be 0..={MAX_OFFSET}, not {offset} (the API's limit)")));
        }
        if args.stream && !matches!(settings.format, Format::Ndjson | Format::Csv | Format::Tsv) {
            return Err(exit::usage("--stream works with -o ndjson, csv or tsv, not with table or json"));
        }
        excel_needs_csv(args.excel, settings.format)?;
        let want = match (args.all, args.limit) {
            (true, _) => Want::All,
            (false, Some(n)) => Want::Limit(n),
            (false, None) => Want::FirstPage,
        };
        Ok(Listing {
            schema,
            filter,
            sort,
            fields,
            request_fields,
            plan: Plan { offset, want, page_size, noun: schema.noun },
            count: args.count,
            stream: args.stream,
            header: !args.no_header,
            excel: args.excel,
            parallel: 1,
        })
    }

    /// The params of one page request.
    pub fn params(&self, user_id: Option<u64>, offset: u64, limit: u64) -> GetParams<'_> {
        GetParams {
            user_id,
            limit,
            offset,
            filter: self.filter.as_ref(),
            fields: &self.request_fields,
            sort: &self.sort,
        }
    }

    /// `--count` asks for one record of the key field only.
    fn count_params(&self, user_id: Option<u64>) -> GetParams<'_> {
        GetParams {
            user_id,
            limit: 1,
            offset: self.plan.offset,
            filter: self.filter.as_ref(),
            fields: std::slice::from_ref(&self.schema.key),
            sort: &[],
        }
    }

    /// `--dry-run`: the first request's body.
    pub fn dry_run(&self, settings: &Settings, user_id: Option<u64>) -> anyhow::Result<Exit> {
        let body = if self.count {
            rpc::dry_run_body(self.schema.method, &self.count_params(user_id))
        } else {
            let limit = self.plan.next_limit(0);
            rpc::dry_run_body(self.schema.method, &self.params(user_id, self.plan.offset, limit))
        };
        super::print_json_text(settings, &body)
    }

    /// `--count`: one request, the number of matching records. Only the server's `total_items`
    /// answers it: a reply without one is malformed (exit 7), never a guess from the page.
    pub fn count<T: DeserializeOwned>(&self, client: &mut Client, user_id: Option<u64>) -> anyhow::Result<u64> {
        let reply = client.call::<_, Vec<T>>(self.schema.method, &self.count_params(user_id))?;
        reply.metadata.total_items.ok_or_else(|| {
            Failure::new(
                Exit::Network,
                format!(
                    "malformed response (no total_items in its metadata): the API did not say how many {} match",
                    self.schema.noun
                ),
            )
            .into()
        })
    }

    /// One page request.
    fn page<T: DeserializeOwned>(
        &self,
        client: &mut Client,
        user_id: Option<u64>,
        offset: u64,
        limit: u64,
    ) -> anyhow::Result<Page<T>> {
        let reply = client.call::<_, Vec<T>>(self.schema.method, &self.params(user_id, offset, limit))?;
        Ok(Page { items: reply.data, total: reply.metadata.total_items })
    }

    /// Fetches the pages of the plan for one user, handing each page's new records to `sink`.
    /// With `--parallel N` the pages after the first are fetched ahead by N workers when the total
    /// is known and the minute budget covers them; the paging rules and order stay the same. The
    /// workers hold the listing through the `Arc`, so a failed run returns without waiting for them.
    /// `progress` hears of every page, in offset order, and of the client's quota waits.
    pub fn fetch<T>(
        self: &Arc<Self>,
        client: &mut Client,
        user_id: Option<u64>,
        progress: &Progress,
        sink: impl FnMut(Vec<T>) -> anyhow::Result<()>,
    ) -> anyhow::Result<Outcome>
    where
        T: Keyed + Hash + DeserializeOwned + Send + 'static,
    {
        client.set_observer(progress.observer());
        if self.parallel <= 1 {
            let fetch = |offset, limit| self.page(client, user_id, offset, limit);
            return pager::run(&self.plan, counted(&self.plan, progress, fetch), sink);
        }
        let mut prefetch: Option<Prefetch<T>> = None;
        let mut first = true;
        let fetch = |offset: u64, limit: u64| {
            if let Some(result) = prefetch.as_mut().and_then(|p| p.take(offset, limit)) {
                return result;
            }
            let fetched = self.page(client, user_id, offset, limit)?;
            if std::mem::take(&mut first) {
                let budget = client.last_limits().minute_budget();
                if let (Some(total), Some(budget)) = (fetched.total, budget) {
                    // `run` cuts a page to its limit; predict from what it will keep.
                    let kept = (fetched.items.len() as u64).min(limit);
                    let jobs = self.plan.pages_after(offset.saturating_add(kept), total);
                    if !jobs.is_empty() && jobs.len() as u64 <= budget {
                        let cancel = Cancel::default();
                        let fetchers: Vec<_> = (0..self.parallel)
                            .map(|_| {
                                let mut worker = client.fork(&cancel);
                                let listing = Arc::clone(self);
                                move |offset, limit| listing.page(&mut worker, user_id, offset, limit)
                            })
                            .collect();
                        prefetch = Some(Prefetch::start(jobs, fetchers, move || cancel.cancel()));
                    }
                }
            }
            Ok(fetched)
        };
        pager::run(&self.plan, counted(&self.plan, progress, fetch), sink)
    }

    /// Output options for these records; `lead` fields (e.g. `user_id`) come first.
    pub fn output_options(&self, settings: &Settings, explode: bool, lead: &[&'static str]) -> OutputOptions {
        OutputOptions {
            format: settings.format,
            fields: lead.iter().chain(&self.fields).copied().collect(),
            explode,
            header: self.header,
            width: settings.width,
            color: settings.color,
            terminal: settings.stdout_tty,
            excel: self.excel,
        }
    }

    /// Whether this run may show the progress line and the `--out` summary (SPEC §2): as settled,
    /// except while `--stream` writes to the terminal, where the line would tear the records.
    fn shows_progress(&self, settings: &Settings) -> bool {
        settings.progress && !(self.stream && settings.stdout_tty)
    }

    /// Runs `fetch` (which feeds pages of records to the sink it is given and tells the progress
    /// line of them) and writes the records: all or nothing by default, page by page with
    /// `--stream`. The destination is committed only when everything succeeded. A table for the
    /// terminal goes through the pager when it is taller than the screen; a run written to a
    /// `--out` file on a terminal ends with one line saying so.
    pub fn emit<T, F>(&self, settings: &Settings, options: OutputOptions, fetch: F) -> anyhow::Result<Outcome>
    where
        T: Record,
        F: FnOnce(&Progress, &mut dyn FnMut(Vec<T>) -> anyhow::Result<()>) -> anyhow::Result<Outcome>,
    {
        let mut dest = Destination::open(settings.out.as_deref())?;
        let shows_progress = self.shows_progress(settings);
        // Dropped on every way out of this function: the line never outlives the run.
        let progress = Progress::start(shows_progress, settings.progress_after, self.schema.noun);
        let outcome = if self.stream {
            let mut output = Output::new(options, &mut dest);
            let result =
                fetch(&progress, &mut |page: Vec<T>| output.records(&page).context("could not write the output"));
            match result {
                Ok(outcome) => {
                    output.finish().context("could not write the output")?;
                    outcome
                }
                Err(err) => {
                    drop(output);
                    if settings.out.is_none() {
                        // What was streamed stays; say that it is not all.
                        let _ = dest.flush();
                    }
                    return Err(err.context("the output is incomplete"));
                }
            }
        } else {
            let mut all: Vec<T> = Vec::new();
            let outcome = fetch(&progress, &mut |page: Vec<T>| {
                if all.is_empty() {
                    all = page;
                } else {
                    all.extend(page);
                }
                Ok(())
            })?;
            // Erased before the first byte of output can reach the terminal.
            progress.finish();
            screen_pager::write_through(settings.pager.as_ref(), &mut dest, |w| {
                let mut output = Output::new(options, w);
                output.records(&all)?;
                output.finish().map(drop)
            })
            .context("could not write the output")?;
            // The process ends right after this run: freeing hundreds of thousands of strings one
            // by one costs more than a tenth of the run (bench/profile.sh); the OS takes them back.
            std::mem::forget(all);
            outcome
        };
        progress.finish();
        dest.commit()?;
        // `--out -` and the names of standard output are the terminal itself: nothing to sum up.
        let to_file = || Target::resolve(settings.out.as_deref()).is_ok_and(|target| target != Target::Stdout);
        if let Some(out) = settings.out.as_deref().filter(|_| shows_progress && to_file()) {
            notice(settings, &progress::summary(outcome.written, self.schema.noun, out));
        }
        Ok(outcome)
    }

    /// The whole run for one account: pages → output → notices.
    pub fn print<T>(
        self: &Arc<Self>,
        settings: &Settings,
        client: &mut Client,
        user_id: Option<u64>,
        explode: bool,
    ) -> anyhow::Result<Exit>
    where
        T: Keyed + Hash + DeserializeOwned + Record + Send + 'static,
    {
        let options = self.output_options(settings, explode, &[]);
        let outcome =
            self.emit::<T, _>(settings, options, |progress, sink| self.fetch(client, user_id, progress, sink))?;
        self.report(settings, &outcome)
    }

    /// Notices after a successful run, and exit 9 when the API could not reach everything.
    pub fn report(&self, settings: &Settings, outcome: &Outcome) -> anyhow::Result<Exit> {
        let noun = self.schema.noun;
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
}

/// `fetch` telling `progress` of each page it brings: the records the pager will keep of it (a page
/// longer than its limit is cut) and how many of its `total_items` the plan will fetch (`--limit`,
/// `--offset` and the offset ceiling leave out the rest).
fn counted<'a, T>(
    plan: &'a Plan,
    progress: &'a Progress,
    mut fetch: impl FnMut(u64, u64) -> anyhow::Result<Page<T>> + 'a,
) -> impl FnMut(u64, u64) -> anyhow::Result<Page<T>> + 'a {
    move |offset, limit| {
        let page = fetch(offset, limit)?;
        progress.page((page.items.len() as u64).min(limit), page.total.map(|total| plan.reachable(total)));
        Ok(page)
    }
}
