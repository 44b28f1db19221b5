//! The decision of one group (docs/protocol.md, "Decision"): walk its points once, evaluating the
//! compiled conditions of the pipelines that could still decide; the first matched pipeline in
//! config order decides. A payload that fails to decode is never delivered.

use super::group::Segment;
use super::plan::{MergedKeys, Rules};
use crate::schema::Observed;
use crate::wire::{count_points, decompress_capped, FieldRef, FieldSink, Points, RawPoint, Value};

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

/// The current point's values of a dimension's [`MergedKeys`]: for each key, the value of the point's first
/// field with that key (`Some(None)`: that field's value is unset), `None` if it has none.
struct Values<'a> {
    slots: Vec<Option<Option<Value<'a>>>>,
    /// How many slots are still `None`.
    missing: usize,
}

impl<'a> Values<'a> {
    fn new(keys: &MergedKeys) -> Self {
        Values {
            slots: vec![None; keys.keys.len()],
            missing: keys.keys.len(),
        }
    }

    fn record(&mut self, keys: &MergedKeys, field: &FieldRef<'a>) {
        if self.missing == 0 || keys.lens >> (field.key.len() % 64) & 1 == 0 {
            return;
        }
        for (slot, key) in self.slots.iter_mut().zip(&keys.keys) {
            if slot.is_none() && field.key.first() == key.first() && field.key == &key[..] {
                *slot = Some(field.value);
                self.missing -= 1;
            }
        }
    }

    /// Walks every field of `point` into the values (and `all`, if given); `false` if the
    /// point or a field does not decode.
    fn take(
        &mut self,
        point: RawPoint<'a>,
        keys: &MergedKeys,
        all: Option<&mut Vec<FieldRef<'a>>>,
    ) -> bool {
        let mut sink = Take {
            values: self,
            keys,
            all,
        };
        point.walk_fields(&mut sink).is_ok()
    }

    fn start(&mut self, all: &mut Option<&mut Vec<FieldRef<'a>>>) {
        self.slots.fill(None);
        self.missing = self.slots.len();
        if let Some(all) = all {
            all.clear();
        }
    }

    /// Always inlined into the walk of a point's fields: it runs once per field decided.
    #[inline(always)]
    fn push(
        &mut self,
        keys: &MergedKeys,
        f: FieldRef<'a>,
        all: &mut Option<&mut Vec<FieldRef<'a>>>,
    ) {
        self.record(keys, &f);
        if let Some(all) = all {
            all.push(f);
        }
    }
}

/// Where [`Values::take`] walks a point's fields: into the values, and into `all` if given.
struct Take<'v, 'a, 'k, 'l> {
    values: &'v mut Values<'a>,
    keys: &'k MergedKeys,
    all: Option<&'l mut Vec<FieldRef<'a>>>,
}

impl<'a> FieldSink<'a> for Take<'_, 'a, '_, '_> {
    fn start(&mut self) {
        self.values.start(&mut self.all);
    }

    #[inline(always)]
    fn field(&mut self, field: FieldRef<'a>) {
        self.values.push(self.keys, field, &mut self.all);
    }
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
    let points = count_points(&bytes).ok()?;
    Some((bytes, points as u64))
}

/// Decides a group from its segments by `rules`, which is `None` when there is no config for
/// the group at decision time. `caps` bound the zstd segments' decompressed sizes. With
/// `observe`, the fields of every point walked are recorded (live drift).
pub(crate) fn decide(
    segments: Vec<Segment>,
    group_id_hash: u64,
    rules: Option<Rules<'_>>,
    caps: Caps,
    mut observe: Option<&mut Observed>,
) -> Decision {
    let Some(rules) = rules else {
        return Decision::dropped(Why::NoConfig, 0);
    };
    let (pipelines, keys) = (rules.pipelines, rules.keys());
    // The lowest index that can still match; once the best match is there, no later point can
    // change the outcome.
    let first_possible = rules.first_possible();
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
            // The current point's values, and with `observe` all its fields; both borrow this
            // segment.
            let mut values = Values::new(keys);
            let mut scratch: Vec<FieldRef<'_>> = Vec::new();
            let mut walk = Points::new(&bytes);
            while let Some(point) = walk.next_raw() {
                let Ok(point) = point else {
                    return Decision::dropped(Why::DecodeError, points);
                };
                points += 1;
                let decided = best == first_possible;
                if decided && observe.is_none() {
                    // Decided: only validate the rest (kept payloads must be well-formed).
                    if !point.is_valid() {
                        return Decision::dropped(Why::DecodeError, points);
                    }
                    continue;
                }
                let observing = observe.is_some();
                if !values.take(point, keys, observing.then_some(&mut scratch)) {
                    return Decision::dropped(Why::DecodeError, points);
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
                            .is_none_or(|c| c.eval(|k| values.slots[keys.slots[i][k]].flatten()));
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
