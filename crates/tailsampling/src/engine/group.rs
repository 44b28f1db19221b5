//! A buffered group: the merged header of its packets (docs/protocol.md, "Grouping and time") and
//! its payload segments, kept as received (zstd segments stay compressed until the decision);
//! and a [`Late`] packet, which follows its group's decision instead of joining it.

use std::sync::Arc;

use super::tenant::Tenant;
use crate::config::BuiltinMetrics;
use crate::wire::DataType;
use crate::wire::PacketRef;

/// Bytes accounted per group on top of its payloads: the map entry, the header, the wheel and
/// age-order entries. Keeps the memory budget honest for many tiny groups: measured at 320 to
/// 450 bytes of heap per one-packet group (`tests/process/limits.rs`), with the map's spare
/// capacity.
pub(crate) const GROUP_OVERHEAD: usize = 448;
/// Bytes accounted per payload segment on top of its length.
pub(crate) const SEGMENT_OVERHEAD: usize = 32;

/// One packet's payload, copied once out of the request body.
#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) bytes: Box<[u8]>,
    pub(crate) zstd: bool,
}

impl Segment {
    pub(crate) fn from_packet(p: &PacketRef<'_>) -> Self {
        Segment {
            bytes: p.points_payload.into(),
            zstd: p.payload_is_zstd_frame(),
        }
    }
}

/// A packet's payload size once decompressed, as far as the packet says: the content size a
/// zstd frame declares (Datakit's frames do), else the payload's own size. A group is decided
/// at once when this passes `max_group_bytes`, so no decision inflates a group much past it;
/// frames that declare nothing are bounded at decision time instead (`decide::Caps`).
fn inflated_len(p: &PacketRef<'_>) -> usize {
    let declared = p
        .payload_is_zstd_frame()
        .then(|| zstd::zstd_safe::get_frame_content_size(p.points_payload).ok())
        .flatten()
        .flatten();
    declared.map_or(p.points_payload.len(), |n| {
        usize::try_from(n).unwrap_or(usize::MAX)
    })
}

/// The time a packet's or group's metric records are bucketed by (docs/protocol.md, "Metrics"): the
/// max point time, else the trace end, else now.
pub(crate) fn metric_time(max_point_time_ns: i64, end_ns: i64, now_ns: i64) -> i64 {
    if max_point_time_ns > 0 {
        max_point_time_ns
    } else if end_ns > 0 {
        end_ns
    } else {
        now_ns
    }
}

/// The merged header fields the decision and the metrics need.
#[derive(Debug, Default)]
pub(crate) struct Header {
    pub(crate) source: Box<str>,
    pub(crate) group_key: Box<str>,
    pub(crate) group_id_hash: u64,
    pub(crate) has_error: bool,
    pub(crate) point_count: i64,
    pub(crate) start_ns: i64,
    pub(crate) end_ns: i64,
    pub(crate) max_point_time_ns: i64,
}

impl Header {
    pub(crate) fn from_packet(p: &PacketRef<'_>) -> Self {
        Header {
            source: p.source.into(),
            group_key: p.group_key.into(),
            group_id_hash: p.group_id_hash,
            has_error: p.has_error,
            point_count: i64::from(p.point_count),
            start_ns: p.trace_start_time_unix_nano,
            end_ns: p.trace_end_time_unix_nano,
            max_point_time_ns: p.max_point_time_unix_nano,
        }
    }

    /// Merges a later packet of the same group: flags ORed, counts summed, start = min of
    /// non-zero, end and max point time = max, source = first non-empty.
    pub(crate) fn merge(&mut self, p: &PacketRef<'_>) {
        if self.source.is_empty() && !p.source.is_empty() {
            self.source = p.source.into();
        }
        self.has_error |= p.has_error;
        self.point_count = self.point_count.saturating_add(i64::from(p.point_count));
        let start = p.trace_start_time_unix_nano;
        if start != 0 && (self.start_ns == 0 || start < self.start_ns) {
            self.start_ns = start;
        }
        self.end_ns = self.end_ns.max(p.trace_end_time_unix_nano);
        self.max_point_time_ns = self.max_point_time_ns.max(p.max_point_time_unix_nano);
    }

    /// The time this group's metric records are bucketed by.
    pub(crate) fn metric_time(&self, now_ns: i64) -> i64 {
        metric_time(self.max_point_time_ns, self.end_ns, now_ns)
    }

    /// `end - start` when end > start (the trace_duration histogram input).
    pub(crate) fn duration_ns(&self) -> Option<i64> {
        (self.end_ns > self.start_ns).then(|| self.end_ns - self.start_ns)
    }
}

/// A group waiting for its decision.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) tenant: Arc<Tenant>,
    pub(crate) data_type: DataType,
    pub(crate) header: Header,
    pub(crate) segments: Vec<Segment>,
    /// Payload bytes.
    pub(crate) bytes: usize,
    /// Payload bytes once decompressed, as far as the packets declare (see [`inflated_len`]).
    pub(crate) inflated: usize,
    /// Bytes accounted against the budgets (payloads + overheads).
    pub(crate) held: usize,
    pub(crate) packets: u64,
    /// Unix second at which the sliding TTL expires.
    pub(crate) deadline: u64,
    /// The deadline of the wheel entry the group follows (at most `deadline`); an entry of its
    /// key with another deadline is stale and ignored when it fires.
    pub(crate) scheduled: u64,
    /// Creation sequence number: age order for early decisions.
    pub(crate) seq: u64,
}

impl Group {
    /// A new group of `tenant` for packet `p`, which [`add`](Self::add) then adds to it.
    pub(crate) fn open(
        tenant: &Arc<Tenant>,
        data_type: DataType,
        p: &PacketRef<'_>,
        seq: u64,
    ) -> Self {
        Group {
            tenant: tenant.clone(),
            data_type,
            header: Header::from_packet(p),
            segments: Vec::with_capacity(1),
            bytes: 0,
            inflated: 0,
            held: GROUP_OVERHEAD,
            packets: 0,
            deadline: 0,
            scheduled: 0,
            seq,
        }
    }

    /// Adds packet `p`, which holds `cost` bytes of the budget, and slides the group's TTL to
    /// end at `deadline` (unix seconds).
    pub(crate) fn add(&mut self, p: &PacketRef<'_>, cost: usize, deadline: u64) {
        if self.packets > 0 {
            self.header.merge(p);
        }
        self.segments.push(Segment::from_packet(p));
        self.bytes += p.points_payload.len();
        self.inflated = self.inflated.saturating_add(inflated_len(p));
        self.held += cost;
        self.packets += 1;
        self.deadline = deadline;
    }

    /// Whether its payloads, or what they declare once decompressed, pass `max_group_bytes`:
    /// then it is decided at once.
    pub(crate) fn too_big(&self, max_group_bytes: usize) -> bool {
        self.bytes.max(self.inflated) > max_group_bytes
    }
}

/// A packet that follows its group's decision instead of joining the group: a late packet (its
/// group was decided recently) or one that arrived while its group was being decided.
#[derive(Debug)]
pub(crate) struct Late {
    pub(crate) tenant: Arc<Tenant>,
    pub(crate) data_type: DataType,
    /// The built-in metrics enabled for its data type when it arrived.
    pub(crate) metrics: BuiltinMetrics,
    pub(crate) header: Header,
    /// Its payload; `None` when it follows a drop (nothing of it is delivered).
    pub(crate) segment: Option<Segment>,
    /// Bytes reserved for it against the budget, released when it follows the decision.
    pub(crate) held: usize,
}

impl Late {
    /// Packet `p` of `tenant`, holding `held` bytes of the budget. Its payload is copied only
    /// `with_payload` (a packet known to follow a drop needs none).
    pub(crate) fn new(
        tenant: &Arc<Tenant>,
        data_type: DataType,
        metrics: BuiltinMetrics,
        p: &PacketRef<'_>,
        held: usize,
        with_payload: bool,
    ) -> Self {
        Late {
            tenant: tenant.clone(),
            data_type,
            metrics,
            header: Header::from_packet(p),
            segment: with_payload.then(|| Segment::from_packet(p)),
            held,
        }
    }
}
