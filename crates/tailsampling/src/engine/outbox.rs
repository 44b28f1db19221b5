//! Kept payloads waiting for `poll_kept`, and their batching into deliveries: per token and
//! data type, bodies of at most `max_batch_bytes` (a larger group goes alone), in decision order.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::wire::DataType;

/// The content type of every delivery body (a serialized `point.PBPoints`).
pub const CONTENT_TYPE: &str = "application/protobuf; proto=com.guance.Point";

/// A body to write upstream, with where and how to write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Its number, unique within the processor that handed it out: 1, 2, … in the order
    /// [`Processor::poll_kept`](crate::Processor::poll_kept) and
    /// [`poll_metrics`](crate::Processor::poll_metrics) hand deliveries out (0 until then). The
    /// host acknowledges a delivery written upstream with
    /// [`Processor::ack`](crate::Processor::ack).
    pub id: u64,
    /// The token (tenant) to write with: `…/v1/write/<data_type>?token=<token>`.
    pub token: String,
    /// `"tracing"`, `"logging"`, `"rum"` or `"metric"`.
    pub data_type: &'static str,
    /// `/v1/write/<data_type>`.
    pub path: &'static str,
    /// Always [`CONTENT_TYPE`].
    pub content_type: &'static str,
    /// Serialized `point.PBPoints` (never compressed).
    pub body: Vec<u8>,
    /// Points in `body`.
    pub points: u64,
}

impl Delivery {
    /// A delivery of kept `dt` data for `token`, to that data type's write API
    /// (`/v1/write/tracing`, `/v1/write/logging`, `/v1/write/rum`).
    pub fn data(token: &str, dt: DataType, body: Vec<u8>, points: u64) -> Self {
        let path = match dt {
            DataType::Tracing => "/v1/write/tracing",
            DataType::Logging => "/v1/write/logging",
            DataType::Rum => "/v1/write/rum",
        };
        Self {
            id: 0,
            token: token.to_string(),
            data_type: dt.as_str(),
            path,
            content_type: CONTENT_TYPE,
            body,
            points,
        }
    }

    /// A delivery of metric points for `token`, to `/v1/write/metric`.
    pub fn metric(token: &str, body: Vec<u8>, points: u64) -> Self {
        Self {
            id: 0,
            token: token.to_string(),
            data_type: "metric",
            path: "/v1/write/metric",
            content_type: CONTENT_TYPE,
            body,
            points,
        }
    }
}

/// The payload of one kept group (or one late packet of a kept group).
#[derive(Debug)]
pub(crate) struct Kept {
    pub(crate) payload: Vec<Box<[u8]>>,
    pub(crate) bytes: usize,
    pub(crate) points: u64,
    /// What decompression added to the payload, charged to the token's budget until polled.
    pub(crate) inflation: usize,
}

impl Kept {
    /// The kept `payload` of `points` points, decompressed from `compressed` bytes.
    pub(crate) fn new(payload: Vec<Box<[u8]>>, points: u64, compressed: usize) -> Self {
        let bytes = payload.iter().map(|b| b.len()).sum();
        Kept {
            payload,
            bytes,
            points,
            inflation: usize::saturating_sub(bytes, compressed),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Outbox {
    queues: BTreeMap<(Arc<str>, DataType), Vec<Kept>>,
    /// Per token, the inflation of the kept data queued (see [`Kept::inflation`]).
    charged: BTreeMap<Arc<str>, usize>,
}

impl Outbox {
    pub(crate) fn push(&mut self, token: &Arc<str>, dt: DataType, kept: Kept) {
        if kept.inflation > 0 {
            *self.charged.entry(token.clone()).or_default() += kept.inflation;
        }
        self.queues
            .entry((token.clone(), dt))
            .or_default()
            .push(kept);
    }

    /// Takes the per-token inflation of everything queued, to release with [`take`](Self::take).
    pub(crate) fn take_charged(&mut self) -> BTreeMap<Arc<str>, usize> {
        std::mem::take(&mut self.charged)
    }

    /// Takes everything queued, batched into deliveries of at most `max_batch` bytes.
    pub(crate) fn take(&mut self, max_batch: usize) -> Vec<Delivery> {
        let mut out = Vec::new();
        for ((token, dt), items) in std::mem::take(&mut self.queues) {
            let mut body: Vec<u8> = Vec::new();
            let mut points = 0;
            for item in items {
                if !body.is_empty() && body.len() + item.bytes > max_batch {
                    out.push(Delivery::data(
                        &token,
                        dt,
                        std::mem::take(&mut body),
                        points,
                    ));
                    points = 0;
                }
                if body.is_empty() && item.payload.len() == 1 && item.bytes >= max_batch {
                    // A group at or over the cap goes alone, moved rather than copied.
                    let bytes = item
                        .payload
                        .into_iter()
                        .next()
                        .map(Vec::from)
                        .unwrap_or_default();
                    out.push(Delivery::data(&token, dt, bytes, item.points));
                    continue;
                }
                body.reserve(item.bytes);
                for seg in &item.payload {
                    body.extend_from_slice(seg);
                }
                points += item.points;
            }
            if !body.is_empty() {
                out.push(Delivery::data(&token, dt, body, points));
            }
        }
        out
    }
}
