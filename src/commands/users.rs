//! `funnels users`: the client users of an agent account (`get.customer_users`, SPEC §4), through
//! the same listing machinery as `list`.

use super::listing::Listing;
use crate::cli::UsersArgs;
use crate::config::Settings;
use crate::exit::Exit;
use crate::model::CustomerUser;
use crate::query::USERS;

pub fn run(settings: &Settings, args: &UsersArgs) -> anyhow::Result<Exit> {
    let listing = Listing::new(&args.query, &USERS, settings)?;
    if settings.dry_run {
        return listing.dry_run(None);
    }
    let (mut client, _) = super::connect(settings)?;
    if listing.count {
        let n = listing.count::<CustomerUser>(&mut client, None)?;
        return super::print_count(settings, n);
    }
    listing.print::<CustomerUser>(settings, &mut client, None, false)
}
