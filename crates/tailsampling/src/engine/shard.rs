//! One shard of the group map: the groups whose key falls here, their timing wheel, the
//! decision cache and the markers of groups being decided, all under one lock so ingest scales
//! across threads by key. The lock is held to put a packet where it goes and to take groups
//! out for a decision, never while deciding (see the engine's module documentation).

use std::collections::HashMap;

use super::decision_cache::DecisionCache;
use super::group::{Group, Late};
use super::wheel::Wheel;
use crate::wire::{KeyHasher, PacketRef};

/// The wheel is compacted once its entries outnumber twice the buffered groups by this many.
const COMPACT_AFTER: usize = 1024;

/// Where a packet arriving for a group goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Into its group, buffered (opening it if needed).
    Open,
    /// Its group is being decided: it waits on the decision ([`Shard::wait`]).
    Deciding,
    /// Its group was decided recently (kept or not): it follows that decision.
    Decided(bool),
}

/// What [`Shard::place`] did.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placed {
    /// The packet opened its group.
    pub(crate) new_group: bool,
    /// The group is over `max_group_bytes`: decide it now.
    pub(crate) too_big: bool,
}

#[derive(Debug)]
pub(crate) struct Shard {
    pub(crate) groups: HashMap<u64, Group, KeyHasher>,
    pub(crate) wheel: Wheel,
    decided: DecisionCache,
    /// Groups taken out to be decided, with the packets of each that arrived meanwhile; only
    /// while decisions are remembered.
    deciding: HashMap<u64, Vec<Late>, KeyHasher>,
    /// Whether late packets follow remembered decisions (`late_data: "remember"` with a
    /// decision cache); otherwise a late packet opens a new group.
    remember: bool,
}

impl Shard {
    pub(crate) fn new(now_sec: u64, decision_cache_size: usize, remember: bool) -> Self {
        Self {
            groups: HashMap::default(),
            wheel: Wheel::new(now_sec),
            decided: DecisionCache::new(decision_cache_size),
            deciding: HashMap::default(),
            remember,
        }
    }

    /// Where a packet of group `key` arriving at `now_sec` goes.
    pub(crate) fn arrival(&self, key: u64, now_sec: u64) -> Arrival {
        if !self.remember {
            return Arrival::Open;
        }
        if !self.deciding.is_empty() && self.deciding.contains_key(&key) {
            return Arrival::Deciding;
        }
        match self.decided.get(key, now_sec) {
            Some(kept) => Arrival::Decided(kept),
            None => Arrival::Open,
        }
    }

    /// Has `late`, a packet of group `key` (being decided), wait on its decision.
    pub(crate) fn wait(&mut self, key: u64, late: Late) {
        self.deciding.entry(key).or_default().push(late);
    }

    /// Puts packet `p` (holding `cost` bytes of the budget) into group `key`, opening the group
    /// with `open` if there is none, and slides the group's TTL to end at `deadline`. Whether
    /// it opened the group, and whether the group is now over `max_group_bytes`.
    pub(crate) fn place(
        &mut self,
        key: u64,
        p: &PacketRef<'_>,
        cost: usize,
        deadline: u64,
        max_group_bytes: usize,
        open: impl FnOnce() -> Group,
    ) -> Placed {
        let group = self.groups.entry(key).or_insert_with(open);
        let new_group = group.packets == 0;
        group.add(p, cost, deadline);
        let too_big = group.too_big(max_group_bytes);
        // A new group gets its wheel entry; an open one gets an earlier entry when a shorter
        // TTL (a new config version) brings its deadline before the one it follows, as the
        // reference re-slots a group on every packet (docs/protocol.md, "Grouping and time").
        if new_group || deadline < group.scheduled {
            self.schedule(key, deadline);
        }
        Placed { new_group, too_big }
    }

    /// Makes buffered group `key` follow a wheel entry at `deadline`. Entries it no longer
    /// follows (and those of groups decided before their deadline) stay in the wheel until
    /// they fire; once they outnumber the buffered groups, they are compacted away, so a flood
    /// of groups decided early cannot pile them up.
    fn schedule(&mut self, key: u64, deadline: u64) {
        if self.wheel.len() > 2 * self.groups.len() + COMPACT_AFTER {
            let groups = &self.groups;
            self.wheel
                .compact(|k, d| groups.get(&k).is_some_and(|g| g.scheduled == d));
        }
        let scheduled = self.wheel.insert(key, deadline);
        if let Some(g) = self.groups.get_mut(&key) {
            g.scheduled = scheduled;
        }
    }

    /// Takes group `key` out to be decided; while decisions are remembered, a marker stays
    /// until [`settle`](Self::settle), so that the group's packets arriving meanwhile wait on
    /// the decision.
    pub(crate) fn take(&mut self, key: u64) -> Option<Group> {
        let g = self.groups.remove(&key)?;
        self.mark(key);
        Some(g)
    }

    fn mark(&mut self, key: u64) {
        if self.remember {
            self.deciding.entry(key).or_default();
        }
    }

    /// Takes every buffered group out to be decided (see [`take`](Self::take)).
    pub(crate) fn take_all(&mut self, out: &mut Vec<(u64, Group)>) {
        out.extend(self.groups.drain());
        for (key, _) in out.iter() {
            self.mark(*key);
        }
    }

    /// Forgets the decisions expired at `now_sec`, advances the wheel to it and takes out the
    /// groups whose sliding TTL elapsed (see [`take`](Self::take)), re-scheduling those
    /// touched since their entry was made. O(seconds elapsed + due).
    pub(crate) fn take_due(&mut self, now_sec: u64, out: &mut Vec<(u64, Group)>) {
        self.decided.expire(now_sec);
        let mut due = Vec::new();
        self.wheel.advance(now_sec, &mut due);
        for (key, fired) in due {
            let Some(g) = self.groups.get_mut(&key) else {
                continue; // decided earlier (early decision, size cap, flush)
            };
            if g.scheduled != fired {
                continue; // an entry the group no longer follows
            }
            if g.deadline > now_sec {
                g.scheduled = self.wheel.insert(key, g.deadline);
            } else if let Some(g) = self.take(key) {
                out.push((key, g));
            }
        }
    }

    /// Records the decisions of groups taken out (`(key, kept)`, remembered until `expires`,
    /// unix seconds) and removes their markers, appending to `out` each packet that waited on
    /// one with its group's decision. Only while decisions are remembered.
    pub(crate) fn settle(
        &mut self,
        decided: &[(u64, bool)],
        expires: u64,
        out: &mut Vec<(Late, bool)>,
    ) {
        for &(key, kept) in decided {
            self.decided.insert(key, kept, expires);
            if let Some(waiting) = self.deciding.remove(&key) {
                out.extend(waiting.into_iter().map(|late| (late, kept)));
            }
        }
        if self.deciding.is_empty() {
            // A flush marks every group of the shard at once; keep none of that room.
            self.deciding.shrink_to_fit();
        }
    }
}
