//! The timing wheel that expires groups: 3600 one-second slots, so a poll costs O(seconds
//! elapsed + groups due), never O(all groups). TTLs slide: a group keeps one live wheel entry;
//! when the entry fires and the group was touched since, it is re-inserted at its new
//! deadline, and a packet that brings the deadline *earlier* (a new config with a shorter
//! TTL) adds an earlier entry, which the group then follows. Entries a group no longer
//! follows, and those of groups decided before their deadline (early, at the size cap, by
//! flush), stay behind until they fire; [`Wheel::compact`] gives them back when they pile up.

use std::collections::HashSet;

use crate::wire::KeyHasher;

/// Slots in the wheel: the longest TTL (3599 s) plus one.
pub(crate) const SLOTS: u64 = 3600;

/// One entry: the group's map key and the deadline (unix seconds) it was scheduled for.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u64,
    deadline: u64,
}

#[derive(Debug)]
pub(crate) struct Wheel {
    slots: Vec<Vec<Entry>>,
    /// The last second processed: every entry with a deadline <= `done` has fired.
    done: u64,
    /// Entries in all slots.
    len: usize,
}

impl Wheel {
    pub(crate) fn new(now_sec: u64) -> Self {
        Self {
            slots: (0..SLOTS).map(|_| Vec::new()).collect(),
            done: now_sec,
            len: 0,
        }
    }

    /// Schedules `key` at `deadline` (unix seconds, at most `SLOTS - 1` after now) and
    /// returns the deadline of the entry: a deadline already passed fires at the next advance.
    pub(crate) fn insert(&mut self, key: u64, deadline: u64) -> u64 {
        let deadline = deadline.max(self.done + 1);
        self.slots[(deadline % SLOTS) as usize].push(Entry { key, deadline });
        self.len += 1;
        deadline
    }

    /// Entries scheduled, including those of groups already decided.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Keeps one entry of each key for which `live(key, deadline)` (the entry its group
    /// follows), drops every other entry and gives back the slots' spare memory.
    /// O(entries + slots).
    pub(crate) fn compact(&mut self, live: impl Fn(u64, u64) -> bool) {
        let mut kept: HashSet<u64, KeyHasher> = HashSet::default();
        self.len = 0;
        for slot in &mut self.slots {
            slot.retain(|e| live(e.key, e.deadline) && kept.insert(e.key));
            if slot.capacity() > 2 * slot.len() + 4 {
                slot.shrink_to_fit();
            }
            self.len += slot.len();
        }
    }

    /// Advances to `now_sec`, appending to `due` the `(key, deadline)` of every entry whose
    /// deadline passed. The caller re-inserts those whose group was touched since.
    pub(crate) fn advance(&mut self, now_sec: u64, due: &mut Vec<(u64, u64)>) {
        if now_sec <= self.done {
            return;
        }
        let steps = (now_sec - self.done).min(SLOTS);
        let before = due.len();
        for s in 1..=steps {
            let slot = &mut self.slots[((self.done + s) % SLOTS) as usize];
            if slot.is_empty() {
                continue;
            }
            slot.retain(|e| {
                let fire = e.deadline <= now_sec;
                if fire {
                    due.push((e.key, e.deadline));
                }
                !fire
            });
        }
        self.done = now_sec;
        self.len -= due.len() - before;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advance(w: &mut Wheel, to: u64) -> Vec<u64> {
        let mut due = Vec::new();
        w.advance(to, &mut due);
        let mut keys: Vec<u64> = due.into_iter().map(|(key, _)| key).collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn fires_at_the_deadline_not_before() {
        let mut w = Wheel::new(100);
        w.insert(1, 105);
        w.insert(2, 110);
        assert!(advance(&mut w, 104).is_empty());
        assert_eq!(advance(&mut w, 105), [1]);
        assert!(advance(&mut w, 109).is_empty());
        assert_eq!(advance(&mut w, 200), [2]);
        assert!(advance(&mut w, 10_000).is_empty());
    }

    #[test]
    fn a_jump_past_a_full_rotation_fires_everything_due() {
        let mut w = Wheel::new(0);
        w.insert(1, 3599);
        w.insert(2, 10);
        assert_eq!(advance(&mut w, 1_000_000), [1, 2]);
    }

    #[test]
    fn entries_of_a_later_rotation_wait() {
        let mut w = Wheel::new(0);
        w.insert(7, 3599);
        assert!(advance(&mut w, 3598).is_empty());
        w.insert(8, 3598 + 3599); // same slot index as 7's neighbour rotation
        assert_eq!(advance(&mut w, 3599), [7]);
        assert!(advance(&mut w, 3598 + 3598).is_empty());
        assert_eq!(advance(&mut w, 3598 + 3599), [8]);
    }

    #[test]
    fn compaction_keeps_one_followed_entry_of_each_live_key() {
        let mut w = Wheel::new(0);
        for (key, deadline) in [(1, 30), (1, 20), (2, 20), (3, 40), (1, 20), (4, 3599 + 10)] {
            w.insert(key, deadline);
        }
        assert_eq!(w.len(), 6);
        // Key 1 follows its entry at 20 (not the earlier-inserted one at 30); 2 is decided.
        w.compact(|key, deadline| key != 2 && (key != 1 || deadline == 20));
        assert_eq!(w.len(), 3);
        assert!(advance(&mut w, 19).is_empty());
        assert_eq!(advance(&mut w, 20), [1]);
        assert_eq!(advance(&mut w, 40), [3]);
        assert_eq!(advance(&mut w, 3599 + 10), [4]);
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn a_past_deadline_fires_next() {
        let mut w = Wheel::new(50);
        w.insert(3, 10);
        assert_eq!(advance(&mut w, 51), [3]);
    }
}
