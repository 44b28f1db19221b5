//! The compiled form of a condition and its evaluation against one point: the exact
//! comparison semantics of docs/protocol.md, "Conditions" (strict typing, nil, missing keys, lists,
//! regexes), without allocating.

use std::cmp::Ordering;

use regex::bytes::Regex;

use super::ast::{CmpOp, Literal, LiteralValue};
use crate::wire::Value;

/// Float `=` is `|a − b| <= 1e-9`, as in the reference (`!=` and the orderings are exact).
const FLOAT_EQ_TOLERANCE: f64 = 1e-9;

/// A compiled boolean expression.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// Does not depend on the point (a literal on the left, or an ordering against nil).
    Const(bool),
    /// AND (a block's terms, or `AND`); true when empty.
    All(Box<[Node]>),
    /// OR (`OR`); false when empty.
    Any(Box<[Node]>),
    /// A test of the value of key slot `slot`.
    Test { slot: usize, test: Test },
}

impl Node {
    /// Evaluates against the point that `lookup` reads, short-circuiting.
    pub(crate) fn eval<'v, F>(&self, lookup: &mut F) -> bool
    where
        F: FnMut(usize) -> Option<Value<'v>>,
    {
        match self {
            Node::Const(value) => *value,
            Node::All(nodes) => nodes.iter().all(|node| node.eval(lookup)),
            Node::Any(nodes) => nodes.iter().any(|node| node.eval(lookup)),
            Node::Test { slot, test } => test.eval(lookup(*slot)),
        }
    }
}

/// A test of one value (`None`: the key is missing).
#[derive(Clone, Debug)]
pub(crate) enum Test {
    /// `= nil` (true iff missing) or, negated, `!= nil` (true iff present).
    IsNil { negated: bool },
    /// A comparison with a non-nil literal.
    Compare { op: CmpOp, rhs: Scalar },
    /// `= re(...)` (the string matches) or, negated, `!= re(...)` (a string that does not
    /// match, or a missing key).
    Regex { regex: Regex, negated: bool },
    /// `!= re(...)` as the reference evaluates it: any string, or a missing key.
    AnyStringOrMissing,
    /// `IN` or, negated, `NOTIN`; `if_missing` is the answer for a missing key.
    In {
        set: ValueSet,
        negated: bool,
        if_missing: bool,
    },
    /// `MATCH` (any regex matches) or, negated, `NOTMATCH` (any regex does not match).
    Match {
        regexes: Box<[Regex]>,
        negated: bool,
    },
}

impl Test {
    pub(crate) fn eval(&self, value: Option<Value<'_>>) -> bool {
        match self {
            Test::IsNil { negated } => value.is_some() == *negated,
            // A missing key is nil: `!=` any non-nil literal, nothing else.
            Test::Compare { op, rhs } => value.map_or(*op == CmpOp::Ne, |v| rhs.compare(*op, v)),
            Test::Regex { regex, negated } => match value {
                None => *negated,
                Some(v) => v
                    .as_str_bytes()
                    .is_some_and(|s| regex.is_match(s) != *negated),
            },
            Test::AnyStringOrMissing => value.is_none_or(|v| v.as_str_bytes().is_some()),
            Test::In {
                set,
                negated,
                if_missing,
            } => match value {
                None => *if_missing,
                Some(v) => set.contains(v) != *negated,
            },
            Test::Match { regexes, negated } => string(value)
                .is_some_and(|s| regexes.iter().any(|regex| regex.is_match(s) != *negated)),
        }
    }
}

/// The bytes of a tag or string value.
fn string<'v>(value: Option<Value<'v>>) -> Option<&'v [u8]> {
    value.and_then(|v| v.as_str_bytes())
}

/// A non-nil literal, typed.
#[derive(Clone, Debug)]
pub(crate) enum Scalar {
    Str(Box<[u8]>),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    /// `value op self` under strict typing: a tag or string field against a string, an int
    /// field against an int, a float against a float, a bool against a bool (`=` and `!=`
    /// only). Anything else (uint, bytes and any fields included) is false, `!=` too.
    fn compare(&self, op: CmpOp, value: Value<'_>) -> bool {
        match (value, self) {
            (Value::Tag(s) | Value::Str(s), Scalar::Str(rhs)) => holds(op, s.cmp(rhs)),
            (Value::Int(i), Scalar::Int(rhs)) => holds(op, i.cmp(rhs)),
            (Value::Float(x), &Scalar::Float(rhs)) => match op {
                CmpOp::Eq => float_eq(x, rhs),
                CmpOp::Ne => x != rhs,
                CmpOp::Lt => x < rhs,
                CmpOp::Le => x <= rhs,
                CmpOp::Gt => x > rhs,
                CmpOp::Ge => x >= rhs,
            },
            (Value::Bool(b), &Scalar::Bool(rhs)) => match op {
                CmpOp::Eq => b == rhs,
                CmpOp::Ne => b != rhs,
                _ => false,
            },
            _ => false,
        }
    }
}

fn holds(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering.is_eq(),
        CmpOp::Ne => ordering.is_ne(),
        CmpOp::Lt => ordering.is_lt(),
        CmpOp::Le => ordering.is_le(),
        CmpOp::Gt => ordering.is_gt(),
        CmpOp::Ge => ordering.is_ge(),
    }
}

fn float_eq(a: f64, b: f64) -> bool {
    (a - b).abs() <= FLOAT_EQ_TOLERANCE
}

/// The non-nil elements of an `IN`/`NOTIN` list, by type: strings and ints sorted for binary
/// search.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueSet {
    strings: Box<[Box<[u8]>]>,
    ints: Box<[i64]>,
    floats: Box<[f64]>,
    /// Bit 0: `false` is in the list; bit 1: `true` is.
    bools: u8,
}

impl ValueSet {
    pub(crate) fn new(values: &[Literal]) -> Self {
        let (mut strings, mut ints, mut floats, mut bools) =
            (Vec::new(), Vec::new(), Vec::new(), 0);
        for literal in values {
            match &literal.value {
                LiteralValue::Str(s) => strings.push(s.clone().into_boxed_slice()),
                LiteralValue::Int(i) => ints.push(*i),
                LiteralValue::Float(f) => floats.push(*f),
                LiteralValue::Bool(b) => bools |= 1 << u8::from(*b),
                // Equal to no present value; what a missing key gives is decided by the caller.
                LiteralValue::Nil => {}
            }
        }
        strings.sort_unstable();
        strings.dedup();
        ints.sort_unstable();
        ints.dedup();
        ValueSet {
            strings: strings.into(),
            ints: ints.into(),
            floats: floats.into(),
            bools,
        }
    }

    /// Whether some element `=` the value (under strict typing).
    fn contains(&self, value: Value<'_>) -> bool {
        match value {
            Value::Tag(s) | Value::Str(s) => {
                self.strings.binary_search_by(|e| (**e).cmp(s)).is_ok()
            }
            Value::Int(i) => self.ints.binary_search(&i).is_ok(),
            Value::Float(x) => self.floats.iter().any(|&f| float_eq(x, f)),
            Value::Bool(b) => self.bools & (1 << u8::from(b)) != 0,
            _ => false,
        }
    }
}
