//! The decision of one group (REFERENCE.md §4): walk its points once, evaluating the compiled
//! conditions of the pipelines that could still decide; the first matched pipeline in config
//! order decides. A payload that fails to decode is never delivered.

use super::group::Segment;
use crate::config::Pipeline;
use crate::schema::Observed;
use crate::wire::{decompress_capped, FieldRef, Points, Value};

/// Why a group was kept or dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Why {
    /// Pipeline `i` of the group's dimension matched first.
    Pipeline(usize),
    /// No pipeline matched: dropped.
    NoMatch,
    /// No config (or no section for the data type) at decision time: dropped.
    NoConfig,
    /// A payload failed to decode or decompress: dropped.
    DecodeError,
}

/// The outcome of a decision.
#[derive(Debug)]
pub(crate) struct Decision {
    pub(crate) kept: bool,
    pub(crate) why: Why,
    /// For kept groups, the decompressed payloads in arrival order; empty otherwise.
    pub(crate) payload: Vec<Box<[u8]>>,
    /// Points walked (all of them for kept groups).
    pub(crate) points: u64,
}

impl Decision {
    fn dropped(why: Why, points: u64) -> Self {
        Decision {
            kept: false,
            why,
            payload: Vec::new(),
            points,
        }
    }
}

/// The value of the first field of the point named `key`.
fn lookup<'a>(fields: &[FieldRef<'a>], key: &[u8]) -> Option<Value<'a>> {
    fields.iter().find(|f| f.key == key).and_then(|f| f.value)
}

/// The segment's PBPoints bytes, decompressed if needed.
fn open(seg: Segment, cap: usize) -> Option<Box<[u8]>> {
    if seg.zstd {
        decompress_capped(&seg.bytes, cap)
            .ok()
            .map(Vec::into_boxed_slice)
    } else {
        Some(seg.bytes)
    }
}

/// Limits on decompression while deciding a group.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caps {
    /// The most one zstd segment may decompress to (`max_decompressed_bytes`).
    pub(crate) segment: usize,
    /// The most all of a group's zstd segments may decompress to together: a group of many
    /// small, highly compressed payloads is dropped (decode error) rather than inflated
    /// without bound. Groups are decided once their declared size passes `max_group_bytes`,
    /// so this only stops frames that do not declare their size.
    pub(crate) group: usize,
}

/// A late packet of a kept group: its payload, decompressed and fully validated, with its
/// point count; `None` if it does not decode.
pub(crate) fn validated(seg: Segment, cap: usize) -> Option<(Box<[u8]>, u64)> {
    let bytes = open(seg, cap)?;
    let mut points = 0;
    for point in Points::new(&bytes) {
        if point.ok()?.fields().any(|f| f.is_err()) {
            return None;
        }
        points += 1;
    }
    Some((bytes, points))
}

/// Decides a group from its segments. `pipelines` is `None` when there is no config for the
/// group at decision time. `caps` bound the zstd segments' decompressed sizes. With
/// `observe`, the fields of every point walked are recorded (live drift).
pub(crate) fn decide(
    segments: Vec<Segment>,
    group_id_hash: u64,
    pipelines: Option<&[Pipeline]>,
    caps: Caps,
    mut observe: Option<&mut Observed>,
) -> Decision {
    let Some(pipelines) = pipelines else {
        return Decision::dropped(Why::NoConfig, 0);
    };
    // The lowest index that can still match; once the best match is there, no later point can
    // change the outcome.
    let first_possible = pipelines
        .iter()
        .position(|p| !p.never_matches())
        .unwrap_or(pipelines.len());
    if first_possible == pipelines.len() {
        return Decision::dropped(Why::NoMatch, 0);
    }
    let mut best = pipelines.len();
    let mut payload = Vec::with_capacity(segments.len());
    let mut points = 0u64;
    let mut inflated = 0usize;
    for seg in segments {
        let zstd = seg.zstd;
        let Some(bytes) = open(seg, caps.segment.min(caps.group - inflated)) else {
            return Decision::dropped(Why::DecodeError, points);
        };
        if zstd {
            inflated += bytes.len();
        }
        {
            // The fields of the current point; borrows this segment.
            let mut scratch: Vec<FieldRef<'_>> = Vec::with_capacity(32);
            for point in Points::new(&bytes) {
                let Ok(point) = point else {
                    return Decision::dropped(Why::DecodeError, points);
                };
                points += 1;
                let decided = best == first_possible;
                if decided && observe.is_none() {
                    // Decided: only validate the rest (kept payloads must be well-formed).
                    if point.fields().any(|f| f.is_err()) {
                        return Decision::dropped(Why::DecodeError, points);
                    }
                    continue;
                }
                scratch.clear();
                for f in point.fields() {
                    match f {
                        Ok(f) => scratch.push(f),
                        Err(_) => return Decision::dropped(Why::DecodeError, points),
                    }
                }
                if let Some(o) = observe.as_deref_mut() {
                    for f in &scratch {
                        if let Some(v) = &f.value {
                            o.record(f.key, v);
                        }
                    }
                }
                if decided {
                    continue;
                }
                for (i, p) in pipelines[..best].iter().enumerate() {
                    let matched = !p.never_matches()
                        && p.condition()
                            .is_none_or(|c| c.eval(|k| lookup(&scratch, &c.keys()[k])));
                    if matched {
                        best = i;
                        break;
                    }
                }
                if best == first_possible && !pipelines[best].keeps(group_id_hash) {
                    return Decision::dropped(Why::Pipeline(best), points);
                }
            }
        }
        payload.push(bytes);
    }
    if best == pipelines.len() {
        return Decision::dropped(Why::NoMatch, points);
    }
    if pipelines[best].keeps(group_id_hash) {
        Decision {
            kept: true,
            why: Why::Pipeline(best),
            payload,
            points,
        }
    } else {
        Decision::dropped(Why::Pipeline(best), points)
    }
}
