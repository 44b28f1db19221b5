//! The ledger of one token: where its accepted packets are (docs/architecture.md,
//! "Conservation"). A packet moves through named transitions — accepted, then pending or
//! buffered, then kept or dropped for a [`Reason`] — and each transition updates every counter
//! it touches, so that at any quiescent moment
//! `accepted == pending + buffered + kept + dropped` (in packets; [`Ledger::conserved`]).
//! The engine changes these counters through the transitions only. Totals are the sums of the
//! tokens' ledgers ([`Stats::total`](super::Stats)), so they balance when every token does.
//!
//! Counters are relaxed atomics: a transition is not atomic as a whole, so a snapshot taken
//! while a call is in flight may be off by the packets that call is moving.

use std::sync::atomic::{AtomicU64, Ordering};

use super::stats::{Buffered, Bytes, Configs, Counters, Dropped, Groups, KeptDropped};

/// Why packets were dropped; each is counted separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A matched pipeline dropped the group (drop action or not sampled).
    Pipeline = 0,
    /// No pipeline matched.
    NoMatch,
    /// No config for the group's data type at decision time.
    NoConfig,
    /// A payload failed to decode or decompress.
    DecodeError,
    /// Decided early to stay within the token's memory share, and dropped.
    Early,
    /// A late packet of a group already dropped.
    Late,
    /// Waited in the pending cache longer than `pending_max_age`.
    PendingExpired,
    /// Under `compat: "reference"`, its data type's `data_ttl` is negative or under 1 s,
    /// which the reference accepts and then drops every packet for.
    InvalidTtl,
}

impl Reason {
    pub(crate) const ALL: [Reason; 8] = [
        Reason::Pipeline,
        Reason::NoMatch,
        Reason::NoConfig,
        Reason::DecodeError,
        Reason::Early,
        Reason::Late,
        Reason::PendingExpired,
        Reason::InvalidTtl,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Reason::Pipeline => "pipeline",
            Reason::NoMatch => "no_match",
            Reason::NoConfig => "no_config",
            Reason::DecodeError => "decode_error",
            Reason::Early => "early",
            Reason::Late => "late",
            Reason::PendingExpired => "pending_expired",
            Reason::InvalidTtl => "invalid_ttl",
        }
    }
}

/// Where a decided group went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Kept: handed to `poll_kept`.
    Kept,
    /// Dropped for this reason.
    Dropped(Reason),
}

/// How a `set_config` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConfigOutcome {
    /// Installed (a new token or a new version).
    Applied,
    /// Ignored: the version in force re-sent.
    Ignored,
    /// Refused as invalid; the config in force stays.
    Rejected,
}

/// The `dataway_aggregate` ingest counters of a token since they were last taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RuntimeCounts {
    /// Body bytes of the accepted packets.
    pub(crate) body_bytes: u64,
    /// Accepted packets.
    pub(crate) packets: u64,
    /// Their points.
    pub(crate) points: u64,
}

/// The counters of one token, in packets unless named otherwise.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    accepted: AtomicU64,
    pending_packets: AtomicU64,
    pending_bytes: AtomicU64,
    buffered_groups: AtomicU64,
    buffered_packets: AtomicU64,
    buffered_bytes: AtomicU64,
    kept_groups: AtomicU64,
    kept_packets: AtomicU64,
    dropped_groups: AtomicU64,
    dropped_packets: AtomicU64,
    dropped_by: [AtomicU64; Reason::ALL.len()],
    early_decisions: AtomicU64,
    late_kept: AtomicU64,
    late_dropped: AtomicU64,
    busy: AtomicU64,
    configs_applied: AtomicU64,
    configs_ignored: AtomicU64,
    configs_rejected: AtomicU64,
    runtime_body_bytes: AtomicU64,
    runtime_packets: AtomicU64,
    runtime_points: AtomicU64,
}

fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

fn sub(c: &AtomicU64, n: u64) {
    c.fetch_sub(n, Ordering::Relaxed);
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

fn take(c: &AtomicU64) -> u64 {
    c.swap(0, Ordering::Relaxed)
}

impl Ledger {
    /// Ingest accepted a packet (`Ok` or `Pending`) of `body_bytes` and `points` points, once
    /// it placed it (pending, buffered, late or dropped); also counted for the runtime
    /// counters.
    pub(crate) fn accepted(&self, body_bytes: usize, points: u64) {
        add(&self.accepted, 1);
        add(&self.runtime_body_bytes, body_bytes as u64);
        add(&self.runtime_packets, 1);
        add(&self.runtime_points, points);
    }

    /// Ingest refused a packet with `Busy`: it is not accepted.
    pub(crate) fn refused_busy(&self) {
        add(&self.busy, 1);
    }

    /// → pending: a packet of `bytes` waits for a config.
    pub(crate) fn pended(&self, bytes: usize) {
        add(&self.pending_packets, 1);
        add(&self.pending_bytes, bytes as u64);
    }

    /// pending →: a pending packet of `bytes` is drained by its config; its admission
    /// places it next (buffered, late or dropped).
    pub(crate) fn unpended(&self, bytes: usize) {
        sub(&self.pending_packets, 1);
        sub(&self.pending_bytes, bytes as u64);
    }

    /// pending → dropped (`pending_expired`): `packets` of `bytes` waited too long.
    pub(crate) fn pending_expired(&self, packets: u64, bytes: usize) {
        sub(&self.pending_packets, packets);
        sub(&self.pending_bytes, bytes as u64);
        self.drop_packets(Reason::PendingExpired, packets);
    }

    /// → buffered: a packet with a payload of `bytes` joins its group (`new_group`: opens it).
    pub(crate) fn buffered(&self, bytes: usize, new_group: bool) {
        if new_group {
            add(&self.buffered_groups, 1);
        }
        add(&self.buffered_packets, 1);
        add(&self.buffered_bytes, bytes as u64);
    }

    /// buffered → kept or dropped: a group of `packets` holding `bytes` of payload was decided
    /// (`early`: before its TTL, to stay within the token's share).
    pub(crate) fn decided(&self, packets: u64, bytes: usize, fate: Fate, early: bool) {
        sub(&self.buffered_groups, 1);
        sub(&self.buffered_packets, packets);
        sub(&self.buffered_bytes, bytes as u64);
        if early {
            add(&self.early_decisions, 1);
        }
        match fate {
            Fate::Kept => {
                add(&self.kept_groups, 1);
                add(&self.kept_packets, packets);
            }
            Fate::Dropped(reason) => {
                add(&self.dropped_groups, 1);
                self.drop_packets(reason, packets);
            }
        }
    }

    /// → kept: a late packet of a kept group is delivered too.
    pub(crate) fn late_kept(&self) {
        add(&self.late_kept, 1);
        add(&self.kept_packets, 1);
    }

    /// → dropped (`late`): a late packet of a dropped group.
    pub(crate) fn late_dropped(&self) {
        add(&self.late_dropped, 1);
        self.drop_packets(Reason::Late, 1);
    }

    /// → dropped: one packet dropped without joining a group (a late packet of a kept group
    /// that does not decode, a drained packet that does not decode, a TTL the reference
    /// drops for).
    pub(crate) fn dropped(&self, reason: Reason) {
        self.drop_packets(reason, 1);
    }

    fn drop_packets(&self, reason: Reason, packets: u64) {
        add(&self.dropped_packets, packets);
        add(&self.dropped_by[reason as usize], packets);
    }

    /// A `set_config` ended with `outcome`.
    pub(crate) fn config(&self, outcome: ConfigOutcome) {
        add(
            match outcome {
                ConfigOutcome::Applied => &self.configs_applied,
                ConfigOutcome::Ignored => &self.configs_ignored,
                ConfigOutcome::Rejected => &self.configs_rejected,
            },
            1,
        );
    }

    /// Takes (and resets) the runtime counters.
    pub(crate) fn take_runtime(&self) -> RuntimeCounts {
        RuntimeCounts {
            body_bytes: take(&self.runtime_body_bytes),
            packets: take(&self.runtime_packets),
            points: take(&self.runtime_points),
        }
    }

    /// A snapshot of the counters.
    pub(crate) fn counters(&self) -> Counters {
        Counters {
            accepted: get(&self.accepted),
            refused_busy: get(&self.busy),
            pending: Bytes {
                packets: get(&self.pending_packets),
                bytes: get(&self.pending_bytes),
            },
            buffered: Buffered {
                groups: get(&self.buffered_groups),
                packets: get(&self.buffered_packets),
                bytes: get(&self.buffered_bytes),
            },
            kept: Groups {
                groups: get(&self.kept_groups),
                packets: get(&self.kept_packets),
            },
            dropped: Dropped {
                groups: get(&self.dropped_groups),
                packets: get(&self.dropped_packets),
                by_reason: Reason::ALL
                    .iter()
                    .map(|r| (r.as_str(), get(&self.dropped_by[*r as usize])))
                    .collect(),
            },
            early_decisions: get(&self.early_decisions),
            late: KeptDropped {
                kept: get(&self.late_kept),
                dropped: get(&self.late_dropped),
            },
            configs: Configs {
                applied: get(&self.configs_applied),
                ignored: get(&self.configs_ignored),
                rejected: get(&self.configs_rejected),
            },
        }
    }

    /// Whether every accepted packet is in exactly one place and the drop reasons add up to
    /// the dropped packets: the conservation identity, checked at a quiescent moment (no call
    /// in flight) by the tests and by a debug assertion when a processor is dropped.
    pub(crate) fn conserved(&self) -> bool {
        let c = self.counters();
        c.conserved() && c.dropped.by_reason.values().sum::<u64>() == c.dropped.packets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_keeps_the_books_balanced() {
        let l = Ledger::default();
        // Two packets wait for a config; one expires, the other is drained into a new group.
        for _ in 0..2 {
            l.pended(100);
            l.accepted(120, 3);
        }
        l.pending_expired(1, 100);
        assert!(l.conserved());
        l.unpended(100);
        l.buffered(90, true);
        // Two more packets join that group, one opens another.
        for new_group in [false, false, true] {
            l.buffered(10, new_group);
            l.accepted(30, 1);
            assert!(l.conserved());
        }
        l.decided(3, 110, Fate::Kept, false);
        l.decided(1, 10, Fate::Dropped(Reason::Early), true);
        // Late packets of both, one that does not decode, and one at an invalid TTL.
        for late in [Ledger::late_kept, Ledger::late_dropped] {
            late(&l);
            l.accepted(30, 1);
        }
        l.dropped(Reason::DecodeError);
        l.accepted(30, 1);
        l.dropped(Reason::InvalidTtl);
        l.accepted(30, 1);
        l.refused_busy();
        assert!(l.conserved());
        let c = l.counters();
        assert_eq!((c.accepted, c.refused_busy), (9, 1));
        assert_eq!((c.pending.packets, c.pending.bytes), (0, 0));
        assert_eq!(
            (c.buffered.groups, c.buffered.packets, c.buffered.bytes),
            (0, 0, 0)
        );
        assert_eq!((c.kept.groups, c.kept.packets), (1, 4));
        assert_eq!((c.dropped.groups, c.dropped.packets), (1, 5));
        assert_eq!(c.early_decisions, 1);
        assert_eq!((c.late.kept, c.late.dropped), (1, 1));
        for (reason, n) in [
            ("pending_expired", 1),
            ("early", 1),
            ("late", 1),
            ("decode_error", 1),
            ("invalid_ttl", 1),
            ("pipeline", 0),
        ] {
            assert_eq!(c.dropped.by_reason[reason], n, "{reason}");
        }
        let runtime = l.take_runtime();
        assert_eq!(
            (runtime.packets, runtime.points, runtime.body_bytes),
            (9, 13, 450)
        );
        assert_eq!(l.take_runtime().packets, 0, "taken");
    }

    #[test]
    fn an_unplaced_packet_breaks_the_identity() {
        let l = Ledger::default();
        l.accepted(10, 1);
        assert!(!l.conserved());
        l.buffered(5, true);
        assert!(l.conserved());
        l.config(ConfigOutcome::Applied);
        l.config(ConfigOutcome::Rejected);
        let c = l.counters().configs;
        assert_eq!((c.applied, c.ignored, c.rejected), (1, 0, 1));
    }
}
