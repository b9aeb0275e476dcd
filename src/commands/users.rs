//! `funnels users`: the client users of an agent account (`get.customer_users`, SPEC §4), through
//! the same listing machinery as `list`.

use std::sync::Arc;

use super::listing::Listing;
use crate::cli::UsersArgs;
use crate::config::Settings;
use crate::exit::{Exit, Scope};
use crate::model::{CustomerUser, USERS};

pub fn run(settings: &Settings, args: &UsersArgs) -> anyhow::Result<Exit> {
    let listing = Arc::new(Listing::new(&args.query, &USERS, settings)?);
    super::list::review_filters(settings, &args.query.filter, &USERS)?;
    if settings.dry_run {
        return listing.dry_run(settings, None);
    }
    let (mut client, token) = super::connect(settings)?;
    let result = if listing.count {
        listing.count::<CustomerUser>(&mut client, None).and_then(|n| super::print_count(settings, n))
    } else {
        listing.print::<CustomerUser>(settings, &mut client, None, false)
    };
    // A client token is refused here (`forbidden` or `method_not_found`): the hint says why.
    result.map_err(|err| Scope::agents_only().session_key(token.source.is_session()).attach(err))
}
