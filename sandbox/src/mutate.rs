//! `--mutate N`: the main data set as it stands on a later day, so that `funnels diff` has real
//! changes to find between two sandbox runs (`--mutate 0`, the default, is the data as always).
//!
//! Every change kind of `funnels diff` shows up, each exactly once, and the same N always gives
//! the same data. With funnels `1..=n` and `r = 1 + (N - 1) % n`:
//! - funnel `r` is renamed (` (vN)` appended to its name);
//! - the first funnel from `r` on (wrapping around) with at least 5 in-process stages — call it
//!   `s` — gets its stage edits: in-process stage 1 renamed (` (vN)`), stages 2 and 3 swap their
//!   `stage_order`s (two moves), stage 4 switched to `failed`, its last in-process stage removed,
//!   and a new in-process stage added (`stage_ext_id` `100*s + 99`, "Follow-up", order 50);
//! - the next funnel after `r` that is neither `r` nor `s` is removed;
//! - a funnel `n + N` is added, built like any other funnel `i`.
//!
//! So `--mutate 1` against the default 3 funnels renames funnel 1 and edits its stages, removes
//! funnel 2 and adds funnel 4; another N picks other funnels, so two mutated runs differ as well.

/// Which funnels a mutation touches.
pub(crate) struct Mutation {
    pub(crate) round: u32,
    pub(crate) renamed: usize,
    /// `None` when no funnel has 5 in-process stages.
    pub(crate) staged: Option<usize>,
    pub(crate) removed: Option<usize>,
    pub(crate) added: usize,
}

/// One stage as the data builder writes it.
pub(crate) struct StageRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: &'static str,
    pub(crate) order: usize,
}

impl Mutation {
    /// Mutation `round` (≥ 1) of `n` funnels (n ≥ 1), whose in-process stage counts
    /// `in_process(i)` tells.
    pub(crate) fn new(round: u32, n: usize, in_process: impl Fn(usize) -> usize) -> Mutation {
        let renamed = 1 + (round as usize - 1) % n;
        // Funnels from `renamed` on, wrapping around.
        let from = |start: usize| (0..n).map(move |k| 1 + (start - 1 + k) % n);
        let staged = from(renamed).find(|&i| in_process(i) >= 5);
        let removed = from(renamed).skip(1).find(|&i| i != renamed && Some(i) != staged);
        Mutation { round, renamed, staged, removed, added: n + round as usize }
    }

    /// A renamed funnel's or stage's name.
    pub(crate) fn rename(&self, name: &str) -> String {
        format!("{name} (v{})", self.round)
    }

    /// The stage edits of funnel `funnel` (`staged`): `rows` are its stages in order, in-process
    /// first (at least 5 of them).
    pub(crate) fn edit_stages(&self, funnel: usize, russian: bool, rows: &mut Vec<StageRow>) {
        let last = rows.iter().rposition(|s| s.status == "in_process").unwrap_or(0);
        rows[0].name = self.rename(&rows[0].name);
        let (two, three) = (rows[1].order, rows[2].order);
        rows[1].order = three;
        rows[2].order = two;
        rows[3].status = "failed";
        rows.remove(last);
        let name = if russian { "Повторный контакт" } else { "Follow-up" };
        rows.insert(
            last,
            StageRow { id: (100 * funnel + 99).to_string(), name: name.to_owned(), status: "in_process", order: 50 },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutation_picks_distinct_funnels_and_wraps_around() {
        let counts = [6, 1, 4];
        let m = Mutation::new(1, 3, |i| counts[i - 1]);
        assert_eq!((m.renamed, m.staged, m.removed, m.added), (1, Some(1), Some(2), 4));
        let m = Mutation::new(2, 3, |i| counts[i - 1]);
        assert_eq!((m.renamed, m.staged, m.removed, m.added), (2, Some(1), Some(3), 5));
        let m = Mutation::new(1, 1, |_| 1);
        assert_eq!((m.renamed, m.staged, m.removed, m.added), (1, None, None, 2));
    }
}
