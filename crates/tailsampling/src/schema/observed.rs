//! Live drift (docs/architecture.md, "Rule checking"): per token and data type, the keys and value
//! types the engine saw in decided groups (bounded), and the drift of a config against them — keys
//! a pipeline references that were never observed (the renamed column), and keys observed only with
//! types the condition can never compare true against under strict typing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::lint::compatible;
use super::types::FieldType;
use crate::config::Section;
use crate::filter::{ExprKind, LiteralValue, Operand, Program};
use crate::wire::Value;

/// The most distinct keys remembered per token and data type; further new keys are counted.
pub const MAX_OBSERVED_KEYS: usize = 1024;
/// The longest key remembered, in bytes; longer keys are counted with the keys over the limit
/// (so that at most `MAX_OBSERVED_KEYS * MAX_OBSERVED_KEY_LEN` bytes of keys are kept, however
/// large the keys in the data).
pub const MAX_OBSERVED_KEY_LEN: usize = 256;
/// Every group is observed until this many were; then one in [`OBSERVE_EVERY`].
const OBSERVE_ALL_FIRST: u64 = 64;
/// The sampling period of observed groups after the first [`OBSERVE_ALL_FIRST`].
const OBSERVE_EVERY: u64 = 8;

/// The drift of one data type's config against the observed keys (the engine's stats).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Groups observed so far.
    pub observed_groups: u64,
    /// Distinct keys remembered.
    pub observed_keys: u64,
    /// New keys not remembered (over [`MAX_OBSERVED_KEYS`] or [`MAX_OBSERVED_KEY_LEN`]).
    pub keys_over_limit: u64,
    /// The pipelines with drift, by JSON path (`trace.pipelines[1]`).
    pub pipelines: BTreeMap<String, PipelineDrift>,
}

/// The drift of one pipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PipelineDrift {
    /// The pipeline's name.
    pub name: String,
    /// Keys its condition reads that no observed group had.
    pub never_observed: Vec<String>,
    /// Keys observed only with types its comparisons never match.
    pub type_mismatch: Vec<TypeMismatch>,
}

/// A key observed only with types the condition's comparisons never match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeMismatch {
    /// The key.
    pub key: String,
    /// The types it was observed with (`tag`, `int`, …).
    pub observed: Vec<String>,
    /// What the condition compares it with (`int`, `string`, `regex`, …).
    pub compared_with: Vec<String>,
}

/// The keys and types observed for one token and data type.
#[derive(Debug, Default)]
pub struct Observed {
    /// Key → bit set of the [`FieldType`]s seen. The keys come from tenants' data, so the
    /// hash is seeded at random (foldhash: SipHash cost 7% of a decision walk, and a fixed-seed
    /// hash would let crafted keys collide); the map holds at most [`MAX_OBSERVED_KEYS`].
    keys: HashMap<Box<[u8]>, u8, foldhash::fast::RandomState>,
    groups: u64,
    keys_over_limit: u64,
}

fn field_type(v: &Value<'_>) -> Option<FieldType> {
    Some(match v {
        Value::Tag(_) => FieldType::Tag,
        Value::Str(_) => FieldType::String,
        Value::Int(_) => FieldType::Int,
        Value::Uint(_) => FieldType::Uint,
        Value::Float(_) => FieldType::Float,
        Value::Bool(_) => FieldType::Bool,
        Value::Bytes(_) => FieldType::Bytes,
        Value::Any(_) => return None,
    })
}

fn bit(t: FieldType) -> u8 {
    1 << (t as u8)
}

/// What a condition compares a key with.
enum Expect<'a> {
    /// A literal (`=`, `!=`, orderings, `IN` elements); nil is never an expectation.
    Literal(&'a LiteralValue),
    /// A regex (`re()`, `MATCH`): only strings match.
    Regex,
}

impl Expect<'_> {
    fn accepts(&self, t: FieldType) -> bool {
        match self {
            Expect::Literal(v) => compatible(t, v),
            Expect::Regex => t.is_string(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Expect::Literal(LiteralValue::Str(_)) | Expect::Regex => "string",
            Expect::Literal(LiteralValue::Int(_)) => "int",
            Expect::Literal(LiteralValue::Float(_)) => "float",
            Expect::Literal(LiteralValue::Bool(_)) => "bool",
            Expect::Literal(LiteralValue::Nil) => "nil",
        }
    }
}

/// Every key of `program` with what it is compared with.
fn expectations(program: &Program) -> BTreeMap<&str, Vec<Expect<'_>>> {
    fn walk<'a>(e: &'a crate::filter::Expr, out: &mut BTreeMap<&'a str, Vec<Expect<'a>>>) {
        let mut add = |key: &'a str, x: Option<Expect<'a>>| {
            let v = out.entry(key).or_default();
            v.extend(x);
        };
        match &e.kind {
            ExprKind::Or(items) | ExprKind::And(items) => items.iter().for_each(|i| walk(i, out)),
            ExprKind::Paren(inner) => walk(inner, out),
            ExprKind::Compare(c) => {
                if let Operand::Key(k) = &c.lhs {
                    add(
                        &k.name,
                        (c.rhs.value != LiteralValue::Nil).then_some(Expect::Literal(&c.rhs.value)),
                    );
                }
            }
            ExprKind::RegexEq(r) => {
                if let Operand::Key(k) = &r.lhs {
                    add(&k.name, Some(Expect::Regex));
                }
            }
            ExprKind::In(list) => {
                add(&list.key.name, None);
                for v in list.values.iter().filter(|v| v.value != LiteralValue::Nil) {
                    add(&list.key.name, Some(Expect::Literal(&v.value)));
                }
            }
            ExprKind::Match(list) => add(&list.key.name, Some(Expect::Regex)),
            ExprKind::NeverTrue(_) => {}
        }
    }
    let mut out = BTreeMap::new();
    for block in &program.blocks {
        for term in &block.terms {
            walk(term, &mut out);
        }
    }
    out
}

impl Observed {
    /// Whether the decision of the group with creation sequence `seq` should be observed:
    /// every group at first, then one in eight, so observing stays off the hot path.
    pub fn wants(&self, seq: u64) -> bool {
        self.groups < OBSERVE_ALL_FIRST || seq.is_multiple_of(OBSERVE_EVERY)
    }

    /// Counts one observed group.
    pub fn group(&mut self) {
        self.groups += 1;
    }

    /// Records one field of a point of an observed group.
    pub fn record(&mut self, key: &[u8], value: &Value<'_>) {
        let Some(t) = field_type(value) else { return };
        if let Some(bits) = self.keys.get_mut(key) {
            *bits |= bit(t);
        } else if self.keys.len() < MAX_OBSERVED_KEYS && key.len() <= MAX_OBSERVED_KEY_LEN {
            self.keys.insert(key.into(), bit(t));
        } else {
            self.keys_over_limit += 1;
        }
    }

    /// The drift of `section`'s pipelines against what was observed, as JSON:
    /// `{"observed_groups", "observed_keys", "keys_over_limit", "pipelines": {PATH: {"name",
    /// "never_observed": [key], "type_mismatch": [{"key", "observed": [type], "compared_with":
    /// [type]}]}}}`; only pipelines with drift are listed, and only once a group was observed.
    pub fn drift(&self, section: &Section) -> Drift {
        let mut pipelines = BTreeMap::new();
        if self.groups > 0 {
            for p in section.dimensions.iter().flat_map(|d| &d.pipelines) {
                let Some(condition) = p.condition() else {
                    continue;
                };
                let mut never = Vec::new();
                let mut mismatch = Vec::new();
                for (key, expects) in expectations(condition.program()) {
                    let Some(&bits) = self.keys.get(key.as_bytes()) else {
                        if self.keys_over_limit == 0 {
                            never.push(key.to_owned());
                        }
                        continue;
                    };
                    let seen: Vec<FieldType> = FieldType::ALL
                        .into_iter()
                        .filter(|t| bits & bit(*t) != 0)
                        .collect();
                    if !expects.is_empty()
                        && !seen.iter().any(|t| expects.iter().any(|e| e.accepts(*t)))
                    {
                        let compared: BTreeSet<&str> = expects.iter().map(Expect::kind).collect();
                        mismatch.push(TypeMismatch {
                            key: key.to_owned(),
                            observed: seen.iter().map(|t| t.as_str().to_owned()).collect(),
                            compared_with: compared.into_iter().map(str::to_owned).collect(),
                        });
                    }
                }
                if !never.is_empty() || !mismatch.is_empty() {
                    pipelines.insert(
                        p.path.clone(),
                        PipelineDrift {
                            name: p.name.clone(),
                            never_observed: never,
                            type_mismatch: mismatch,
                        },
                    );
                }
            }
        }
        Drift {
            observed_groups: self.groups,
            observed_keys: self.keys.len() as u64,
            keys_over_limit: self.keys_over_limit,
            pipelines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_and_the_overflow_counted() {
        let mut o = Observed::default();
        for i in 0..MAX_OBSERVED_KEYS + 76 {
            o.record(format!("k{i}").as_bytes(), &Value::Int(1));
        }
        o.record(b"k0", &Value::Float(1.0)); // a known key still gains types
        assert_eq!(o.keys.len(), MAX_OBSERVED_KEYS);
        assert_eq!(o.keys_over_limit, 76);
        assert_eq!(
            o.keys[b"k0".as_slice()],
            bit(FieldType::Int) | bit(FieldType::Float)
        );
        let mut o = Observed::default();
        o.record(&[b'k'; MAX_OBSERVED_KEY_LEN], &Value::Int(1));
        o.record(&[b'k'; MAX_OBSERVED_KEY_LEN + 1], &Value::Int(1));
        assert_eq!(
            (o.keys.len(), o.keys_over_limit),
            (1, 1),
            "too long to remember"
        );
    }

    #[test]
    fn sampling_observes_the_first_groups_then_one_in_eight() {
        let mut o = Observed::default();
        assert!(o.wants(3));
        o.groups = OBSERVE_ALL_FIRST;
        assert!(!o.wants(3));
        assert!(o.wants(16));
    }
}
