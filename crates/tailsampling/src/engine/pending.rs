//! The pending cache: packets of a token and data type that has no config yet (HTTP 412),
//! FIFO per token+data_type, bounded by count and bytes, expired by age (dropped and counted),
//! drained in arrival order when a config covering them arrives.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::wire::DataType;

/// One pending packet: the whole request body, as the effective token will replay it.
#[derive(Debug)]
pub(crate) struct PendingPacket {
    pub(crate) body: Box<[u8]>,
    pub(crate) at_ns: i64,
}

#[derive(Debug, Default)]
struct Queue {
    packets: VecDeque<PendingPacket>,
    bytes: usize,
}

/// What an expiry sweep removed from one queue.
#[derive(Debug)]
pub(crate) struct Expired {
    pub(crate) token: Arc<str>,
    pub(crate) packets: u64,
    pub(crate) bytes: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Pending {
    queues: HashMap<(Arc<str>, DataType), Queue>,
}

impl Pending {
    /// Appends `body` unless the queue is at `max_packets` or would exceed `max_bytes`.
    pub(crate) fn push(
        &mut self,
        token: &Arc<str>,
        dt: DataType,
        body: &[u8],
        now_ns: i64,
        max_packets: usize,
        max_bytes: usize,
    ) -> bool {
        let q = self.queues.entry((token.clone(), dt)).or_default();
        if q.packets.len() >= max_packets || q.bytes + body.len() > max_bytes {
            return false;
        }
        q.bytes += body.len();
        q.packets.push_back(PendingPacket {
            body: body.into(),
            at_ns: now_ns,
        });
        true
    }

    /// Removes and returns the queue of `token`+`dt`, oldest first.
    pub(crate) fn take(&mut self, token: &str, dt: DataType) -> VecDeque<PendingPacket> {
        let key: (Arc<str>, DataType) = (Arc::from(token), dt);
        self.queues
            .remove(&key)
            .map(|q| q.packets)
            .unwrap_or_default()
    }

    /// Drops packets that arrived at or before `cutoff_ns`; O(non-empty queues + expired).
    pub(crate) fn expire(&mut self, cutoff_ns: i64) -> Vec<Expired> {
        let mut out = Vec::new();
        self.queues.retain(|(token, _), q| {
            let mut e = Expired {
                token: token.clone(),
                packets: 0,
                bytes: 0,
            };
            while q.packets.front().is_some_and(|p| p.at_ns <= cutoff_ns) {
                if let Some(p) = q.packets.pop_front() {
                    e.packets += 1;
                    e.bytes += p.body.len();
                }
            }
            q.bytes -= e.bytes;
            if e.packets > 0 {
                out.push(e);
            }
            !q.packets.is_empty()
        });
        out
    }
}
