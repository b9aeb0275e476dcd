//! `funnels users`: the client users of an agent account (`get.customer_users`, SPEC §4), through
//! the same listing composition as `list`.

use std::sync::Arc;

use super::listing;
use crate::cli::UsersArgs;
use crate::config::Settings;
use crate::exit::{Exit, Scope};
use crate::model::{CustomerUser, USERS};
use crate::query::Query;

pub fn run(settings: &Settings, args: &UsersArgs) -> anyhow::Result<Exit> {
    let query = Arc::new(Query::from_args(&args.query, &USERS, &settings.query_context())?);
    super::list::review_filters(settings, &args.query.filter, &USERS)?;
    if settings.dry_run {
        return listing::dry_run(settings, &query, None);
    }
    let (mut client, token) = super::connect(settings)?;
    let result = if query.count {
        listing::count::<CustomerUser>(&mut client, &query, None).and_then(|n| super::print_count(settings, n))
    } else {
        listing::print::<CustomerUser>(settings, &query, 1, &mut client, None, false)
    };
    // A client token is refused here (`forbidden` or `method_not_found`): the hint says why.
    result.map_err(|err| Scope::agents_only().session_key(token.source.is_session()).attach(err))
}
