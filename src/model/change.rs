//! A change record of `funnels diff` (SPEC §4): its kinds, its fields, its cells and its order —
//! everything that knows a change record's field names, in one home like the funnel's.
//!
//! It lives in the model rather than beside the comparison so that the writers (`output::changes`)
//! can print it without importing the command that makes it. A record borrows its ext_ids and
//! values from the snapshots compared, so 110 000 funnels' worth of changes cost no copies.

use std::cmp::Ordering;

use super::funnel::UserFunnel;
use super::record::{Cell, Record, unknown_field};

/// The eight kinds of change, in the order SPEC §4 lists them (which is also their sort order for
/// one funnel or stage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    FunnelAdded,
    FunnelRemoved,
    FunnelRenamed,
    StageAdded,
    StageRemoved,
    StageRenamed,
    /// The stage's `stage_order` changed.
    StageMoved,
    StageStatusChanged,
}

impl ChangeKind {
    /// Every kind, in SPEC order.
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::FunnelAdded,
        ChangeKind::FunnelRemoved,
        ChangeKind::FunnelRenamed,
        ChangeKind::StageAdded,
        ChangeKind::StageRemoved,
        ChangeKind::StageRenamed,
        ChangeKind::StageMoved,
        ChangeKind::StageStatusChanged,
    ];

    /// The name in the `change` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::FunnelAdded => "funnel_added",
            ChangeKind::FunnelRemoved => "funnel_removed",
            ChangeKind::FunnelRenamed => "funnel_renamed",
            ChangeKind::StageAdded => "stage_added",
            ChangeKind::StageRemoved => "stage_removed",
            ChangeKind::StageRenamed => "stage_renamed",
            ChangeKind::StageMoved => "stage_moved",
            ChangeKind::StageStatusChanged => "stage_status_changed",
        }
    }

    /// Something appeared (shown in green on a terminal).
    pub fn is_addition(self) -> bool {
        matches!(self, ChangeKind::FunnelAdded | ChangeKind::StageAdded)
    }

    /// Something went away (shown in red on a terminal).
    pub fn is_removal(self) -> bool {
        matches!(self, ChangeKind::FunnelRemoved | ChangeKind::StageRemoved)
    }
}

/// One difference between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change<'a> {
    pub kind: ChangeKind,
    /// The client user, in snapshots of `list --all-users`.
    pub user_id: Option<i64>,
    pub ext_id: &'a str,
    /// `None` for a change of the funnel itself.
    pub stage_ext_id: Option<&'a str>,
    /// The value before: a name or status as text, a `stage_order` as a number; for an added
    /// funnel or stage, null.
    pub old: Cell<'a>,
    /// The value after; for a removed funnel or stage, null.
    pub new: Cell<'a>,
}

impl Change<'_> {
    pub const CHANGE: &'static str = "change";
    pub const EXT_ID: &'static str = "ext_id";
    pub const STAGE_EXT_ID: &'static str = "stage_ext_id";
    pub const OLD: &'static str = "old";
    pub const NEW: &'static str = "new";

    /// The fields of a change record in output order; `user_id` only for snapshots of every user.
    pub fn fields(per_user: bool) -> Vec<&'static str> {
        let mut fields = vec![Self::CHANGE];
        if per_user {
            fields.push(UserFunnel::USER_ID);
        }
        fields.extend([Self::EXT_ID, Self::STAGE_EXT_ID, Self::OLD, Self::NEW]);
        fields
    }

    /// SPEC §4's order: `user_id` ascending, then `ext_id`, then `stage_ext_id` (byte order; a
    /// funnel's own changes, which have none, first), then the kind in the order listed.
    pub fn order(&self, other: &Self) -> Ordering {
        self.user_id
            .cmp(&other.user_id)
            .then_with(|| self.ext_id.as_bytes().cmp(other.ext_id.as_bytes()))
            .then_with(|| self.stage_ext_id.map(str::as_bytes).cmp(&other.stage_ext_id.map(str::as_bytes)))
            .then_with(|| self.kind.cmp(&other.kind))
    }
}

impl Record for Change<'_> {
    fn cell(&self, field: &str) -> Cell<'_> {
        match field {
            Self::CHANGE => Cell::Text(self.kind.as_str()),
            UserFunnel::USER_ID => Cell::int(self.user_id),
            Self::EXT_ID => Cell::Text(self.ext_id),
            Self::STAGE_EXT_ID => Cell::text(self.stage_ext_id),
            Self::OLD => self.old,
            Self::NEW => self.new,
            _ => unknown_field(field),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        kind: ChangeKind,
        user_id: Option<i64>,
        ext_id: &'static str,
        stage: Option<&'static str>,
    ) -> Change<'static> {
        Change { kind, user_id, ext_id, stage_ext_id: stage, old: Cell::Null, new: Cell::Null }
    }

    #[test]
    fn changes_sort_by_user_then_ext_id_bytes_then_stage_then_kind() {
        let mut changes = [
            change(ChangeKind::StageMoved, Some(2), "1", Some("a")),
            change(ChangeKind::StageRenamed, Some(2), "1", Some("a")),
            change(ChangeKind::FunnelRenamed, Some(2), "1", None),
            change(ChangeKind::FunnelAdded, Some(2), "10", None),
            change(ChangeKind::FunnelRemoved, Some(2), "9", None),
            change(ChangeKind::StageAdded, Some(1), "9", Some("b")),
        ];
        changes.sort_by(Change::order);
        let seen: Vec<(Option<i64>, &str, Option<&str>, &str)> =
            changes.iter().map(|c| (c.user_id, c.ext_id, c.stage_ext_id, c.kind.as_str())).collect();
        assert_eq!(
            seen,
            [
                (Some(1), "9", Some("b"), "stage_added"),
                (Some(2), "1", None, "funnel_renamed"),
                (Some(2), "1", Some("a"), "stage_renamed"),
                (Some(2), "1", Some("a"), "stage_moved"),
                (Some(2), "10", None, "funnel_added"),
                (Some(2), "9", None, "funnel_removed"),
            ]
        );
    }

    #[test]
    fn every_field_of_a_change_has_its_cell_and_user_id_comes_second() {
        let c =
            Change { old: Cell::Int(2), new: Cell::Int(3), ..change(ChangeKind::StageMoved, Some(7), "1", Some("s")) };
        assert_eq!(Change::fields(true), ["change", "user_id", "ext_id", "stage_ext_id", "old", "new"]);
        assert_eq!(Change::fields(false), ["change", "ext_id", "stage_ext_id", "old", "new"]);
        let cells: Vec<Cell<'_>> = Change::fields(true).iter().map(|f| c.cell(f)).collect();
        assert_eq!(
            cells,
            [Cell::Text("stage_moved"), Cell::Int(7), Cell::Text("1"), Cell::Text("s"), Cell::Int(2), Cell::Int(3)]
        );
        let names: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), 8);
        assert!(ChangeKind::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
