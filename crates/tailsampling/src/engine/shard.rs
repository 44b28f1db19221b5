//! One shard of the group map: the groups whose key falls here, their timing wheel and the
//! decision cache, all under one lock so ingest scales across threads by key.

use std::collections::HashMap;

use super::decision_cache::DecisionCache;
use super::group::Group;
use super::wheel::Wheel;
use crate::wire::KeyHasher;

/// The wheel is compacted once its entries outnumber twice the buffered groups by this many.
const COMPACT_AFTER: usize = 1024;

#[derive(Debug)]
pub(crate) struct Shard {
    pub(crate) groups: HashMap<u64, Group, KeyHasher>,
    pub(crate) wheel: Wheel,
    pub(crate) decided: DecisionCache,
}

impl Shard {
    pub(crate) fn new(now_sec: u64, decision_cache_size: usize) -> Self {
        Self {
            groups: HashMap::default(),
            wheel: Wheel::new(now_sec),
            decided: DecisionCache::new(decision_cache_size),
        }
    }

    /// Makes buffered group `key` follow a wheel entry at `deadline`. Entries it no longer
    /// follows (and those of groups decided before their deadline) stay in the wheel until
    /// they fire; once they outnumber the buffered groups, they are compacted away, so a flood
    /// of groups decided early cannot pile them up.
    pub(crate) fn schedule(&mut self, key: u64, deadline: u64) {
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

    /// Advances the wheel to `now_sec` and removes the groups whose sliding TTL elapsed,
    /// re-scheduling those touched since their entry was made. O(seconds elapsed + due).
    pub(crate) fn take_expired(&mut self, now_sec: u64, out: &mut Vec<(u64, Group)>) {
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
            } else if let Some(g) = self.groups.remove(&key) {
                out.push((key, g));
            }
        }
    }
}
