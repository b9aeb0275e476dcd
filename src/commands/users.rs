//! `funnels users`: the client users of an agent account (`get.customer_users`, SPEC §4), through
//! the same listing machinery as `list`.

use std::sync::Arc;

use super::listing::Listing;
use crate::cli::UsersArgs;
use crate::config::Settings;
use crate::exit::{Exit, Failure};
use crate::model::CustomerUser;
use crate::query::USERS;
use crate::rpc::RpcError;

pub fn run(settings: &Settings, args: &UsersArgs) -> anyhow::Result<Exit> {
    let listing = Arc::new(Listing::new(&args.query, &USERS, settings)?);
    if settings.dry_run {
        return listing.dry_run(settings, None);
    }
    let (mut client, _) = super::connect(settings)?;
    let result = if listing.count {
        listing.count::<CustomerUser>(&mut client, None).and_then(|n| super::print_count(settings, n))
    } else {
        listing.print::<CustomerUser>(settings, &mut client, None, false)
    };
    result.map_err(|err| {
        let forbidden = err.chain().any(|e| {
            matches!(e.downcast_ref::<RpcError>(), Some(RpcError::Api(api)) if api.mnemonic.as_deref() == Some("forbidden"))
        });
        if forbidden {
            err.context(
                Failure::new(Exit::Denied, "funnels users needs an agent (partner) account")
                    .hint("a client account lists its own funnels with funnels list, without --user-id"),
            )
        } else {
            err
        }
    })
}
