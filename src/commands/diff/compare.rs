//! The comparison of two snapshots: funnels matched by (`user_id`,) `ext_id`, stages by
//! `stage_ext_id`, one [`Change`] per difference, in SPEC §4's order.
//!
//! Each side is indexed by a hash map keyed by its borrowed keys (built for both sides at once, on
//! two threads, by the caller); a funnel equal on both sides costs one comparison of its fields and
//! stage lists, so only funnels that did change have their stages sorted and walked. A key listed
//! twice on one side cannot be matched; it is reported as a [`Duplicate`], which the caller turns
//! into a malformed file or a malformed server answer.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use super::snapshot::{SnapFunnel, SnapStage};
use crate::model::{Cell, Change, ChangeKind, StageStatus};

/// A funnel's identity: its user (with `--all-users`) and its ext_id.
pub type Key<'s> = (Option<i64>, &'s str);

/// Where each funnel of one side is, by key.
pub type Index<'s> = HashMap<Key<'s>, usize, BuildHasherDefault<KeyHasher>>;

/// The hash of the index: the keys are the user's own files, so the DoS resistance of std's SipHash
/// buys nothing, while hashing 220 000 keys with it costs a tenth of a big diff. This is the
/// multiply-rotate hash of rustc's `FxHasher`, eight bytes at a time, with a final mix.
#[derive(Default)]
pub struct KeyHasher(u64);

impl KeyHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(tail));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// Mixed once more at the end: the map picks buckets by the low bits, which a multiply alone
    /// leaves poor (keys like "17" and "18" would then crowd a few buckets and be compared byte by
    /// byte on every probe).
    fn finish(&self) -> u64 {
        let h = self.0 ^ (self.0 >> 31);
        let h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 29)
    }
}

/// The side a duplicate was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Old,
    New,
}

/// A funnel, or a stage of a funnel, listed twice on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub side: Side,
    /// The funnel (the second one listed, for a funnel listed twice).
    pub funnel: usize,
    /// For a stage listed twice in one funnel, its ext_id.
    pub stage: Option<String>,
}

fn key<'s>(funnel: &'s SnapFunnel<'_>) -> Key<'s> {
    (funnel.user_id, funnel.ext_id)
}

/// Indexes one side's funnels by key.
pub fn index<'s>(funnels: &'s [SnapFunnel<'_>], side: Side) -> Result<Index<'s>, Duplicate> {
    let mut index = Index::with_capacity_and_hasher(funnels.len(), BuildHasherDefault::default());
    for (at, funnel) in funnels.iter().enumerate() {
        match index.entry(key(funnel)) {
            Entry::Vacant(slot) => {
                slot.insert(at);
            }
            Entry::Occupied(_) => return Err(Duplicate { side, funnel: at, stage: None }),
        }
    }
    Ok(index)
}

/// Every change from `old` to `new`, sorted.
pub fn changes<'s>(
    old: &'s [SnapFunnel<'_>],
    old_index: &Index<'s>,
    new: &'s [SnapFunnel<'_>],
    new_index: &Index<'s>,
) -> Result<Vec<Change<'s>>, Duplicate> {
    let mut out = Vec::new();
    for (at, funnel) in new.iter().enumerate() {
        match old_index.get(&key(funnel)) {
            None => out.push(funnel_change(ChangeKind::FunnelAdded, funnel, Cell::Null, name(funnel))),
            Some(&was) => funnel_changes(&old[was], was, funnel, at, &mut out)?,
        }
    }
    for funnel in old.iter().filter(|f| !new_index.contains_key(&key(f))) {
        out.push(funnel_change(ChangeKind::FunnelRemoved, funnel, name(funnel), Cell::Null));
    }
    out.sort_by(Change::order);
    Ok(out)
}

fn name<'s>(funnel: &'s SnapFunnel<'_>) -> Cell<'s> {
    Cell::text(funnel.name)
}

fn funnel_change<'s>(kind: ChangeKind, funnel: &'s SnapFunnel<'_>, old: Cell<'s>, new: Cell<'s>) -> Change<'s> {
    Change { kind, user_id: funnel.user_id, ext_id: funnel.ext_id, stage_ext_id: None, old, new }
}

/// The changes of one funnel found on both sides (`old` is funnel `old_at` of its side, `new`
/// funnel `new_at` of its).
fn funnel_changes<'s>(
    old: &'s SnapFunnel<'_>,
    old_at: usize,
    new: &'s SnapFunnel<'_>,
    new_at: usize,
    out: &mut Vec<Change<'s>>,
) -> Result<(), Duplicate> {
    if old.name != new.name {
        out.push(funnel_change(ChangeKind::FunnelRenamed, new, name(old), name(new)));
    }
    // `null` and `[]` both mean no stages.
    let (before, after) = (old.stages.as_deref().unwrap_or_default(), new.stages.as_deref().unwrap_or_default());
    if before == after {
        return Ok(());
    }
    let before = by_id(before).map_err(|stage| Duplicate { side: Side::Old, funnel: old_at, stage: Some(stage) })?;
    let after = by_id(after).map_err(|stage| Duplicate { side: Side::New, funnel: new_at, stage: Some(stage) })?;
    // The user is part of the key: the same on both sides.
    let stage_change = |kind, stage: &'s SnapStage<'_>, was, now| Change {
        kind,
        user_id: new.user_id,
        ext_id: new.ext_id,
        stage_ext_id: Some(stage.stage_ext_id),
        old: was,
        new: now,
    };
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        let order = match (before.get(i), after.get(j)) {
            (Some(a), Some(b)) => a.stage_ext_id.as_bytes().cmp(b.stage_ext_id.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                let a = before[i];
                out.push(stage_change(ChangeKind::StageRemoved, a, Cell::text(a.stage_name), Cell::Null));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let b = after[j];
                out.push(stage_change(ChangeKind::StageAdded, b, Cell::Null, Cell::text(b.stage_name)));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (a, b) = (before[i], after[j]);
                if a.stage_name != b.stage_name {
                    let (was, now) = (Cell::text(a.stage_name), Cell::text(b.stage_name));
                    out.push(stage_change(ChangeKind::StageRenamed, b, was, now));
                }
                if a.stage_order != b.stage_order {
                    out.push(stage_change(
                        ChangeKind::StageMoved,
                        b,
                        Cell::int(a.stage_order),
                        Cell::int(b.stage_order),
                    ));
                }
                if a.stage_status != b.stage_status {
                    let status = |s: Option<StageStatus>| Cell::text(s.map(StageStatus::as_str));
                    let (was, now) = (status(a.stage_status), status(b.stage_status));
                    out.push(stage_change(ChangeKind::StageStatusChanged, b, was, now));
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

/// The stages sorted by `stage_ext_id` (byte order), or the ext_id of one listed twice.
fn by_id<'s, 'a>(stages: &'s [SnapStage<'a>]) -> Result<Vec<&'s SnapStage<'a>>, String> {
    let mut sorted: Vec<&SnapStage<'a>> = stages.iter().collect();
    sorted.sort_unstable_by(|a, b| a.stage_ext_id.as_bytes().cmp(b.stage_ext_id.as_bytes()));
    match sorted.windows(2).find(|w| w[0].stage_ext_id == w[1].stage_ext_id) {
        Some(pair) => Err(pair[0].stage_ext_id.to_string()),
        None => Ok(sorted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(id: &'static str, name: &'static str, order: i64) -> SnapStage<'static> {
        SnapStage {
            stage_ext_id: id,
            stage_name: Some(name),
            stage_status: Some(StageStatus::InProcess),
            stage_order: Some(order),
        }
    }

    fn funnel(user_id: Option<i64>, ext_id: &'static str, stages: Vec<SnapStage<'static>>) -> SnapFunnel<'static> {
        SnapFunnel { user_id, ext_id, name: Some("F"), stages: Some(stages.into_boxed_slice()), at: 0 }
    }

    fn diff(old: &[SnapFunnel<'static>], new: &[SnapFunnel<'static>]) -> Result<Vec<String>, Duplicate> {
        let (a, b) = (index(old, Side::Old)?, index(new, Side::New)?);
        Ok(changes(old, &a, new, &b)?
            .iter()
            .map(|c| format!("{} {} {:?} {:?}→{:?}", c.kind.as_str(), c.ext_id, c.stage_ext_id, c.old, c.new))
            .collect())
    }

    #[test]
    fn stages_are_matched_by_id_whatever_their_place_in_the_list() {
        let old = [funnel(None, "1", vec![stage("x", "A", 1), stage("y", "B", 2)])];
        let new = [funnel(None, "1", vec![stage("y", "B", 1), stage("x", "A2", 2), stage("z", "C", 3)])];
        assert_eq!(
            diff(&old, &new).unwrap(),
            [
                "stage_renamed 1 Some(\"x\") Text(\"A\")→Text(\"A2\")",
                "stage_moved 1 Some(\"x\") Int(1)→Int(2)",
                "stage_moved 1 Some(\"y\") Int(2)→Int(1)",
                "stage_added 1 Some(\"z\") Null→Text(\"C\")",
            ]
        );
    }

    #[test]
    fn a_key_listed_twice_is_a_duplicate_of_its_side() {
        let twice = [funnel(Some(1), "1", vec![]), funnel(Some(2), "1", vec![]), funnel(Some(1), "1", vec![])];
        assert_eq!(index(&twice, Side::New).unwrap_err(), Duplicate { side: Side::New, funnel: 2, stage: None });
        let old = [funnel(None, "1", vec![stage("s", "A", 1), stage("s", "B", 2)])];
        let new = [funnel(None, "1", vec![stage("s", "A", 1)])];
        assert_eq!(
            diff(&old, &new).unwrap_err(),
            Duplicate { side: Side::Old, funnel: 0, stage: Some("s".to_owned()) }
        );
    }

    #[test]
    fn the_key_hasher_tells_keys_apart_by_every_byte_and_the_user() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let hash = |key: Key<'_>| BuildHasherDefault::<KeyHasher>::default().hash_one(key);
        assert_ne!(hash((None, "12345678a")), hash((None, "12345678b")));
        assert_ne!(hash((Some(1), "1")), hash((Some(2), "1")));
        assert_ne!(hash((None, "1")), hash((Some(0), "1")));
    }
}
