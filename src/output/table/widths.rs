//! `widths`: the column widths comfy-table's dynamic arrangement gives a table fitted to a terminal,
//! worked out without the table.
//!
//! The table writer renders its rows in batches, each pinned to the widths one table of every row
//! would have had, so that the bytes are those of one-shot rendering. Off a terminal those widths
//! are simply each column's widest line. On a terminal comfy-table (`ContentArrangement::Dynamic`,
//! arrangement/dynamic.rs of comfy-table 8) shares the width out: columns narrower than the average
//! space are fixed first; then, in `optimize_space_after_split`, a wider column is split at the
//! average space as a trial and fixed to its longest resulting line when that saves at least three
//! columns — a trial that reads every line of the column, not only the widest; whatever is left is
//! shared out evenly. [`fitted`] is that algorithm step for step, for the case funnels uses (no
//! column constraints, padding 1 + 1, borders left, right and between columns). Only the trial split
//! needs the lines themselves: the caller answers it (by letting comfy-table arrange a one-column
//! proxy table of them), so word splitting is comfy-table's own and never re-implemented here.

/// Columns of padding comfy-table puts around each cell's content (1 + 1 by default).
const PADDING: usize = 2;

/// How much of the average space a trial split must leave unused for comfy-table to fix the
/// column to its longest split line (`remaining_space >= 3` in `optimize_space_after_split`).
pub(super) const SPARE: usize = 3;

/// The content width of every column (padding excluded) comfy-table's dynamic arrangement gives a
/// table `table_width` wide whose columns' widest lines are `widest` (header included, each at
/// least 1 as comfy-table counts them).
///
/// `split_longest(column, average)` answers the trial split: the width of the column's longest
/// line once every line wider than `average` is split at `average` (its header included), when that
/// is at most `average - SPARE`; else `None`.
pub(super) fn fitted(
    table_width: u16,
    widest: &[u16],
    mut split_longest: impl FnMut(usize, usize) -> Option<usize>,
) -> Vec<u16> {
    let mut state = State::new(table_width, widest.len());

    // Columns that fit into the average space as they are, until none is left or no more fits.
    let mut found = true;
    while found && state.left > 0 && state.average() > 0 {
        found = false;
        for (column, &width) in widest.iter().enumerate() {
            if state.fixed[column].is_none() && usize::from(width) <= state.average() {
                state.fix(column, width);
                if state.left == 0 {
                    break;
                }
                found = true;
            }
        }
    }

    // Columns that need splitting, fixed to their longest line after a trial split where that
    // saves enough; each fix can raise the average, so repeat until nothing changes.
    let mut found = state.left > 0;
    while found {
        found = false;
        for column in 0..widest.len() {
            if state.fixed[column].is_some() {
                continue;
            }
            if let Some(longest) = split_longest(column, state.average()) {
                state.fix(column, u16::try_from(longest).unwrap_or(u16::MAX));
                if state.left == 0 {
                    break;
                }
                found = true;
            }
        }
    }

    // The rest share what is left evenly (at least one column each), the first ones getting the
    // remainder.
    if state.left > 0 {
        let remaining = state.remaining.max(state.left);
        let (each, excess) = (remaining / state.left, remaining % state.left);
        let mut index = 0;
        for width in &mut state.fixed {
            if width.is_none() {
                let share = if index < excess { each + 1 } else { each };
                *width = Some(u16::try_from(share).unwrap_or(u16::MAX).max(1));
                index += 1;
            }
        }
    }
    state.fixed.into_iter().map(|width| width.unwrap_or(1)).collect()
}

/// The arrangement's budget: what is left of the table's width and how many columns share it.
struct State {
    fixed: Vec<Option<u16>>,
    remaining: usize,
    left: usize,
}

impl State {
    /// The table's width less the borders (left, right, one between each two columns) and every
    /// column's padding, each taken away without going below zero, as comfy-table does.
    fn new(table_width: u16, columns: usize) -> Self {
        let borders = 2 + columns.saturating_sub(1);
        let mut remaining = usize::from(table_width).saturating_sub(borders);
        for _ in 0..columns {
            remaining = remaining.saturating_sub(PADDING);
        }
        State { fixed: vec![None; columns], remaining, left: columns }
    }

    fn average(&self) -> usize {
        self.remaining.checked_div(self.left).unwrap_or(0)
    }

    /// A column's width is settled: comfy-table shows at least one column of content, but takes
    /// only `width` from the budget.
    fn fix(&mut self, column: usize, width: u16) {
        self.fixed[column] = Some(width.max(1));
        self.remaining = self.remaining.saturating_sub(usize::from(width));
        self.left -= 1;
    }
}
