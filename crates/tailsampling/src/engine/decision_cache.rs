//! The bounded memory of recent decisions (count and TTL), so late packets of a decided group
//! follow its decision instead of starting a new group (docs/protocol.md, "Deviations", D1).

use std::collections::{HashMap, VecDeque};

use crate::wire::KeyHasher;

#[derive(Debug)]
pub(crate) struct DecisionCache {
    map: HashMap<u64, (bool, u64), KeyHasher>,
    /// (key, expiry second) in insertion order = expiry order (one TTL for all).
    order: VecDeque<(u64, u64)>,
    cap: usize,
}

impl DecisionCache {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            map: HashMap::default(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// Remembers that group `key` was kept (or dropped) until `expires` (unix seconds).
    pub(crate) fn insert(&mut self, key: u64, kept: bool, expires: u64) {
        if self.cap == 0 {
            return;
        }
        while self.map.len() >= self.cap {
            if !self.pop_front() {
                break;
            }
        }
        self.map.insert(key, (kept, expires));
        self.order.push_back((key, expires));
    }

    /// The remembered decision of `key`, if it has not expired at `now`.
    pub(crate) fn get(&self, key: u64, now: u64) -> Option<bool> {
        self.map
            .get(&key)
            .filter(|(_, exp)| *exp > now)
            .map(|(kept, _)| *kept)
    }

    /// Forgets decisions that expired at `now`; O(expired).
    pub(crate) fn expire(&mut self, now: u64) {
        while self.order.front().is_some_and(|(_, exp)| *exp <= now) {
            self.pop_front();
        }
    }

    fn pop_front(&mut self) -> bool {
        let Some((key, exp)) = self.order.pop_front() else {
            return false;
        };
        // A key decided twice has a newer entry later in the queue; keep that one.
        if self.map.get(&key).is_some_and(|(_, e)| *e == exp) {
            self.map.remove(&key);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_until_expiry_and_within_capacity() {
        let mut c = DecisionCache::new(2);
        c.insert(1, true, 10);
        c.insert(2, false, 11);
        assert_eq!(c.get(1, 9), Some(true));
        assert_eq!(c.get(2, 9), Some(false));
        assert_eq!(c.get(1, 10), None);
        c.insert(3, true, 12);
        assert_eq!(c.get(1, 0), None, "evicted: capacity 2");
        assert_eq!(c.get(3, 0), Some(true));
        c.expire(11);
        assert_eq!(c.get(2, 0), None);
        assert_eq!(c.get(3, 0), Some(true));
    }

    #[test]
    fn zero_capacity_remembers_nothing() {
        let mut c = DecisionCache::new(0);
        c.insert(1, true, 10);
        assert_eq!(c.get(1, 0), None);
    }

    #[test]
    fn a_redecided_key_keeps_its_newest_entry() {
        let mut c = DecisionCache::new(10);
        c.insert(1, true, 10);
        c.insert(1, false, 20);
        c.expire(15);
        assert_eq!(c.get(1, 15), Some(false));
    }
}
