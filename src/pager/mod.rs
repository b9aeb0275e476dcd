//! Offset paging of SPEC §3.2, generic over the record type and blind to HTTP: a `fetch` closure
//! brings a page, a `sink` closure takes the new records of each page in offset order.
//!
//! It owns the stop rules (wanted count reached, `offset ≥ total_items`, an empty page without a
//! total), the guards (a page that adds nothing while more exist, a page identical to the one
//! before, two pages in a row that add nothing without a total, too many requests), the cut of a
//! page to the `limit` it was asked for, the 100 000 offset ceiling and the de-duplication of
//! records seen twice while data changed under the export. A record's key is its type's to give
//! (`model::Keyed`); the guards hold for records without a key too: such a record is known by its
//! whole content. Fetching ahead with worker threads (`--parallel`) is [`prefetch`]'s.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, RandomState};

use crate::exit::{Exit, Failure};
use crate::model::Keyed;

mod prefetch;
pub use prefetch::{Ahead, Prefetch, Source, run_ahead};

/// The API refuses offsets above this (API.md §4).
pub const MAX_OFFSET: u64 = 100_000;
/// The API's largest page.
pub const MAX_PAGE: u64 = 10_000;

/// The keys already written, as 128-bit fingerprints (two independently keyed SipHashes): memory
/// stays ~16 bytes a record however long the keys are, so `--stream` over 110 000 funnels costs
/// about what 25 000 do, and a false "seen" would take a 2^-128 coincidence.
struct Seen {
    hashers: (RandomState, RandomState),
    fingerprints: HashSet<u128>,
}

impl Seen {
    fn new() -> Seen {
        Seen { hashers: (RandomState::new(), RandomState::new()), fingerprints: HashSet::new() }
    }

    /// Room for `n` keys at once: growing by doubling would briefly hold two tables.
    fn reserve(&mut self, n: u64) {
        self.fingerprints.reserve(usize::try_from(n).unwrap_or(0).saturating_sub(self.fingerprints.len()));
    }

    /// A record's identity: its key, or without one its whole content (tagged apart, so that a
    /// key never equals a content).
    fn identity<T: Keyed + Hash>(&self, item: &T) -> u128 {
        match item.key() {
            Some(key) => self.fingerprint(&(0u8, key)),
            None => self.fingerprint(&(1u8, item)),
        }
    }

    fn fingerprint(&self, value: &impl Hash) -> u128 {
        let high = u128::from(self.hashers.0.hash_one(value));
        let low = u128::from(self.hashers.1.hash_one(value));
        high << 64 | low
    }

    /// True the first time `identity` is offered.
    fn first(&mut self, identity: u128) -> bool {
        self.fingerprints.insert(identity)
    }

    /// One fingerprint for a page: its records' identities in order.
    fn page(&self, identities: &[u128]) -> u64 {
        self.hashers.0.hash_one(identities)
    }
}

/// How many records are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Neither `--all` nor `--limit`: exactly one request of `page_size`.
    FirstPage,
    /// `--limit N`.
    Limit(u64),
    /// `--all`.
    All,
}

/// What to fetch.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub offset: u64,
    pub want: Want,
    pub page_size: u64,
    /// Plural noun for messages ("funnels").
    pub noun: &'static str,
}

/// One page as the pager needs it.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: Option<u64>,
}

/// How a paging run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Unique records handed to the sink.
    pub written: u64,
    /// The last `total_items` seen.
    pub total: Option<u64>,
    pub requests: u64,
    /// More records exist than the offset ceiling lets the API reach.
    pub unreachable: bool,
    /// Only the first page was asked for and `total_items` says more exist.
    pub more: bool,
}

impl Plan {
    /// The requests that would follow a first page ending at `end`, when `total` records match:
    /// the same `(offset, limit)` pairs [`run`] will ask for if every page comes back full.
    pub fn pages_after(&self, end: u64, total: u64) -> Vec<(u64, u64)> {
        let stop = match self.want {
            Want::FirstPage => return Vec::new(),
            Want::All => total,
            Want::Limit(n) => total.min(self.offset.saturating_add(n)),
        };
        let mut jobs = Vec::new();
        let mut offset = end;
        while offset < stop && offset <= MAX_OFFSET {
            let limit = match self.want {
                Want::Limit(_) => self.page_size.min(stop - offset),
                _ => self.page_size,
            };
            jobs.push((offset, limit));
            offset += limit;
        }
        jobs
    }

    /// How many records the plan can fetch when `total` match: what is wanted of them, within the
    /// offset ceiling.
    pub fn reachable(&self, total: u64) -> u64 {
        let after_start = total.saturating_sub(self.offset);
        let wanted = match self.want {
            Want::FirstPage => after_start.min(self.page_size),
            Want::Limit(n) => after_start.min(n),
            Want::All => after_start,
        };
        wanted.min(MAX_OFFSET + MAX_PAGE - self.offset.min(MAX_OFFSET))
    }

    /// The `limit` of the next request, given how many unique records were written.
    pub fn next_limit(&self, written: u64) -> u64 {
        match self.want {
            Want::FirstPage | Want::All => self.page_size,
            Want::Limit(n) => self.page_size.min(n.saturating_sub(written)),
        }
    }
}

/// Runs the plan. `fetch(offset, limit)` makes one request; `sink` receives each page's new records.
pub fn run<T: Keyed + Hash>(
    plan: &Plan,
    mut fetch: impl FnMut(u64, u64) -> anyhow::Result<Page<T>>,
    mut sink: impl FnMut(Vec<T>) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    let mut received = 0u64;
    let mut seen = Seen::new();
    let mut last_page: Option<u64> = None;
    // Pages in a row that added nothing while no total was known.
    let mut barren = 0;
    loop {
        let offset = plan.offset.saturating_add(received);
        let limit = plan.next_limit(out.written);
        if let Some(total) = out.total {
            if out.requests > total.saturating_add(2) {
                return Err(no_progress(plan, offset, &out));
            }
        }
        out.requests += 1;
        // Say how far it got once something was fetched; a failing first request speaks for itself.
        let mut page = match fetch(offset, limit) {
            Ok(page) => page,
            Err(err) if out.requests > 1 => return Err(err.context(progress(plan, &out))),
            Err(err) => return Err(err),
        };
        // More than was asked for is not what the offsets count on (SPEC §3.2).
        page.items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        if let (None, Some(total)) = (out.total, page.total) {
            seen.reserve(plan.reachable(total));
        }
        out.total = page.total.or(out.total);
        let got = page.items.len() as u64;
        received = received.saturating_add(got);

        let identities: Vec<u128> = page.items.iter().map(|item| seen.identity(item)).collect();
        let fingerprint = seen.page(&identities);
        if got > 0 && last_page == Some(fingerprint) {
            return Err(no_progress(plan, offset, &out));
        }
        last_page = Some(fingerprint);
        let mut fresh: Vec<T> =
            page.items.into_iter().zip(identities).filter(|&(_, id)| seen.first(id)).map(|(item, _)| item).collect();
        if let Want::Limit(n) = plan.want {
            fresh.truncate(usize::try_from(n - out.written).unwrap_or(usize::MAX));
        }
        let added = fresh.len() as u64;
        out.written += added;
        if added > 0 {
            sink(fresh)?;
        }

        let end = plan.offset.saturating_add(received);
        let more_exist = match out.total {
            Some(total) => end < total,
            None => got > 0,
        };
        match plan.want {
            Want::FirstPage => {
                out.more = out.total.is_some_and(|total| end < total);
                return Ok(out);
            }
            Want::Limit(n) if out.written >= n => return Ok(out),
            _ => {}
        }
        if !more_exist {
            return Ok(out);
        }
        if added == 0 && out.total.is_some() {
            return Err(no_progress(plan, end, &out));
        }
        barren = if added == 0 { barren + 1 } else { 0 };
        if barren >= 2 {
            return Err(no_progress(plan, end, &out));
        }
        if end > MAX_OFFSET {
            out.unreachable = true;
            return Ok(out);
        }
    }
}

/// "fetched 20000 of 35000 funnels before the error".
fn progress(plan: &Plan, out: &Outcome) -> String {
    match out.total {
        Some(total) => format!("fetched {} of {total} {} before the error", out.written, plan.noun),
        None => format!("fetched {} {} before the error", out.written, plan.noun),
    }
}

fn no_progress(plan: &Plan, offset: u64, out: &Outcome) -> anyhow::Error {
    let total = out.total.map_or_else(String::new, |t| format!(" of {t}"));
    Failure::new(
        Exit::Network,
        format!(
            "pagination did not advance at offset {offset} after {} requests ({} {}{total} fetched); the server may ignore offset",
            out.requests, out.written, plan.noun
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::classify;

    /// A record whose key is its number; the prefetch tests use it too.
    #[derive(Debug, Clone, PartialEq, Hash)]
    pub(super) struct Rec(pub(super) u64);
    impl Keyed for Rec {
        type Key<'a> = u64;
        fn key(&self) -> Option<u64> {
            Some(self.0)
        }
    }

    /// A well-behaved server over `total` records; records the requests it got.
    fn server(total: u64, calls: &mut Vec<(u64, u64)>) -> impl FnMut(u64, u64) -> anyhow::Result<Page<Rec>> + '_ {
        move |offset, limit| {
            calls.push((offset, limit));
            let items = (offset..total.min(offset + limit)).map(Rec).collect();
            Ok(Page { items, total: Some(total) })
        }
    }

    fn plan(want: Want, page_size: u64) -> Plan {
        Plan { offset: 0, want, page_size, noun: "funnels" }
    }

    fn collect(
        plan: &Plan,
        fetch: impl FnMut(u64, u64) -> anyhow::Result<Page<Rec>>,
    ) -> (anyhow::Result<Outcome>, Vec<Rec>) {
        let mut got = Vec::new();
        let out = run(plan, fetch, |page| {
            got.extend(page);
            Ok(())
        });
        (out, got)
    }

    #[test]
    fn all_over_25000_takes_three_requests() {
        let mut calls = Vec::new();
        let (out, got) = collect(&plan(Want::All, 10_000), server(25_000, &mut calls));
        let out = out.unwrap();
        assert_eq!(calls, [(0, 10_000), (10_000, 10_000), (20_000, 10_000)]);
        assert_eq!((out.written, got.len(), out.unreachable), (25_000, 25_000, false));
    }

    #[test]
    fn limit_asks_for_what_is_still_wanted() {
        let mut calls = Vec::new();
        let (out, got) = collect(&plan(Want::Limit(25), 10), server(100, &mut calls));
        assert_eq!(calls, [(0, 10), (10, 10), (20, 5)]);
        assert_eq!((out.unwrap().written, got.len()), (25, 25));
    }

    #[test]
    fn first_page_only_and_notice_flag() {
        let mut calls = Vec::new();
        let (out, _) = collect(&plan(Want::FirstPage, 10), server(35, &mut calls));
        let out = out.unwrap();
        assert_eq!(calls, [(0, 10)]);
        assert!(out.more);
        assert_eq!(out.total, Some(35));
    }

    #[test]
    fn short_pages_continue_until_total() {
        let mut calls = Vec::new();
        let (out, got) = collect(&plan(Want::All, 10), |offset, limit| {
            calls.push((offset, limit));
            let items = (offset..23.min(offset + 4)).map(Rec).collect();
            Ok(Page { items, total: Some(23) })
        });
        assert_eq!(out.unwrap().written, 23);
        assert_eq!(got, (0..23).map(Rec).collect::<Vec<_>>());
        assert_eq!(calls.len(), 6);
    }

    #[test]
    fn without_total_an_empty_page_ends() {
        let (out, got) = collect(&plan(Want::All, 10), |offset, limit| {
            let items = (offset..15.min(offset + limit)).map(Rec).collect();
            Ok(Page { items, total: None })
        });
        let out = out.unwrap();
        assert_eq!((out.written, out.requests, got.len()), (15, 3, 15));
    }

    #[test]
    fn a_server_ignoring_offset_is_caught() {
        let (out, got) =
            collect(&plan(Want::All, 10), |_, _| Ok(Page { items: (0..10).map(Rec).collect(), total: Some(50) }));
        let err = out.unwrap_err();
        assert_eq!(classify(&err).exit, Exit::Network);
        assert!(err.to_string().contains("pagination did not advance"), "{err}");
        assert_eq!(got.len(), 10);
    }

    #[test]
    fn an_early_empty_page_is_caught() {
        let (out, _) = collect(&plan(Want::All, 10), |offset, _| {
            let items = if offset == 0 { (0..10).map(Rec).collect() } else { Vec::new() };
            Ok(Page { items, total: Some(50) })
        });
        assert_eq!(classify(&out.unwrap_err()).exit, Exit::Network);
    }

    #[test]
    fn duplicates_are_written_once() {
        // A record was added at the front after page 1: every later page repeats one record.
        let (out, got) = collect(&plan(Want::All, 10), |offset, _| {
            let start = if offset == 0 { 0 } else { offset - 1 };
            let items = (start..21.min(start + 10)).map(Rec).collect();
            Ok(Page { items, total: Some(21) })
        });
        let out = out.unwrap();
        assert_eq!(got, (0..21).map(Rec).collect::<Vec<_>>());
        assert_eq!((out.written, out.requests), (21, 3));
    }

    #[test]
    fn offset_ceiling_stops_with_what_is_reachable() {
        let mut calls = Vec::new();
        let (out, got) = collect(&plan(Want::All, 10_000), server(123_456, &mut calls));
        let out = out.unwrap();
        assert!(out.unreachable);
        assert_eq!(got.len(), 110_000);
        assert!(calls.iter().all(|&(offset, _)| offset <= MAX_OFFSET));
        assert_eq!(calls.last(), Some(&(100_000, 10_000)));
    }

    #[test]
    fn failure_says_how_far_it_got() {
        let (out, _) = collect(&plan(Want::All, 10), |offset, limit| {
            if offset >= 20 {
                anyhow::bail!("boom");
            }
            Ok(Page { items: (offset..offset + limit).map(Rec).collect(), total: Some(35) })
        });
        let text = format!("{:#}", out.unwrap_err());
        assert!(text.starts_with("fetched 20 of 35 funnels before the error: boom"), "{text}");
    }

    #[test]
    fn predicted_pages_match_what_run_asks_for() {
        assert_eq!(plan(Want::All, 10_000).pages_after(10_000, 25_000), [(10_000, 10_000), (20_000, 10_000)]);
        assert_eq!(plan(Want::Limit(25), 10).pages_after(10, 100), [(10, 10), (20, 5)]);
        assert!(plan(Want::FirstPage, 10).pages_after(10, 100).is_empty());
        let ceiling = plan(Want::All, 10_000).pages_after(10_000, 500_000);
        assert_eq!(ceiling.last(), Some(&(100_000, 10_000)));
    }

    #[test]
    fn reachable_counts_what_the_plan_can_fetch() {
        assert_eq!(plan(Want::All, 10_000).reachable(25_000), 25_000);
        assert_eq!(plan(Want::All, 10_000).reachable(123_456), 110_000);
        assert_eq!(plan(Want::Limit(25), 10).reachable(100), 25);
        assert_eq!(plan(Want::FirstPage, 10).reachable(100), 10);
        let late = Plan { offset: 95_000, want: Want::All, page_size: 10_000, noun: "funnels" };
        assert_eq!(late.reachable(200_000), 15_000);
    }

    /// A record whose key may be missing.
    #[derive(Debug, Clone, PartialEq, Hash)]
    struct Anon(Option<u64>, &'static str);
    impl Keyed for Anon {
        type Key<'a> = u64;
        fn key(&self) -> Option<u64> {
            self.0
        }
    }

    fn collect_anon(
        plan: &Plan,
        fetch: impl FnMut(u64, u64) -> anyhow::Result<Page<Anon>>,
    ) -> (anyhow::Result<Outcome>, Vec<Anon>, u64) {
        let mut got = Vec::new();
        let mut requests = 0;
        let mut fetch = fetch;
        let out = run(
            plan,
            |offset, limit| {
                requests += 1;
                fetch(offset, limit)
            },
            |page| {
                got.extend(page);
                Ok(())
            },
        );
        (out, got, requests)
    }

    fn assert_no_progress(out: anyhow::Result<Outcome>) {
        let err = out.unwrap_err();
        assert_eq!(classify(&err).exit, Exit::Network);
        assert!(err.to_string().contains("pagination did not advance"), "{err}");
    }

    #[test]
    fn keyless_records_from_a_server_ignoring_offset_are_written_once() {
        let page = || vec![Anon(None, "a"), Anon(None, "b")];
        for total in [Some(50), Some(4), None] {
            let (out, got, requests) = collect_anon(&plan(Want::All, 2), |_, _| Ok(Page { items: page(), total }));
            assert_no_progress(out);
            assert_eq!((got, requests), (page(), 2), "total {total:?}");
        }
    }

    #[test]
    fn an_identical_page_ends_the_run_even_when_the_total_says_it_is_the_last() {
        // Page 2 of 2 repeats page 1: stopping quietly would print half the funnels with exit 0.
        let (out, got) =
            collect(&plan(Want::All, 10), |_, _| Ok(Page { items: (0..10).map(Rec).collect(), total: Some(20) }));
        assert_no_progress(out);
        assert_eq!(got.len(), 10);
    }

    #[test]
    fn two_barren_pages_without_a_total_end_the_run() {
        // Each later page reshuffles what came before: never identical, never new.
        let (out, got, requests) = collect_anon(&plan(Want::All, 3), |offset, _| {
            let mut items = vec![Anon(Some(1), "x"), Anon(None, "y"), Anon(Some(2), "z")];
            items.rotate_left(usize::try_from(offset / 3 % 3).unwrap());
            Ok(Page { items, total: None })
        });
        assert_no_progress(out);
        assert_eq!((got.len(), requests), (3, 3));
    }

    #[test]
    fn a_page_longer_than_its_limit_is_cut_to_it() {
        let mut calls = Vec::new();
        let (out, got) = collect(&plan(Want::All, 10), |offset, limit| {
            calls.push((offset, limit));
            Ok(Page { items: (offset..50.min(offset + 2 * limit)).map(Rec).collect(), total: Some(50) })
        });
        assert_eq!(out.unwrap().written, 50);
        assert_eq!(got, (0..50).map(Rec).collect::<Vec<_>>());
        assert_eq!(calls, [(0, 10), (10, 10), (20, 10), (30, 10), (40, 10)]);
        let (out, got) = collect(&plan(Want::FirstPage, 5), |_, _| {
            Ok(Page { items: (0..500).map(Rec).collect(), total: Some(500) })
        });
        assert_eq!((out.unwrap().written, got.len()), (5, 5));
    }

    #[test]
    fn a_total_near_u64_max_never_wraps_the_guards() {
        let (out, got) = collect(&plan(Want::All, 10_000), |offset, limit| {
            Ok(Page { items: (offset..offset + limit).map(Rec).collect(), total: Some(u64::MAX - 1) })
        });
        let out = out.unwrap();
        assert!(out.unreachable);
        assert_eq!(got.len(), 110_000);
        let late = Plan { offset: 5, want: Want::Limit(u64::MAX), page_size: 10, noun: "funnels" };
        assert_eq!(late.pages_after(15, 40), [(15, 10), (25, 10), (35, 5)]);
    }
}
