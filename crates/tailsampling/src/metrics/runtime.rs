//! Dataway's own runtime counters (measurement `dataway_aggregate`), summed between reports
//! and reset by each [`Runtime::drain`].

use std::collections::BTreeMap;

use super::encode::Body;
use super::RUNTIME_MEASUREMENT;

const BODY_SIZE: &str = "dataway_http_api_body_size_bytes_total";
const TRACE_TOTAL: &str = "dataway_http_tail_sampling_trace_total";
const SPAN_TOTAL: &str = "dataway_http_tail_sampling_span_total";
const PACKET_SEND: &str = "dataway_http_tail_sampling_packet_send_total";

/// The outcome of sending a packet upstream (tag `result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendResult {
    /// Written upstream.
    Success,
    /// The upstream write failed.
    Failure,
    /// Dropped without a write.
    Drop,
}

impl SendResult {
    const ALL: [SendResult; 3] = [SendResult::Success, SendResult::Failure, SendResult::Drop];

    /// The tag value: `success`, `failure` or `drop`.
    pub fn as_str(self) -> &'static str {
        match self {
            SendResult::Success => "success",
            SendResult::Failure => "failure",
            SendResult::Drop => "drop",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Dataway's runtime counters since the last [`drain`](Runtime::drain).
#[derive(Debug, Default)]
pub struct Runtime {
    tokens: BTreeMap<String, TokenCounters>,
}

/// The counters of one token.
#[derive(Debug, Default)]
struct TokenCounters {
    /// Body bytes by API.
    body_bytes: BTreeMap<String, u64>,
    /// Packets (groups) received.
    packets: u64,
    /// Points (spans) received.
    points: u64,
    /// Send outcomes by data type, indexed by [`SendResult::index`].
    sends: BTreeMap<String, [u64; 3]>,
}

impl Runtime {
    /// No counts yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `dataway_http_api_body_size_bytes_total{api,token}` += `bytes`.
    pub fn add_body_bytes(&mut self, api: &str, token: &str, bytes: u64) {
        if bytes > 0 {
            bump(&mut self.tokens, token, |c| {
                bump(&mut c.body_bytes, api, |n| add(n, bytes))
            });
        }
    }

    /// `packets` received packets carrying `points` points in all:
    /// `dataway_http_tail_sampling_trace_total{token}` += `packets` and
    /// `dataway_http_tail_sampling_span_total{token}` += `points`.
    pub fn add_packets(&mut self, token: &str, packets: u64, points: u64) {
        bump(&mut self.tokens, token, |c| {
            add(&mut c.packets, packets);
            add(&mut c.points, points);
        });
    }

    /// `dataway_http_tail_sampling_packet_send_total{token,data_type,result}` += `n`.
    pub fn add_send(&mut self, token: &str, data_type: &str, result: SendResult, n: u64) {
        if n > 0 {
            bump(&mut self.tokens, token, |c| {
                bump(&mut c.sends, data_type, |counts| {
                    if let Some(count) = counts.get_mut(result.index()) {
                        add(count, n);
                    }
                })
            });
        }
    }

    /// Serializes every non-zero counter as one point at `now_ns` (field = counter name, float)
    /// and resets them all: the `PBPoints` body and its point count; `None` if all are zero.
    /// Points come by counter name, then by tag values in tag-key order.
    pub fn drain(&mut self, now_ns: i64) -> Option<(Vec<u8>, u64)> {
        let tokens = std::mem::take(&mut self.tokens);
        let mut entries: Vec<Entry<'_>> = Vec::new();
        for (token, c) in &tokens {
            for (api, &bytes) in &c.body_bytes {
                entries.push(Entry::new(
                    BODY_SIZE,
                    vec![("api", api), ("token", token)],
                    bytes,
                ));
            }
            entries.push(Entry::new(TRACE_TOTAL, vec![("token", token)], c.packets));
            entries.push(Entry::new(SPAN_TOTAL, vec![("token", token)], c.points));
            for (data_type, counts) in &c.sends {
                for (result, &n) in SendResult::ALL.iter().zip(counts) {
                    let tags = vec![
                        ("data_type", data_type.as_str()),
                        ("result", result.as_str()),
                        ("token", token.as_str()),
                    ];
                    entries.push(Entry::new(PACKET_SEND, tags, n));
                }
            }
        }
        entries.retain(|e| e.value > 0);
        entries.sort_by(|a, b| (a.name, &a.tags).cmp(&(b.name, &b.tags)));
        let mut body = Body::default();
        for e in entries {
            body.push(RUNTIME_MEASUREMENT, e.tags, e.name, e.value as f64, now_ns);
        }
        body.finish()
    }
}

/// One point to emit, before sorting.
struct Entry<'a> {
    name: &'static str,
    /// Sorted by key.
    tags: Vec<(&'static str, &'a str)>,
    value: u64,
}

impl<'a> Entry<'a> {
    fn new(name: &'static str, tags: Vec<(&'static str, &'a str)>, value: u64) -> Self {
        Self { name, tags, value }
    }
}

/// Applies `f` to the counter of `key`, creating it (default) if absent.
fn bump<V: Default>(map: &mut BTreeMap<String, V>, key: &str, f: impl FnOnce(&mut V)) {
    if let Some(value) = map.get_mut(key) {
        f(value);
    } else {
        let mut value = V::default();
        f(&mut value);
        map.insert(key.to_owned(), value);
    }
}

/// Saturating `*counter += n`.
fn add(counter: &mut u64, n: u64) {
    *counter = counter.saturating_add(n);
}
