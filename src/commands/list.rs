//! `funnels list`: the funnels of one account (SPEC §3).

use super::listing::Listing;
use crate::cli::ListArgs;
use crate::config::Settings;
use crate::exit::{self, Exit};
use crate::model::Funnel;
use crate::query::FUNNELS;

pub fn run(settings: &Settings, args: &ListArgs) -> anyhow::Result<Exit> {
    let listing = Listing::new(&args.query, &FUNNELS, settings)?;
    if !(1..=4).contains(&args.parallel) {
        return Err(exit::usage(format!("--parallel must be 1..=4, not {}", args.parallel)));
    }
    if args.all_users {
        return Err(exit::usage("--all-users is not available yet"));
    }
    if settings.dry_run {
        return listing.dry_run(settings.user_id);
    }
    let (mut client, _) = super::connect(settings)?;
    if listing.count {
        let n = listing.count::<Funnel>(&mut client, settings.user_id)?;
        return super::print_count(settings, n);
    }
    listing.print::<Funnel>(settings, &mut client, settings.user_id, args.explode)
}
