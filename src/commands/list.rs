//! `funnels list`: the funnels of one account (SPEC §3), or with `--all-users` of every client user
//! of an agent account, each record led by its `user_id` (SPEC §4).

use std::fmt::Write as _;
use std::sync::Arc;

use super::listing::Listing;
use super::notice;
use crate::cli::{ListArgs, QueryArgs};
use crate::config::{Origin, Settings};
use crate::exit::{self, Exit, Failure, Scope};
use crate::model::{CustomerUser, FUNNELS, Funnel, STAGES_FIELD, Schema, USERS, UserFunnel};
use crate::pager::Outcome;
use crate::progress::Progress;
use crate::query;
use crate::redact;
use crate::rpc::{self, Client};

pub fn run(settings: &Settings, args: &ListArgs) -> anyhow::Result<Exit> {
    let mut listing = Listing::new(&args.query, &FUNNELS, settings)?;
    review_filters(settings, &args.query.filter, &FUNNELS)?;
    check_explode(args.explode, &listing)?;
    if !(1..=4).contains(&args.parallel) {
        return Err(exit::usage(format!("--parallel must be 1..=4, not {}", args.parallel)));
    }
    listing.parallel = usize::from(args.parallel);
    // Only a --user-id typed on this command line contradicts --all-users; one from
    // FUNNELS_USER_ID or the profile is simply not used by it (SPEC §2).
    if args.all_users && settings.user_id_origin == Some(Origin::Flag) {
        return Err(exit::usage("--all-users fetches every user's funnels; it does not go with --user-id"));
    }
    if settings.dry_run {
        if args.all_users {
            return users_listing(settings)?.dry_run(settings, None);
        }
        return listing.dry_run(settings, settings.user_id);
    }
    let listing = Arc::new(listing);
    let (mut client, token) = super::connect(settings)?;
    let session_key = token.source.is_session();
    if args.all_users {
        return all_users(settings, &listing, &mut client, args, session_key);
    }
    let scope = Scope::acting_for(settings.user_id).session_key(session_key);
    if listing.count {
        let n = listing.count::<Funnel>(&mut client, settings.user_id).map_err(|e| scope.attach(e))?;
        return super::print_count(settings, n);
    }
    listing.print::<Funnel>(settings, &mut client, settings.user_id, args.explode).map_err(|e| scope.attach(e))
}

/// `--explode` makes one record per stage: without `stages` among the fields there is nothing to
/// explode, and `--count` counts funnels, not stages. Either would silently do something else than
/// asked, so both are usage errors before any request (SPEC §3).
fn check_explode(explode: bool, listing: &Listing) -> anyhow::Result<()> {
    if !explode {
        return Ok(());
    }
    if listing.count {
        return Err(exit::usage(
            "--explode does not go with --count: --count prints the number of funnels, not of stages",
        ));
    }
    if !listing.fields.contains(&STAGES_FIELD) {
        let fields = listing.fields.join(",");
        return Err(exit::usage(format!(
            "--explode makes one record per stage, but --fields {fields} leaves out `{STAGES_FIELD}`; add it (e.g. --fields {fields},{STAGES_FIELD})"
        )));
    }
    Ok(())
}

/// The platform's review of `--filter` expressions before any request (SPEC §3.1): a refusal is
/// exit 2, warnings go to stderr (not with `-q`).
pub(super) fn review_filters(settings: &Settings, exprs: &[String], schema: &Schema) -> anyhow::Result<()> {
    for warning in query::review_filters(exprs, schema, settings.dialect)? {
        notice(settings, &warning);
    }
    Ok(())
}

/// `users --all` with the default sort, asking only for the ids.
fn users_listing(settings: &Settings) -> anyhow::Result<Listing> {
    let args = QueryArgs {
        filter: Vec::new(),
        any: false,
        filter_json: None,
        sort: Vec::new(),
        fields: Some(USERS.key.to_owned()),
        limit: None,
        offset: None,
        page_size: None,
        all: true,
        count: false,
        no_header: false,
        stream: false,
        excel: false,
    };
    Listing::new(&args, &USERS, settings)
}

fn all_users(
    settings: &Settings,
    listing: &Arc<Listing>,
    client: &mut Client,
    args: &ListArgs,
    session_key: bool,
) -> anyhow::Result<Exit> {
    let users_listing = Arc::new(users_listing(settings)?);
    let mut users: Vec<CustomerUser> = Vec::new();
    users_listing
        .fetch(client, None, &Progress::off(), |page| {
            users.extend(page);
            Ok(())
        })
        .map_err(|e| Scope::agents_only().session_key(session_key).attach(e))?;
    let ids: Vec<i64> = users.iter().filter_map(|u| u.id).collect();

    let mut skipped: Vec<(i64, String)> = Vec::new();
    let mut outcome = Outcome::default();
    if listing.count {
        let mut sum = 0;
        for &id in &ids {
            match user_param(id).and_then(|user| listing.count::<Funnel>(client, Some(user))) {
                Ok(n) => sum = u64::saturating_add(sum, n),
                Err(err) if args.keep_going => skipped.push((id, format!("{err:#}"))),
                Err(err) => {
                    return Err(Scope::acting_for(Some(id as u64))
                        .session_key(session_key)
                        .attach(err)
                        .context(format!("user {id}")));
                }
            }
        }
        super::print_count(settings, sum)?;
    } else {
        let options = listing.output_options(settings, args.explode, &[UserFunnel::USER_ID]);
        outcome = listing.emit::<UserFunnel, _>(settings, options, |progress, sink| {
            let mut total = Outcome::default();
            for (index, &id) in ids.iter().enumerate() {
                progress.part(index as u64, ids.len() as u64, "users");
                // Without --stream a user's funnels are held back until all its pages arrived, so
                // that a skipped user leaves nothing behind.
                let mut held: Vec<UserFunnel> = Vec::new();
                let result = user_param(id).and_then(|user| {
                    listing.fetch::<Funnel>(client, Some(user), progress, |page| {
                        let page = page.into_iter().map(|funnel| UserFunnel { user_id: id, funnel });
                        if listing.stream {
                            sink(page.collect())
                        } else {
                            held.extend(page);
                            Ok(())
                        }
                    })
                });
                match result {
                    Ok(outcome) => {
                        if !held.is_empty() {
                            sink(held)?;
                        }
                        total.written = total.written.saturating_add(outcome.written);
                        let this = outcome.total.unwrap_or(outcome.written);
                        total.total = Some(total.total.unwrap_or(0).saturating_add(this));
                        total.unreachable |= outcome.unreachable;
                        total.more |= outcome.more;
                    }
                    Err(err) if args.keep_going => {
                        let partial = if listing.stream { " (its funnels so far were written)" } else { "" };
                        skipped.push((id, format!("{err:#}{partial}")));
                    }
                    Err(err) => {
                        return Err(Scope::acting_for(Some(id as u64))
                            .session_key(session_key)
                            .attach(err)
                            .context(format!("user {id}")));
                    }
                }
            }
            Ok(total)
        })?;
    }
    if settings.verbose > 0 {
        let mut line = format!("{} users; {} calls to the API", ids.len(), client.requests_sent());
        if let Some(points) = rpc::points_left(client.last_limits()) {
            let _ = write!(line, "; points left {points}");
        }
        notice(settings, &line);
    }
    if skipped.is_empty() {
        return if listing.count { Ok(Exit::Success) } else { listing.report(settings, &outcome) };
    }
    for (id, err) in &skipped {
        notice(settings, &format!("warning: skipped user {id}: {}", redact::scrub(err)));
    }
    let ids: Vec<String> = skipped.iter().map(|(id, _)| id.to_string()).collect();
    Err(Failure::new(
        Exit::Incomplete,
        format!(
            "skipped {} of {} users ({}); the output lacks their funnels",
            skipped.len(),
            users.len(),
            ids.join(", ")
        ),
    )
    .into())
}

/// A user id from `get.customer_users` as `user_id` param: a negative one is the server's error,
/// never wrapped into a huge number.
fn user_param(id: i64) -> anyhow::Result<u64> {
    u64::try_from(id).map_err(|_| {
        Failure::new(Exit::Network, format!("malformed response: get.customer_users listed the user id {id}")).into()
    })
}
