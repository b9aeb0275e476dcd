//! `funnels diff OLD [NEW]`: what changed in the funnels between two snapshots, or between a
//! snapshot and the live account (SPEC §4 `diff`).
//!
//! The run in order: the options checked (exit 2 before any request or read), the snapshots read
//! and parsed — both at once, on two threads — ([`snapshot`]), the live funnels fetched by the
//! machinery of `list --all` when there is no NEW (paging, retries, quotas, `--parallel`,
//! `--all-users`, all or nothing), the two sides indexed and compared ([`compare`]), the change
//! records written like any output (`--out`, the pager), and last, with `--update`, OLD replaced
//! by the live snapshot through the same atomic writer as `--out`. Whatever fails before the diff
//! is written leaves stdout empty and OLD as it was.
//!
//! The big structures (file bytes, parsed snapshots, indexes) are never freed: the process ends
//! right after, and freeing a million small strings one by one would cost more than comparing them.

mod compare;
mod snapshot;

use std::borrow::Cow;
use std::io;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use self::compare::{Duplicate, Index, Side};
use self::snapshot::{Layout, SnapFunnel, SnapStage, Snapshot};
use super::all_users::AllUsers;
use super::list::review_filters;
use super::{listing, notice};
use crate::cli::{DiffArgs, Format, QueryArgs};
use crate::config::{Origin, Settings};
use crate::exit::{self, Exit, Failure, Scope};
use crate::files::{self, FileError};
use crate::model::{Change, FUNNELS, Funnel, Record, UserFunnel};
use crate::output::destination::{self, Destination, Target};
use crate::output::{Output, OutputOptions, changes, pager};
use crate::pager::Outcome;
use crate::progress::Progress;
use crate::query::Query;

pub fn run(settings: &Settings, args: &DiffArgs) -> anyhow::Result<Exit> {
    check_options(settings, args)?;
    let old = Source::new(&args.old);
    match &args.new {
        Some(new) => two_files(settings, args, &old, &Source::new(new)),
        None => live(settings, args, &old),
    }
}

/// The usage errors of SPEC §4, before anything is read or sent.
fn check_options(settings: &Settings, args: &DiffArgs) -> anyhow::Result<()> {
    let refused = [
        (args.fields.is_some(), "--fields", "a snapshot holds whole funnels, and so does the comparison"),
        (args.explode, "--explode", "changes are records of their own"),
        (args.stream, "--stream", "changes are known only once both sides are whole"),
        (args.limit.is_some(), "--limit", "a part of the funnels would show the rest as removed"),
        (args.offset.is_some(), "--offset", "a part of the funnels would show the rest as removed"),
        (args.count, "--count", "diff compares funnels, not their number"),
        (args.keep_going, "--keep-going", "a skipped user's funnels would show as removed"),
    ];
    if let Some((_, flag, why)) = refused.iter().find(|(given, ..)| *given) {
        return Err(exit::usage(format!("{flag} does not go with diff: {why}")));
    }
    let stdin_old = is_stdin(&args.old);
    if let Some(new) = &args.new {
        if args.update {
            return Err(exit::usage("--update replaces OLD with the live funnels; it does not go with NEW"));
        }
        // They choose which live funnels are fetched; two files leave none to fetch, and a user who
        // meant them to narrow the snapshots must not get a silent full comparison.
        let live_only = [
            (!args.filter.is_empty(), "--filter"),
            (args.filter_json.is_some(), "--filter-json"),
            (args.page_size.is_some(), "--page-size"),
            (args.all_users, "--all-users"),
        ];
        if let Some((_, flag)) = live_only.iter().find(|(given, _)| *given) {
            return Err(exit::usage(format!(
                "{flag} applies to the live funnels, and with NEW there are none: it does not go with two snapshots"
            )));
        }
        if stdin_old && is_stdin(new) {
            return Err(exit::usage("OLD and NEW cannot both be - (standard input)"));
        }
    } else if args.update && stdin_old {
        return Err(exit::usage("--update replaces the file OLD; it does not go with - (standard input)"));
    }
    // `--out` onto a snapshot would destroy it (with --update, OLD would be written twice).
    let snapshots: Vec<(&str, PathBuf)> = [("snapshot OLD", Some(&args.old)), ("snapshot NEW", args.new.as_ref())]
        .into_iter()
        .filter_map(|(what, path)| path.filter(|p| !is_stdin(p)).map(|p| (what, p.clone())))
        .collect();
    destination::preflight(settings.out.as_deref(), &snapshots)?;
    let stdin_snapshot = stdin_old || args.new.as_deref().is_some_and(is_stdin);
    if stdin_snapshot && settings.token.stdin {
        return Err(exit::usage("a snapshot - and --token-stdin both want standard input"));
    }
    if stdin_snapshot && args.filter_json.as_deref() == Some("-") {
        return Err(exit::usage("a snapshot - and --filter-json - both want standard input"));
    }
    if args.excel && settings.format != Format::Csv {
        return Err(exit::usage("--excel makes a csv file for spreadsheets; use it with -o csv"));
    }
    if !(1..=8).contains(&args.parallel) {
        return Err(exit::usage(format!("--parallel must be 1..=8, not {}", args.parallel)));
    }
    // As for `list`: only a --user-id typed on this command line contradicts --all-users (SPEC §2).
    if args.all_users && settings.user_id_origin == Some(Origin::Flag) {
        return Err(exit::usage("--all-users fetches every user's funnels; it does not go with --user-id"));
    }
    Ok(())
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Where a snapshot comes from.
struct Source<'p> {
    /// `None`: standard input.
    path: Option<&'p Path>,
}

impl<'p> Source<'p> {
    fn new(path: &'p Path) -> Self {
        Source { path: (!is_stdin(path)).then_some(path) }
    }

    /// The name messages use: the path as given, or "standard input".
    fn name(&self) -> Cow<'p, str> {
        self.path.map_or(Cow::Borrowed("standard input"), Path::to_string_lossy)
    }

    fn read(&self, settings: &Settings) -> Result<Vec<u8>, FileError> {
        files::read_unbounded(self.path, settings.pipe_wait)
    }

    /// A snapshot that cannot be read is a usage error naming it (SPEC §2: exit 2 for snapshots).
    fn unreadable(&self, err: &FileError) -> anyhow::Error {
        exit::usage(format!("could not read the snapshot {}: {err}", self.name()))
    }

    /// `name:line: message`.
    fn malformed(&self, err: &snapshot::Malformed) -> anyhow::Error {
        exit::usage(format!("{}:{err}", self.name()))
    }
}

/// Both snapshots from files (or one from standard input).
fn two_files(settings: &Settings, args: &DiffArgs, old: &Source<'_>, new: &Source<'_>) -> anyhow::Result<Exit> {
    if settings.dry_run {
        // Two files: no request would be sent, so there is nothing to print.
        return Ok(Exit::Success);
    }
    let (old_bytes, new_bytes) = both(|| old.read(settings), || new.read(settings));
    let old_bytes = ManuallyDrop::new(old_bytes.map_err(|e| old.unreadable(&e))?);
    let new_bytes = ManuallyDrop::new(new_bytes.map_err(|e| new.unreadable(&e))?);
    let (old_snap, new_snap) = both(|| snapshot::parse(&old_bytes), || snapshot::parse(&new_bytes));
    let old_snap = ManuallyDrop::new(old_snap.map_err(|e| old.malformed(&e))?);
    let new_snap = ManuallyDrop::new(new_snap.map_err(|e| new.malformed(&e))?);
    let per_user = match (old_snap.per_user(), new_snap.per_user()) {
        (Some(a), Some(b)) if a != b => {
            let (each, one) = if a { (old, new) } else { (new, old) };
            return Err(exit::usage(format!(
                "{} holds every user's funnels (list --all-users) and {} one account's: they cannot be compared",
                each.name(),
                one.name()
            )));
        }
        (a, b) => a.or(b).unwrap_or(false),
    };
    let sides = Sides { old: (old, &old_bytes), new: Some((new, &new_bytes)) };
    let changes = ManuallyDrop::new(compared(&old_snap.funnels, &new_snap.funnels, &sides)?);
    write_changes(settings, args, &changes, per_user, true)
}

/// OLD against the live funnels; with `--update`, OLD rolled forward.
fn live(settings: &Settings, args: &DiffArgs, old: &Source<'_>) -> anyhow::Result<Exit> {
    let query = Query::from_args(&live_query(args), &FUNNELS, &settings.query_context())?;
    review_filters(settings, &args.filter, &FUNNELS)?;
    if args.update {
        update_target(old)?;
    }
    if settings.dry_run {
        return listing::dry_run(settings, &query, if args.all_users { None } else { settings.user_id });
    }
    // OLD first: a snapshot that is not one is found before any request.
    let old_bytes = match old.read(settings) {
        Ok(bytes) => Some(ManuallyDrop::new(bytes)),
        Err(FileError::NotFound(_)) if args.update => None,
        Err(err) => return Err(old.unreadable(&err)),
    };
    let old_snap = ManuallyDrop::new(match &old_bytes {
        Some(bytes) => snapshot::parse(bytes).map_err(|e| old.malformed(&e))?,
        None => Snapshot { layout: Layout::Empty, funnels: Vec::new() },
    });
    match old_snap.per_user() {
        Some(true) if !args.all_users => {
            return Err(exit::usage(format!(
                "{} holds every user's funnels (list --all-users); compare it with --all-users",
                old.name()
            )));
        }
        Some(false) if args.all_users => {
            return Err(exit::usage(format!(
                "{} holds one account's funnels, not every user's; compare it without --all-users",
                old.name()
            )));
        }
        _ => {}
    }
    let fetched = ManuallyDrop::new(fetch(settings, args, &Arc::new(query))?);
    if fetched.outcome.unreachable {
        let total = fetched.outcome.total.map_or_else(|| "more".to_owned(), |t| t.to_string());
        return Err(Failure::new(
            Exit::Incomplete,
            format!(
                "only {} of {total} funnels are reachable through the API's offset limit; no diff was made and {} was left as it was",
                fetched.outcome.written,
                old.name()
            ),
        )
        .hint("narrow the query with --filter (and use the same filter for the snapshot)")
        .into());
    }
    let live_funnels = ManuallyDrop::new(fetched.snapshot()?);
    let changes = ManuallyDrop::new(match &old_bytes {
        Some(bytes) => compared(&old_snap.funnels, &live_funnels, &Sides { old: (old, bytes), new: None })?,
        None => Vec::new(),
    });
    // A first run creates OLD: it compared nothing, so it says what it did instead of "no changes".
    let exit = write_changes(settings, args, &changes, args.all_users, old_bytes.is_some())?;
    if args.update {
        let layout = match old_snap.layout {
            Layout::Empty => None,
            layout => Some(layout),
        };
        fetched.write_to(old, layout)?;
        if old_bytes.is_none() && settings.stderr_tty {
            notice(settings, &format!("created {} with {} funnels", old.name(), live_funnels.len()));
        }
    }
    Ok(exit)
}

/// The query of `list --all` with diff's options.
fn live_query(args: &DiffArgs) -> QueryArgs {
    QueryArgs {
        filter: args.filter.clone(),
        any: args.any,
        filter_json: args.filter_json.clone(),
        sort: Vec::new(),
        fields: None,
        limit: None,
        offset: None,
        page_size: args.page_size,
        all: true,
        count: false,
        no_header: false,
        stream: false,
        excel: args.excel,
    }
}

/// `--update` will rename a file over OLD: OLD must be (or resolve to) a regular file, or not
/// exist yet, in a folder where a temporary file can be made. Checked before any request.
fn update_target(old: &Source<'_>) -> anyhow::Result<()> {
    let Some(path) = old.path else { return Ok(()) };
    match Target::resolve(Some(path))? {
        Target::Replace(_) => destination::preflight(Some(path), &[])
            .map_err(|e| exit::usage(format!("--update cannot replace {}: {e:#}", path.display()))),
        Target::Direct(_) | Target::Stdout => Err(exit::usage(format!(
            "--update replaces OLD by renaming a new file over it; {} is not a regular file",
            path.display()
        ))),
    }
}

/// Runs `a` on a thread of its own and `b` on this one: the two sides of a diff are read, parsed
/// and indexed at once (two cores make a big diff take about half the time).
fn both<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let handle = scope.spawn(a);
        let b_result = b();
        match handle.join() {
            Ok(a_result) => (a_result, b_result),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The two sides being compared, for messages: OLD's source and bytes, and NEW's (`None`: live).
struct Sides<'s, 'p> {
    old: (&'s Source<'p>, &'s [u8]),
    new: Option<(&'s Source<'p>, &'s [u8])>,
}

/// Indexes both sides at once and compares them.
fn compared<'s>(
    old: &'s [SnapFunnel<'_>],
    new: &'s [SnapFunnel<'_>],
    sides: &Sides<'_, '_>,
) -> anyhow::Result<Vec<Change<'s>>> {
    let (old_index, new_index) = both(|| compare::index(old, Side::Old), || compare::index(new, Side::New));
    let explain = |dup: Duplicate| duplicate(&dup, old, new, sides);
    let (old_index, new_index): (Index<'s>, Index<'s>) = (old_index.map_err(explain)?, new_index.map_err(explain)?);
    let changes = compare::changes(old, &old_index, new, &new_index).map_err(explain)?;
    std::mem::forget((old_index, new_index));
    Ok(changes)
}

/// A funnel or stage listed twice: in a file, a malformed snapshot naming the line; in the live
/// funnels (which the pager de-duplicates, so only a stage can be), a malformed server answer.
fn duplicate(dup: &Duplicate, old: &[SnapFunnel<'_>], new: &[SnapFunnel<'_>], sides: &Sides<'_, '_>) -> anyhow::Error {
    let (funnels, side) = match dup.side {
        Side::Old => (old, Some(sides.old)),
        Side::New => (new, sides.new),
    };
    let funnel = &funnels[dup.funnel];
    let of_user = funnel.user_id.map_or_else(String::new, |id| format!(" of user {id}"));
    let what = match &dup.stage {
        Some(stage) => format!("stage `{stage}` is listed twice in funnel `{}`{of_user}", funnel.ext_id),
        None => format!("funnel `{}`{of_user} is listed twice", funnel.ext_id),
    };
    match side {
        Some((source, bytes)) => {
            exit::usage(format!("{}:{}: {what}", source.name(), snapshot::line_of(bytes, funnel.at)))
        }
        None => Failure::new(Exit::Network, format!("malformed response: {what}")).into(),
    }
}

/// The live funnels as fetched: one account's, or every user's.
enum Live {
    Account(Vec<Funnel>),
    Users(Vec<UserFunnel>),
}

/// A finished live fetch.
struct Fetched {
    live: Live,
    outcome: Outcome,
}

/// Every live funnel, as `list --all` (with `--all-users`, for every user) would fetch it: all or
/// nothing, the progress line on a terminal.
fn fetch(settings: &Settings, args: &DiffArgs, query: &Arc<Query>) -> anyhow::Result<Fetched> {
    let parallel = usize::from(args.parallel);
    let (mut client, token) = super::connect(settings)?;
    client.set_parallel(parallel);
    let session_key = token.source.is_session();
    let progress = Progress::start(settings.progress, settings.progress_after, FUNNELS.noun);
    let fetched = if args.all_users {
        let run = AllUsers { settings, query, parallel, explode: false, keep_going: false, session_key };
        let (ids, _) = run.user_ids(&mut client)?;
        let mut all: Vec<UserFunnel> = Vec::new();
        let outcome = run.fetch(
            &mut client,
            &ids,
            &progress,
            |page| {
                collect(&mut all, page);
                Ok(())
            },
            &mut Vec::new(),
        )?;
        Fetched { live: Live::Users(all), outcome }
    } else {
        let mut all: Vec<Funnel> = Vec::new();
        let outcome = listing::fetch::<Funnel>(&mut client, query, parallel, settings.user_id, &progress, |page| {
            collect(&mut all, page);
            Ok(())
        })
        .map_err(|e| Scope::acting_for(settings.user_id).session_key(session_key).attach(e))?;
        Fetched { live: Live::Account(all), outcome }
    };
    progress.finish();
    Ok(fetched)
}

/// Appends a page (the first one is taken as it is, not copied).
fn collect<T>(all: &mut Vec<T>, page: Vec<T>) {
    if all.is_empty() {
        *all = page;
    } else {
        all.extend(page);
    }
}

impl Fetched {
    /// The live funnels in the shape of a snapshot, borrowing their strings.
    fn snapshot(&self) -> anyhow::Result<Vec<SnapFunnel<'_>>> {
        match &self.live {
            Live::Account(funnels) => funnels.iter().map(|f| live_funnel(None, f)).collect(),
            Live::Users(funnels) => funnels.iter().map(|f| live_funnel(Some(f.user_id), &f.funnel)).collect(),
        }
    }

    /// Replaces OLD with these funnels, in `layout` (else as OLD's name says), byte for byte as
    /// `list --all` writes them, through the atomic writer of `--out` (the mode of OLD is kept).
    fn write_to(&self, old: &Source<'_>, layout: Option<Layout>) -> anyhow::Result<()> {
        let Some(path) = old.path else { return Ok(()) };
        let ndjson = match layout {
            Some(layout) => layout == Layout::Ndjson,
            None => path.extension().is_some_and(|ext| ext == "ndjson"),
        };
        let format = if ndjson { Format::Ndjson } else { Format::Json };
        let per_user = matches!(self.live, Live::Users(_));
        let mut fields: Vec<&'static str> = if per_user { vec![UserFunnel::USER_ID] } else { Vec::new() };
        fields.extend(FUNNELS.names());
        let options = OutputOptions {
            format,
            fields,
            explode: false,
            header: true,
            width: None,
            color: false,
            terminal: false,
            excel: false,
        };
        let mut dest = Destination::open(Some(path))?;
        let written = match &self.live {
            Live::Account(funnels) => write_records(options, &mut dest, funnels),
            Live::Users(funnels) => write_records(options, &mut dest, funnels),
        };
        written.with_context(|| format!("could not write {}", path.display()))?;
        dest.commit()
    }
}

fn write_records<R: Record>(options: OutputOptions, dest: &mut Destination, records: &[R]) -> io::Result<()> {
    let mut output = Output::new(options, dest);
    output.records(records)?;
    output.finish().map(drop)
}

/// One live funnel in the shape of a snapshot's. A funnel or stage without its ext_id cannot be
/// matched: the server's fault (exit 7), never a guess.
fn live_funnel(user_id: Option<i64>, funnel: &Funnel) -> anyhow::Result<SnapFunnel<'_>> {
    let malformed = |what: &str| -> anyhow::Error {
        Failure::new(Exit::Network, format!("malformed response: {what}, which diff cannot match")).into()
    };
    let ext_id = funnel.ext_id.as_deref().ok_or_else(|| malformed("a funnel without ext_id"))?;
    let stages = match &funnel.stages {
        None => None,
        Some(stages) => Some(
            stages
                .iter()
                .map(|stage| {
                    let id = stage
                        .stage_ext_id
                        .as_deref()
                        .ok_or_else(|| malformed(&format!("a stage without stage_ext_id in funnel `{ext_id}`")))?;
                    Ok(SnapStage {
                        stage_ext_id: id,
                        stage_name: stage.stage_name.as_deref(),
                        stage_status: stage.stage_status,
                        stage_order: stage.stage_order,
                    })
                })
                .collect::<anyhow::Result<Box<[_]>>>()?,
        ),
    };
    Ok(SnapFunnel { user_id, ext_id, name: funnel.name.as_deref(), stages, at: 0 })
}

/// The change records to standard output or `--out` (a tall table through the pager), then the
/// exit code: 11 for changes with `--exit-code`. `compared`: there were two sides to compare, so an
/// empty result is worth "no changes" on a terminal.
fn write_changes(
    settings: &Settings,
    args: &DiffArgs,
    changes: &[Change<'_>],
    per_user: bool,
    compared: bool,
) -> anyhow::Result<Exit> {
    let options = OutputOptions {
        format: settings.format,
        fields: Change::fields(per_user),
        explode: false,
        header: true,
        width: settings.width,
        color: settings.color,
        terminal: settings.stdout_tty,
        excel: args.excel,
    };
    let mut dest = Destination::open(settings.out.as_deref())?;
    pager::write_through(settings.pager.as_ref(), &mut dest, |w| changes::write_changes(changes, &options, w))
        .context("could not write the output")?;
    dest.commit()?;
    if changes.is_empty() {
        if settings.stderr_tty && compared {
            notice(settings, "no changes");
        }
        return Ok(Exit::Success);
    }
    Ok(if args.exit_code { Exit::Changed } else { Exit::Success })
}
