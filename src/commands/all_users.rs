//! `funnels list --all-users`: the funnels of every client user of an agent account, each record
//! led by its `user_id` (SPEC §4). The user list comes first (ids only); then each user's funnels,
//! counted or listed, with `--keep-going` turning a user's failure into a warning and exit 9.

use std::fmt::Write as _;
use std::sync::Arc;

use super::listing;
use super::notice;
use crate::config::Settings;
use crate::exit::{Exit, Failure, Scope};
use crate::model::{CustomerUser, Funnel, USERS, UserFunnel};
use crate::pager::Outcome;
use crate::progress::Progress;
use crate::query::Query;
use crate::redact;
use crate::rpc::{self, Client};

/// `users --all` with the default sort, asking only for the ids.
pub fn users_query(settings: &Settings) -> Query {
    Query::ids_only(&USERS, settings.page_size)
}

/// One `--all-users` run: the funnel query applied to every client user.
pub struct AllUsers<'a> {
    pub settings: &'a Settings,
    pub query: &'a Arc<Query>,
    pub parallel: usize,
    pub explode: bool,
    pub keep_going: bool,
    /// The token came from the session store (`Scope::session_key`).
    pub session_key: bool,
}

impl AllUsers<'_> {
    pub fn run(&self, client: &mut Client) -> anyhow::Result<Exit> {
        let users = Arc::new(users_query(self.settings));
        let mut ids: Vec<i64> = Vec::new();
        // Users without an id are listed but cannot be asked for: they count in the message.
        let mut listed = 0;
        listing::fetch::<CustomerUser>(client, &users, 1, None, &Progress::off(), |page| {
            listed += page.len();
            ids.extend(page.iter().filter_map(|u| u.id));
            Ok(())
        })
        .map_err(|e| Scope::agents_only().session_key(self.session_key).attach(e))?;

        let mut skipped: Vec<(i64, String)> = Vec::new();
        let outcome = if self.query.count {
            self.count(client, &ids, &mut skipped)?;
            None
        } else {
            Some(self.list(client, &ids, &mut skipped)?)
        };
        if self.settings.verbose > 0 {
            let mut line = format!("{} users; {} calls to the API", ids.len(), client.requests_sent());
            if let Some(points) = rpc::points_left(client.last_limits()) {
                let _ = write!(line, "; points left {points}");
            }
            notice(self.settings, &line);
        }
        if skipped.is_empty() {
            return match outcome {
                Some(outcome) => listing::report(self.settings, self.query, &outcome),
                None => Ok(Exit::Success),
            };
        }
        for (id, err) in &skipped {
            notice(self.settings, &format!("warning: skipped user {id}: {}", redact::scrub(err)));
        }
        let ids: Vec<String> = skipped.iter().map(|(id, _)| id.to_string()).collect();
        Err(Failure::new(
            Exit::Incomplete,
            format!("skipped {} of {listed} users ({}); the output lacks their funnels", skipped.len(), ids.join(", ")),
        )
        .into())
    }

    /// `--count`: the sum of every user's count.
    fn count(&self, client: &mut Client, ids: &[i64], skipped: &mut Vec<(i64, String)>) -> anyhow::Result<()> {
        let mut sum = 0;
        for &id in ids {
            match user_param(id).and_then(|user| listing::count::<Funnel>(client, self.query, Some(user))) {
                Ok(n) => sum = u64::saturating_add(sum, n),
                Err(err) if self.keep_going => skipped.push((id, format!("{err:#}"))),
                Err(err) => return Err(self.failed(id, err)),
            }
        }
        super::print_count(self.settings, sum).map(drop)
    }

    /// Every user's funnels, each led by its `user_id`, through one output.
    fn list(&self, client: &mut Client, ids: &[i64], skipped: &mut Vec<(i64, String)>) -> anyhow::Result<Outcome> {
        let (settings, query) = (self.settings, self.query);
        let options = listing::output_options(settings, query, self.explode, &[UserFunnel::USER_ID]);
        listing::emit(settings, query).run::<UserFunnel, _>(
            options,
            |line| notice(settings, line),
            |progress, sink| {
                let mut total = Outcome::default();
                for (index, &id) in ids.iter().enumerate() {
                    progress.part(index as u64, ids.len() as u64, "users");
                    // Without --stream a user's funnels are held back until all its pages arrived,
                    // so that a skipped user leaves nothing behind.
                    let mut held: Vec<UserFunnel> = Vec::new();
                    let result = user_param(id).and_then(|user| {
                        listing::fetch::<Funnel>(client, query, self.parallel, Some(user), progress, |page| {
                            let page = page.into_iter().map(|funnel| UserFunnel { user_id: id, funnel });
                            if query.stream {
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
                            add(&mut total, &outcome);
                        }
                        Err(err) if self.keep_going => {
                            let partial = if query.stream { " (its funnels so far were written)" } else { "" };
                            skipped.push((id, format!("{err:#}{partial}")));
                        }
                        Err(err) => return Err(self.failed(id, err)),
                    }
                }
                Ok(total)
            },
        )
    }

    /// A user's failure that ends the run, explained for that user.
    fn failed(&self, id: i64, err: anyhow::Error) -> anyhow::Error {
        Scope::acting_for(Some(id as u64)).session_key(self.session_key).attach(err).context(format!("user {id}"))
    }
}

/// One user's outcome added to the run's: a user without `total_items` counts what it wrote.
fn add(total: &mut Outcome, outcome: &Outcome) {
    total.written = total.written.saturating_add(outcome.written);
    let this = outcome.total.unwrap_or(outcome.written);
    total.total = Some(total.total.unwrap_or(0).saturating_add(this));
    total.unreachable |= outcome.unreachable;
    total.more |= outcome.more;
}

/// A user id from `get.customer_users` as `user_id` param: a negative one is the server's error,
/// never wrapped into a huge number.
fn user_param(id: i64) -> anyhow::Result<u64> {
    u64::try_from(id).map_err(|_| {
        Failure::new(Exit::Network, format!("malformed response: get.customer_users listed the user id {id}")).into()
    })
}
