//! `funnels list`: the funnels of one account (SPEC §3), or with `--all-users` of every client user
//! of an agent account (`all_users`).

use std::sync::Arc;

use super::all_users::{AllUsers, users_query};
use super::{listing, notice};
use crate::cli::ListArgs;
use crate::config::{Origin, Settings};
use crate::exit::{self, Exit, Scope};
use crate::model::{FUNNELS, Funnel, STAGES_FIELD, Schema};
use crate::query::{self, Query};

pub fn run(settings: &Settings, args: &ListArgs) -> anyhow::Result<Exit> {
    let query = Query::from_args(&args.query, &FUNNELS, &settings.query_context())?;
    review_filters(settings, &args.query.filter, &FUNNELS)?;
    check_explode(args.explode, &query)?;
    if !(1..=8).contains(&args.parallel) {
        return Err(exit::usage(format!("--parallel must be 1..=8, not {}", args.parallel)));
    }
    let parallel = usize::from(args.parallel);
    // Only a --user-id typed on this command line contradicts --all-users; one from
    // FUNNELS_USER_ID or the profile is simply not used by it (SPEC §2).
    if args.all_users && settings.user_id_origin == Some(Origin::Flag) {
        return Err(exit::usage("--all-users fetches every user's funnels; it does not go with --user-id"));
    }
    if settings.dry_run {
        if args.all_users {
            return listing::dry_run(settings, &users_query(settings), None);
        }
        return listing::dry_run(settings, &query, settings.user_id);
    }
    let query = Arc::new(query);
    let (mut client, token) = super::connect(settings)?;
    client.set_parallel(parallel);
    let session_key = token.source.is_session();
    if args.all_users {
        let run = AllUsers {
            settings,
            query: &query,
            parallel,
            explode: args.explode,
            keep_going: args.keep_going,
            session_key,
        };
        return run.run(&mut client);
    }
    let scope = Scope::acting_for(settings.user_id).session_key(session_key);
    if query.count {
        let n = listing::count::<Funnel>(&mut client, &query, settings.user_id).map_err(|e| scope.attach(e))?;
        return super::print_count(settings, n);
    }
    listing::print::<Funnel>(settings, &query, parallel, &mut client, settings.user_id, args.explode)
        .map_err(|e| scope.attach(e))
}

/// `--explode` makes one record per stage: without `stages` among the fields there is nothing to
/// explode, and `--count` counts funnels, not stages. Either would silently do something else than
/// asked, so both are usage errors before any request (SPEC §3).
fn check_explode(explode: bool, query: &Query) -> anyhow::Result<()> {
    if !explode {
        return Ok(());
    }
    if query.count {
        return Err(exit::usage(
            "--explode does not go with --count: --count prints the number of funnels, not of stages",
        ));
    }
    if !query.fields.contains(&STAGES_FIELD) {
        let fields = query.fields.join(",");
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
